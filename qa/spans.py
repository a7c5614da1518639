"""Finding the answer phrase inside the supporting sentence.

A question like ``凌源市的地区生产总值实现了多少`` is its statement with a gap: the words on
each side of the interrogative also stand in the sentence, and the answer sits between them.
We align the question's left and right context with the sentence (on folded text, over every
occurrence, letting a few question characters go unmatched), take the gap between the best
pair of anchors, and check it against what the question type expects: a number with its
unit, a date, a name. When nothing fits with confidence, the caller answers with the whole
sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.entities import POS_FOR, UNIT_HEAD, prefer_unit, typed
from qa.folding import fold
from qa.records import Span
from qa.span_patterns import CLAUSE_BREAKS, EDGE_WORDS, PUNCT, direct, refine, trim, why

# Interrogatives, most telling first: the first pattern found decides the question type.
WH_TYPES: list[tuple[str, str]] = [
    ("why", r"(?<![称叫名作成译])为什么(?![\u4e00-\u9fff]{1,2}$)|为何|什么原因|原因是什么"),
    ("date", r"什么时候|什么时间|何时|何年|哪一?年|哪一?天|哪个月|几月|几号|几日|多少年前|哪个朝代|什么年代"),
    ("person", r"谁|哪一?位|什么人|(?<!任)何人"),
    ("place", r"哪里|哪儿|在哪$|何地|何处|什么地方|哪个(?:省|市|县|国家|城市|地区|地方)|哪座城市|哪国"),
    ("org", r"哪家|哪个(?:公司|企业|机构|组织|单位|学校|大学|部门|团队|球队)|什么(?:公司|企业|机构|组织)"),
    ("what", r"什么样的?|什么|哪一[\u4e00-\u9fff]|哪[两几]?[\u4e00-\u9fff]|何种|啥"),
    ("number", r"多少|几|多[大高长远重久深宽]|百分之几"),
    ("how", r"怎么样?|怎样|如何"),
]
_WH = [(name, re.compile(p)) for name, p in WH_TYPES]
MAX_GAP = 40  # a longer gap means the alignment failed
MAX_ONE_SIDED = 25


@dataclass(frozen=True)
class _Anchor:
    start: int
    end: int
    weight: float
    skipped: str  # question characters next to the interrogative that the sentence lacks


def _interrogative(question: str) -> tuple[str, re.Match[str]] | None:
    for name, pattern in _WH:
        m = pattern.search(question)
        if m:
            return name, m
    return None


def question_focus(question: str, width: int = 4) -> str:
    """The words next to the interrogative, each side apart ("全长|"): they say what is asked
    about the topic, and the sentence that answers shares them."""
    q = fold(question).strip(PUNCT + "?？")
    found = _interrogative(q)
    if not found:
        return q
    a, b = found[1].span()
    return q[max(0, a - width):a] + "|" + q[b:b + width]


def question_type(question: str) -> str:
    found = _interrogative(fold(question).strip(PUNCT + "?？"))
    return found[0] if found else "other"


def _anchors(context: str, s: str, left: bool) -> list[_Anchor]:
    """Occurrences in ``s`` of the part of ``context`` nearest the interrogative.

    Up to three characters next to the interrogative may be skipped (``什么地区特有`` →
    ``特有``); each skipped character costs weight.
    """
    out: list[_Anchor] = []
    for skip in range(0, min(3, max(len(context) - 2, 0)) + 1):
        ctx = context[:len(context) - skip] if left else context[skip:]
        skipped = context[len(context) - skip:] if left else context[:skip]
        for n in range(min(len(ctx), 12), 1, -1):
            part = ctx[-n:] if left else ctx[:n]
            if not part.strip(PUNCT):
                continue
            hits, i = [], s.find(part)
            while i >= 0:
                hits.append(i)
                i = s.find(part, i + n)
            if hits:
                out += [_Anchor(i, i + n, n - 0.7 * skip, skipped) for i in hits]
                break
        if out:  # the context nearest the interrogative wins over a longer one further away
            break
    return out


_MEASURE = re.compile(r"[^\W\d的是在于了和与及为有从到呢吗啊]")
_KIND = re.compile("的一[个条座所家种位名部款间项只支台]")


def _before_kind(s: str, a: int, b: int) -> int:
    """"浙江省嘉兴市海盐县的一个镇": the answer is what comes before "的一个"."""
    m = _KIND.search(s, a, b)
    return m.start() if m and m.start() - a >= 2 else b


def _best_pair(lefts: list[_Anchor], rights: list[_Anchor]) -> tuple[_Anchor | None, _Anchor | None]:
    best: tuple[float, _Anchor | None, _Anchor | None] = (0.0, None, None)
    for la in lefts:
        if la.weight - 1.0 > best[0]:
            best = (la.weight - 1.0, la, None)
        for ra in rights:
            gap = ra.start - la.end
            if 0 < gap <= MAX_GAP:
                score = la.weight + ra.weight - 0.05 * gap
                if score > best[0]:
                    best = (score, la, ra)
    for ra in rights:
        if ra.weight - 1.0 > best[0]:
            best = (ra.weight - 1.0, None, ra)
    return best[1], best[2]


def extract_span(question: str, sentence: str) -> Span | None:
    """The answer phrase in ``sentence`` for ``question``, or None when none is found with confidence."""
    q, s = fold(question).strip(PUNCT + "?？"), fold(sentence)
    found = _interrogative(q)
    if not found:
        return None
    qtype, wh = found
    return direct(qtype, q, s) or refine(qtype, q, s, wh.start(), _extract(q, s, qtype, wh))


def _extract(q: str, s: str, qtype: str, wh: re.Match[str]) -> Span | None:
    if qtype == "why":
        return why(s)
    left, right = q[:wh.start()], q[wh.end():]
    m = UNIT_HEAD.match(right) if qtype == "number" else None
    unit = m.group() if m else ""
    if qtype == "number" and not unit and right[:1] and _MEASURE.match(right):
        unit = right[0]  # "多少步", "几班": the measure word the question uses
    la, ra = _best_pair(_anchors(left, s, left=True) if left else [], _anchors(right, s, left=False) if right else [])
    if la is None and ra is None:
        # Nothing aligns; a name of the asked type that the question does not already hold may still be it.
        names = [t for t in (typed(qtype, s, 0, len(s)) if qtype in POS_FOR else []) if s[t[0]:t[1]] not in q]
        return Span(names[0][0], names[0][1], 0.4) if names else None
    valued = qtype in ("number", "date")  # a value to find, not a phrase
    if la and ra:
        a, b = trim(s, la.end, ra.start)
        # "哪个教练执教的" → sentence "传奇教练迈克·沙舍夫斯基执教的": the answer follows the noun.
        noun = ra.skipped.strip(PUNCT)
        if len(noun) >= 2 and s.find(noun, a, b) >= 0:
            a, b = trim(s, s.find(noun, a, b) + len(noun), b)
        if not s[a:b].strip(PUNCT + "".join(EDGE_WORDS)) and ra.end < len(s) and not valued:
            # "结头龙有什么特征" → "结头龙的特征是……": the answer follows the question's last words.
            a, b = trim(s, ra.end, len(s))
            return Span(a, b, 0.6) if 0 < b - a <= 80 else None
        if b > a:
            if valued:
                hits = prefer_unit(typed(qtype, s, a, b), s, unit)
                if hits:
                    ta, tb = min(hits, key=lambda t: min(t[0] - la.end, ra.start - t[1]))
                    if unit and not s.endswith(unit, ta, tb) and s.startswith(unit, tb):  # "多少人脱贫"
                        tb += len(unit)
                    return Span(ta, tb, 0.9)
                # "成立于1994年" with "哪年成立": the value stands just outside the gap.
                near = typed(qtype, s, 0, len(s))
                if near:
                    ta, tb = min(near, key=lambda t: max(la.end - t[1], t[0] - ra.end, 0))
                    return Span(ta, tb, 0.7)
                return None
            names = typed(qtype, s, a, b) if qtype == "person" else []
            if names:  # "末代香港总督彭定康于": the title and what follows go, the name stays
                return Span(names[-1][0], names[-1][1], 0.85)
            # A name rarely spans a clause break: such a gap is a weak alignment.
            crosses = qtype in POS_FOR and any(c in CLAUSE_BREAKS for c in s[a:b])
            return Span(a, _before_kind(s, a, b), 0.5 if crosses else 0.85)
    lo = la.end if la else 0
    hi = ra.start if ra else len(s)
    if valued:
        hits = typed(qtype, s, lo, hi)
        if unit and not any(unit in s[a:b] for a, b in hits):
            hits = [h for h in typed(qtype, s, 0, len(s)) if unit in s[h[0]:h[1]]] or hits
        if hits:
            near = lo if la else hi
            ta, tb = min(hits, key=lambda t: abs((t[0] if la else t[1]) - near))
            return Span(ta, tb, 0.75)
        whole = typed(qtype, s, 0, len(s))
        return Span(whole[0][0], whole[0][1], 0.6) if len(whole) == 1 else None
    # One side anchored: the phrase runs from the anchor to the nearest clause break.
    a, b = trim(s, lo, hi)
    seg = s[a:b]
    cuts = [i for i, c in enumerate(seg) if c in CLAUSE_BREAKS]
    if la:
        b = a + (cuts[0] if cuts else len(seg))
    else:
        a = a + (cuts[-1] + 1 if cuts else 0)
    a, b = trim(s, a, b)
    if 0 < b - a <= MAX_ONE_SIDED and qtype != "person":
        return Span(a, b, 0.6)
    # A name the question asks for may stand outside the clause: look on the anchored side.
    names = typed(qtype, s, lo, len(s)) if la else typed(qtype, s, 0, hi)
    if names:
        near = lo if la else hi
        ta, tb = min(names, key=lambda t: abs((t[0] if la else t[1]) - near))
        return Span(ta, tb, 0.55)
    if la and qtype in POS_FOR:
        # "谁是第一位……的美国黑人" → "拉尔夫·本奇，后来成为第一位……的美国黑人": the sentence
        # may name it before the words the question puts first.
        names = [t for t in typed(qtype, s, 0, la.start) if s[t[0]:t[1]] not in q]
        if names:
            return Span(names[-1][0], names[-1][1], 0.5)
    return None
