"""Dense index type by size, approximate recall against exact search, and updates with IVF."""

import shutil

import numpy as np
import pytest

from qa.answering import answer_question
from qa.store import dense_index
from qa.store.index_build import build_index
from qa.store.index_store import load_index


def test_type_by_size_and_overrides(base_settings):
    assert dense_index.choose(1000, base_settings)["type"] == "flat_ip"
    n = base_settings.ann_threshold
    big = dense_index.choose(n, base_settings)
    assert big["type"] == "ivf_sq8" and big["nlist"] == int(4 * n ** 0.5) and big["nprobe"] == base_settings.ivf_nprobe
    assert dense_index.choose(n - 1, base_settings)["type"] == "flat_ip"
    assert dense_index.choose(100, base_settings.replace(dense_index="hnsw"))["type"] == "hnsw"
    # An update's segment of a few chunks is flat whatever the setting: there is nothing to train.
    assert dense_index.choose(10, base_settings.replace(dense_index="ivf"))["type"] == "flat_ip"
    assert dense_index.choose(10**6, base_settings.replace(dense_index="flat"))["type"] == "flat_ip"
    with pytest.raises(ValueError):
        dense_index.choose(10, base_settings.replace(dense_index="lsh"))


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_approximate_recall_at_10_against_exact(seed_index, base_settings, kind):
    vectors = seed_index.chunk_vectors(np.arange(seed_index.counts["chunks"]))  # real e5 vectors
    base, queries = vectors[20:], vectors[:20]
    params = dense_index.choose(len(base), base_settings.replace(dense_index=kind))
    exact = dense_index.build(base, base.shape[1], {"type": "flat_ip"})
    approx = dense_index.build(base, base.shape[1], params)
    _, truth = exact.search(queries, 10)
    _, got = approx.search(queries, 10)
    recall = np.mean([len(set(t) & set(g)) / 10 for t, g in zip(truth, got)])
    assert recall >= 0.95


def test_ivf_index_builds_answers_and_updates(base_settings, embedder, reader, seed_index, corpus_copy, tmp_path):
    s = base_settings.replace(corpus_dir=corpus_copy, index_dir=tmp_path / "idx", dense_index="ivf")
    build_index(s, embedder, show_progress=False)
    ix = load_index(s)
    dense = ix.manifest["segments"][0]["dense"]
    assert dense["type"] == "ivf_sq8" and dense["nprobe"] >= 1
    q = "凌源市截至6月末地区生产总值是多少？"
    assert answer_question(ix, embedder, reader, q, s).answer == "77.6亿元"
    (corpus_copy / "水库.txt").write_text("青龙山水库的蓄水量是4321万立方米。", encoding="utf-8")
    report = build_index(s, embedder, ix, show_progress=False)
    assert report.added == ["水库.txt"] and report.embedded_chunks == 1
    ix2 = load_index(s)
    # The IVF segment is kept as trained; the new document went into a small flat segment.
    assert [e["dense"]["type"] for e in ix2.manifest["segments"]] == ["ivf_sq8", "flat_ip"]
    assert answer_question(ix2, embedder, reader, "青龙山水库的蓄水量是多少？", s).answer == "4321万立方米"
    # A deleted document's chunks are filtered out of the IVF search itself.
    gone = "002_6898f3103771f9f9.txt"
    vectors = ix2.chunk_vectors(ix2.doc_chunks(gone))
    (corpus_copy / gone).unlink()
    build_index(s, embedder, ix2, show_progress=False)
    ix3 = load_index(s)
    assert ix3.manifest["segments"][0]["deleted"] and ix3.manifest["segments"][0]["dense"]["type"] == "ivf_sq8"
    for v in vectors:
        ids, _ = ix3.dense_search(v, 10)
        assert len(ids) == 10 and all(ix3.chunk(int(i)).doc_id != gone for i in ids)
    # And the IVF file itself no longer holds their codes (zeroed in place, entries kept).
    import faiss

    seg = ix3.segments[0]
    dead = set(np.flatnonzero(ix3.dead[0]).tolist())
    inv = faiss.extract_index_ivf(seg.dense).invlists
    assert seg.faiss_removed == 0 and seg.dense.ntotal == seg.meta["chunks"]
    found = 0
    for lst in range(inv.nlist):
        n = inv.list_size(lst)
        ids = faiss.rev_swig_ptr(inv.get_ids(lst), n)
        codes = faiss.rev_swig_ptr(inv.get_codes(lst), n * inv.code_size).reshape(n, inv.code_size)
        for row, c in enumerate(ids.tolist()):
            if c in dead:
                found += 1
                assert not codes[row].any()
            else:
                assert codes[row].any()
    assert found == len(dead)
    shutil.rmtree(tmp_path / "idx")
