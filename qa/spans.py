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
from functools import lru_cache

from qa.folding import fold

_CN_NUM = "零〇一二两三四五六七八九十百千万亿"
UNITS = ("立方米|立方千米|平方公里|平方米|平方千米|万平方米|公顷|千瓦时|千瓦|兆瓦|万千瓦|千米|公里|厘米|毫米|米|"
         "公分|公尺|英尺|英寸|英里|海里|毫升|升|℃|°C|°F|度|"
         "万吨|吨|千克|公斤|克|斤|"
         "万元|亿元|美元|欧元|元|万人次|人次|万人|万户|个百分点|百分点|分钟|小时|秒|天|周|个月|月|年|岁|倍|"
         "家|项|户|人|名|位|个|座|所|次|辆|台|件|条|篇|部|种|场|届|枚|首|集|章|层|间|张|本|头|只|亩|号|期|级|票|"
         "列|对|艘|架|颗|块|份|双|套|代|任|余|多")
NUMBER = re.compile(
    rf"(?:约|近|超过|逾|达|第)?(?:[A-Za-z]{{0,3}}\d+(?:[.,]\d+)*|[{_CN_NUM}]+)(?:\.\d+)?(?:[-—~～至到](?:\d+(?:\.\d+)?|[{_CN_NUM}]+))?"
    rf"\s*(?:%|％|‰|(?:万|亿|千|百)*(?:{UNITS})?)(?:以上|以下|左右|多)?")
DATE = re.compile(
    rf"(?:公元前?)?(?:\d{{1,4}}|[{_CN_NUM}]{{2,4}})年(?:代|底|初)?(?:\d{{1,2}}月(?:\d{{1,2}}日)?)?|"
    rf"\d{{1,2}}月\d{{1,2}}日|\d{{1,2}}月(?:份|底|初)?|\d{{1,2}}世纪(?:\d{{1,2}}年代)?|[{_CN_NUM}]+世纪|"
    rf"[\u4e00-\u9fff]{{2}}(?:元|[{_CN_NUM}]{{1,3}})年(?:[{_CN_NUM}]{{1,2}}月)?")  # 崇宁五年, an era's year

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
POS_FOR = {"person": ("nr",), "place": ("ns",), "org": ("nt", "nz")}
MAX_GAP = 40  # a longer gap means the alignment failed
MAX_ONE_SIDED = 25
CLAUSE_BREAKS = "，。；;,！？!?：:"
CAUSE = re.compile(r"因为|由于|原因是|是因为|为了")
EFFECT = re.compile(r"[，,]\s*(?:因此|所以|故|因而|于是|从而)")
_UNIT_HEAD = re.compile(rf"(?:万|亿)*(?:{UNITS.replace('|余|多', '')})")
_PUNCT = "，。、；：！？,.;:!?（）()“”\"'‘’《》「」【】—… \u3000"
_EDGE_WORDS = ("的是", "就是", "即是", "位于", "是", "为", "有", "了", "在", "于", "由", "被", "把", "将", "约", "共",
               "和", "与", "及", "的")
@dataclass(frozen=True)
class Span:
    start: int  # offsets inside the sentence
    end: int
    confidence: float


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
    q = fold(question).strip(_PUNCT + "?？")
    found = _interrogative(q)
    if not found:
        return q
    a, b = found[1].span()
    return q[max(0, a - width):a] + "|" + q[b:b + width]


def question_type(question: str) -> str:
    found = _interrogative(fold(question).strip(_PUNCT + "?？"))
    return found[0] if found else "other"


@lru_cache(maxsize=1)
def _posseg():  # type: ignore[no-untyped-def]
    import logging

    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg


