"""The span extractor by question type, on sentences from the seed documents."""

import pytest

from qa.spans import extract_span, question_type


def span(question: str, sentence: str) -> str | None:
    s = extract_span(question, sentence)
    return sentence[s.start:s.end] if s else None


@pytest.mark.parametrize("question,sentence,expected", [
    # number with unit; copula in the question, another verb in the sentence
    ("凌源市截至6月末地区生产总值是多少？", "截至6月末,凌源市地区生产总值实现77.6亿元,同比增长3.5%;", "77.6亿元"),
    # percentage
    ("朝阳市森林覆盖率是多少？", "目前，朝阳全市森林面积达到96万公顷，森林覆盖率为48.6%；", "48.6%"),
    # the unit named in the question picks the number
    ("全市累计多少人脱贫？", "全市累计实现4个贫困县摘帽、565个贫困村销号、15.2万人脱贫，贫困发生率由2015年底的6.9%下降到1.7%。",
     "15.2万人"),
    # a range
    ("牛河梁红山文化遗址距今多少年？", "域内发掘的牛河梁红山文化遗址，距今5500—5000年，见证了中华民族五千年的文明史。", "5500—5000年"),
])
def test_numbers(question, sentence, expected):
    assert question_type(question) == "number"
    assert span(question, sentence) == expected


@pytest.mark.parametrize("question,sentence,expected", [
    # 哪一年 asks for the year, not the month
    ("朝阳市哪一年申请创建国家森林城市？", "2017年10月底，朝阳市向国家林业局、省林业厅申请创建国家森林城市，并获得批准。", "2017年"),
    ("朝阳市什么时候申请创建国家森林城市？", "2017年10月底，朝阳市向国家林业局、省林业厅申请创建国家森林城市，并获得批准。", "2017年10月"),
    ("高性能膜项目什么时候正式投入使用？", "年产7万吨高性能膜项目主体工程将于11月末全部结束,2022年5月正式投入使用。", "2022年5月"),
])
def test_dates(question, sentence, expected):
    assert question_type(question) == "date"
    assert span(question, sentence) == expected


def test_person_name_without_title():
    q = "中英关系因为谁在1992年10月提出的政改方案而陷入谷底？"
    s = "中英关系则因为末代香港总督彭定康于1992年10月突然推出直选成份极高的政改方案而陷入谷底。"
    assert question_type(q) == "person"
    assert span(q, s) == "彭定康"


@pytest.mark.parametrize("question,sentence,expected", [
    # jieba cuts transliterated names at the middle dot, and sometimes inside a name
    ("氨碱法是由谁发明的？", "氨碱法是由欧内斯特·索尔维发明的。", "欧内斯特·索尔维"),
    ("敷岛是由谁设计的？", "敷岛由菲利普瓦特设计，于1897年下水。", "菲利普瓦特"),
])
def test_whole_transliterated_names(question, sentence, expected):
    assert question_type(question) == "person"
    assert span(question, sentence) == expected


@pytest.mark.parametrize("question,sentence,expected", [
    ("响尾蛇最长的约有多长？", "这种响尾蛇最长的约有89.8公分。", "89.8公分"),
    ("迪士尼度假区线有多少列车？", "迪士尼度假区线共有5列列车。", "5列"),
])
def test_measure_words_and_units_stay_with_the_number(question, sentence, expected):
    assert span(question, sentence) == expected


def test_organisation_between_anchors():
    q = "浪马轮胎通过什么改造成为龙城区第一家5G示范工厂？"
    s = "浪马轮胎通过制造系统智能化改造,实现产品全流程追溯,成为龙城区第一家5G示范工厂。"
    assert span(q, s) == "制造系统智能化"


def test_noun_phrase_after_the_left_anchor():
    q = "固始站隶属于什么公司？"
    s = "固始站是宁西铁路上的一座车站，位于河南省固始县段集镇，隶属于武汉铁路局，现为三等站。"
    assert question_type(q) == "org"
    assert span(q, s) == "武汉铁路局"


def test_why_takes_the_cause_clause():
    q = "王沈为什么由叔叔抚养？"
    s = "王沈少年时因为其父早死，被叔叔王昶抚养。"
    assert question_type(q) == "why"
    assert span(q, s) == "其父早死"


def test_no_confident_span_means_none():
    # Nothing of the question stands in the sentence: the caller answers with the sentence.
    assert span("凌源市的农民收入是多少？", "这是一句无关的话。") is None
    assert span("介绍一下朝阳", "朝阳市位于辽宁省西部。") is None


def test_question_types():
    assert question_type("辽阳市委书记是谁？") == "person"
    assert question_type("北票在哪里？") == "place"
    assert question_type("他从科罗拉多大学获得了什么学位？") == "what"  # "多大" inside a name is no number question
    assert question_type("属于食肉牛龙亚科的属重新被归类为什么科？") == "what"
    assert question_type("这个镇的发源地在哪？") == "place"
    assert question_type("枪管能在不需要任何人手调整时发射什么样的子弹？") == "what"  # 任何人 asks for nobody
