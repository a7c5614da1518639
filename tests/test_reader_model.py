"""The shipped weights load offline; damaged or missing files fail with the file's name."""

import pytest

from qa.embedding import e5_folder
from qa.reader.model import WEIGHTS, ReaderError
from qa.reader.runtime import load_reader


def test_weights_ship_in_the_package_and_are_small():
    assert WEIGHTS.is_file()
    assert WEIGHTS.stat().st_size <= 30 * 1024 * 1024


def test_missing_weights_name_the_file(base_settings, tmp_path):
    missing = tmp_path / "nowhere.safetensors"
    with pytest.raises(ReaderError, match="nowhere.safetensors"):
        load_reader(e5_folder(base_settings), missing)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_corrupt_weights_name_the_file(base_settings, tmp_path, damage):
    bad = tmp_path / f"{damage}.safetensors"
    data = WEIGHTS.read_bytes()
    bad.write_bytes({"truncate": data[: len(data) // 2], "garbage": b"\x00\x17not a model" * 100,
                     "empty": b""}[damage])
    with pytest.raises(ReaderError, match=f"{damage}.safetensors"):
        load_reader(e5_folder(base_settings), bad)


def test_service_reports_unusable_weights_instead_of_answering(base_settings, embedder, tmp_path, seed_index):
    from qa.service import QAService

    settings = base_settings.replace(reader_weights=tmp_path / "gone.safetensors")
    service = QAService(settings, embedder)
    with pytest.raises(ReaderError, match="gone.safetensors"):
        service.load(build_if_missing=False)
    assert "gone.safetensors" in (service.load_error or "")
