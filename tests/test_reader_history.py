"""The history layers: shipped beside the reader, reading the conversation, and never laid over
reader weights they were not trained on."""

import shutil

import pytest
from safetensors import safe_open
from safetensors.torch import save_file

from qa.embedding import e5_folder
from qa.reader.history import LAYERS, history_path, history_question
from qa.reader.model import WEIGHTS, ReaderError
from qa.reader.runtime import load_reader

PASSAGE = "2021年，辽阳市空气质量优良天数达到300天，比上年增加12天。全市森林覆盖率达到43%，比上年提高2个百分点。"


def _score(reader, question, answer, earlier=None):
    at = PASSAGE.index(answer)
    return reader.score_span(question, PASSAGE, at, at + len(answer), earlier)


def test_history_layers_ship_beside_the_reader_and_are_small(reader):
    assert history_path(WEIGHTS).is_file()
    assert history_path(WEIGHTS).stat().st_size <= 10 * 1024 * 1024
    assert reader.history is not None


def test_the_latest_earlier_questions_are_read_first_and_only_three():
    q = history_question("它呢？", ["一？", "二？", "三？", "四？"])
    assert q.startswith("它呢？")
    assert q.index("四？") < q.index("三？") < q.index("二？")
    assert "一？" not in q


def test_the_history_layers_share_the_readers_embeddings_and_lower_layers(reader):
    mine, theirs = reader.model.encoder, reader.history.encoder
    assert theirs.embeddings is mine.embeddings
    n = len(mine.encoder.layer)
    assert all(theirs.encoder.layer[i] is mine.encoder.layer[i] for i in range(n - LAYERS))
    assert all(theirs.encoder.layer[i] is not mine.encoder.layer[i] for i in range(n - LAYERS, n))


def test_the_history_decides_which_measure_a_follow_up_asks_about(reader):
    # "它比上年增加了多少？" alone leans to 12天 (增加 is its verb); after a question about the
    # forest cover, the history layers move towards that measure's change
    q = "它比上年增加了多少？"
    air, forest = ["辽阳市空气质量优良天数有多少天？"], ["辽阳市森林覆盖率是多少？"]
    after_air = _score(reader, q, "2个百分点", air) - _score(reader, q, "12天", air)
    after_forest = _score(reader, q, "2个百分点", forest) - _score(reader, q, "12天", forest)
    assert after_forest > after_air + 2.0


def test_history_layers_are_not_laid_over_other_reader_weights(base_settings, tmp_path, reader):
    # a user's own reader file (same tensors, another file) with the shipped history layers
    # beside it: they were trained over other lower layers, so they are left out
    with safe_open(str(WEIGHTS), framework="pt") as f:
        tensors, meta = {k: f.get_tensor(k) for k in f.keys()}, dict(f.metadata())
    own = tmp_path / "mine.safetensors"
    save_file(tensors, str(own), metadata={**meta, "info": '{"trained": "by a user"}'})
    shutil.copy(history_path(WEIGHTS), history_path(own))
    other = load_reader(e5_folder(base_settings), own)
    assert other.history is None
    assert _score(other, "它比上年增加了多少？", "12天", ["辽阳市空气质量优良天数有多少天？"]) is None
    assert _score(other, "辽阳市空气质量优良天数比上年增加了多少？", "12天") == pytest.approx(
        _score(reader, "辽阳市空气质量优良天数比上年增加了多少？", "12天"))


def test_a_damaged_history_file_names_itself(base_settings, tmp_path):
    own = tmp_path / "reader.safetensors"
    shutil.copy(WEIGHTS, own)
    history_path(own).write_bytes(history_path(WEIGHTS).read_bytes()[:1000])
    with pytest.raises(ReaderError, match="reader.history.safetensors"):
        load_reader(e5_folder(base_settings), own)