@lru_cache(maxsize=256)
def _tokens(sentence: str) -> list[tuple[int, int, str, str]]:
    """(start, end, word, part of speech); cached because the candidates' spans are sought
    before the pick, and one sentence is looked at several times."""
    out, pos = [], 0
    for word, flag in _posseg().cut(sentence):
        out.append((pos, pos + len(word), word, flag))
        pos += len(word)
    return out


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
            if not part.strip(_PUNCT):
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
    toks = _tokens(sent)
    if qtype == "person":
        spans = _person_spans(toks)
    else:  # "浪马 轮胎", "中国 空间技术 研究院": a name and the nouns that finish it
        spans = []
        for k, (a, b, w, f) in enumerate(toks):
            if f.startswith(tags) and len(w) >= 2 and not (spans and spans[-1][1] > a):
                j = k
                while j + 1 < len(toks) and toks[j + 1][3] in ("n", "nz", "nt", "ng", "ns") and toks[j + 1][1] - a <= 16:
                    j += 1
                spans.append((a, toks[j][1]))
    return [(a, b) for a, b in spans if lo <= a and b <= hi]


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


def _prefer_unit(hits: list[tuple[int, int]], s: str, unit: str) -> list[tuple[int, int]]:
    """Numbers that carry the unit the question names (多少人 → "15.2万人"), when there are any."""
    if not unit:
        return hits
    with_unit = [h for h in hits if unit in s[h[0]:h[1]]]
    return with_unit or hits


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


def _why(s: str) -> Span | None:
    """For 为什么: the clause after a cause marker, or the clause before "因此/所以"."""
    m = CAUSE.search(s)
    if m:
        rest = s[m.end():]
        stop = EFFECT.search(rest) or re.search(f"[{CLAUSE_BREAKS}]", rest)
        a, b = _trim(s, m.end(), m.end() + (stop.start() if stop else len(rest)))
        return Span(a, b, 0.6) if b > a else None
    stop = EFFECT.search(s)
    if stop:
        a, b = _trim(s, 0, stop.start())
        return Span(a, b, 0.5) if b > a else None
    return None


_TITLE = re.compile(r"《[^《》]{1,40}》")
_MORE_TITLES = re.compile(r"(?:、|，|和|及|与|或|以及)?(《[^《》]{1,40}》)")
_WORK = re.compile("书|著作|小说|电影|影片|片|作品|杂志|期刊|刊物|报|节目|歌|曲|专辑|文|游戏|剧|漫画|动画|诗|词|媒体|"
                   "经|典|法|条例|协定|条约|文件|奖|计划|规划|方案|纲要|指南|系列")


def extract_span(question: str, sentence: str) -> Span | None:
    """The answer phrase in ``sentence`` for ``question``, or None when none is found with confidence."""
    q, s = fold(question).strip(_PUNCT + "?？"), fold(sentence)
    found = _interrogative(q)
    if not found:
        return None
    if found[0] == "what" and (alias := _alias(q, s)):
        return alias
    if found[0] == "place" and _ORIGIN_Q.search(q) and (origin := _origin(q, s)):
        return origin
    if found[0] == "person" and (kin := _KIN_Q.search(q)):
        # "朱载圳的母亲是谁" → "明世宗第四子、母卢靖妃": the name after 母 / before 之妻.
        m = re.search(_KIN_S[kin.group()], s)
        if m and m.group(m.lastindex) not in q:
            a, b = m.span(m.lastindex)
            title = _ROLE_NAME.search(s, a, b)  # "吴景帝孙休之妻"
            return Span(*(title.span(title.lastindex) if title else (a, b)), 0.85)
    if found[0] in ("person", "org") and (agent := _agent(q, s)):
        return agent
    span = _extract(q, s, *found)
    if found[0] == "what" and _WORK.search(q[found[1].start():]):
        # "哪部小说" → "《劝导》": a title in the phrase found, or in the sentence, not in the question.
        a, b = (span.start, span.end) if span else (0, len(s))
        titles = [m for m in _TITLE.finditer(s, a, b) if m.group()[1:-1] not in q]
        if not titles and span:
            titles = [m for m in _TITLE.finditer(s) if m.group()[1:-1] not in q]
        if titles:  # "哪些书" → "《医方选要》、《外科集验方》……和《本草食品续编》"
            end = titles[0].end()
            while (m := _MORE_TITLES.match(s, end)) and m.group(1)[1:-1] not in q:
                end = m.end()
            return Span(titles[0].start(), end, 0.85)
    if span and found[0] == "place" and "国" in q[found[1].start():] and span.end - span.start > 4:
        # "哪个国家的城市" → "美国", not "美国德克萨斯州西北部": the first place named.
        places = [t for t in _typed("place", s, span.start, span.end) if s[t[0]:t[1]] not in q]
        if places:
            return Span(places[0][0], places[0][1], span.confidence)
    if found[0] == "what" and _STYLE_Q.search(q) and (m := _STYLE.search(s)):
        return Span(m.start(1), m.end(1), 0.85)  # "王沈的字是什么" → "字处道，"
    if span and found[0] == "date" and _YEAR_Q.search(q):
        # "哪一年启用" → "2010年", not "2010年10月26日".
        m = _YEAR.match(s, span.start, span.end)
        if m:
            return Span(span.start, m.end(), span.confidence)
    if span and found[0] == "person" and span.end - span.start > 4:
        # "德国自然学家Georg Marcgraf", "宜州刺史王琳": the name after the title.
        m = _ROLE_NAME.search(s, span.start, span.end)
        if m:
            return Span(m.start(m.lastindex), m.end(m.lastindex), span.confidence)
    if span is None and found[0] in _NEW_TYPES:
        span = _new_clauses(q, s)
    return span


