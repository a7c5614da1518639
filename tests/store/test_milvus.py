"""Milvus as the store, against a real Milvus server (milvus-lite's): build, ask, update, delete,
rename, parity with the local store, an alias switch under concurrent asking, and the errors
users see when Milvus is down or holds no build."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT, free_port

from qa.answering import answer_question
from qa.config import Settings
from qa.evaluation import prepare
from qa.retrieval import retrieve
from qa.store import build_store, load_store
from qa.store.milvus import MilvusIndex

pytest.importorskip("pymilvus")
SEED_QUESTIONS = [t["standalone"] for conv in json.loads((ROOT / "bench/data/followups_seed.json").read_text())
                  ["conversations"] for t in conv]


def milvus_settings(base: Settings, uri: str, name: str, tmp: Path, corpus: Path = CORPUS) -> Settings:
    return base.replace(store="milvus", milvus_uri=uri, milvus_collection=name, corpus_dir=corpus,
                        index_dir=tmp / f"work-{name}")


@pytest.fixture(scope="module")
def seed_milvus(base_settings, embedder, milvus_uri, tmp_path_factory):
    s = milvus_settings(base_settings, milvus_uri, "seed", tmp_path_factory.mktemp("m"))
    report = build_store(s, embedder, show_progress=False)
    assert report.documents == 5 and report.chunks > 100
    return s, load_store(s)


def test_build_info_and_ask_on_milvus_like_the_local_store(seed_milvus, seed_index, base_settings, embedder, reader):
    s, mindex = seed_milvus
    assert isinstance(mindex, MilvusIndex)
    assert mindex.counts == seed_index.counts  # same documents, chunks and sentences as the local build
    assert mindex.manifest["milvus"]["collection"].startswith("seed_")
    same_doc = same_answer = 0
    for q in SEED_QUESTIONS:
        qvec = embedder.query(q)
        local = retrieve(seed_index, q, qvec, base_settings, 5)
        remote = retrieve(mindex, q, qvec, s, 5)
        same_doc += seed_index.chunk(local[0].chunk).doc_id == mindex.chunk(remote[0].chunk).doc_id
        a = answer_question(seed_index, embedder, reader, q, base_settings, qvec=qvec)
        b = answer_question(mindex, embedder, reader, q, s, qvec=qvec)
        same_answer += a.answer == b.answer
    assert same_doc >= 0.95 * len(SEED_QUESTIONS)
    assert same_answer >= 0.9 * len(SEED_QUESTIONS)
    doc_id = next(iter(mindex.documents))
    assert mindex.documents[doc_id].text == seed_index.documents[doc_id].text  # the document view's text
    assert set(mindex.documents) == set(seed_index.documents)
    idf_local, idf_remote = seed_index.idf(["凌源", "的"]), mindex.idf(["凌源", "的"])
    assert idf_remote == pytest.approx(idf_local)  # follow-ups weigh words the same on both stores


def test_same_top_document_as_local_on_cmrc_dev_questions(base_settings, embedder, milvus_uri, tmp_path):
    data = json.loads((ROOT.parent / "shared/bench/cmrc2018_dev.json").read_text(encoding="utf-8"))
    data["data"] = data["data"][:45]  # 45 paragraphs, 174 questions (90 and 332 until 2026-12-07)
    small = tmp_path / "cmrc_part.json"
    small.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    local, questions, _, _ = prepare(small, base_settings, tmp_path / "work")
    build_store(local, embedder, show_progress=False)
    remote = milvus_settings(local, milvus_uri, "cmrc", tmp_path, corpus=local.corpus_dir)
    build_store(remote, embedder, show_progress=False)
    a, b = load_store(local), load_store(remote)
    assert len(questions) >= 150
    same = 0
    for q in questions:
        qvec = embedder.query(q.question)
        top_a = a.chunk(retrieve(a, q.question, qvec, local, 5)[0].chunk).doc_id
        top_b = b.chunk(retrieve(b, q.question, qvec, remote, 5)[0].chunk).doc_id
        same += top_a == top_b
    assert same / len(questions) >= 0.95, f"same top document for {same} of {len(questions)}"


def test_update_delete_rename_leave_no_stale_rows(base_settings, embedder, milvus_uri, tmp_path, reader):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    s = milvus_settings(base_settings, milvus_uri, "upd", tmp_path, corpus=corpus)
    build_store(s, embedder, show_progress=False)
    before = load_store(s)
    names = sorted(before.documents)
    renamed, changed, removed = names[0], names[1], names[2]
    (corpus / renamed).rename(corpus / ("moved-" + renamed))
    with open(corpus / changed, "a", encoding="utf-8") as f:
        f.write("\n青龙山水库的蓄水量是4321万立方米。\n")
    (corpus / removed).unlink()
    (corpus / "new.txt").write_text("白石湾大桥全长1888米，于2023年10月建成通车。", encoding="utf-8")
    report = build_store(s, embedder, previous=before, show_progress=False)
    assert report.renamed == [(renamed, "moved-" + renamed)] and report.removed == [removed]
    assert report.changed == [changed] and report.added == ["new.txt"]
    assert not (s.index_path / ".embedding").exists()  # what the build saved as it went is in Milvus now
    after = load_store(s)
    chunks_of = {d: after.count(f'doc_id == "{d}"') for d in (renamed, removed, "moved-" + renamed, "new.txt")}
    assert chunks_of[renamed] == chunks_of[removed] == 0  # no stale rows
    assert chunks_of["moved-" + renamed] > 0 and chunks_of["new.txt"] > 0
    moved_chunks = len(after.doc_chunks("moved-" + renamed))
    assert report.embedded_chunks < report.chunks - moved_chunks  # the renamed file's vectors were reused
    assert after.counts["documents"] == len(names)
    assert after.counts["chunks"] == after.count('kind == "chunk"')
    assert after.manifest["build_id"] != before.manifest["build_id"]
    ans = answer_question(after, embedder, reader, "青龙山水库的蓄水量是多少？", s)
    assert ans.answer and "4321万立方米" in ans.answer
    ans = answer_question(after, embedder, reader, "白石湾大桥全长多少米？", s)
    assert ans.citations and ans.citations[0].doc_id == "new.txt"


def test_no_failed_queries_while_the_alias_switches(base_settings, embedder, milvus_uri, tmp_path):
    """A live `qa serve` on Milvus answers /ask over loopback HTTP from three clients while two
    full builds switch the alias under it."""
    import httpx

    s = milvus_settings(base_settings, milvus_uri, "swap", tmp_path)
    build_store(s, embedder, show_progress=False)
    port = free_port()
    env = {**os.environ, "QA_STORE": "milvus", "QA_MILVUS_URI": milvus_uri, "QA_MILVUS_COLLECTION": "swap",
           "QA_CORPUS_DIR": str(CORPUS), "QA_INDEX_DIR": str(s.index_path), "QA_CACHE_DIR": str(s.cache_dir)}
    proc = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    statuses: list[int] = []
    answers: list[str | None] = []
    stop = threading.Event()

    def ask() -> None:
        with httpx.Client(base_url=url, timeout=60) as c:
            while not stop.is_set():
                r = c.post("/ask", json={"question": "截至6月末凌源市地区生产总值实现多少？"})
                statuses.append(r.status_code)
                answers.append(r.json().get("answer") if r.status_code == 200 else None)

    try:
        deadline = time.time() + 120
        while True:
            try:
                if httpx.get(url + "/health", timeout=2).json()["index_loaded"]:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.time() < deadline, proc.stdout.read().decode(errors="replace")
            time.sleep(0.5)
        threads = [threading.Thread(target=ask) for _ in range(3)]
        for t in threads:
            t.start()
        builds = {httpx.get(url + "/health").json()["build_id"]}
        for _ in range(2):
            build_store(s, embedder, show_progress=False)
            time.sleep(2.5)  # a replica re-reads the manifest every 2 s
            builds.add(httpx.get(url + "/health").json()["build_id"])
        stop.set()
        for t in threads:
            t.join()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert statuses and set(statuses) == {200}, f"{len(statuses)} requests: {sorted(set(statuses))}"
    assert all(a and "77.6亿元" in a for a in answers)
    assert len(builds) == 3  # the server saw both new builds without a restart
    kept = [c for c in load_store(s).client.list_collections() if c.startswith("swap_")]
    assert len(kept) == 2  # the served build and the one it replaced; older ones dropped


def test_unreachable_milvus_is_reported_by_health_and_ask(base_settings, tmp_path):
    from conftest import free_port
    from fastapi.testclient import TestClient

    from qa.serve.app import create_app

    s = milvus_settings(base_settings, f"http://127.0.0.1:{free_port()}", "down", tmp_path)
    with TestClient(create_app(s)) as client:
        for _ in range(200):
            health = client.get("/health").json()
            if health["status"] != "loading":
                break
            threading.Event().wait(0.1)
        assert health["status"] == "error" and "Milvus" in health["error"] and s.milvus_uri in health["error"]
        r = client.post("/ask", json={"question": "凌源市地区生产总值是多少？"})
        assert r.status_code == 503 and "Milvus" in r.json()["detail"]


def test_a_missing_collection_with_nothing_to_build_says_so(base_settings, embedder, milvus_uri, tmp_path):
    from qa.store.index_store import IndexMissing

    s = milvus_settings(base_settings, milvus_uri, "never_built", tmp_path, corpus=tmp_path)
    with pytest.raises(IndexMissing, match="no index in Milvus"):
        load_store(s)


def test_a_failed_build_leaves_the_served_collection_untouched(seed_milvus, embedder, tmp_path):
    from qa.cli import index_info

    s, before = seed_milvus
    served = before.manifest["milvus"]["collection"]
    collections = set(before.client.list_collections())

    def fail() -> None:
        raise RuntimeError("embedding failed")

    (tmp_path / "new.txt").write_text("白石湾大桥全长1888米，于2023年10月建成通车。", encoding="utf-8")
    with pytest.raises(RuntimeError, match="embedding failed"):
        build_store(s.replace(corpus_dir=tmp_path), embedder, show_progress=False, on_embed=fail)
    after = load_store(s)
    assert after.manifest["milvus"]["collection"] == served
    assert set(after.client.list_collections()) == collections  # the half-built collection was dropped
    info = index_info(s)
    assert info["store"] == "milvus" and info["collection"] == served and info["alias"] == "seed"
    assert info["rows"]["chunks"] == after.counts["chunks"] and info["build_id"] == after.manifest["build_id"]
