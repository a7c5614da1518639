"""The document a conversation is about, found again from the history alone (the service keeps
no conversation state), on the seed corpus."""

from qa.followup import Turn
from qa.followup.focus import answered_chunk, conversation_chunk


def test_the_document_that_holds_the_last_answer_is_found(seed_index, base_settings):
    found = answered_chunk(seed_index, "截至6月末凌源市地区生产总值实现多少？", "77.6亿元", base_settings)
    doc = found.doc_id if found else None
    assert doc is not None and "77.6亿元" in seed_index.documents[doc].text
    history = [Turn("截至6月末凌源市地区生产总值实现多少？", "77.6亿元")]
    assert conversation_chunk(seed_index, history, base_settings).doc_id == doc
    # a later question that found no answer may have left that document: none is assumed
    history.append(Turn("朝阳市累计脱贫多少人？", None))
    assert conversation_chunk(seed_index, history, base_settings) is None


def test_an_answer_no_document_holds_names_no_document(seed_index, base_settings):
    assert answered_chunk(seed_index, "凌源市地区生产总值实现多少？", "九百九十九亿元", base_settings) is None
    assert conversation_chunk(seed_index, [Turn("凌源市地区生产总值实现多少？", None)], base_settings) is None


def test_a_follow_up_is_answered_from_the_conversation_s_document(seed_index, base_settings, embedder, reader):
    from qa.answering import answer_question

    history = [Turn("上半年凌源市面向京津冀招商多少次？", "168次"), Turn("共落地多少个“飞地项目”？", "18个")]
    doc = conversation_chunk(seed_index, history, base_settings).doc_id
    a = answer_question(seed_index, embedder, reader, "新签约多少个？", base_settings, history=history)
    assert a.status == "answered" and "19个" in a.answer
    assert a.citations[0].doc_id == doc and a.resolved_question != "新签约多少个？"