_STYLE_Q = re.compile("(?<![名文])字(?:是|为|叫)?什么|表字")
_STYLE = re.compile(r"(?:^|[，,（(；;])(?:表)?字([\u4e00-\u9fff]{1,3})(?=[，,。；;）)])")


_YEAR_Q = re.compile("哪一?年|何年|什么年份|哪个年份")
_YEAR = re.compile(r".*?年(?=\d{1,2}月|[一二三四五六七八九十]{1,2}月)")
_ROLE_NAME = re.compile(r"(?:[家师者员长官史帝手商士]|之[子女]|[^A-Za-z .·'-])([A-Z][A-Za-z .·'-]*[A-Za-z])$|"
                        r"(?:[家师者员长官史帝手商]|之[子女])([\u4e00-\u9fff]{2,3})$")
_NEW_TYPES = ("why", "how", "what")


def _new_clauses(q: str, s: str) -> Span | None:
    """Without a gap to take, the clauses that do not restate the question: "瘰鳞蛇的皮肤为什么
    粗糙" is answered by what follows "皮肤粗糙，", not by it. No confidence: it is the sentence,
    shortened."""
    asked = set(q)
    clauses = [(m.start(), m.end()) for m in re.finditer(f"[^{CLAUSE_BREAKS}]+", s)]
    new = [(a, b) for a, b in clauses if sum(c in asked for c in s[a:b]) < 0.5 * (b - a)]
    if not new or len(new) == len(clauses):
        return None
    a, b = _trim(s, new[0][0], new[-1][1])
    return Span(a, b, 0.0) if b > a else None


_KIN_Q = re.compile("生母|母亲|父亲|妻子|丈夫")
_NAME = r"([\u4e00-\u9fff]{2,4}?)"
_KIN_S = {"生母": rf"(?:生母|母)(?:为|是)?{_NAME}(?=[，。、；（(]|$)", "母亲": rf"(?:生母|母亲|母)(?:为|是)?{_NAME}(?=[，。、；（(]|$)",
          "父亲": rf"(?:父亲|父)(?:为|是)?{_NAME}(?=[，。、；（(]|$)", "妻子": rf"{_NAME}之妻|妻(?:为|是)?{_NAME}(?=[，。、；]|$)",
          "丈夫": rf"{_NAME}之夫|嫁给(?:了)?{_NAME}(?=[，。、；]|$)"}
_AGENT_Q = re.compile(r"(?:由|被)(?:谁|哪[个家位所]?|什么(?:公司|机构|人|组织)?)(?:所|来)?")


