"""`qa index update`: detection by content hash, reuse of stored vectors, segments for small
changes, compaction, and equality with a rebuild."""

import os
import shutil

import numpy as np
import pytest

from qa.answering import answer_question
from qa.store.index_build import build_index
from qa.store.index_store import load_index

FACT = "青龙山水库的蓄水量是4321万立方米。该水库建于1958年，是全县最大的水库。"
GONE = "002_6898f3103771f9f9.txt"


@pytest.fixture(params=["segment", "full"])
def setup(request, base_settings, embedder, seed_index, corpus_copy, tmp_path):
    """A corpus copy with its own index; "segment" lets updates add segments, "full" always compacts."""
    fraction = 1.0 if request.param == "segment" else 0.0
    s = base_settings.replace(corpus_dir=corpus_copy, index_dir=tmp_path / "idx", compact_fraction=fraction)
    shutil.copytree(base_settings.index_path, s.index_path, symlinks=True)
    return s


def update(s, embedder):
    return build_index(s, embedder, load_index(s), show_progress=False)


def doc_vectors(ix, doc_id):
    return ix.chunk_vectors(ix.doc_chunks(doc_id))


def test_nothing_changed_embeds_nothing(setup, embedder):
    r = update(setup, embedder)
    assert (r.added, r.changed, r.removed, r.renamed) == ([], [], [], [])
    assert r.embedded_chunks == 0
    assert len(load_index(setup).segments) == 1


def test_new_changed_deleted_and_renamed(setup, embedder):
    c = setup.corpus_dir
    (c / "new.txt").write_text(FACT, encoding="utf-8")
    path = c / "000_74ec0513fa38d948.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n补充一句新的内容。", encoding="utf-8")
    (c / "003_0624703ab3c854fd.txt").unlink()
    (c / "sub").mkdir()
    (c / "004_784ca2f8b721edea.txt").rename(c / "sub" / "moved.txt")
    moved_vectors = doc_vectors(load_index(setup), "004_784ca2f8b721edea.txt")  # a copy: the files get scrubbed
    r = update(setup, embedder)
    assert r.added == ["new.txt"]
    assert r.changed == ["000_74ec0513fa38d948.txt"]
    assert r.removed == ["003_0624703ab3c854fd.txt"]
    assert r.renamed == [("004_784ca2f8b721edea.txt", "sub/moved.txt")]
    after = load_index(setup)
    assert r.mode == ("segment" if setup.compact_fraction else "full")
    assert set(after.documents) == {p.relative_to(c).as_posix() for p in c.rglob("*.txt")}
    n_new = sum(1 for ch in after.iter_chunks() if ch.doc_id in ("new.txt", "000_74ec0513fa38d948.txt"))
    assert r.embedded_chunks == n_new  # only new and changed documents were embedded
    # The moved document kept its vectors.
    assert np.array_equal(moved_vectors, doc_vectors(after, "sub/moved.txt"))


def test_deleted_document_leaves_nothing_behind(setup, embedder, reader):
    before = load_index(setup)
    gone_vectors = doc_vectors(before, GONE)
    gone_text = before.documents[GONE].text
    sentence = max(gone_text.split("。"), key=len)  # a long sentence found only in this document
    (setup.corpus_dir / GONE).unlink()
    update(setup, embedder)
    ix = load_index(setup)
    assert GONE not in ix.documents and GONE not in ix.file_state()
    chunks = list(ix.iter_chunks())
    assert all(c.doc_id != GONE for c in chunks) and ix.counts["chunks"] == len(chunks)
    assert ix.counts["documents"] == 4
    # Neither search returns the deleted document's chunks, even searched by its own words or vectors.
    for v in gone_vectors[:3]:
        ids, _ = ix.dense_search(v, 5)
        assert all(ix.chunk(int(i)).doc_id != GONE for i in ids)
    ids, _ = ix.lexical_search(gone_text[:60], 20)
    assert all(ix.chunk(int(i)).doc_id != GONE for i in ids)
    answer = answer_question(ix, embedder, reader, "凌源市截至6月末地区生产总值是多少？", setup)
    assert all(c.doc_id != GONE for c in answer.citations)
    # And nothing of it is left on disk: no text, no name, no vector, no BM25 weight, no FAISS entry.
    for f in setup.index_path.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            assert sentence.encode() not in data and GONE.encode() not in data, f
    for seg in ix.segments:
        stored = np.asarray(seg.chunk_vectors, np.float32)
        assert not any(np.isclose(stored, v, atol=1e-3).all(axis=1).any() for v in gone_vectors)
        assert seg.dense.ntotal + seg.faiss_removed == seg.meta["chunks"]
        lex = seg.lexical
        dead = ix.dead[ix.segments.index(seg)]
        if dead is not None:
            assert not np.any(np.asarray(lex.data)[np.isin(np.asarray(lex.indices), np.flatnonzero(dead))])
            assert all(not seg.dense.reconstruct(int(c)).any() for c in np.flatnonzero(dead))  # flat FAISS


