"""Build/load round trip on corpus/, and the errors users see for a bad index."""

import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from qa.config import Settings
from qa.ingest.chunking import passage_text
from qa.store.index_build import build_index
from qa.store.index_store import BuildInProgress, IndexCorrupt, IndexMismatch, IndexMissing, build_lock, load_index


def test_round_trip_on_the_seed_corpus(seed_index, base_settings):
    ix = seed_index
    assert ix.counts["documents"] == 5 and len(ix.segments) == 1
    seg = ix.segments[0]
    chunks = list(ix.iter_chunks())
    assert ix.counts["chunks"] == len(chunks) == seg.dense.ntotal == seg.lexical.num_docs
    assert not (seg.path / "sentence_vectors.npy").exists()  # the reader made them unused (format 3)
    m = ix.manifest
    assert m["model"] == "multilingual-e5-small" and m["dim"] == 384 and m["format"] == 4
    assert m["chunker"] == {"target_chars": base_settings.chunk_chars, "overlap": base_settings.chunk_overlap}
    assert set(ix.documents) == {p.name for p in Path(base_settings.corpus_dir).glob("*.txt")}
    assert {"faiss-cpu", "sentence-transformers", "numpy"} <= set(m["versions"])
    for c in chunks:
        assert ix.documents[c.doc_id].text[c.start:c.end] == c.text
        assert ix.chunk(c.chunk_id) == c
        for row in ix.chunk_sentence_rows(c.chunk_id):
            doc_id, a, b = ix.sentence_span(row)
            assert doc_id == c.doc_id and c.start <= a < b <= c.end
    # Stored vectors are the passage embeddings of the chunks, normalized (float16 on disk).
    vectors = ix.chunk_vectors(np.arange(len(chunks)))
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-2)
    # A chunk is its own nearest neighbour.
    ids, _ = ix.dense_search(vectors[2], 1)
    assert ids.tolist() == [2]


def test_stored_chunk_vectors_are_the_passage_embeddings(seed_index, embedder):
    chunk = seed_index.chunk(3)
    fresh = embedder.passages([passage_text(chunk)])[0]
    assert float(fresh @ seed_index.chunk_vectors(np.array([3]))[0]) > 0.999


def copy_index(base_settings: Settings, tmp_path: Path) -> Settings:
    dest = tmp_path / "idx"
    shutil.copytree(base_settings.index_path, dest, symlinks=True)
    return base_settings.replace(index_dir=dest)


def test_missing_index_says_how_to_build(tmp_path, base_settings):
    with pytest.raises(IndexMissing, match="qa index build"):
        load_index(base_settings.replace(index_dir=tmp_path / "nothing"))


def test_model_or_chunker_mismatch(seed_index, base_settings, tmp_path):
    s = copy_index(base_settings, tmp_path)
    with pytest.raises(IndexMismatch, match="chunked with"):
        load_index(s.replace(chunk_chars=999))
    with pytest.raises(IndexMismatch, match="model"):
        load_index(s.replace(model="BAAI/bge-small-zh-v1.5"))


@pytest.mark.parametrize("damage", ["truncate_faiss", "garble_faiss", "delete_vectors", "garble_manifest",
                                    "truncate_chunks"])
