"""Normalization rules, each on a fixture cut from one of the seed documents' quirks."""

from pathlib import Path

from qa.ingest.cleaning import clean
from qa.ingest.corpus import read_document

SEED = Path(__file__).resolve().parents[2] / "corpus"


def blocks(raw: str) -> list[tuple[str, str]]:
    text, bs, offsets = clean(raw)
    assert len(offsets) == len(text)
    return [(b.kind, text[b.start:b.end]) for b in bs]


def test_fullwidth_indentation_inside_one_line_makes_paragraphs_and_headings():
    # 000: paragraphs marked only by "　　" inside one long line, with an inline heading.
    raw = ("推进全面振兴全方位振兴\n振兴路上新朝阳\n\n"
           "　　有“花鸟源头，文明曙光”之称的辽宁省朝阳市，被誉为第一朵花绽放的地方。"
           "　　实施开放合作 助力经济腾飞"
           "　　2019年7月，北票康宝肉类食品项目正式落地建设。")
    assert blocks(raw) == [
        ("heading", "推进全面振兴全方位振兴"),
        ("heading", "振兴路上新朝阳"),
        ("paragraph", "有“花鸟源头，文明曙光”之称的辽宁省朝阳市，被誉为第一朵花绽放的地方。"),
        ("heading", "实施开放合作 助力经济腾飞"),
        ("paragraph", "2019年7月，北票康宝肉类食品项目正式落地建设。"),
    ]


PDF_COLUMNS = """“161”开放平台汇聚发展新动能

长期以来，经济总量小、
民营经济弱、国有企业弱、产
业结构极不合理成为朝阳发
展过程中挥之不去的痛点。

自 2015年以来，全市平均
每年实施 5000 万元以上建设

项目 200 个以上，并且呈现逐
年递增的可喜势头。今年 1
月至 7 月，新引进京津冀项目
316 个。
 在党的领导下，朝阳发生了
天翻地覆的变化。

用习近平新时代中国特色社会主
义思想武装头脑、指导实践、推动工
作，牢牢把握正确方向

习近平总书记反复强调，东北面临的
问题归根结底是体制机制问题。
"""


def test_pdf_column_text_is_rejoined_without_spaces_and_headings_kept():
    got = blocks(PDF_COLUMNS)
    assert got == [
        ("heading", "“161”开放平台汇聚发展新动能"),
        ("paragraph", "长期以来，经济总量小、民营经济弱、国有企业弱、产业结构极不合理成为朝阳发展过程中挥之不去的痛点。"),
        # A blank line in the middle of a sentence (a page break) does not end the paragraph.
        ("paragraph", "自 2015年以来，全市平均每年实施 5000 万元以上建设项目 200 个以上，并且呈现逐年递增的可喜势头。"
                      "今年 1月至 7 月，新引进京津冀项目316 个。"),
        # An indented line starts a new paragraph even without a blank line.
        ("paragraph", "在党的领导下，朝阳发生了天翻地覆的变化。"),
        ("heading", "用习近平新时代中国特色社会主义思想武装头脑、指导实践、推动工作，牢牢把握正确方向"),
        ("paragraph", "习近平总书记反复强调，东北面临的问题归根结底是体制机制问题。"),
    ]


def test_latin_words_wrapped_across_lines_get_a_space():
    text, _, _ = clean("\n".join(["The quick brown", "fox jumps"] * 6))
    assert "brown fox" in text


def test_english_running_heads_are_dropped():
    # 003: an English running head under the Chinese kicker.
    raw = ("庆祝中国共产党成立100周年\nThe 100th Anniversary of the Founding of\nThe Communist Party of China\n\n"
           "奋力开创辽阳振兴发展新局面\n\n踏上“十四五”新征程,我们要深入学习贯彻重要讲话精神。")
    assert [t for _, t in blocks(raw)] == [
        "庆祝中国共产党成立100周年", "奋力开创辽阳振兴发展新局面", "踏上“十四五”新征程,我们要深入学习贯彻重要讲话精神。"]


def test_section_marks_and_photo_credits_are_removed():
    # 004: "■" section marks, photo credits; 002: photo notes.
    raw = ("浪马轮胎通过制造系统智能化改造成为龙城区第一家5G示范工厂。 本报记者 张旭 摄\n\n"
           "■ 龙城时讯 SHIXUN\n\n本版照片为资料片\n\n投资1.6亿元 建乡村振兴示范工程\n\n本报讯 9月1日,总投资1.6亿元。")
    assert blocks(raw) == [
        ("paragraph", "浪马轮胎通过制造系统智能化改造成为龙城区第一家5G示范工厂。"),
        ("heading", "龙城时讯 SHIXUN"),
        ("heading", "投资1.6亿元 建乡村振兴示范工程"),
        ("paragraph", "本报讯 9月1日,总投资1.6亿元。"),
    ]


def test_zero_width_and_control_characters_are_removed_with_offsets_kept():
    raw = "朝\u200b阳\x07市\ufeff人口\u200d340万。"
    text, _, offsets = clean(raw)
    assert text == "朝阳市人口340万。"
    assert [raw[o] for o in offsets] == list(text)


def test_half_width_punctuation_is_kept_as_written():
    # 002 mixes half-width "," ":" "()" into Chinese text; citations quote it unchanged.
    raw = "凌源市地区生产总值实现77.6亿元,同比增长3.5%;(一)坚决打好招商引资战役:成效明显。"
    text, _, _ = clean(raw)
    assert text == raw


def test_offsets_map_every_seed_character_back_to_the_file():
    for path in sorted(SEED.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        doc = read_document(path, path.name)
        for i, ch in enumerate(doc.text):
            if ch not in "\n ":
                assert raw[doc.source_offsets[i]] == ch


def test_seed_titles_are_their_first_heading():
    titles = {p.name: read_document(p, p.name).title for p in sorted(SEED.glob("*.txt"))}
    assert titles["000_74ec0513fa38d948.txt"] == "推进全面振兴全方位振兴"
    assert titles["002_6898f3103771f9f9.txt"] == "书写县域经济大发展壮美画卷"
    assert titles["004_784ca2f8b721edea.txt"] == "培育优势产业 再造发展引擎"
