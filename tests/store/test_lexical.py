"""BM25 over Chinese tokens: the same scores as bm25s, stored as memory-mapped arrays."""

import bm25s
import numpy as np
import pytest

from qa.ingest.chunking import ChunkerSettings, chunk_document, passage_text
from qa.ingest.corpus import load_corpus
from qa.store.lexical import LexicalIndex, char_tokens, jieba_tokens, top_k


def seed_texts(base_settings):
    docs, _ = load_corpus(base_settings.corpus_dir)
    return [passage_text(c) for d in docs for c in chunk_document(d, ChunkerSettings(base_settings.chunk_chars, 1))]


QUESTIONS = ["凌源市截至6月末地区生产总值是多少？", "牛河梁红山文化遗址距今多少年", "水库", "辽寧省的經濟"]


def test_scores_equal_bm25s(base_settings):
    texts = seed_texts(base_settings)
    ours = LexicalIndex.build(texts, "char")
    ref = bm25s.BM25(k1=1.2, b=0.75)
    ref.index([char_tokens(t) or [""] for t in texts], show_progress=False)
    for q in QUESTIONS:
        tokens = [t for t in ours.query_tokens(q) if t in ours.vocab]
        assert tokens
        assert np.allclose(ours.scores(tokens), ref.get_scores(tokens), atol=1e-4)


def test_block_wise_build_equals_one_block(base_settings, monkeypatch):
    import qa.store.lexical

    texts = seed_texts(base_settings)
    whole = LexicalIndex.build(texts)
    monkeypatch.setattr(qa.store.lexical, "BUILD_BLOCK", 7)
    blocks = LexicalIndex.build(texts)
    assert whole.vocab == blocks.vocab
    for name in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(whole, name), getattr(blocks, name))


def test_saved_index_is_memory_mapped_and_scores_the_same(base_settings, tmp_path):
    texts = seed_texts(base_settings)
    built = LexicalIndex.build(texts, "jieba")
    built.save(tmp_path / "lex")
    loaded = LexicalIndex.load(tmp_path / "lex")
    assert isinstance(loaded.data.base, np.memmap) and loaded.tokenizer_name == "jieba"  # mapped, not read
    tokens = jieba_tokens("红山文化遗址")
    assert np.array_equal(built.scores(tokens), loaded.scores(tokens))


def test_outside_idf_rescales_each_token(base_settings):
    ix = LexicalIndex.build(seed_texts(base_settings))
    tokens = ["凌", "源", "凌源"]
    own = {t: float(ix.idf[ix.vocab[t]]) for t in tokens}
    assert np.allclose(ix.scores(tokens, own), ix.scores(tokens), atol=1e-5)
    doubled = ix.scores(tokens, {t: 2 * v for t, v in own.items()})
    assert np.allclose(doubled, 2 * ix.scores(tokens), atol=1e-4)
    assert ix.scores(["沒有的詞"]) is None


def test_top_k_leaves_out_chunks_without_a_shared_token():
    ids, scores = top_k(np.array([0.0, 3.0, 1.0, 0.0], np.float32), 10)
    assert ids.tolist() == [1, 2] and scores.tolist() == [3.0, 1.0]
    ids, _ = top_k(np.array([0.0, 3.0, 1.0, 5.0], np.float32), 2, within=np.array([0, 1, 2]))
    assert ids.tolist() == [1, 2]


def test_tokens_in_most_chunks_can_be_left_out(seed_index):
    lx = seed_index.segments[0].lexical
    q = "凌源市截至6月末地区生产总值是多少？"
    tokens = lx.query_tokens(q)
    rare = [t for t in tokens if t in lx.vocab and lx.df[lx.vocab[t]] <= 0.1 * lx.num_docs]
    common = [t for t in tokens if t in lx.vocab and lx.df[lx.vocab[t]] > 0.1 * lx.num_docs]
    assert rare and common
    ids, scores = seed_index.lexical_search(q, 10, max_df=0.1)
    expected = lx.scores(rare)
    assert np.allclose(scores, expected[ids], atol=1e-5)
    assert ids[0] == int(np.argmax(expected))
    # A question made only of common tokens keeps them all rather than scoring nothing.
    only_common = "".join(t for t in common if len(t) == 1)
    assert len(seed_index.lexical_search(only_common, 10, max_df=0.1)[0]) == 10


def test_pruning_starts_at_the_ann_threshold(seed_index, base_settings, embedder):
    from qa.retrieval import retrieve

    q = "凌源市截至6月末地区生产总值是多少？"
    qvec = embedder.query(q)
    small = retrieve(seed_index, q, qvec, base_settings, 10, methods="lexical")  # 187 chunks: exact
    assert [h.lexical_score for h in small] == pytest.approx(seed_index.lexical_search(q, 10)[1].tolist())
    big = base_settings.replace(ann_threshold=100, lexical_max_df=0.1)
    pruned = retrieve(seed_index, q, qvec, big, 10, methods="lexical")
    assert [h.lexical_score for h in pruned] == pytest.approx(seed_index.lexical_search(q, 10, max_df=0.1)[1].tolist())
    assert [h.lexical_score for h in pruned] != [h.lexical_score for h in small]
