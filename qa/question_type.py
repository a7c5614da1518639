"""The kind of thing a question asks for, reported as the API's ``question_type``.

The reader does not need it (it learned what each question wants); users and ``qa eval``
use it to see which kinds of question are answered well.
"""

from __future__ import annotations

import re

from qa.folding import fold

# Interrogatives, most telling first: the first pattern found decides the question type.
WH_TYPES: list[tuple[str, str]] = [
    # "称为/誉为/视为/改为…什么" asks what something is called, not why
    ("why", r"(?<![称叫名作成译誉视认改定评选列])为什么(?![\u4e00-\u9fff]{1,2}$)|为何|什么原因|原因是什么"),
    ("date", r"什么时候|什么时间|何时|何年|哪一?年|哪一?天|哪个月|几月|几号|几日|多少年前|哪个朝代|什么年代"),
    ("person", r"谁|哪一?位|什么人|(?<!任)何人"),
    ("place", r"哪里|哪儿|在哪$|何地|何处|什么地方|哪个(?:省|市|县|国家|城市|地区|地方)|哪座城市|哪国"),
    ("org", r"哪家|哪个(?:公司|企业|机构|组织|单位|学校|大学|部门|团队|球队)|什么(?:公司|企业|机构|组织)"),
    ("what", r"什么样的?|什么|哪一[\u4e00-\u9fff]|哪[两几]?[\u4e00-\u9fff]|何种|啥"),
    ("number", r"多少|几|多[大高长远重久深宽]|百分之几"),
    ("how", r"怎么样?|怎样|如何"),
]
_WH = [(name, re.compile(p)) for name, p in WH_TYPES]
_EDGES = "，。、；：！？,.;:!?（）()“”\"'‘’《》「」【】—… \u3000?？"


def question_type(question: str) -> str:
    """``number``, ``date``, ``person``, ``place``, ``org``, ``what``, ``why``, ``how`` or ``other``
    (traditional characters are folded first)."""
    q = fold(question).strip(_EDGES)
    return next((name for name, pattern in _WH if pattern.search(q)), "other")
