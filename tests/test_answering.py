"""Questions of our own on corpus/, answered by the shipped reader, with the documents cited."""

import pytest

from qa.answering import Answer, Citation, _answer, _choose, _weigh, answer_question, sentence_around
from qa.evaluation import convert
from qa.records import Chunk

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
    ("凌源市農村居民可支配收入是多少？", "8645元", D002),
]
# Questions the shipped reader gets wrong are listed in docs/answers.md (section 6), not here.


@pytest.mark.parametrize("script", [None, "traditional"])
@pytest.mark.parametrize("question,answer,doc_id", CASES)
def test_answers_and_citations(seed_index, embedder, reader, base_settings, question, answer, doc_id, script):
    """Each question also asked in 繁體 over these 简体 documents, as a reader in Taiwan or Hong Kong asks."""
    question = convert(question, script) if script else question
    a = answer_question(seed_index, embedder, reader, question, base_settings)
    assert a.status == "answered", (a.confidence, a.missing)
    assert answer in a.answer and len(a.answer) <= len(answer) + 6
    assert a.answer in a.sentence
    first = a.citations[0]
    assert first.doc_id == doc_id
    h0, h1 = first.highlight
    assert first.excerpt[h0:h1] == a.sentence
    s0, s1 = first.answer_highlight
    assert first.excerpt[s0:s1] == a.answer and h0 <= s0 < s1 <= h1
    # Citations quote the stored document at their offsets.
    text = seed_index.documents[first.doc_id].text
    assert text[first.start:first.end] == first.excerpt


@pytest.mark.parametrize("question", ["珠穆朗玛峰的海拔有多高？", "今天北京的天气怎么样？", "苹果公司的创始人是谁？",
                                      "如何做红烧肉？", "光速是多少？"])
def test_unanswerable_questions_are_refused_without_sources(seed_index, embedder, reader, base_settings, question):
    a = answer_question(seed_index, embedder, reader, question, base_settings)
    assert a.status == "no_answer"
    assert a.answer is None and a.citations == []
    assert a.message == "文档中没有找到相关答案。"


@pytest.mark.parametrize("question", ["上海市截至6月末地区生产总值是多少？", "深圳市森林覆盖率是多少？"])
def test_a_place_the_documents_never_mention_is_refused(seed_index, embedder, reader, base_settings, question):
    """The documents answer these for 凌源 and 朝阳; about another city they must not."""
    a = answer_question(seed_index, embedder, reader, question, base_settings)
    assert a.status == "no_answer" and a.answer is None
    assert a.missing


def test_citations_are_distinct_and_bounded(seed_index, embedder, reader, base_settings):
    a = answer_question(seed_index, embedder, reader, "朝阳市森林覆盖率是多少？", base_settings, top_k=8)
    excerpts = [c.excerpt for c in a.citations]
    assert 1 <= len(excerpts) <= 8 and len(excerpts) == len(set(excerpts))
    assert all(c.answer_highlight is None for c in a.citations[1:])


def test_the_sentence_is_the_one_holding_the_span():
    text = "第一句话。凌源市地区生产总值完成77.6亿元，同比增长7.2%。第三句。"
    chunk = Chunk(0, "d", "t", [], 0, len(text), text, [])
    a = text.index("77.6亿元")
    s, e = sentence_around(chunk, a, a + 6)
    assert text[s:e] == "凌源市地区生产总值完成77.6亿元，同比增长7.2%。"


def _read(answer, score, doc):
    cite = [Citation(doc, doc, 0, 1, answer, [0, 1], [0, 1], 1.0)] if doc else []
    return Answer("q", "answered" if doc else "no_answer", answer if doc else None, None, 0.9, cite,
                  span_score=score)


def test_a_follow_up_keeps_the_answer_from_the_conversation_s_document():
    alone, carried = _read("1927年", 5.0, "other.txt"), _read("1949年", 3.0, "talked_about.txt")
    assert _choose(alone, carried, "pronoun", "talked_about.txt") is carried
    # with no conversation document, or both from it, the surer read wins
    assert _choose(alone, carried, "pronoun", None) is alone
    assert _choose(alone, _read("1949年", 3.0, "other.txt"), "subject", "other.txt") is alone
    # a question that named a subject of its own keeps its answer unless the topic reads clearly surer
    assert _choose(alone, carried, "named", "talked_about.txt") is alone
    assert _choose(alone, _read("1949年", 6.5, "talked_about.txt"), "named", "talked_about.txt").answer == "1949年"
    assert _choose(alone, _read("1949年", 5.5, "talked_about.txt"), "named", "talked_about.txt") is alone


def test_a_question_with_a_phrase_of_its_own_takes_the_topic_only_when_it_reads_surer():
    alone = _read("40%", 5.0, "d.txt")
    assert _choose(alone, _read("52%", 5.5, "d.txt"), "own", "d.txt").answer == "52%"
    assert _choose(alone, _read("52%", 4.5, "d.txt"), "own", "d.txt") is alone
    # unlike a follow-up, it does not prefer the conversation's document over the surer read
    assert _choose(_read("40%", 5.0, "other.txt"), _read("52%", 4.5, "d.txt"), "own", "d.txt").answer == "40%"


def test_two_different_answers_are_weighed_by_both_forms_of_the_question():
    # asked as is, "它" read surer about another subject; the answer that the standalone form
    # also accepts wins
    alone, carried = _read("1927年", 5.0, "d.txt"), _read("1949年", 4.0, "d.txt")
    assert _choose(alone, carried, "pronoun", "d.txt") is alone
    assert _choose(alone, carried, "pronoun", "d.txt", weighed=(5.0 - 3.0, 4.0 + 3.5)) is carried
    assert _choose(alone, carried, "named", "d.txt", weighed=(5.0 + 2.0, 4.0 + 3.5)) is alone  # not by NAMED_MARGIN


def test_weighing_scores_each_answer_under_the_other_form(seed_index, embedder, reader, base_settings):
    question, tried = "地区生产总值是多少？", "凌源市地区生产总值是多少？"
    alone = _answer(seed_index, embedder, reader, question, question, base_settings, None, None, None, None)
    carried = _answer(seed_index, embedder, reader, question, tried, base_settings, None, None, None, None)
    assert alone.answer and carried.answer and alone.answer != carried.answer
    weighed = _weigh(reader, question, tried, alone, carried)
    cited = carried.citations[0]
    assert weighed is not None
    assert weighed[1] == pytest.approx(carried.span_score + reader.score_span(question, cited.excerpt,
                                                                              *cited.answer_highlight))
    # with the conversation's earlier questions, the history layers' score of each is added
    earlier = ["凌源市地区生产总值是多少？"]
    with_history = _weigh(reader, question, tried, alone, carried, earlier)
    assert with_history is not None
    assert with_history[1] == pytest.approx(weighed[1] + reader.score_span(question, cited.excerpt,
                                                                           *cited.answer_highlight, earlier))
    # the same answer, or none, needs no weighing
    assert _weigh(reader, question, tried, alone, alone) is None
    assert _weigh(reader, question, tried, alone, _read(None, -3.0, None)) is None


def test_an_answer_wins_over_a_refusal_however_sure_the_refused_read():
    # the standalone form names a topic the documents never mention: its answer is withheld,
    # whatever its span score
    answered, refused = _read("制胜球", 9.9, "d.txt"), _read(None, 10.1, None)
    for rule in ("pronoun", "subject", "named", "own"):
        assert _choose(answered, refused, rule, "d.txt") is answered
        assert _choose(refused, answered, rule, "d.txt") is answered
