"""Conversations built by rule, as the benchmark measures them and the history layers learn them."""

import json

from qa.reader.conversations import conversation_turns, rewrite, subject_of
from qa.reader.data import split_of


def test_the_repeated_subject_is_the_longest_shared_stretch_without_question_words():
    assert subject_of("环氧氯丙烷有什么用途？", ["环氧氯丙烷", "环氧氯丙烷是什么？"]) == "环氧氯丙烷"
    # never a part of a question word ("有什" of "有什么") or of a number ("194" of "1944年")
    assert subject_of("共產黨於1944年簽下什麼條約?", ["1945年的事", "共產黨是誰"]) == "共產黨"
    assert subject_of("它在哪里？", ["卡特是谁？"]) is None


def test_a_subject_opening_the_question_is_dropped_else_replaced_by_a_pronoun():
    assert rewrite("環氧氯丙烷有什麼用途？", "環氧氯丙烷") == "有什麼用途？"
    assert rewrite("2019年朝阳市地区生产总值是多少？", "朝阳市") == "2019年它地区生产总值是多少？"
    assert rewrite("吉米·卡特的妻子是谁？", "吉米·卡特") == "他的妻子是谁？"


def _titles_in(split: str, n: int) -> list[str]:
    found, i = [], 0
    while len(found) < n:
        if split_of("convs", f"文章{i}") == split:
            found.append(f"文章{i}")
        i += 1
    return found


def test_each_turn_carries_what_was_asked_before_and_a_first_turn_the_previous_conversation(tmp_path):
    a, b = _titles_in("train", 2)
    held_out = _titles_in("val", 1)[0]

    def article(title, context, qas):
        return {"title": title, "paragraphs": [{"context": context, "qas": [
            {"id": f"{title}-{n}", "question": q, "answers": [{"text": t, "answer_start": context.index(t)}]}
            for n, (q, t) in enumerate(qas)]}]}

    data = {"data": [
        article(a, "凌源市地区生产总值77.6亿元，同比增长8.1%。", [("凌源市地区生产总值是多少？", "77.6亿元"),
                                                 ("凌源市地区生产总值同比增长多少？", "8.1%")]),
        article(held_out, "辽阳市森林覆盖率43%。", [("辽阳市森林覆盖率是多少？", "43%"), ("辽阳市在哪里？", "辽阳市")]),
        article(b, "卡特1924年出生，1977年就任总统。", [("卡特哪一年出生？", "1924年"), ("卡特哪一年就任总统？", "1977年")]),
    ]}
    path = tmp_path / "convs.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    turns = conversation_turns(path, "train")
    assert [t.asked for t in turns] == ["凌源市地区生产总值是多少？", "同比增长多少？", "卡特哪一年出生？", "哪一年就任总统？"]
    assert turns[1].earlier == ["凌源市地区生产总值是多少？"]
    assert turns[1].example.question == "凌源市地区生产总值同比增长多少？"  # the gold stays the original's
    # a conversation's first turn has the previous one (of the same part) as its history
    assert turns[2].earlier == ["凌源市地区生产总值是多少？", "同比增长多少？"]
