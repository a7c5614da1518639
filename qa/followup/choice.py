"""Which reading of a follow-up to keep: the question as asked, or its standalone form.

The rules of ``qa.followup`` misjudge some questions (a rare name jieba cuts apart is not seen
as the question's own subject; a topic carried into a question that changed the subject). Both
forms are read, and a small logistic model, trained on conversations built from the reader's
training part of CMRC 2018 dev and DRCD dev (``bench/bench_conversation.py --split train
--dump``, then ``python -m qa.followup.learn``), says which answer to keep from what the two
reads show: their span scores, whether each answered, whether they agree, which rule made the
standalone form, and whether the passage each answer came from mentions what the history
carried in (a read that found a passage about the conversation's topic is seldom wrong about
it). The weights ship in ``weights.json`` beside this module.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from qa.folding import fold
from qa.followup.model import load_model

if TYPE_CHECKING:
    from qa.answering import Answer
    from qa.followup.rules import Resolution

FEATURES = ("bias", "alone_score", "carried_score", "score_gain", "alone_answered", "carried_answered",
            "same_answer", "same_document", "rule_swap", "rule_pronoun", "rule_subject",
            "carried_in_alone_passage", "carried_in_carried_passage", "question_chars")
NO_SCORE = -10.0  # the span score of a read that found no span at all


def _score(a: Answer) -> float:
    return float(np.clip(a.span_score if a.span_score is not None else NO_SCORE, NO_SCORE, 20.0))


def _mentions(a: Answer, phrases: list[str]) -> float:
    """The share of ``phrases`` that the passage of the answer (its title and excerpt) mentions."""
    if not phrases or not a.citations:
        return 0.0
    where = fold(a.citations[0].title + a.citations[0].excerpt)
    return sum(fold(p) in where for p in phrases) / len(phrases)


def features(res: Resolution, alone: Answer, carried: Answer) -> np.ndarray:
    sa, sc = _score(alone), _score(carried)
    first = [a.citations[0].doc_id if a.citations else None for a in (alone, carried)]
    values = (1.0, sa / 10, sc / 10, (sc - sa) / 10, float(alone.status == "answered"),
              float(carried.status == "answered"), float(alone.answer == carried.answer),
              float(first[0] is not None and first[0] == first[1]), float(res.rule == "swap"),
              float(res.rule == "pronoun"), float(res.rule == "subject"), _mentions(alone, res.carried),
              _mentions(carried, res.carried), min(len(alone.question), 60) / 30)
    return np.array(values, dtype=np.float64)


@functools.cache
def _model() -> tuple[np.ndarray, float]:
    return load_model("choice", FEATURES)


def carried_probability(res: Resolution, alone: Answer, carried: Answer) -> float:
    """How likely the standalone form's answer is the better one."""
    weights, _ = _model()
    return float(1.0 / (1.0 + np.exp(-features(res, alone, carried) @ weights)))


def keep_carried(res: Resolution, alone: Answer, carried: Answer) -> bool:
    return carried_probability(res, alone, carried) >= _model()[1]

