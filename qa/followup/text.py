"""The words of a conversation's turns, as the follow-up rules and the topic model see them:
jieba's part-of-speech tags on text folded to simplified characters (繁體 is tagged alike),
noun phrases, names and the words that point back."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from qa.folding import fold
from qa.reader.evidence import posseg

REFERRING = frozenset("它们 他们 她们 这里 那里 这儿 那儿 这个 那个 这些 那些 该 此 其 它 他 她 这 那 本".split())
# words that point at a noun after them ("这个村", "该市" when jieba keeps them apart)
DEMONSTRATIVE = frozenset("这个 那个 这些 那些 这 那 该 此 本".split())
# the measure words between a demonstrative and its noun: "这首诗", "这座城市", "那条河"
CLASSIFIERS = frozenset("个 位 名 首 本 部 篇 份 所 座 家 条 场 件 支 项 片 种 只 张 幅 届 门 栋 台 辆 艘 架 段 句")
# pronoun-tagged words that hold a demonstrative but point to no topic: "其中" (among them), "其他"
# (other), "这样" (so), "那么" (then)
NOT_REFERRING = frozenset("其中 其他 其它 其余 本身 这样 那样 这么 那么 这般 那般 如此".split())
INTERROGATIVE = frozenset("什么 哪 哪里 哪儿 哪个 哪些 谁 多少 几 怎么 怎样 如何 为什么 为何 何 何时 是否 "
                          "多久 多大 多长 多高 多远 时候 时间".split())
NOUNISH = ("n", "nr", "nrfg", "nrt", "ns", "nt", "nz", "nw", "eng", "vn", "an")
ENTITY = frozenset({"nr", "nrfg", "nrt", "ns", "nt", "nz", "eng"})
SWAP = re.compile(r"^(?:那么?)?\s*(?P<x>[^，,。？?]{1,16}?)(?:的情况|怎么样|如何)?呢[？?]?$")
BOOK = re.compile(r"《[^》]{1,30}》")
OPEN_QUOTES = frozenset("“「『\"")
CLOSE_QUOTES = frozenset("”」』\"")
QUOTED_END = CLOSE_QUOTES | {"》"}  # what a pointer standing in apposition right after it points to
QUOTED_MAX = 12  # characters of a quoted term that names something ("“161”工程"), not a quotation
PUNCTUATION = re.compile(r"[，,。.、；;：:！!？?（）()\s]")


@dataclass
class Turn:
    question: str
    answer: str | None = None


@dataclass(frozen=True)
class Phrase:
    text: str
    entity: bool  # holds a name (place, person, organisation, work) rather than only common nouns
    start: int


@functools.lru_cache(maxsize=1024)
def words(text: str) -> tuple[tuple[str, str, int], ...]:
    """(word, tag, start) as jieba tags the text folded to simplified characters (繁體 is tagged
    alike); the words are the text's own characters. Cached: resolving a follow-up tags each
    earlier turn once per turn after it, and phrases and names tag the same text again."""
    out, pos = [], 0
    for word, flag in posseg().cut(fold(text)):
        out.append((text[pos:pos + len(word)], flag, pos))
        pos += len(word)
    return tuple(out)


def _joins(tagged: tuple[tuple[str, str, int], ...], i: int, run: str = "") -> bool:
    """Whether the word at ``i`` is part of a noun phrase: a noun, a number after one ("企业2家"),
    or an abbreviation not used as an adverb (jieba tags 中小企业 and 同比 alike; "同比增长")."""
    word, flag, _ = tagged[i]
    plain = fold(word)
    abbreviation = flag == "j" and not (i + 1 < len(tagged) and tagged[i + 1][1].startswith("v"))
    return (flag.startswith(NOUNISH) or abbreviation or (flag == "m" and bool(run))) \
        and plain not in INTERROGATIVE and plain not in REFERRING and not word.isspace()


def _qualifier_end(tagged: tuple[tuple[str, str, int], ...], i: int) -> int:
    """Where a quoted term or a number that qualifies the noun right after it ends ("“161”工程",
    "「十二五」規劃", "161工程": one name, though jieba tags the quote and the number apart from
    it), or ``i`` when the words at ``i`` are none."""
    word = tagged[i][0]
    j = i + 1
    if word in OPEN_QUOTES:
        inner = ""
        while j < len(tagged) and tagged[j][0] not in CLOSE_QUOTES and len(inner) <= QUOTED_MAX:
            inner += tagged[j][0]
            j += 1
        if j >= len(tagged) or not inner or len(inner) > QUOTED_MAX or PUNCTUATION.search(inner):
            return i
        j += 1
    elif not (tagged[i][1] == "m" and word.isascii() and word.isdigit()):
        return i
    return j if j < len(tagged) and _joins(tagged, j) else i


def phrases(text: str) -> list[Phrase]:
    """Noun phrases (runs of noun-like words, with a quoted term or a number that qualifies the
    noun after it; book titles whole), two characters or more."""
    out = [Phrase(m.group(), True, m.start()) for m in BOOK.finditer(text)]
    rest = BOOK.sub(lambda m: "，" * len(m.group()), text)
    tagged = words(rest)
    run, start, entity, i = "", 0, False, 0
    while i < len(tagged):
        word, flag, pos = tagged[i]
        end = _qualifier_end(tagged, i)
        if end > i or _joins(tagged, i, run):
            if not run:
                start, entity = pos, False
            end = max(end, i + 1)
            run += "".join(w for w, _, _ in tagged[i:end])
            entity = entity or any(f in ENTITY for _, f, _ in tagged[i:end])
            i = end
            continue
        if len(run) >= 2:
            out.append(Phrase(run, entity, start))
        run = ""
        i += 1
    if len(run) >= 2:
        out.append(Phrase(run, entity, start))
    return sorted(out, key=lambda p: p.start)


def entity_words(text: str) -> list[str]:
    return [m.group() for m in BOOK.finditer(text)] + \
        [w for w, f, _ in words(BOOK.sub(lambda m: "，" * len(m.group()), text)) if f in ENTITY and len(w) >= 2]


def names_a_thing(title: str) -> bool:
    """Whether a title names its subject ("黑龙江省", "辽阳市2021年政府工作报告") rather than says
    something, as a headline does ("庆祝中国共产党成立100周年"): it holds no verb. A headline's
    words are rarely what a follow-up leaves out."""
    return not any(flag.startswith("v") and flag != "vn" for _, flag, _ in words(title))
