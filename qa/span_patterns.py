"""Answers that the question's wording points to directly, and fixes to the span that the
alignment found: the title a 哪部 question asks for, the names after 又称, the places before
人, the name after a title. Each is a pattern of Chinese text in general, found while reading
where the alignment failed on CMRC 2018 dev (docs/answers.md).
"""

from __future__ import annotations

import re

from qa.entities import tokens, typed
from qa.records import Span

CLAUSE_BREAKS = "，。；;,！？!?：:"
PUNCT = "，。、；：！？,.;:!?（）()“”\"'‘’《》「」【】—… \u3000"
EDGE_WORDS = ("的是", "就是", "即是", "位于", "是", "为", "有", "了", "在", "于", "由", "被", "把", "将", "约", "共",
              "和", "与", "及", "的")
CAUSE = re.compile(r"因为|由于|原因是|是因为|为了")
EFFECT = re.compile(r"[，,]\s*(?:因此|所以|故|因而|于是|从而)")


def trim(s: str, a: int, b: int) -> tuple[int, int]:
    changed = True
    while changed and a < b:
        changed = False
        while a < b and s[a] in PUNCT:
            a, changed = a + 1, True
        while b > a and s[b - 1] in PUNCT:
            b, changed = b - 1, True
        for w in EDGE_WORDS:
            if s.startswith(w, a) and b - a > len(w):
                a, changed = a + len(w), True
            if s.endswith(w, a, b) and b - a > len(w):
                b, changed = b - len(w), True
    return a, b


def direct(qtype: str, q: str, s: str) -> Span | None:
    """A span the question's wording points to without any alignment, or None."""
    if qtype == "what" and (alias := _alias(q, s)):
        return alias
    if qtype == "what" and _STYLE_Q.search(q) and (m := _STYLE.search(s)):
        return Span(m.start(1), m.end(1), 0.85)  # "王沈的字是什么" → "字处道，"
    if qtype == "place" and _ORIGIN_Q.search(q) and (origin := _origin(q, s)):
        return origin
    if qtype == "person" and (kin := _kin(q, s)):
        return kin
    if qtype in ("person", "org") and (agent := _agent(q, s)):
        return agent
    return None


def refine(qtype: str, q: str, s: str, asked_from: int, span: Span | None) -> Span | None:
    """The aligned span narrowed to what the question asks for; ``asked_from`` is where the
    interrogative starts in ``q``."""
    asked = q[asked_from:]
    if qtype == "what" and _WORK.search(asked) and (title := _title(q, s, span)):
        return title
    if span and qtype == "place" and "国" in asked and span.end - span.start > 4:
        # "哪个国家的城市" → "美国", not "美国德克萨斯州西北部": the first place named.
        places = [t for t in typed("place", s, span.start, span.end) if s[t[0]:t[1]] not in q]
        if places:
            return Span(places[0][0], places[0][1], span.confidence)
    if span and qtype == "date" and _YEAR_Q.search(q):
        # "哪一年启用" → "2010年", not "2010年10月26日".
        m = _YEAR.match(s, span.start, span.end)
        if m:
            return Span(span.start, m.end(), span.confidence)
    if span and qtype == "person" and span.end - span.start > 4:
        # "德国自然学家Georg Marcgraf", "宜州刺史王琳": the name after the title.
        m = _ROLE_NAME.search(s, span.start, span.end)
        if m:
            return Span(m.start(m.lastindex), m.end(m.lastindex), span.confidence)
    if span is None and qtype in _NEW_TYPES:
        return _new_clauses(q, s)
    return span


def why(s: str) -> Span | None:
    """For 为什么: the clause after a cause marker, or the clause before "因此/所以"."""
    m = CAUSE.search(s)
    if m:
        rest = s[m.end():]
        stop = EFFECT.search(rest) or re.search(f"[{CLAUSE_BREAKS}]", rest)
        a, b = trim(s, m.end(), m.end() + (stop.start() if stop else len(rest)))
        return Span(a, b, 0.6) if b > a else None
    stop = EFFECT.search(s)
    if stop:
        a, b = trim(s, 0, stop.start())
        return Span(a, b, 0.5) if b > a else None
    return None


_TITLE = re.compile(r"《[^《》]{1,40}》")
_MORE_TITLES = re.compile(r"(?:、|，|和|及|与|或|以及)?(《[^《》]{1,40}》)")
_WORK = re.compile("书|著作|小说|电影|影片|片|作品|杂志|期刊|刊物|报|节目|歌|曲|专辑|文|游戏|剧|漫画|动画|诗|词|媒体|"
                   "经|典|法|条例|协定|条约|文件|奖|计划|规划|方案|纲要|指南|系列")



def _title(q: str, s: str, span: Span | None) -> Span | None:
    """"哪部小说" → "《劝导》": a title in the phrase found, or in the sentence, not in the question;
    "哪些书" → the whole run "《医方选要》、《外科集验方》……和《本草食品续编》"."""
    a, b = (span.start, span.end) if span else (0, len(s))
    titles = [m for m in _TITLE.finditer(s, a, b) if m.group()[1:-1] not in q]
    if not titles and span:
        titles = [m for m in _TITLE.finditer(s) if m.group()[1:-1] not in q]
    if not titles:
        return None
    end = titles[0].end()
    while (m := _MORE_TITLES.match(s, end)) and m.group(1)[1:-1] not in q:
        end = m.end()
    return Span(titles[0].start(), end, 0.85)


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
    a, b = trim(s, new[0][0], new[-1][1])
    return Span(a, b, 0.0) if b > a else None


_KIN_Q = re.compile("生母|母亲|父亲|妻子|丈夫")
_NAME = r"([\u4e00-\u9fff]{2,4}?)"
_KIN_S = {"生母": rf"(?:生母|母)(?:为|是)?{_NAME}(?=[，。、；（(]|$)",
          "母亲": rf"(?:生母|母亲|母)(?:为|是)?{_NAME}(?=[，。、；（(]|$)",
          "父亲": rf"(?:父亲|父)(?:为|是)?{_NAME}(?=[，。、；（(]|$)",
          "妻子": rf"{_NAME}之妻|妻(?:为|是)?{_NAME}(?=[，。、；]|$)",
          "丈夫": rf"{_NAME}之夫|嫁给(?:了)?{_NAME}(?=[，。、；]|$)"}


def _kin(q: str, s: str) -> Span | None:
    """"朱载圳的母亲是谁" → "明世宗第四子、母卢靖妃": the name after 母, before 之妻."""
    kin = _KIN_Q.search(q)
    m = re.search(_KIN_S[kin.group()], s) if kin else None
    if not m or m.group(m.lastindex) in q:
        return None
    a, b = m.span(m.lastindex)
    title = _ROLE_NAME.search(s, a, b)  # "吴景帝孙休之妻"
    return Span(*(title.span(title.lastindex) if title else (a, b)), 0.85)


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
            a, b = trim(s, by.end(), j)
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
        a, b = trim(s, m.end(), m.end() + (stop.start() if stop else len(s) - m.end()))
        if 0 < b - a <= 40 and s[a:b] not in q:
            return Span(a, b, 0.85)
    return None


_ORIGIN_Q = re.compile(r"(?:哪里|哪儿|哪国|何地|何处|哪个(?:国家|地方|省|城市)的?)人")


def _origin(q: str, s: str) -> Span | None:
    """"哪里人" → "太原晋阳人", "哪国人" → "一名克罗地亚职业足球运动员": the places before 人,
    else the first place the question does not name."""
    toks = tokens(s)
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
