"""Dense index type by size, approximate recall against exact search, and updates with IVF."""

import shutil

import numpy as np
import pytest

from qa import dense_index
from qa.answering import answer_question
from qa.index_build import build_index
from qa.index_store import load_index


def test_type_by_size_and_overrides(base_settings):
    assert dense_index.choose(1000, base_settings)["type"] == "flat_ip"
    n = base_settings.ann_threshold
    big = dense_index.choose(n, base_settings)
    assert big["type"] == "ivf_sq8" and big["nlist"] == int(4 * n ** 0.5) and big["nprobe"] == base_settings.ivf_nprobe
    assert dense_index.choose(n - 1, base_settings)["type"] == "flat_ip"
    assert dense_index.choose(10, base_settings.replace(dense_index="hnsw"))["type"] == "hnsw"
    assert dense_index.choose(10**6, base_settings.replace(dense_index="flat"))["type"] == "flat_ip"
    with pytest.raises(ValueError):
        dense_index.choose(10, base_settings.replace(dense_index="lsh"))


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_approximate_recall_at_10_against_exact(seed_index, base_settings, kind):
    vectors = np.asarray(seed_index.sentence_vectors)  # a few hundred real e5 vectors
    base, queries = vectors[50:], vectors[:50]
    params = dense_index.choose(len(base), base_settings.replace(dense_index=kind))
    exact = dense_index.build(base, base.shape[1], {"type": "flat_ip"})
    approx = dense_index.build(base, base.shape[1], params)
    _, truth = exact.search(queries, 10)
    _, got = approx.search(queries, 10)
    recall = np.mean([len(set(t) & set(g)) / 10 for t, g in zip(truth, got)])
    assert recall >= 0.95


def test_ivf_index_builds_answers_and_updates(base_settings, embedder, seed_index, corpus_copy, tmp_path):
    s = base_settings.replace(corpus_dir=corpus_copy, index_dir=tmp_path / "idx", dense_index="ivf")
    build_index(s, embedder, show_progress=False)
    ix = load_index(s)
    assert ix.manifest["dense"]["type"] == "ivf_sq8" and ix.manifest["dense"]["nprobe"] >= 1
    q = "凌源市截至6月末地区生产总值是多少？"
    assert answer_question(ix, embedder, q, s).answer == "77.6亿元"
    (corpus_copy / "水库.txt").write_text("青龙山水库的蓄水量是4321万立方米。", encoding="utf-8")
    report = build_index(s, embedder, ix, show_progress=False)
    assert report.added == ["水库.txt"] and report.embedded_chunks == 1
    ix2 = load_index(s)
    assert ix2.dense.ntotal == len(ix2.chunks)
    assert answer_question(ix2, embedder, "青龙山水库的蓄水量是多少？", s).answer == "4321万立方米"
    shutil.rmtree(tmp_path / "idx")
