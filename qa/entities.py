"""What a question type expects, found in a sentence: numbers with their units, dates, and
names by jieba's part-of-speech tags (persons rejoined where jieba cuts them apart).
"""

from __future__ import annotations

import re
from functools import lru_cache

CN_NUM = "零〇一二两三四五六七八九十百千万亿"
UNITS = ("立方米|立方千米|平方公里|平方米|平方千米|万平方米|公顷|千瓦时|千瓦|兆瓦|万千瓦|千米|公里|厘米|毫米|米|"
         "公分|公尺|英尺|英寸|英里|海里|毫升|升|℃|°C|°F|度|"
         "万吨|吨|千克|公斤|克|斤|"
         "万元|亿元|美元|欧元|元|万人次|人次|万人|万户|个百分点|百分点|分钟|小时|秒|天|周|个月|月|年|岁|倍|"
         "家|项|户|人|名|位|个|座|所|次|辆|台|件|条|篇|部|种|场|届|枚|首|集|章|层|间|张|本|头|只|亩|号|期|级|票|"
         "列|对|艘|架|颗|块|份|双|套|代|任|余|多")
NUMBER = re.compile(
    rf"(?:约|近|超过|逾|达|第)?(?:[A-Za-z]{{0,3}}\d+(?:[.,]\d+)*|[{CN_NUM}]+)(?:\.\d+)?(?:[-—~～至到](?:\d+(?:\.\d+)?|[{CN_NUM}]+))?"
    rf"\s*(?:%|％|‰|(?:万|亿|千|百)*(?:{UNITS})?)(?:以上|以下|左右|多)?")
DATE = re.compile(
    rf"(?:公元前?)?(?:\d{{1,4}}|[{CN_NUM}]{{2,4}})年(?:代|底|初)?(?:\d{{1,2}}月(?:\d{{1,2}}日)?)?|"
    rf"\d{{1,2}}月\d{{1,2}}日|\d{{1,2}}月(?:份|底|初)?|\d{{1,2}}世纪(?:\d{{1,2}}年代)?|[{CN_NUM}]+世纪|"
    rf"[\u4e00-\u9fff]{{2}}(?:元|[{CN_NUM}]{{1,3}})年(?:[{CN_NUM}]{{1,2}}月)?")  # 崇宁五年, an era's year

UNIT_HEAD = re.compile(rf"(?:万|亿)*(?:{UNITS.replace('|余|多', '')})")
POS_FOR = {"person": ("nr",), "place": ("ns",), "org": ("nt", "nz")}


@lru_cache(maxsize=1)
def _posseg():  # type: ignore[no-untyped-def]
    import logging

    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg


def warm_up() -> None:
    """Load jieba's tagger before the first question about a name, which would wait 0.8 s."""
    _posseg().lcut("预热")


@lru_cache(maxsize=256)
def tokens(sentence: str) -> list[tuple[int, int, str, str]]:
    """(start, end, word, part of speech); cached because the candidates' spans are sought
    before the pick, and one sentence is looked at several times."""
    out, pos = [], 0
    for word, flag in _posseg().cut(sentence):
        out.append((pos, pos + len(word), word, flag))
        pos += len(word)
    return out


def typed(qtype: str, sent: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Matches of the expected type inside ``sent[lo:hi]``."""
    if qtype in ("number", "date"):
        pattern = DATE if qtype == "date" else NUMBER
        out = [(m.start(), m.end()) for m in pattern.finditer(sent, lo, hi) if m.end() > m.start()]
        if qtype == "number":  # a bare year is not a quantity
            out = [(a, b) for a, b in out if re.search(r"[\d" + CN_NUM + "]", sent[a:b])
                   and not DATE.fullmatch(sent[a:b])]
        return out
    tags = POS_FOR.get(qtype)
    if not tags:
        return []
    toks = tokens(sent)
    if qtype == "person":
        spans = _person_spans(toks)
    else:  # "浪马 轮胎", "中国 空间技术 研究院": a name and the nouns that finish it
        spans = []
        for k, (a, _, w, f) in enumerate(toks):
            if f.startswith(tags) and len(w) >= 2 and not (spans and spans[-1][1] > a):
                j = k
                while j + 1 < len(toks) and toks[j + 1][3] in _NOUNS and toks[j + 1][1] - a <= 16:
                    j += 1
                spans.append((a, toks[j][1]))
    return [(a, b) for a, b in spans if lo <= a and b <= hi]


_NOUNS = ("n", "nz", "nt", "ng", "ns")
_DOTS = "·•‧・"
_STOP_FLAGS = ("p", "v", "u", "c", "m", "q", "f", "x")


def _person_spans(toks: list[tuple[int, int, str, str]]) -> list[tuple[int, int]]:
    """Whole names: jieba cuts transliterated ones apart ("约瑟夫 · 马 拉斯特", "菲利普 瓦特")."""
    def part(t: tuple[int, int, str, str]) -> bool:
        return t[3].startswith(("nr", "ns", "nz")) or (len(t[2]) == 1 and not t[3].startswith(_STOP_FLAGS))

    out: list[tuple[int, int]] = []
    for k, t in enumerate(toks):  # names joined by a middle dot
        if t[2] not in _DOTS or (out and out[-1][1] > t[0]):
            continue
        i, j = k - 1, k + 1
        while i - 1 >= 0 and part(toks[i - 1]) and toks[k][0] - toks[i - 1][0] <= 8:
            i -= 1
        while j + 1 < len(toks) and (part(toks[j + 1]) or toks[j + 1][2] in _DOTS) \
                and toks[j + 1][1] - toks[k][1] <= 12:
            j += 1
        if i >= 0 and j < len(toks) and part(toks[i]) and part(toks[j]):
            while toks[j][2] in _DOTS:
                j -= 1
            out.append((toks[i][0], toks[j][1]))
    k = 0
    while k < len(toks):  # adjacent name tokens
        if not toks[k][3].startswith("nr"):
            k += 1
            continue
        j = k
        while j + 1 < len(toks) and toks[j + 1][3].startswith("nr"):
            j += 1
        a, b = toks[k][0], toks[j][1]
        if b - a >= 2 and not any(x <= a < y or x < b <= y for x, y in out):
            out.append((a, b))
        k = j + 1
    return sorted(out)


def prefer_unit(hits: list[tuple[int, int]], s: str, unit: str) -> list[tuple[int, int]]:
    """Numbers that carry the unit the question names (多少人 → "15.2万人"), when there are any."""
    if not unit:
        return hits
    with_unit = [h for h in hits if unit in s[h[0]:h[1]]]
    return with_unit or hits
