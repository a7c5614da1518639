"""`qa index update`: detection by content hash, reuse of stored vectors, equality with a rebuild."""

import shutil

import numpy as np
import pytest

from qa.answering import answer_question
from qa.index_build import build_index
from qa.index_store import load_index

FACT = "青龙山水库的蓄水量是4321万立方米。该水库建于1958年，是全县最大的水库。"


@pytest.fixture
def setup(base_settings, embedder, seed_index, corpus_copy, tmp_path):
    """A corpus copy with its own index, built once from the session index's files."""
    s = base_settings.replace(corpus_dir=corpus_copy, index_dir=tmp_path / "idx")
    shutil.copytree(base_settings.index_path, s.index_path, symlinks=True)
    return s


def update(s, embedder):
    return build_index(s, embedder, load_index(s), show_progress=False)


def test_nothing_changed_embeds_nothing(setup, embedder):
    r = update(setup, embedder)
    assert (r.added, r.changed, r.removed, r.renamed) == ([], [], [], [])
    assert r.embedded_chunks == 0 and r.embedded_sentences == 0


def test_new_changed_deleted_and_renamed(setup, embedder):
    c = setup.corpus_dir
    (c / "new.txt").write_text(FACT, encoding="utf-8")
    path = c / "000_74ec0513fa38d948.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n补充一句新的内容。", encoding="utf-8")
    (c / "003_0624703ab3c854fd.txt").unlink()
    (c / "sub").mkdir()
    (c / "004_784ca2f8b721edea.txt").rename(c / "sub" / "moved.txt")
    before = load_index(setup)
    r = update(setup, embedder)
    assert r.added == ["new.txt"]
    assert r.changed == ["000_74ec0513fa38d948.txt"]
    assert r.removed == ["003_0624703ab3c854fd.txt"]
    assert r.renamed == [("004_784ca2f8b721edea.txt", "sub/moved.txt")]
    after = load_index(setup)
    n_new = sum(1 for ch in after.chunks if ch.doc_id in ("new.txt", "000_74ec0513fa38d948.txt"))
    assert r.embedded_chunks == n_new  # only new and changed documents were embedded
    # The moved document kept its vectors.
    old_rows = [ch.chunk_id for ch in before.chunks if ch.doc_id == "004_784ca2f8b721edea.txt"]
    new_rows = [ch.chunk_id for ch in after.chunks if ch.doc_id == "sub/moved.txt"]
    assert np.array_equal(np.asarray(before.chunk_vectors[old_rows]), np.asarray(after.chunk_vectors[new_rows]))


def test_deleted_document_leaves_nothing_behind(setup, embedder):
    gone = "002_6898f3103771f9f9.txt"
    (setup.corpus_dir / gone).unlink()
    update(setup, embedder)
    ix = load_index(setup)
    assert gone not in ix.documents and gone not in ix.manifest["documents"]
    assert all(c.doc_id != gone for c in ix.chunks)
    assert ix.dense.ntotal == len(ix.chunks) == ix.chunk_vectors.shape[0]
    assert ix.lexical.retriever.scores["num_docs"] == len(ix.chunks)
    assert all(ix.doc_ids[d] != gone for d in ix.sentences[:, 0])
    answer = answer_question(ix, embedder, "凌源市截至6月末地区生产总值是多少？", setup)
    assert all(c.doc_id != gone for c in answer.citations)


def test_update_equals_full_rebuild(setup, embedder, tmp_path):
    c = setup.corpus_dir
    (c / "new.txt").write_text(FACT, encoding="utf-8")
    (c / "001_0ae81ca8cf954a1e.txt").unlink()
    path = c / "000_74ec0513fa38d948.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("5500—5000年", "5600—5000年"), encoding="utf-8")
    update(setup, embedder)
    fresh = setup.replace(index_dir=tmp_path / "fresh")
    build_index(fresh, embedder, show_progress=False)
    a, b = load_index(setup), load_index(fresh)
    assert [x.to_json() for x in a.chunks] == [x.to_json() for x in b.chunks]
    assert np.array_equal(a.sentences, b.sentences)
    assert a.manifest["documents"] == b.manifest["documents"]
    assert np.allclose(np.asarray(a.chunk_vectors), np.asarray(b.chunk_vectors), atol=1e-4)
    assert np.allclose(np.asarray(a.sentence_vectors), np.asarray(b.sentence_vectors), atol=1e-4)
    for q in ["青龙山水库的蓄水量是多少？", "牛河梁红山文化遗址距今多少年？", "凌源市截至6月末地区生产总值是多少？"]:
        x, y = answer_question(a, embedder, q, setup), answer_question(b, embedder, q, fresh)
        assert (x.status, x.answer, x.sentence) == (y.status, y.answer, y.sentence)
        assert [(c.doc_id, c.start, c.end) for c in x.citations] == [(c.doc_id, c.start, c.end) for c in y.citations]
    assert answer_question(a, embedder, "青龙山水库的蓄水量是多少？", setup).answer == "4321万立方米"
