from qa.sentences import split_sentences


def texts(s: str) -> list[str]:
    return [s[x.start:x.end] for x in split_sentences(s)]


def test_chinese_and_western_terminators():
    assert texts("第一句。第二句！第三句？第四句；第五句!第六句?第七句;第八句……第九句") == [
        "第一句。", "第二句！", "第三句？", "第四句；", "第五句!", "第六句?", "第七句;", "第八句……", "第九句"]


def test_closing_quotes_and_brackets_stay_with_their_sentence():
    assert texts("他说：“我们成功了。”随后离开。（完。）下一句") == [
        "他说：“我们成功了。”", "随后离开。", "（完。）", "下一句"]


def test_numbers_are_never_split():
    s = "累计脱贫 15.2万人，贫困发生率下降到 9.1%。2019年7月，项目落地。比分是3;2。"
    assert texts(s) == ["累计脱贫 15.2万人，贫困发生率下降到 9.1%。", "2019年7月，项目落地。", "比分是3;2。"]


def test_line_breaks_end_sentences_and_offsets_index_the_text():
    s = "标题\n正文第一句。正文第二句"
    spans = split_sentences(s)
    assert [s[x.start:x.end] for x in spans] == ["标题", "正文第一句。", "正文第二句"]
    assert split_sentences(s, 3, 9)[0].start == 3
