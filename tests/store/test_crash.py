"""kill -9 of `qa index build` and `qa index update` at random moments (the short version run in
CI; bench/reliability runs more trials): afterwards the last good build loads and answers, no
partial build is ever served, nothing is left that blocks the next build, and the next build
equals a clean one."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

from conftest import CORPUS

from qa.store.index_build import build_index
from qa.store.index_store import load_index


def contents(index) -> tuple[dict[str, int], set[str], set[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    return index.counts, set(index.documents), {(c.doc_id, c.text) for c in index.iter_chunks()}


def kill_at(cmd: list[str], env: dict[str, str], delay: float) -> None:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_kill_9_of_build_and_update_never_serves_a_partial_build(base_settings, embedder, tmp_path):
    rng = random.Random(7)
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    s = base_settings.replace(corpus_dir=corpus, index_dir=tmp_path / "idx")
    env = {**os.environ, "QA_CORPUS_DIR": str(corpus), "QA_INDEX_DIR": str(s.index_path),
           "QA_CACHE_DIR": str(s.cache_dir)}
    qa = [sys.executable, "-m", "qa.cli", "index"]
    good = None  # what the last published build held
    trials = int(os.environ.get("QA_RELIABILITY_TRIALS", "4"))  # docs/reliability.md runs 100 (50 builds, 50 updates)
    outcomes = {"old build served": 0, "new build served": 0, "nothing yet": 0}
    for trial in range(trials):
        if trial >= trials // 2:  # from here on, updates: a new file appears before each killed update
            (corpus / f"new{trial}.txt").write_text(f"白石湾{trial}号大桥全长18{trial}8米。", encoding="utf-8")
        clean = base_settings.replace(corpus_dir=corpus, index_dir=tmp_path / f"clean{trial}")
        build_index(clean, embedder, show_progress=False)
        ref = contents(load_index(clean))  # a clean build of the corpus as it is now
        kill_at(qa + (["update"] if trial >= trials // 2 else ["build", "-q"]), env, rng.uniform(0.5, 6.0))
        current = s.index_path / "current"
        if current.exists():  # whatever is published loads whole (checksums, counts) and is a whole build
            served = contents(load_index(s))
            assert served in (good, ref)
            outcomes["new build served" if served == ref and served != good else "old build served"] += 1
        else:
            outcomes["nothing yet"] += 1
        # Nothing left blocks the next build or update, which equals the clean one.
        build_index(s, embedder, previous=load_index(s) if current.exists() else None, show_progress=False)
        good = contents(load_index(s))
        assert good == ref
        assert not list(s.index_path.glob(".current-*")) and not (s.index_path / ".embedding").exists()
        manifest = json.loads((current / "manifest.json").read_text())
        leftovers = [p.name for p in (s.index_path / "segments").iterdir()
                     if p.name not in {e["id"] for e in manifest["segments"]}]
        assert not leftovers, leftovers  # killed builds' half-written segments are gone
    print(f"\n{trials} kill -9 trials: {outcomes}")


def test_kill_9_of_the_server_during_an_upload_and_its_hot_swap(base_settings, embedder, tmp_path):
    """The server killed at a random moment after an upload was accepted (while the file is
    written, the update runs, the new build is published and swapped in): afterwards the last good
    build loads whole, and the next update succeeds and equals a clean build."""
    import httpx
    from conftest import TOKEN, free_port

    rng = random.Random(11)
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    s = base_settings.replace(corpus_dir=corpus, index_dir=tmp_path / "idx")
    build_index(s, embedder, show_progress=False)
    trials = max(2, int(os.environ.get("QA_RELIABILITY_TRIALS", "4")) // 2)
    outcomes = {"upload published": 0, "old build served": 0}
    for trial in range(trials):
        port = free_port()
        env = {**os.environ, "QA_CORPUS_DIR": str(corpus), "QA_INDEX_DIR": str(s.index_path),
               "QA_CACHE_DIR": str(s.cache_dir), "QA_ADMIN_TOKEN": TOKEN}
        proc = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--port", str(port)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(240):
                try:
                    if httpx.get(url + "/health", timeout=2).json()["index_loaded"]:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            name = f"upload{trial}.txt"
            r = httpx.post(url + "/admin/documents", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60,
                           files={"file": (name, f"白石湾{trial}号大桥全长18{trial}8米。".encode())})
            assert r.status_code == 202
            time.sleep(rng.uniform(0.0, 0.8))  # the update of one small file takes about a second
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        served = load_index(s)  # whole: checksums and counts hold
        outcomes["upload published" if name in served.documents else "old build served"] += 1
        build_index(s, embedder, previous=served, show_progress=False)
        clean = base_settings.replace(corpus_dir=corpus, index_dir=tmp_path / f"clean{trial}")
        build_index(clean, embedder, show_progress=False)
        assert contents(load_index(s)) == contents(load_index(clean))
    print(f"\n{trials} server kills after an upload: {outcomes}")
