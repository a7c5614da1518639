"""The ``question_type`` the API reports, so that ``qa eval`` can tell which kinds of question
are answered well."""

import pytest

from qa.question_type import question_type


@pytest.mark.parametrize(("question", "kind"), [
    ("为什么朝阳市被称为文明曙光？", "why"),
    ("朝阳市为什么要实施对外开放战略？", "why"),
    ("朝阳市被誉为什么？", "what"),  # 誉为 + 什么: what it is called
    ("它被地质学家视为什么地方？", "place"),  # not why: 视为 + 什么地方
    ("龙城区高性能膜项目什么时候投产？", "date"),
    ("辽阳市委书记是谁？", "person"),
    ("龙城区高性能膜项目总投资多少？", "number"),
    ("龍城區位於哪個城市？", "place"),
    ("如何推进全面振兴？", "how"),
    ("介绍一下朝阳市", "other"),
])
def test_question_type(question, kind):
    assert question_type(question) == kind