def test_update_equals_full_rebuild(setup, embedder, reader, tmp_path):
    c = setup.corpus_dir
    (c / "new.txt").write_text(FACT, encoding="utf-8")
    (c / "001_0ae81ca8cf954a1e.txt").unlink()
    path = c / "000_74ec0513fa38d948.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("5500—5000年", "5600—5000年"), encoding="utf-8")
    update(setup, embedder)
    fresh = setup.replace(index_dir=tmp_path / "fresh")
    build_index(fresh, embedder, show_progress=False)
    a, b = load_index(setup), load_index(fresh)

    def chunks(ix):
        return sorted((x.doc_id, x.start, x.end, x.text, tuple(x.sentences)) for x in ix.iter_chunks())
    assert chunks(a) == chunks(b)
    assert a.counts == b.counts
    assert {d: a.documents[d].sha256 for d in a.documents} == {d: b.documents[d].sha256 for d in b.documents}
    for doc_id in b.documents:
        assert np.allclose(doc_vectors(a, doc_id), doc_vectors(b, doc_id), atol=2e-3)
    for q in ["青龙山水库的蓄水量是多少？", "牛河梁红山文化遗址距今多少年？", "凌源市截至6月末地区生产总值是多少？"]:
        x, y = answer_question(a, embedder, reader, q, setup), answer_question(b, embedder, reader, q, fresh)
        assert (x.status, x.answer, x.sentence) == (y.status, y.answer, y.sentence)
        cx, cy = [(c.doc_id, c.start, c.end) for c in x.citations], [(c.doc_id, c.start, c.end) for c in y.citations]
        # Segments score BM25 with their own length norm, so lower-ranked sources may differ.
        assert cx == cy if len(a.segments) == 1 else cx[0] == cy[0]
    assert answer_question(a, embedder, reader, "青龙山水库的蓄水量是多少？", setup).answer == "4321万立方米"


def test_one_changed_document_costs_one_document(base_settings, embedder, reader, seed_index, corpus_copy, tmp_path):
    """The update reads and indexes only the changed file: the new segment holds its chunks alone."""
    s = base_settings.replace(corpus_dir=corpus_copy, index_dir=tmp_path / "idx", compact_fraction=1.0,
                              max_segments=3)
    shutil.copytree(base_settings.index_path, s.index_path, symlinks=True)
    path = corpus_copy / "000_74ec0513fa38d948.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + FACT, encoding="utf-8")
    r = update(s, embedder)
    ix = load_index(s)
    assert r.mode == "segment" and r.changed == ["000_74ec0513fa38d948.txt"] and len(ix.segments) == 2
    assert ix.segments[1].doc_ids == ["000_74ec0513fa38d948.txt"]
    assert ix.segments[1].meta["chunks"] == len(ix.doc_chunks("000_74ec0513fa38d948.txt")) == r.embedded_chunks
    gone = ix.manifest["segments"][0]["deleted"]  # the old version: marked deleted, then erased in place
    assert len(gone) == 1 and ix.segments[0].scrubbed == gone and ix.segments[0].doc_ids[gone[0]] == ""
    assert answer_question(ix, embedder, reader, "青龙山水库的蓄水量是多少？", s).answer == "4321万立方米"
    # Touching a file without changing it re-reads that file only, embeds nothing, reports nothing.
    other = corpus_copy / "003_0624703ab3c854fd.txt"
    os.utime(other, ns=(other.stat().st_atime_ns, other.stat().st_mtime_ns + 10**9))
    r = update(s, embedder)
    assert (r.added, r.changed, r.removed, r.embedded_chunks) == ([], [], [], 0) and r.mode == "segment"
    ix = load_index(s)
    assert len(ix.segments) == 3 and ix.segments[2].doc_ids == ["003_0624703ab3c854fd.txt"]
    # A fourth segment would pass max_segments: the update compacts into one, still embedding nothing.
    (corpus_copy / "new.txt").write_text("新文件的内容在这里。第二句。", encoding="utf-8")
    r = update(s, embedder)
    ix = load_index(s)
    assert r.mode == "full" and len(ix.segments) == 1 and r.embedded_chunks == len(ix.doc_chunks("new.txt"))
    assert len(list((s.index_path / "segments").iterdir())) == 1  # replaced segments are removed
    assert answer_question(ix, embedder, reader, "青龙山水库的蓄水量是多少？", s).answer == "4321万立方米"


def test_named_files_are_updated_without_walking_the_corpus(base_settings, embedder, reader, seed_index, corpus_copy,
                                                            tmp_path):
    s = base_settings.replace(corpus_dir=corpus_copy, index_dir=tmp_path / "idx", compact_fraction=1.0)
    shutil.copytree(base_settings.index_path, s.index_path, symlinks=True)
    edited, gone, unnamed = "000_74ec0513fa38d948.txt", "003_0624703ab3c854fd.txt", "001_0ae81ca8cf954a1e.txt"
    (corpus_copy / edited).write_text((corpus_copy / edited).read_text(encoding="utf-8") + "\n" + FACT,
                                      encoding="utf-8")
    (corpus_copy / "new.txt").write_text("新文件的内容在这里。第二句。", encoding="utf-8")
    (corpus_copy / gone).unlink()
    (corpus_copy / unnamed).write_text("这个文件被改了，但没有告诉更新。", encoding="utf-8")
    r = build_index(s, embedder, load_index(s), show_progress=False, paths=[edited, "new.txt", gone, "x/.hidden.txt"])
    assert (r.added, r.changed, r.removed, r.mode) == (["new.txt"], [edited], [gone], "segment")
    ix = load_index(s)
    assert gone not in ix.documents and "new.txt" in ix.documents
    assert answer_question(ix, embedder, reader, "青龙山水库的蓄水量是多少？", s).answer == "4321万立方米"
    assert "这个文件被改了" not in ix.documents[unnamed].text  # not named, not looked at
    assert update(s, embedder).changed == [unnamed]  # a walking update finds it


