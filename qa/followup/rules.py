"""Follow-up questions made standalone from the conversation, without a language model.

People ask "龙城区高性能膜项目总投资多少？", then "什么时候投产？", "那凌源呢？", "它的森林覆盖率是多少？".
Each earlier turn offers topic phrases (noun phrases of its question, and of its answer at half
weight), weighted by salience (the corpus IDF of their character bigrams: a rare name says more
than "项目") and decaying with distance (historical query expansion). Then:

- "那凌源呢？" swaps one part: the previous question with its topic replaced by the new one;
- a referring word (它/他/她/其/该/这/那/此/这里/那里…) is replaced by the top topic;
- a question without a salient phrase of its own gets the top topic in front.

A question that names its own subject is left as it is. When the rules changed a question,
``qa.answering`` reads both forms and keeps the question as asked if it reads about as surely
alone (the rules misjudge rare names that jieba cuts apart); the form kept is what the API
returns as ``resolved_question``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from qa.folding import fold
from qa.reader.evidence import posseg
from qa.store.index import Index
from qa.store.lexical import char_tokens

MAX_TURNS = 10  # earlier turns looked at
DECAY = 0.5  # weight of a turn's topics per step back
ANSWER_WEIGHT = 0.5
# A question without a name of its own still names its own subject when it holds a phrase at
# least this salient relative to the best topic of the conversation; fitted on the tune part of
# the data (bench/bench_conversation.py --split tune).
OWN_TOPIC_SALIENCE = 1.0

REFERRING = frozenset("它们 他们 她们 这里 那里 这儿 那儿 这个 那个 这些 那些 该 此 其 它 他 她 这 那 本".split())
INTERROGATIVE = frozenset("什么 哪 哪里 哪儿 哪个 哪些 谁 多少 几 怎么 怎样 如何 为什么 为何 何 何时 是否 "
                          "多久 多大 多长 多高 多远 时候 时间".split())
NOUNISH = ("n", "nr", "nrfg", "nrt", "ns", "nt", "nz", "nw", "eng", "vn", "an")
ENTITY = frozenset({"nr", "nrfg", "nrt", "ns", "nt", "nz", "eng"})
_SWAP = re.compile(r"^(?:那么?)?\s*(?P<x>[^，,。？?]{1,16}?)(?:的情况|怎么样|如何)?呢[？?]?$")
_BOOK = re.compile(r"《[^》]{1,30}》")


@dataclass
class Turn:
    question: str
    answer: str | None = None


@dataclass
class Resolution:
    question: str  # the standalone question: retrieval and the reader use it
    rule: str = "complete"  # complete, swap, pronoun, subject, none (no history)
    swapped_in: str | None = None  # with "swap": the part the question brought in


@dataclass(frozen=True)
class Phrase:
    text: str
    entity: bool  # holds a name (place, person, organisation, work) rather than only common nouns
    start: int


def _words(text: str) -> list[tuple[str, str, int]]:
    """(word, tag, start) as jieba tags the text folded to simplified characters (繁體 is tagged
    alike); the words are the text's own characters."""
    out, pos = [], 0
    for word, flag in posseg().cut(fold(text)):
        out.append((text[pos:pos + len(word)], flag, pos))
        pos += len(word)
    return out


def phrases(text: str) -> list[Phrase]:
    """Noun phrases (runs of noun-like words; book titles whole), two characters or more."""
    out = [Phrase(m.group(), True, m.start()) for m in _BOOK.finditer(text)]
    rest = _BOOK.sub(lambda m: "，" * len(m.group()), text)
    run, start, entity = "", 0, False
    for word, flag, pos in _words(rest):
        plain = fold(word)
        if (flag.startswith(NOUNISH) or (flag == "m" and run)) and plain not in INTERROGATIVE \
                and plain not in REFERRING and not word.isspace():
            if not run:
                start, entity = pos, False
            run += word
            entity = entity or flag in ENTITY
        else:
            if len(run) >= 2:
                out.append(Phrase(run, entity, start))
            run = ""
    if len(run) >= 2:
        out.append(Phrase(run, entity, start))
    return sorted(out, key=lambda p: p.start)


def entity_words(text: str) -> list[str]:
    return [m.group() for m in _BOOK.finditer(text)] + \
        [w for w, f, _ in _words(_BOOK.sub(lambda m: "，" * len(m.group()), text)) if f in ENTITY and len(w) >= 2]


