"""Questions of our own on corpus/, with known answers and cited documents."""

import pytest

from qa.answering import answer_question, local_coverage
from qa.lexical import char_tokens, query_text

D000, D001, D002, D003, D004 = ("000_74ec0513fa38d948.txt", "001_0ae81ca8cf954a1e.txt", "002_6898f3103771f9f9.txt",
                                "003_0624703ab3c854fd.txt", "004_784ca2f8b721edea.txt")

CASES = [
    # numbers with units, percentages
    ("凌源市截至6月末地区生产总值是多少？", "77.6亿元", D002),
    ("朝阳市森林覆盖率是多少？", "48.6%", D001),
    ("辽阳市空气质量优良天数有多少天？", "299天", D003),
    ("中国黄金集团投资多少钱改造新都黄金？", "10亿元", D000),
    # dates
    ("朝阳市哪一年申请创建国家森林城市？", "2017年", D001),
    ("高性能膜项目什么时候投入使用？", "2022年5月", D004),
    # paraphrase sharing few words with the text ("正式服务于" / "投入使用", "直径")
    ("辽阳三三工业研发的盾构机直径是多少？", "3.5米", D003),
    # 繁體 question against 简体 text
    ("朝陽市累計脫貧多少人？", "15.2万人", D000),
    ("凌源市農村居民可支配收入是多少？", "8645元", D002),
    # organisations and places: the supporting sentence names them
    ("龙城区第一家5G示范工厂是哪家企业？", "浪马轮胎", D004),
    ("牛河梁红山文化遗址距今多少年？", "5500—5000年", D000),
]


@pytest.mark.parametrize("question,answer,doc_id", CASES)
def test_answers_and_citations(seed_index, embedder, base_settings, question, answer, doc_id):
    a = answer_question(seed_index, embedder, question, base_settings)
    assert a.status == "answered"
    assert answer in a.answer
    assert a.answer in a.sentence
    first = a.citations[0]
    assert first.doc_id == doc_id
    h0, h1 = first.highlight
    assert first.excerpt[h0:h1] == a.sentence
    if a.answer != a.sentence:
        s0, s1 = first.answer_highlight
        assert first.excerpt[s0:s1] == a.answer
    # Citations quote the stored document at their offsets.
    text = seed_index.documents[first.doc_id].text
    assert text[first.start:first.end] == first.excerpt


def test_exact_spans_for_typed_questions(seed_index, embedder, base_settings):
    for question, answer in [("凌源市截至6月末地区生产总值是多少？", "77.6亿元"), ("朝阳市森林覆盖率是多少？", "48.6%"),
                             ("朝陽市累計脫貧多少人？", "15.2万人")]:
        assert answer_question(seed_index, embedder, question, base_settings).answer == answer


@pytest.mark.parametrize("question", ["珠穆朗玛峰的海拔有多高？", "今天北京的天气怎么样？", "苹果公司的创始人是谁？",
                                      "如何做红烧肉？", "光速是多少？"])
def test_unanswerable_questions_are_refused_without_sources(seed_index, embedder, base_settings, question):
    a = answer_question(seed_index, embedder, question, base_settings)
    assert a.status == "no_answer"
    assert a.answer is None and a.citations == []
    assert a.message == "文档中没有找到相关答案。"


def test_citations_are_distinct_and_bounded(seed_index, embedder, base_settings):
    a = answer_question(seed_index, embedder, "朝阳市开放合作取得了哪些成效？", base_settings, top_k=8)
    excerpts = [c.excerpt for c in a.citations]
    assert 1 <= len(excerpts) <= 8 and len(excerpts) == len(set(excerpts))


def test_topic_words_tell_no_candidate_sentence_apart():
    # Every candidate is about 康王路; only the one that also says 全长 answers "康王路全长多少".
    sentences = ["康王路位于广州市荔湾区。", "康王路的名字来源于康王庙。", "康王路全长约2.8公里。"]
    cov = local_coverage(char_tokens(query_text("康王路全长多少？")), sentences)
    assert cov[2] == 1.0
    assert cov[0] == cov[1] < 0.2
