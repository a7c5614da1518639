"""The rules that make a follow-up standalone from the conversation.

People ask "龙城区高性能膜项目总投资多少？", then "什么时候投产？", "那凌源呢？", "它的森林覆盖率是多少？".
The conversation's topics are the phrases of its earlier turns, ranked by a learned model
(``qa.followup.topics``: what a person leaves out is a name the earlier questions repeat, open
with, that is rare in the corpus). Then:

- "那凌源呢？" swaps one part: the previous question with its topic replaced by the new one,
  and the conversation moves to the new part (earlier turns are read with it swapped in too);
- a referring word (它/他/她/其/该/这/那/此/这里/那里…) is replaced by the top topic ("该市" by the
  top topic that is a city; "它的森林覆盖率" by the holder of the measure the last question asked
  the quantity of: 朝阳市 of "朝阳市地区生产总值是多少？");
- a question without a salient phrase of its own gets the top topic in front.

A question that names its own subject, or holds a phrase as salient as the top topic, is left as
it is, and offered with the top topic in front too (a name of its own can be a part of the
subject; a salient phrase of its own can be what the subject is doing: "对外宣称领导几万大军？").
``qa.answering`` reads both forms and keeps one (the rules misjudge rare names that jieba cuts
apart); the form kept is what the API returns as ``resolved_question``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from qa.folding import fold
from qa.followup import topics
from qa.followup.pointers import Pointer, referring
from qa.followup.text import (
    BOOK,
    ENTITY,
    INTERROGATIVE,
    NOUNISH,
    SWAP,
    Turn,
    entity_words,
    phrases,
    words,
)
from qa.store.index import Index
from qa.store.lexical import char_tokens

MAX_TURNS = 10  # earlier turns looked at
# A question without a name of its own still names its own subject when it holds a phrase at
# least this salient relative to the best topic of the conversation; fitted on the tune part of
# the data (bench/bench_conversation.py --split tune).
OWN_TOPIC_SALIENCE = 1.0
# pointers that can mean the several things a "哪些" question was answered with
PLURAL = frozenset("它们 他们 她们 这些 那些".split())
# what "朝阳市地区生产总值是多少？" asks: the quantity of its phrase, not of a noun after the question word
QUANTITY = frozenset("多少 几 多大 多长 多高 多远 多久 多重 多深 多宽".split())


@dataclass
class Resolution:
    question: str  # the standalone question: retrieval and the reader use it
    # complete, named (it names a subject of its own), own (a phrase as salient as the topic), swap,
    # pronoun, subject, none
    rule: str = "complete"
    swapped_in: str | None = None  # with "swap": the part the question brought in
    swapped_out: str | None = None  # with "swap": the part it replaced, in earlier turns too
    # with "named" and "own": the question with the conversation's topic in front, for the answer
    # stage to try too (a name of its own can be a part of the subject: "和北海的建筑群…" of 中南海)
    topic_first: str | None = None


def _phrase_texts(text: str) -> list[str]:
    return [p.text for p in phrases(text)]


def _without(phrase: str, names: list[str]) -> str:
    """The longest part of ``phrase`` that is none of ``names`` ("朝阳市地区生产总值" → "地区生产总值")."""
    parts = [phrase]
    for name in names:
        parts = [piece for part in parts for piece in part.split(name)]
    return max(parts, key=len)


def _is_name(part: str) -> bool:
    """Whether a part swapped in ("那凌源呢？") is a name: its last word is one ("凌源", "北京大学");
    "PM2.5浓度" is a measure though it opens with a Latin word."""
    tagged = [(w, f) for w, f, _ in words(part) if not f.startswith("x")]
    return bool(BOOK.fullmatch(part.strip())) or (bool(tagged) and tagged[-1][1] in ENTITY)


def _asked_measure(question: str, names: list[str], salience: Callable[[str], float]) -> str | None:
    """The part of ``question`` that a measure swapped in ("达标率呢？") replaces: the phrase (less
    its names) nearest before the question word, which is what the question asked the quantity of
    ("辽阳市空气质量优良天数为多少天？": 天数, not 空气质量); without one, the most salient phrase."""
    tagged = words(question)
    asked_at = next((pos for w, _, pos in tagged if fold(w) in INTERROGATIVE), len(question))
    parts = [(_without(p.text, names), p.start) for p in phrases(question)]
    parts = [(text, start) for text, start in parts if len(text) >= 2]
    before = [text for text, start in parts if start < asked_at]
    if before:
        return before[-1]
    # no phrase but its names: what it asks is the predicate between them and the question word
    # ("朝阳市累计脱贫多少人？", then "贫困发生率呢？": 累计脱贫)
    named_end = max((question.find(n) + len(n) for n in names if 0 <= question.find(n) < asked_at), default=-1)
    if named_end >= 0 and asked_at - named_end >= 2:
        return question[named_end:asked_at]
    return max([text for text, _ in parts] or _phrase_texts(question), key=salience, default=None)


def _without_unit(question: str) -> str:
    """The question with the unit after its quantity word left out: "多少天" counted the measure
    swapped out ("…优良天数为多少天？" then "达标率呢？"), not the one swapped in. The swap keeps
    it when the two measures end alike, as a head-final compound names its kind
    ("科技型中小企业多少家？", then "瞪羚企业呢？": the reader reads "多少家" better than "多少")."""
    tagged = words(question)
    for (word, _, _), (unit, flag, at) in zip(tagged, tagged[1:]):
        if fold(word) in QUANTITY and (flag == "q" or (flag.startswith("n") and len(unit) == 1)):
            return question[:at] + question[at + len(unit):]
    return question


def _of_kind(subjects: list[str], kind: str) -> str:
    """The topic "该市" or "这个村" points to: the best-ranked city or village (a head-final
    compound ends with its kind: 朝阳市, 大西沟村), as the shortest such topic it ends with
    ("时期辽阳市" is 辽阳市), else the best topic."""
    of_kind = [t for t in subjects if fold(t).endswith(fold(kind))]
    if not of_kind:
        return subjects[0]
    return min((t for t in of_kind if fold(of_kind[0]).endswith(fold(t))), key=len)


def _owns_measure(rest: str) -> bool:
    """Whether the words after a pointer begin with a noun of their own: "它的森林覆盖率", "其人口"."""
    tagged = words(rest)
    i = 1 if tagged and fold(tagged[0][0]) == "的" else 0
    return i < len(tagged) and tagged[i][1].startswith(NOUNISH) and fold(tagged[i][0]) not in INTERROGATIVE


def _holder(topic: str, asked: str) -> str:
    """What a pointer with a measure of its own ("它的森林覆盖率") stands for when the topic is the
    measure the last question asked the quantity of, after a name ("朝阳市地区生产总值是多少？"): the
    holder of that measure, up to its last name (朝阳市). A topic asked about otherwise
    ("龙城区高性能膜项目什么时候投产？", "北京大学物理系有多少名教授？") is the holder itself."""
    at = fold(asked).find(fold(topic))  # the topic may be the passage's form of it (繁體 over 简体)
    names = entity_words(topic)
    if at < 0 or not names:
        return topic
    tail = [(fold(w), f) for w, f, _ in words(asked[at + len(topic):]) if not f.startswith("x")]
    i = 0
    while i < len(tail) and i < 3 and tail[i][1][:1] in ("v", "d", "j") and tail[i][0] not in QUANTITY:
        i += 1  # 是, 为, 达到, 同比增长
    if i >= len(tail) or tail[i][0] not in QUANTITY or (i + 1 < len(tail) and tail[i + 1][1].startswith("n")):
        return topic
    end = max(topic.rfind(n) + len(n) for n in names)
    return topic[:end] if end < len(topic) else topic


def _pointed(q: str, ref: Pointer, subjects: list[str], asked: str) -> str:
    """``q`` with the words at ``ref`` that point back replaced by the topic they point to;
    ``asked``: the last question, as resolved. A pointer of a kind no topic is of keeps its noun
    after the topic ("这片森林" in a conversation about 凌源市: 凌源市森林)."""
    rest = q[ref.end:]
    topic = _of_kind(subjects, ref.kind) if ref.kind else subjects[0]
    if not ref.kind and _owns_measure(rest):
        topic = _holder(topic, asked)
    if len(ref.noun) >= 2 and not fold(topic).endswith(fold(ref.kind)):
        topic += q[ref.end - len(ref.noun):ref.end]
    return q[:ref.start] + topic + rest


def _answered_many(q: str, ref: Pointer, history: list[Turn], resolved: list[str]) -> bool:
    """Whether a plural pointer ("它们", "这些项目") means the things the last turn answered: its
    question asked which ones (哪些), and it found them."""
    plural = fold(q[ref.start:ref.start + 2]) in PLURAL
    return plural and bool(history and history[-1].answer) and "哪些" in fold(resolved[-1])


def _resolve_one(question: str, history: list[Turn], resolved: list[str], salience: Callable[[str], float],
                 last_swap: str | None = None, opening: int = 0, title: str = "",
                 passage: str = "", document: str = "") -> Resolution:
    q = question.strip()
    m = SWAP.match(q)
    if m and m.start("x") not in {pos for _, _, pos in words(q)}:
        m = None  # "那里的空气质量呢？": 那里 points back, it is no "那…呢？"
    if m:  # one part swapped: the last question, its name (else its main phrase) replaced
        prev, new = resolved[-1], m.group("x")
        # a name swaps for a name ("那凌源呢？"), anything else for what is not a name ("那人口呢？")
        names = entity_words(prev)
        is_name = _is_name(new)
        if last_swap and last_swap in prev and _is_name(last_swap) == is_name:
            old: str | None = last_swap  # "那一般公共预算收入呢？" then "固定资产投资呢？": the same part swaps again
        elif is_name:
            old = max([o for o in names if len(o) >= 2] or _phrase_texts(prev), key=salience, default=None)
        else:
            old = _asked_measure(prev, names, salience)
        if old and old != new:
            swapped = prev.replace(old, new, 1)
            if not is_name and fold(old)[-1:] != fold(new)[-1:]:  # another kind of thing (天数 → 达标率)
                swapped = _without_unit(swapped)
            return Resolution(swapped, "swap", new, old)
    subjects = topics.ranked(history, resolved, salience, q, opening, title, passage, document)  # best first
    ref = referring(q)
    if ref is not None and _answered_many(q, ref, history, resolved):  # "有哪些…？", then "它们…"
        return Resolution(_pointed(q, ref, [history[-1].answer or ""], resolved[-1]), "pronoun")
    if ref is not None:  # 它/该市/这里 stand for the conversation's subject
        return Resolution(_pointed(q, ref, subjects, resolved[-1]), "pronoun") if subjects else Resolution(question)
    if not subjects:
        return Resolution(question)
    own = phrases(q)
    if any(p.entity for p in own):
        return Resolution(question, "named", topic_first=subjects[0] + q)
    if own and max(salience(p.text) for p in own) >= OWN_TOPIC_SALIENCE * salience(subjects[0]):
        return Resolution(question, "own", topic_first=subjects[0] + q)
    carried = subjects[:1]
    if not own:  # nothing of its own at all ("同比增长多少？"): the last turn's measure comes too
        last = [p.text for p in phrases(resolved[-1]) if not p.entity and p.text not in carried]
        carried += last[:1]
    return Resolution("".join(carried) + q, "subject")


def index_salience(index: Index) -> Callable[[str], float]:
    """Salience of a phrase in this corpus: the mean IDF of its character bigrams (its
    characters when it is one character long)."""
    @functools.lru_cache(maxsize=4096)
    def salience(phrase: str) -> float:
        tokens = [t for t in char_tokens(phrase) if len(t) >= 2 or len(phrase) < 2]
        if not tokens:
            return 0.0
        idf = index.idf(tokens)
        return sum(idf[t] for t in tokens) / len(tokens)
    return salience


def resolve(question: str, history: list[Turn], salience: Callable[[str], float], title: str = "",
            passage: str = "", document: str = "") -> Resolution:
    """The standalone form of ``question`` after ``history`` (oldest first); earlier turns are
    resolved the same way first, so a chain of follow-ups keeps its subject, and a swap
    ("那朝阳呢？") moves the whole conversation to the new part. ``title`` and ``passage``: the
    title and text of the chunk the last answer came from (``qa.followup.focus``), ``document``
    the whole text of its document; the title's words are topics too (those the document
    mentions), and how often the passage mentions a topic weighs in its rank."""
    history = history[-MAX_TURNS:]
    if not history:
        return Resolution(question, rule="none")
    resolved: list[str] = []
    last: Resolution | None = None
    opening = 0  # the turn that named the conversation's current subject
    for n, turn in enumerate(history):
        last = _resolve_one(turn.question, history[:n], resolved, salience, last.swapped_in if last else None,
                            opening) if n else Resolution(turn.question)
        if last.swapped_out and last.swapped_in:  # "那朝阳呢？": the conversation moved to the new part
            resolved = [r.replace(last.swapped_out, last.swapped_in) for r in resolved]
        if last.rule == "named":  # "朝阳市累计脱贫多少人？" after a question about 凌源市: so did it
            opening = n
        resolved.append(last.question)
    return _resolve_one(question, history, resolved, salience, last.swapped_in if last else None, opening, title,
                        passage, document)