def topics(history: list[Turn], resolved: list[str], salience: Callable[[str], float],
           find: Callable[[str], list[str]]) -> list[str]:
    """What ``find`` picks out of the earlier turns (their questions, and answers at half weight),
    best first by salience × DECAY ** (distance - 1), at its nearest mention: a topic the last
    turn moved to outranks one repeated further back."""
    weights: dict[str, float] = {}
    for d, (turn, question) in enumerate(zip(reversed(history), reversed(resolved)), 1):
        decay = DECAY ** (d - 1)
        for text, w in ((question, 1.0), (turn.answer or "", ANSWER_WEIGHT)):
            for p in dict.fromkeys(find(text)):
                weights[p] = max(weights.get(p, 0.0), w * decay * salience(p))
    return sorted(weights, key=lambda p: -weights[p])


def _phrase_texts(text: str) -> list[str]:
    return [p.text for p in phrases(text)]


def _entity_phrases(text: str) -> list[str]:
    return [p.text for p in phrases(text) if p.entity]


def _without(phrase: str, names: list[str]) -> str:
    """The longest part of ``phrase`` that is none of ``names`` ("朝阳市地区生产总值" → "地区生产总值")."""
    parts = [phrase]
    for name in names:
        parts = [piece for part in parts for piece in part.split(name)]
    return max(parts, key=len)


def _referring(question: str) -> tuple[int, int] | None:
    """Where the first words that point back stand ("它", "该市", "这座城市"), as jieba cuts them."""
    words = _words(question)
    for i, (word, flag, pos) in enumerate(words):
        plain = fold(word)
        if flag.startswith("r") and (plain in REFERRING or (len(plain) == 2 and plain[0] in "该此这那其本")):
            end = pos + len(word)
            if plain in ("这", "那", "该", "此", "本") and i + 1 < len(words) and words[i + 1][1] == "q":
                end += len(words[i + 1][0])  # 这座城市: the classifier and its noun go too
                if i + 2 < len(words) and words[i + 2][1].startswith("n"):
                    end += len(words[i + 2][0])
            return pos, end
    return None


def _resolve_one(question: str, history: list[Turn], resolved: list[str],
                 salience: Callable[[str], float], last_swap: str | None = None) -> Resolution:
    q = question.strip()
    fq = fold(q)

    def ranked(find: Callable[[str], list[str]]) -> list[str]:
        return [p for p in topics(history, resolved, salience, find) if fold(p) not in fq]

    m = _SWAP.match(q)
    if m:  # one part swapped: the last question, its name (else its main phrase) replaced
        prev, new = resolved[-1], m.group("x")
        # a name swaps for a name ("那凌源呢？"), anything else for what is not a name ("那人口呢？")
        names = entity_words(prev)
        is_name = bool(entity_words(new))
        if last_swap and last_swap in prev and bool(entity_words(last_swap)) == is_name:
            olds = [last_swap]  # "那一般公共预算收入呢？" then "固定资产投资呢？": the same part swaps again
        else:
            olds = names if is_name else [_without(p.text, names) for p in phrases(prev)]
            olds = [o for o in olds if len(o) >= 2] or _phrase_texts(prev)
        old = max(olds, key=salience, default=None)
        if old and old != new:
            return Resolution(prev.replace(old, new, 1), "swap", new)
    ref = _referring(q)
    if ref is not None:  # 它/该市/这里 stand for a name: the conversation's most salient one
        top = next(iter(ranked(entity_words) or ranked(_phrase_texts)), None)
        if top:
            return Resolution(q[:ref[0]] + top + q[ref[1]:], "pronoun")
        return Resolution(question)
    subjects = ranked(_entity_phrases) or ranked(_phrase_texts)
    if not subjects:
        return Resolution(question)
    own = phrases(q)
    if any(p.entity for p in own):
        return Resolution(question)
    if own and max(salience(p.text) for p in own) >= OWN_TOPIC_SALIENCE * salience(subjects[0]):
        return Resolution(question)
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


def resolve(question: str, history: list[Turn], salience: Callable[[str], float]) -> Resolution:
    """The standalone form of ``question`` after ``history`` (oldest first); earlier turns are
    resolved the same way first, so a chain of follow-ups keeps its subject."""
    history = history[-MAX_TURNS:]
    if not history:
        return Resolution(question, rule="none")
    resolved: list[str] = []
    last: Resolution | None = None
    for n, turn in enumerate(history):
        last = _resolve_one(turn.question, history[:n], resolved, salience, last.swapped_in if last else None) \
            if n else Resolution(turn.question)
        resolved.append(last.question)
    return _resolve_one(question, history, resolved, salience, last.swapped_in if last else None)