def _agent(q: str, s: str) -> Span | None:
    """"由谁制造" → "由中国空间技术研究院基于……制造": the doer stands between 由 and the verb."""
    m = _AGENT_Q.search(q)
    verb = q[m.end():m.end() + 2] if m else ""
    if len(verb) < 2:
        return None
    for by in re.finditer("由|被", s):
        j = s.find(verb, by.end())
        if 0 < j - by.end() <= 40:
            a, b = _trim(s, by.end(), j)
            if b > a and s[b - 1] == "所":
                b -= 1
            return Span(a, b, 0.8) if b > a else None
    return None


_ALIAS_Q = re.compile(r"(又|也|还|亦|俗|别|简|全|原|本|旧|古|学|英文|中文|通)[^，,]{0,3}?(称|名|叫|作|姓|译)|"
                      r"(合|并|统|号)称")
_ALIAS_S = re.compile(r"(?:又|也|亦|或|俗|别|简|全|原|本|旧|古|学|通)被?(?:称|名|叫|姓)(?:为|是|作|做)?|又译(?:为|作)?|"
                      r"英文名(?:称)?(?:为|是)?|(?:合|并|统)称(?:为)?|号(?=[\u4e00-\u9fff]{2,4}[，,。；])")


def _alias(q: str, s: str) -> Span | None:
    """"又称什么" → "又称蓝纹高身雀鲷、太平洋真雀鲷，": the names after the sentence's own marker,
    the one of the question's kind (俗名, 原名) first."""
    asked = _ALIAS_Q.search(q)
    if not asked:
        return None
    marks = list(_ALIAS_S.finditer(s))
    same = [m for m in marks if m.group()[0] == asked.group()[0]]
    for m in same + marks:
        stop = re.search("[，。；;,（(：:]", s[m.end():])
        a, b = _trim(s, m.end(), m.end() + (stop.start() if stop else len(s) - m.end()))
        if 0 < b - a <= 40 and s[a:b] not in q:
            return Span(a, b, 0.85)
    return None


_ORIGIN_Q = re.compile(r"(?:哪里|哪儿|哪国|何地|何处|哪个(?:国家|地方|省|城市)的?)人")


def _origin(q: str, s: str) -> Span | None:
    """"哪里人" → "太原晋阳人", "哪国人" → "一名克罗地亚职业足球运动员": the places before 人,
    else the first place the question does not name."""
    toks = _tokens(s)
    places = [t for t in toks if t[3].startswith("ns") and t[2] not in q]
    for k, t in enumerate(toks):
        # "太原 晋阳 人", or jieba's "山东 济南人": places, then 人
        if not t[2].endswith("人") or (len(t[2]) == 1 and not (k and toks[k - 1][3].startswith("ns"))):
            continue
        i = k
        while i > 0 and toks[i - 1][3].startswith("ns"):
            i -= 1
        a, b = toks[i][0], t[1] - 1
        if b - a >= 2 and s[a:b] not in q and (i < k or t[3].startswith(("ns", "nr"))):
            return Span(a, b, 0.85)
    return Span(places[0][0], places[0][1], 0.7) if places else None