def test_corrupt_index_gives_a_clear_message(seed_index, base_settings, tmp_path, damage):
    s = copy_index(base_settings, tmp_path)
    manifest = (s.index_path / "current" / "manifest.json")
    cur = s.index_path / "segments" / json.loads(manifest.read_text())["segments"][0]["id"]
    if damage == "truncate_faiss":
        data = (cur / "dense.faiss").read_bytes()
        (cur / "dense.faiss").write_bytes(data[: len(data) // 2])
    elif damage == "garble_faiss":
        (cur / "dense.faiss").write_bytes(b"not a faiss index at all")
    elif damage == "delete_vectors":
        (cur / "chunk_vectors.npy").unlink()
    elif damage == "garble_manifest":
        manifest.write_text("{broken")
    elif damage == "truncate_chunks":
        lines = (cur / "chunks.jsonl").read_text().splitlines()
        (cur / "chunks.jsonl").write_text("\n".join(lines[:-3]) + "\n")
    with pytest.raises((IndexCorrupt, IndexMismatch)) as info:
        load_index(s)
    assert "qa index build" in str(info.value)
    assert "Traceback" not in str(info.value)


def test_a_second_concurrent_build_is_refused(base_settings, tmp_path):
    s = base_settings.replace(index_dir=tmp_path / "idx")
    with build_lock(s):
        errors = []
        t = threading.Thread(target=lambda: _try_build(s, errors))
        t.start()
        t.join()
    assert errors and isinstance(errors[0], BuildInProgress)


def _try_build(s, errors):
    try:
        with build_lock(s):
            pass
    except BuildInProgress as exc:
        errors.append(exc)


def test_build_is_atomic_and_replaces_the_previous_one(base_settings, embedder, tmp_path, corpus_copy):
    s = base_settings.replace(corpus_dir=corpus_copy, index_dir=tmp_path / "idx")
    for p in list(corpus_copy.glob("*.txt"))[1:]:
        p.unlink()
    first = build_index(s, embedder, show_progress=False)
    (corpus_copy / "new.txt").write_text("新文件的内容在这里。第二句。", encoding="utf-8")
    boom = RuntimeError("embedding failed")

    def fail():
        raise boom
    with pytest.raises(RuntimeError):
        build_index(s, embedder, show_progress=False, on_embed=fail)
    # The failed build left the published index as it was, and no temporary folder behind.
    assert load_index(s).manifest["build_id"] == Path(first.path).name
    assert [p.name for p in (s.index_path / "builds").iterdir()] == [Path(first.path).name]
    assert len(list((s.index_path / "segments").iterdir())) == 1
    second = build_index(s, embedder, show_progress=False)
    assert load_index(s).counts["documents"] == 2
    assert [p.name for p in (s.index_path / "builds").iterdir()] == [Path(second.path).name]
    assert json.loads((s.index_path / "current" / "manifest.json").read_text())["counts"]["documents"] == 2


def test_an_empty_corpus_is_refused_clearly_and_nothing_is_published(base_settings, embedder, tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "broken.pdf").write_bytes(b"%PDF-1.7 nothing more")
    s = base_settings.replace(corpus_dir=tmp_path / "c", index_dir=tmp_path / "idx")
    with pytest.raises(ValueError, match=r"no documents to index in .*broken\.pdf: corrupt or not a PDF"):
        build_index(s, embedder, show_progress=False)
    assert not (tmp_path / "idx" / "current").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="is a file, not a folder"):
        build_index(s.replace(index_dir=tmp_path / "file"), embedder, show_progress=False)


def test_an_update_that_deletes_every_document_serves_an_empty_index(base_settings, embedder, tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text("青龙山水库的蓄水量是4321万立方米。", encoding="utf-8")
    s = base_settings.replace(corpus_dir=tmp_path / "c", index_dir=tmp_path / "idx")
    build_index(s, embedder, show_progress=False)
    (tmp_path / "c" / "a.txt").unlink()
    report = build_index(s, embedder, load_index(s), show_progress=False)
    assert report.removed == ["a.txt"] and load_index(s).counts["documents"] == 0


def test_a_build_killed_while_embedding_resumes_without_re_embedding(base_settings, embedder, tmp_path,
                                                                     monkeypatch):
    """What was embedded before the failure is kept on disk; the next build embeds only the rest."""
    import qa.store.index_build

    block = 16  # texts per saved part (1024 in use); small, so that a few documents make several parts
    monkeypatch.setattr(qa.store.index_build, "CHECKPOINT_BLOCK", block)
    calls = []

    def die_in_the_third_part():
        calls.append(1)
        if len(calls) > 2 * block + 5:
            raise KeyboardInterrupt  # as a kill -INT would; kill -9 leaves the same files behind

    corpus = tmp_path / "c"
    corpus.mkdir()
    for i in range(12):
        (corpus / f"{i:02d}.txt").write_text("\n".join(
            f"第{j}条记录：凌源市第{i}号仓库在{2000 + j}年存放了{i * 7 + j}吨玉米和{j * 3}吨大豆，由第{j}班组负责。"
            for j in range(30)), encoding="utf-8")
    s = base_settings.replace(index_dir=tmp_path / "idx", corpus_dir=corpus)
    with pytest.raises(KeyboardInterrupt):
        build_index(s, embedder, show_progress=False, on_embed=die_in_the_third_part)
    assert not (s.index_path / "current").exists()  # nothing half-built is published
    report = build_index(s, embedder, show_progress=False)
    assert report.chunks > 3 * block and report.embedded_chunks == report.chunks - 2 * block
    assert not (s.index_path / ".embedding").exists()  # cleared once published
    # The resumed build holds the same vectors as one made in one go.
    fresh = s.replace(index_dir=tmp_path / "fresh")
    build_index(fresh, embedder, show_progress=False)
    a, b = load_index(s), load_index(fresh)
    n = a.counts["chunks"]
    assert n == b.counts["chunks"]
    assert np.allclose(a.chunk_vectors(np.arange(n)), b.chunk_vectors(np.arange(n)), atol=2e-3)


@pytest.mark.parametrize("name", ["chunk_vectors.npy", "dense.faiss", "chunks.jsonl", "documents.jsonl",
                                  "lexical/data.npy", "sentences.npy", "doc_ids.json"])
@pytest.mark.parametrize("how", ["flip", "truncate"])
def test_damage_to_any_index_file_is_found_at_load_and_named(seed_index, base_settings, tmp_path, name, how):
    """256 random bytes written into a vector file went unnoticed and were answered from."""
    s = copy_index(base_settings, tmp_path)
    seg = s.index_path / "segments" / json.loads((s.index_path / "current" / "manifest.json").read_text()
                                                 )["segments"][0]["id"]
    data = bytearray((seg / name).read_bytes())
    if how == "flip":
        at = len(data) // 2
        data[at:at + 256] = bytes(b ^ 0x5A for b in data[at:at + 256])
    else:
        data = data[: len(data) - 7]
    (seg / name).write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt) as info:
        load_index(s)
    assert name in str(info.value) and "qa index build" in str(info.value)
    if (name, how) == ("chunk_vectors.npy", "flip"):  # only the checksum sees this one
        assert load_index(s.replace(verify_index=False)).counts == seed_index.counts


def test_a_damaged_new_build_is_not_served_the_previous_one_goes_on(base_settings, embedder, reader, corpus_copy,
                                                                    tmp_path):
    from qa.service import QAService

    s = base_settings.replace(corpus_dir=corpus_copy, index_dir=tmp_path / "idx")
    service = QAService(s, embedder, reader)
    service.load(show_progress=False)
    (corpus_copy / "new.txt").write_text("白石湾大桥全长1888米，于2023年10月建成通车。", encoding="utf-8")
    service.build(incremental=True, show_progress=False)
    newest = json.loads((s.index_path / "current" / "manifest.json").read_text())["segments"][-1]["id"]
    vectors = s.index_path / "segments" / newest / "chunk_vectors.npy"
    raw = bytearray(vectors.read_bytes())
    raw[-64:] = bytes(64)
    vectors.write_bytes(bytes(raw))
    with pytest.raises(IndexCorrupt, match="chunk_vectors.npy"):
        service.reload()
    assert service.ask("凌源市截至6月末地区生产总值是多少？").answer == "77.6亿元"  # the old build still answers


def test_an_erasure_stopped_by_a_kill_is_finished_by_the_next_update(base_settings, embedder, corpus_copy, tmp_path,
                                                                     monkeypatch):
    import qa.store.scrub as scrub_module

    s = base_settings.replace(corpus_dir=corpus_copy, index_dir=tmp_path / "idx")
    build_index(s, embedder, show_progress=False)
    victim = sorted(p.name for p in corpus_copy.glob("*.txt"))[0]
    (corpus_copy / victim).unlink()

    def killed_midway(path, rows, blank):  # the erasure dies after its first rewrites
        raise KeyboardInterrupt

    monkeypatch.setattr(scrub_module, "_blank_records", killed_midway)
    with pytest.raises(KeyboardInterrupt):
        build_index(s, embedder, previous=load_index(s), show_progress=False)
    monkeypatch.undo()
    interrupted = load_index(s)  # served meanwhile: the files being erased are not checked
    assert victim not in interrupted.documents
    seg_dirs = list((s.index_path / "segments").iterdir())
    assert any((d / "scrubbing.json").exists() for d in seg_dirs)
    (corpus_copy / "another.txt").write_text("白石湾大桥全长1888米。", encoding="utf-8")
    build_index(s, embedder, previous=interrupted, show_progress=False)
    assert not any((d / "scrubbing.json").exists() for d in (s.index_path / "segments").iterdir())
    final = load_index(s)  # every checksum whole again
    assert victim not in final.documents and "another.txt" in final.documents
