"""Finding the answer phrase inside the supporting sentence.

A question like ``凌源市的地区生产总值实现了多少`` is its statement with a gap: the words on
each side of the interrogative also stand in the sentence, and the answer sits between them.
We align the question's left and right context with the sentence on folded text, take the
gap, and check it against what the question type expects (a number with its unit, a date,
a name). When nothing fits with confidence, the caller answers with the whole sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from qa.folding import fold

_CN_NUM = "零〇一二两三四五六七八九十百千万亿"
UNITS = ("平方公里|平方米|平方千米|万平方米|公顷|千瓦时|千瓦|兆瓦|万千瓦|千米|公里|厘米|毫米|米|万吨|吨|千克|公斤|克|斤|"
         "万元|亿元|美元|欧元|元|万人次|人次|万人|万户|个百分点|百分点|分钟|小时|秒|天|周|个月|月|年|岁|倍|"
         "家|项|户|人|名|位|个|座|所|次|辆|台|件|条|篇|部|种|场|届|枚|首|集|章|层|间|张|本|头|只|亩|余|多")
NUMBER = re.compile(
    rf"(?:约|近|超过|逾|达)?(?:\d+(?:[.,]\d+)*|[{_CN_NUM}]+)(?:\.\d+)?(?:[-—~～至到](?:\d+(?:\.\d+)?|[{_CN_NUM}]+))?"
    rf"\s*(?:%|％|‰|(?:万|亿|千|百)*(?:{UNITS})?)(?:以上|以下|左右|多)?")
DATE = re.compile(
    rf"(?:公元前?)?(?:\d{{1,4}}|[{_CN_NUM}]{{2,4}})年(?:代|底|初)?(?:\d{{1,2}}月(?:\d{{1,2}}日)?)?|"
    rf"\d{{1,2}}月\d{{1,2}}日|\d{{1,2}}月(?:份|底|初)?|\d{{1,2}}世纪(?:\d{{1,2}}年代)?|[{_CN_NUM}]+世纪")

QTYPES: list[tuple[str, re.Pattern[str]]] = [
    ("date", re.compile(r"哪一?年|哪一?天|何时|什么时候|什么时间|几月|几号|几日|哪个月|年份|日期|何年|多少年前|哪个朝代|什么年代")),
    ("number", re.compile(r"多少|几|多大|多高|多长|多远|多重|多久|多深|多宽|比例|占比|百分之")),
    ("person", re.compile(r"谁|哪位|哪一位|什么人|何人|哪个人|名字叫什么")),
    ("place", re.compile(r"哪里|哪儿|何地|何处|什么地方|哪个(?:省|市|县|国家|城市|地区|地方)|哪座|位于哪")),
    ("org", re.compile(r"哪家|哪个(?:公司|企业|机构|组织|单位|学校|大学|部门|团队|球队)|什么(?:公司|企业|机构|组织)")),
    ("what", re.compile(r"什么|哪个|哪些|哪种|哪项|何种|哪部|哪一|啥")),
]
WH = re.compile(r"多少年前|什么时候|什么时间|什么地方|什么人|什么|多少|哪一[年天位个种项部]|哪[里儿个些种项家位部年天座]|"
                r"何时|何地|何处|何人|何种|何年|谁|几[月号日]?|多[大高长远重久深宽]")
POS_FOR = {"person": ("nr",), "place": ("ns",), "org": ("nt", "nz"), "what": ("nz", "nt", "ns", "nr", "n")}
_PUNCT = "，。、；：！？,.;:!?（）()“”\"'‘’《》「」【】—… \u3000"
_EDGE_WORDS = ("的是", "就是", "即是", "是", "为", "有", "了", "在", "于", "由", "被", "把", "将", "约", "共", "和", "与", "及")


# Verbs that link the question's subject to the asked-for thing; the sentence often uses another.
_LINKS = "是|为|有|达到|达|实现|完成|共有|约为|约|叫做|叫|称为|位于|在|于|属于|成为|增长|下降|提高|超过|占"
_COPULA_END = re.compile(rf"(?:{_LINKS})+(?:了|的)?$")
_COPULA_START = re.compile(rf"^(?:的|了)?(?:{_LINKS})")


@dataclass(frozen=True)
class Span:
    start: int  # offsets inside the sentence
    end: int
    confidence: float


def question_type(question: str) -> str:
    for name, pattern in QTYPES:
        if pattern.search(question):
            return name
    return "other"


@lru_cache(maxsize=1)
def _posseg():  # type: ignore[no-untyped-def]
    import logging

    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg


def _anchor(needle: str, hay: str, from_end: bool) -> tuple[int, int, int] | None:
    """Longest tail (``from_end``) or head of ``needle`` found in ``hay``: (start, end, length)."""
    for n in range(min(len(needle), 12), 1, -1):
        part = needle[-n:] if from_end else needle[:n]
        if not part.strip(_PUNCT):
            continue
        i = hay.find(part)
        if i >= 0:
            return i, i + n, n
    return None


def _trim(s: str, a: int, b: int) -> tuple[int, int]:
    changed = True
    while changed and a < b:
        changed = False
        while a < b and s[a] in _PUNCT:
            a, changed = a + 1, True
        while b > a and s[b - 1] in _PUNCT:
            b, changed = b - 1, True
        for w in _EDGE_WORDS:
            if s.startswith(w, a) and b - a > len(w):
                a, changed = a + len(w), True
            if s.endswith(w, a, b) and b - a > len(w) and w not in ("多", "余"):
                b, changed = b - len(w), True
    return a, b


def _typed(qtype: str, sent: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Matches of the expected type inside ``sent[lo:hi]``."""
    if qtype in ("number", "date"):
        pattern = DATE if qtype == "date" else NUMBER
        out = [(m.start(), m.end()) for m in pattern.finditer(sent, lo, hi) if m.end() > m.start()]
        if qtype == "number":  # a bare year is not a quantity
            out = [(a, b) for a, b in out if re.search(r"[\d" + _CN_NUM + "]", sent[a:b])
                   and not DATE.fullmatch(sent[a:b])]
        return out
    tags = POS_FOR.get(qtype)
    if not tags:
        return []
    out, pos = [], 0
    for word, flag in _posseg().cut(sent):
        if lo <= pos and pos + len(word) <= hi and flag.startswith(tags) and len(word) >= 2:
            out.append((pos, pos + len(word)))
        pos += len(word)
    return out