def _extract(q: str, s: str, qtype: str, wh: re.Match[str]) -> Span | None:
    if qtype == "why":
        return _why(s)
    left, right = q[:wh.start()], q[wh.end():]
    m = _UNIT_HEAD.match(right) if qtype == "number" else None
    unit = m.group() if m else ""
    if qtype == "number" and not unit and right[:1] and _MEASURE.match(right):
        unit = right[0]  # "多少步", "几班": the measure word the question uses
    la, ra = _best_pair(_anchors(left, s, left=True) if left else [], _anchors(right, s, left=False) if right else [])
    if la is None and ra is None:
        # Nothing aligns; a name of the asked type that the question does not already hold may still be it.
        names = [t for t in (_typed(qtype, s, 0, len(s)) if qtype in POS_FOR else []) if s[t[0]:t[1]] not in q]
        return Span(names[0][0], names[0][1], 0.4) if names else None
    typed = qtype in ("number", "date")
    if la and ra:
        a, b = _trim(s, la.end, ra.start)
        # "哪个教练执教的" → sentence "传奇教练迈克·沙舍夫斯基执教的": the answer follows the noun.
        noun = ra.skipped.strip(_PUNCT)
        if len(noun) >= 2 and s.find(noun, a, b) >= 0:
            a, b = _trim(s, s.find(noun, a, b) + len(noun), b)
        if not s[a:b].strip(_PUNCT + "".join(_EDGE_WORDS)) and ra.end < len(s) and not typed:
            # "结头龙有什么特征" → "结头龙的特征是……": the answer follows the question's last words.
            a, b = _trim(s, ra.end, len(s))
            return Span(a, b, 0.6) if 0 < b - a <= 80 else None
        if b > a:
            if typed:
                hits = _prefer_unit(_typed(qtype, s, a, b), s, unit)
                if hits:
                    ta, tb = min(hits, key=lambda t: min(t[0] - la.end, ra.start - t[1]))
                    if unit and not s.endswith(unit, ta, tb) and s.startswith(unit, tb):  # "多少人脱贫"
                        tb += len(unit)
                    return Span(ta, tb, 0.9)
                # "成立于1994年" with "哪年成立": the value stands just outside the gap.
                near = _typed(qtype, s, 0, len(s))
                if near:
                    ta, tb = min(near, key=lambda t: max(la.end - t[1], t[0] - ra.end, 0))
                    return Span(ta, tb, 0.7)
                return None
            names = _typed(qtype, s, a, b) if qtype == "person" else []
            if names:  # "末代香港总督彭定康于": the title and what follows go, the name stays
                return Span(names[-1][0], names[-1][1], 0.85)
            # A name rarely spans a clause break: such a gap is a weak alignment.
            crosses = qtype in POS_FOR and any(c in CLAUSE_BREAKS for c in s[a:b])
            return Span(a, _before_kind(s, a, b), 0.5 if crosses else 0.85)
    lo = la.end if la else 0
    hi = ra.start if ra else len(s)
    if typed:
        hits = _typed(qtype, s, lo, hi)
        if unit and not any(unit in s[a:b] for a, b in hits):
            hits = [h for h in _typed(qtype, s, 0, len(s)) if unit in s[h[0]:h[1]]] or hits
        if hits:
            near = lo if la else hi
            ta, tb = min(hits, key=lambda t: abs((t[0] if la else t[1]) - near))
            return Span(ta, tb, 0.75)
        whole = _typed(qtype, s, 0, len(s))
        return Span(whole[0][0], whole[0][1], 0.6) if len(whole) == 1 else None
    # One side anchored: the phrase runs from the anchor to the nearest clause break.
    a, b = _trim(s, lo, hi)
    seg = s[a:b]
    cuts = [i for i, c in enumerate(seg) if c in CLAUSE_BREAKS]
    if la:
        b = a + (cuts[0] if cuts else len(seg))
    else:
        a = a + (cuts[-1] + 1 if cuts else 0)
    a, b = _trim(s, a, b)
    if 0 < b - a <= MAX_ONE_SIDED and qtype != "person":
        return Span(a, b, 0.6)
    # A name the question asks for may stand outside the clause: look on the anchored side.
    names = _typed(qtype, s, lo, len(s)) if la else _typed(qtype, s, 0, hi)
    if names:
        near = lo if la else hi
        ta, tb = min(names, key=lambda t: abs((t[0] if la else t[1]) - near))
        return Span(ta, tb, 0.55)
    if la and qtype in POS_FOR:
        # "谁是第一位……的美国黑人" → "拉尔夫·本奇，后来成为第一位……的美国黑人": the sentence
        # may name it before the words the question puts first.
        names = [t for t in _typed(qtype, s, 0, la.start) if s[t[0]:t[1]] not in q]
        if names:
            return Span(names[-1][0], names[-1][1], 0.5)
    return None
