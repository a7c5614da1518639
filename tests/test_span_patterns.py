"""The rules of qa/span_patterns.py, through extract_span: titles on sentences from the seed
documents; the patterns the seeds lack on sentences written for the test."""

import pytest

from qa.spans import extract_span, question_type


def span(question: str, sentence: str) -> str | None:
    s = extract_span(question, sentence)
    return sentence[s.start:s.end] if s else None


@pytest.mark.parametrize("question,sentence,expected", [
    ("龙城区今年制定了什么规划？", "今年,龙城区制定了《龙城区“十四五”现代物流业发展专项规划》,确定了总体目标。",
     "《龙城区“十四五”现代物流业发展专项规划》"),
    # a run of titles answers 哪些
    ("凌源市编制了哪些规划？", "完成热水汤、牛河梁片区建设,编制《凌源市全域旅游发展规划》《凌源市乡村旅游规划》。",
     "《凌源市全域旅游发展规划》《凌源市乡村旅游规划》"),
])
def test_titles_answer_questions_about_works(question, sentence, expected):
    assert span(question, sentence) == expected


# Patterns the seed documents lack, on sentences written for the test.
@pytest.mark.parametrize("question,sentence,expected", [
    # other names: the sentence's own marker, the one of the question's kind first
    ("青石鱼又叫什么？", "青石鱼，又称蓝纹石鱼、太平洋石鱼，俗名为厚壳仔，是一种海鱼。", "蓝纹石鱼、太平洋石鱼"),
    ("青石鱼的俗名是什么？", "青石鱼，又称蓝纹石鱼、太平洋石鱼，俗名为厚壳仔，是一种海鱼。", "厚壳仔"),
    # a style name
    ("王明的字是什么？", "王明，字子远，号青山，山东济南人。", "子远"),
])
def test_other_names(question, sentence, expected):
    assert question_type(question) == "what"
    assert span(question, sentence) == expected


@pytest.mark.parametrize("question,sentence,expected", [
    ("王明是哪里人？", "王明，字子远，号青山，山东济南人。", "山东济南"),
    ("李华是哪国人？", "李华是一名克罗地亚职业足球运动员，司职前锋。", "克罗地亚"),
])
def test_origin(question, sentence, expected):
    assert question_type(question) == "place"
    assert span(question, sentence) == expected


@pytest.mark.parametrize("question,sentence,expected", [
    # the name after a title or a role
    ("这本期刊的主编是谁？", "这本期刊的主编是食品工程专家孙大文。", "孙大文"),
    # named before the words the question puts first
    ("第一位获得该奖的女性是谁？", "张国华，后来成为第一位获得该奖的女性，就在这座城市长大。", "张国华"),
    # kinship
    ("朱明的母亲是谁？", "朱明，明代宗室，第四子、母卢妃。", "卢妃"),
    ("赵后是谁的妻子？", "赵后，吴郡人，吴景帝孙休之妻，后被立为皇后。", "孙休"),
])
def test_people(question, sentence, expected):
    assert question_type(question) == "person"
    assert span(question, sentence) == expected


def test_doer_between_by_and_the_verb():
    q = "这颗卫星是由谁制造的？"
    s = "这颗卫星由中国空间技术研究院制造，于2006年发射。"
    assert span(q, s) == "中国空间技术研究院"


def test_what_is_called_is_not_why():
    assert question_type("这种扇子为什么又叫芭蕉扇？") == "why"
    assert question_type("这种扇子俗称为什么？") == "what"
    assert question_type("纽波特又被译为什么？") == "what"


def test_how_and_why_without_a_gap_drop_the_restated_clause():
    # No cause marker: the clauses that only restate the question go.
    q = "为什么这种蛇的皮肤粗糙？"
    s = "这种蛇的皮肤粗糙，可以抵御水压，便于在海底猎食。"
    assert span(q, s) == "可以抵御水压，便于在海底猎食"
    assert question_type("前燕是怎么灭亡的？") == "how"
