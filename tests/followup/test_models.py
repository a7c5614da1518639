"""The learned topic model of follow-ups: its training, and the shipped weights' behaviour."""

import json

import numpy as np
import pytest

from qa.followup import Turn, topics
from qa.followup.learn import evaluate_topics, fit, train_topics
from qa.followup.model import WEIGHTS, load_model


def test_fit_learns_a_weighted_logistic_relation():
    rng = np.random.default_rng(0)
    x = np.c_[np.ones(4000), rng.normal(size=(4000, 2))]
    true = np.array([-0.5, 2.0, -1.0])
    y = (rng.random(4000) < 1 / (1 + np.exp(-x @ true))).astype(float)
    beta = fit(x, y, np.ones(4000), l2=0.01)
    assert np.allclose(beta, true, atol=0.25)
    # weights count: rows weighted 0 teach nothing
    flipped = np.r_[y, 1 - y]
    beta_w = fit(np.r_[x, x], flipped, np.r_[np.ones(4000), np.zeros(4000)], l2=0.01)
    assert np.allclose(beta_w, beta, atol=1e-6)


def test_topic_training_ranks_the_labelled_candidate_first(tmp_path):
    rng = np.random.default_rng(1)
    rows = []
    for _ in range(200):
        n = 6
        feats = 0.3 * rng.random((n, len(topics.FEATURES)))  # noise, whatever the number of features
        feats[:, 0], feats[:, 1] = 1.0, rng.random(n)
        labels = [0.0] * n
        best = int(np.argmax(feats[:, 1]))  # the subject is the most salient candidate here
        labels[best] = 1.0
        rows.append({"features": feats.tolist(), "labels": labels})
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    model = train_topics([path])
    assert model["trained_on"]["top1_on_training_rows"] > 0.9
    assert model["weights"][topics.FEATURES.index("salience")] > 0
    scores = evaluate_topics(path)  # the shipped weights, the weighting they replaced, the best possible
    assert scores["follow_ups"] == 200 and scores["best_possible"] == 1.0
    assert scores["subject_in_no_candidate"] == 0.0 and 0.0 <= scores["learned"] <= 1.0


def test_shipped_weights_match_the_features():
    data = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    assert data["topics"]["trained_on"]["follow_ups"] > 1000
    assert len(load_model("topics", topics.FEATURES)) == len(topics.FEATURES)
    with pytest.raises(ValueError, match="retrain"):
        load_model("topics", topics.FEATURES[:-1])


@pytest.fixture(scope="module")
def salience(seed_index):
    from qa.followup import index_salience

    return index_salience(seed_index)


def test_the_name_the_conversation_repeats_ranks_first(salience):
    history = [Turn("凌源市截至6月末地区生产总值是多少？", "77.6亿元"),
               Turn("凌源市公共财政预算收入完成多少？", "6.1亿元")]
    ranked = topics.ranked(history, [t.question for t in history], salience, "固定资产投资完成多少？")
    assert ranked[0] == "凌源市"
    # what the question already holds is not offered again
    assert "凌源市" not in topics.ranked(history, [t.question for t in history], salience, "凌源市人口多少？")


def test_the_passage_the_last_answer_came_from_speaks_of_the_subject(salience):
    # two places asked about together: the one the answering passage keeps speaking of is the topic
    history = [Turn("凌源市和朝阳市哪个森林覆盖率更高？", None)]
    resolved = [t.question for t in history]
    for place, other in (("凌源市", "朝阳市"), ("朝阳市", "凌源市")):
        passage = f"{place}位于辽宁省西部。{place}森林覆盖率达到40%，{place}地区生产总值增长7%。"
        ranked = topics.ranked(history, resolved, salience, "它的人口是多少？", passage=passage)
        assert ranked.index(place) < ranked.index(other)


def test_a_topic_is_carried_in_as_the_passage_writes_it(salience):
    # a title in 简体 over a text in 繁體: the question gets the text's own characters
    history = [Turn("這門學科與什麼領域相似？", "建築學")]
    passage = "城市规划\n城市規劃是一門研究城市發展的學科。城市規劃與建築學相似。"  # the title heads the chunk
    ranked = topics.ranked(history, [t.question for t in history], salience, "它的起源是什麼？",
                           title="城市规划", passage=passage)
    assert "城市規劃" in ranked and "城市规划" not in ranked
