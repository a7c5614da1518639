"""Session-wide fixtures: the real default model and reader, loaded once, and one index of corpus/."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.config import Settings
from qa.embedding import Embedder, e5_folder
from qa.reader.runtime import Reader, load_reader
from qa.store.index import Index
from qa.store.index_build import build_index
from qa.store.index_store import load_index

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
TOKEN = "server-token-0123456789"


@pytest.fixture(scope="session")
def base_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings with the repository's defaults, the model cache shared with the user's."""
    return Settings.from_env(env={}).replace(corpus_dir=CORPUS,
                                             index_dir=tmp_path_factory.mktemp("seed-index") / "idx")


@pytest.fixture(scope="session")
def embedder(base_settings: Settings) -> Embedder:
    return Embedder(base_settings)


@pytest.fixture(scope="session")
def reader(base_settings: Settings) -> Reader:
    """The shipped reader weights, loaded once."""
    return load_reader(e5_folder(base_settings))


@pytest.fixture(scope="session")
def seed_index(base_settings: Settings, embedder: Embedder) -> Index:
    build_index(base_settings, embedder, show_progress=False)
    return load_index(base_settings)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def live_server(base_settings: Settings, work: Path) -> Iterator[str]:
    """A live `qa serve` on a free loopback port, on copies of the seed corpus and index in ``work``,
    with an admin token (TOKEN); yields its URL."""
    shutil.copytree(base_settings.corpus_dir, work / "corpus")
    shutil.copytree(base_settings.index_path, work / "idx", symlinks=True)
    port = free_port()
    env = {**os.environ, "QA_CORPUS_DIR": str(work / "corpus"), "QA_INDEX_DIR": str(work / "idx"),
           "QA_CACHE_DIR": str(base_settings.cache_dir), "QA_ADMIN_TOKEN": TOKEN}
    proc = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    try:
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as r:
                    if json.load(r)["index_loaded"]:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("qa serve did not come up:\n" + proc.stdout.read().decode(errors="replace"))
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="session")
def server(base_settings, seed_index, tmp_path_factory):
    """The browser and OpenAI-client tests talk to it; the upload test adds a file, the hot-swap test
    adds one and deletes it again."""
    with live_server(base_settings, tmp_path_factory.mktemp("browser")) as url:
        yield url


@pytest.fixture(scope="session")
def milvus_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A real Milvus (milvus-lite's gRPC server) on a free loopback port, stopped by its pid."""
    port = free_port()
    exe = Path(sys.executable).with_name("milvus-lite")
    proc = subprocess.Popen([str(exe), "server", "--data-dir", str(tmp_path_factory.mktemp("milvus")),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    uri = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    try:
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError as exc:
                if proc.poll() is not None or time.time() > deadline:
                    out = proc.stdout.read().decode(errors="replace")  # type: ignore[union-attr]
                    raise RuntimeError("milvus-lite did not start:\n" + out) from exc
                time.sleep(0.2)
        yield uri
    finally:
        os.kill(proc.pid, 9)
        proc.wait(timeout=20)
