"""The PDF clean-up rules on lines placed by hand: line joins, paragraph breaks, headings,
running headers and footers, page numbers."""

from qa.ingest.layout import PAGE_NUMBER, Line, drop_running, join, paragraphs


def line(text, x0=50, x1=300, y=100, page=1):
    return Line(text, x0, x1, y, y + 12, page)


def test_lines_that_run_to_the_edge_are_joined_without_spaces():
    lines = [line("全县地区生产总值达到386.5亿元，比", y=100), line("上年增长6.2%。城镇居民人均可支配", y=118),
             line("收入达到45210元。", x1=150, y=136), line("工业经济稳中有进。", x0=74, y=154)]
    pars = [join(p)[0] for p in paragraphs(lines)]
    assert pars == ["全县地区生产总值达到386.5亿元，比上年增长6.2%。城镇居民人均可支配收入达到45210元。", "工业经济稳中有进。"]


def test_latin_words_keep_their_space_and_headings_stand_alone():
    lines = [line("一、总体要求", x1=120, y=100), line("the annual report of", y=118), line("the county。", x1=120, y=136),
             line("（一）主要目标", x1=120, y=154), line("第二章 保障措施", x1=120, y=172)]
    assert [join(p)[0] for p in paragraphs(lines)] == ["一、总体要求", "the annual report of the county。", "（一）主要目标",
                                                   "第二章 保障措施"]


def test_a_paragraph_goes_on_across_a_page_break_but_not_after_a_short_line():
    lines = [line("第一页最后一行写满到了右边，", y=500, page=1), line("第二页接着写完这一句。", x1=200, y=60, page=2),
             line("新的一段。", y=80, page=2, x0=74)]
    assert [join(p)[0] for p in paragraphs(lines)] == ["第一页最后一行写满到了右边，第二页接着写完这一句。", "新的一段。"]


def test_running_header_footer_and_page_numbers_are_dropped():
    pages = []
    for n in range(1, 5):
        pages.append([line("某某县人民政府工作报告", y=10, page=n), line(f"正文第{n}页的内容。", y=300, page=n),
                      line(f"第 {n} 页 共 4 页", y=580, page=n)])
    kept = drop_running(pages, [600.0] * 4)
    assert [[ln.text for ln in p] for p in kept] == [[f"正文第{n}页的内容。"] for n in range(1, 5)]


def test_body_lines_that_repeat_are_kept():
    pages = [[line("重复的正文句子。", y=300, page=n)] for n in range(1, 4)]
    assert drop_running(pages, [600.0] * 3) == pages


def test_page_number_forms():
    for text in ["3", "- 3 -", "— 12 —", "第3页", "第 3 页 / 共 10 页", "Page 3 of 10", "3/10"]:
        assert PAGE_NUMBER.match(text), text
    for text in ["3.2万亩", "第三章", "2024年"]:
        assert not PAGE_NUMBER.match(text), text