def test_cli_update_takes_file_names(base_settings, seed_index, corpus_copy, tmp_path, monkeypatch, capsys):
    from qa.cli import main

    s = base_settings.replace(corpus_dir=corpus_copy, index_dir=tmp_path / "idx")
    shutil.copytree(base_settings.index_path, s.index_path, symlinks=True)
    monkeypatch.setenv("QA_CACHE_DIR", str(base_settings.cache_dir))
    (corpus_copy / "new.txt").write_text(FACT, encoding="utf-8")
    (corpus_copy / "002_6898f3103771f9f9.txt").unlink()
    opts = ["-q", "--corpus", str(corpus_copy), "--index", str(s.index_path)]
    files = [str(corpus_copy / "new.txt"), "002_6898f3103771f9f9.txt"]  # from here, or inside the corpus
    assert main(["index", "update", *files, *opts]) == 0
    assert "added 1, changed 0, removed 1, renamed 0" in capsys.readouterr().out
    assert set(load_index(s).documents) == {p.name for p in corpus_copy.glob("*.txt")}
    with pytest.raises(SystemExit, match="not inside the corpus"):
        main(["index", "update", "/etc/passwd", *opts])


def test_a_server_closes_replaced_builds_files(base_settings, embedder, reader, corpus_copy, tmp_path):
    """The soak test saw open descriptors grow 25 -> 930 in 30 minutes of updates: a replaced
    build's segments stayed mapped (held in reference cycles) after their folders were deleted."""
    import os

    from qa.service import QAService

    s = base_settings.replace(corpus_dir=corpus_copy, index_dir=tmp_path / "idx", max_segments=3)
    service = QAService(s, embedder, reader)
    service.load(show_progress=False)
    for i in range(6):  # enough for compactions to delete old segments' folders
        (corpus_copy / f"n{i}.txt").write_text(f"白石湾{i}号大桥全长18{i}8米。", encoding="utf-8")
        service.build(incremental=True, show_progress=False, on_publish=service.reload)
    root = str(s.index_path.resolve())
    targets = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            targets.append(os.readlink(f"/proc/self/fd/{fd}"))
        except FileNotFoundError:  # the descriptor listdir itself used
            pass
    stale = [t for t in targets if t.startswith(root) and t.endswith("(deleted)")]
    assert not stale, stale[:3]


def test_a_question_in_flight_reads_its_build_whole_through_an_update(base_settings, embedder, reader, corpus_copy,
                                                                       tmp_path, monkeypatch):
    """The load test saw 50 of 12,004 answers cite an erased record: a question still being
    answered from the replaced build read a document the update had already erased from its
    segment. The update now waits for such questions before erasing."""
    import threading
    import time

    import qa.service
    from qa.service import QAService

    s = base_settings.replace(corpus_dir=corpus_copy, index_dir=tmp_path / "idx", compact_fraction=1.0)
    service = QAService(s, embedder, reader)
    service.load(show_progress=False)
    old = service.index
    seg, d = old.doc_location[GONE]

    def stored_text(index):  # as the segment's file holds it now (``documents[...]`` caches)
        return index.segments[seg].doc_table[d]["text"]

    text = stored_text(old)
    entered, gate, seen = threading.Event(), threading.Event(), {}

    def slow_answer(index, *args, **kwargs):
        entered.set()
        gate.wait(60)
        seen["text"] = stored_text(index)
        return answer_question(index, *args, **kwargs)

    monkeypatch.setattr(qa.service, "answer_question", slow_answer)
    asking = threading.Thread(target=service.ask, args=("凌源市截至6月末地区生产总值是多少？",))
    asking.start()
    assert entered.wait(60)
    (corpus_copy / GONE).unlink()
    updating = threading.Thread(target=service.build, kwargs={"incremental": True, "show_progress": False,
                                                              "on_publish": service.reload})
    updating.start()
    deadline = time.monotonic() + 120
    while service.index is old and time.monotonic() < deadline:  # the new build is served...
        time.sleep(0.01)
    assert service.index is not old and GONE not in service.index.documents
    updating.join(5)  # ...the update waits for the question in flight before it erases anything...
    assert updating.is_alive()
    gate.set()  # ...which only now reads the old build
    asking.join()
    updating.join()
    assert text and seen["text"] == text
    assert stored_text(old) == ""  # erased once nothing read the old build any more