def extract_span(question: str, sentence: str) -> Span | None:
    """The answer phrase in ``sentence`` for ``question``, or None when none is found with confidence."""
    q, s = fold(question).strip(_PUNCT + "?？"), fold(sentence)
    qtype = question_type(q)
    wh = WH.search(q)
    if not wh:
        return None
    left, right = _COPULA_END.sub("", q[:wh.start()]), _COPULA_START.sub("", q[wh.end():])
    la = _anchor(left, s, from_end=True) if left else None
    ra = None
    if right:
        base = la[1] if la else 0
        found = _anchor(right, s[base:], from_end=False)
        ra = (found[0] + base, found[1] + base, found[2]) if found else None
        if ra is None and la:
            found = _anchor(right, s, from_end=False)
            ra = found if found and found[1] <= la[0] else None
    lo = la[1] if la and (not ra or la[1] <= ra[0]) else 0
    hi = ra[0] if ra and ra[0] >= lo else len(s)
    if ra and la and ra[1] <= la[0]:  # the sentence says it the other way round: "X 是 Y 的"
        lo, hi = ra[1], la[0]
    anchored = (la[2] if la else 0) + (ra[2] if ra else 0)
    if anchored == 0:
        return None
    a, b = _trim(s, lo, hi)
    typed = _typed(qtype, s, lo, hi) if qtype != "other" else []
    both = la is not None and ra is not None and lo < hi
    if typed:
        # The typed match nearest the side(s) we anchored on.
        near = lo if la else hi
        ta, tb = min(typed, key=lambda t: abs((t[0] if la else t[1]) - near))
        conf = 0.9 if both else 0.75
        return Span(ta, tb, conf)
    if both and 0 < b - a <= 30:
        return Span(a, b, 0.8 if qtype != "other" else 0.7)
    if qtype in ("number", "date"):
        whole = _typed(qtype, s, 0, len(s))
        if len(whole) == 1:
            return Span(whole[0][0], whole[0][1], 0.6)
    if b - a > 0 and (la and not ra or ra and not la):
        # One side anchored: the phrase runs from it to the nearest clause break.
        seg = s[a:b]
        cut = [i for i, c in enumerate(seg) if c in "，。；;,、！？"]
        if la:
            b = a + (cut[0] if cut else len(seg))
        else:
            a = a + (cut[-1] + 1 if cut else 0)
        a, b = _trim(s, a, b)
        if 0 < b - a <= 20:
            return Span(a, b, 0.5)
    return None
