"""Session-wide fixtures: the real default model and reader, loaded once, and one index of corpus/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa.config import Settings
from qa.embedding import Embedder, e5_folder
from qa.index import Index
from qa.index_build import build_index
from qa.index_store import load_index
from qa.reader.runtime import Reader, load_reader

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


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
