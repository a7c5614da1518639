"""Reading a corpus folder: every file its format's reader (``formats``) reads, then cleaned.

A file that cannot be read never stops a build: it is reported as skipped, with the reason,
and the rest of the corpus goes on.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from qa.ingest.extract import UnreadableFile, assemble
from qa.ingest.formats import READERS, SUFFIXES
from qa.records import Document, SkippedFile

log = logging.getLogger(__name__)

# Office files and EPUB are zip archives; what they unpack to is bounded too (a zip bomb of a few
# kilobytes can unpack to petabytes and take the build, or the server's upload check, with it).
ZIP_SUFFIXES = frozenset({".docx", ".xlsx", ".xlsm", ".ods", ".pptx", ".epub"})
ZIP_EXPANSION = 5  # times the file size limit


def _check_expansion(path: Path, limit: int) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            unpacked = sum(info.file_size for info in z.infolist())
    except (zipfile.BadZipFile, OSError):
        return  # not a zip at all: the format's reader says what is wrong
    if unpacked > limit:
        raise UnreadableFile(f"it would unpack to {unpacked:,} bytes, over the limit of {limit:,} "
                             "(a zip bomb, or far larger than a document should be)")


def read_document(path: Path, doc_id: str, max_bytes: int = 100_000_000) -> Document:
    size = path.stat().st_size
    if size > max_bytes:
        raise UnreadableFile(f"file is {size} bytes, over the limit of {max_bytes}")
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UnreadableFile(f"unsupported file type {path.suffix!r}")
    if path.suffix.lower() in ZIP_SUFFIXES:
        _check_expansion(path, ZIP_EXPANSION * max_bytes)
    extract = reader(path)
    for note in extract.notes:
        log.info("%s: %s", doc_id, note)
    return assemble(doc_id, extract, path.stem)


def corpus_files(corpus_dir: Path) -> Iterator[tuple[Path, str]]:
    """Yield (path, doc_id) for every candidate file, in a stable order; hidden files are ignored."""
    for path in sorted(corpus_dir.rglob("*")):
        rel = path.relative_to(corpus_dir)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if path.suffix.lower() in SUFFIXES:
            yield path, rel.as_posix()


def corpus_state(corpus_dir: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime) of every candidate file: cheap to compare, and what an edit touches."""
    state = {}
    for path, doc_id in corpus_files(corpus_dir):
        try:
            st = path.stat()
        except OSError:
            continue
        state[doc_id] = (st.st_size, st.st_mtime_ns)
    return state


def named_state(corpus_dir: Path, doc_ids: list[str]) -> dict[str, tuple[int, int]]:
    """(size, mtime) of just the named files that are candidates and exist: for an update told
    what changed, so it need not walk a corpus of a million files."""
    state = {}
    for doc_id in doc_ids:
        path = corpus_dir / doc_id
        if any(p.startswith(".") for p in Path(doc_id).parts) or path.suffix.lower() not in SUFFIXES:
            continue
        try:
            st = path.stat()
        except OSError:
            continue
        if path.is_file():
            state[Path(doc_id).as_posix()] = (st.st_size, st.st_mtime_ns)
    return state


def read_or_skip(path: Path, doc_id: str, max_bytes: int, keep_offsets: bool = False) -> Document | SkippedFile:
    """Read one document, or say why it is skipped: one bad file must not cost the corpus.

    The raw-offset map is one Python int per character (gigabytes over a large corpus), so it
    is dropped unless asked for; indexing does not use it.
    """
    try:
        doc = read_document(path, doc_id, max_bytes)
    except (UnreadableFile, OSError) as exc:
        log.warning("skipping %s: %s", doc_id, exc)
        return SkippedFile(doc_id, str(exc))
    except Exception as exc:  # a parser bug
        log.exception("skipping %s: could not parse it", doc_id)
        return SkippedFile(doc_id, f"parse error: {type(exc).__name__}: {exc}")
    if not keep_offsets:
        doc.source_offsets = []
    return doc


def load_corpus(corpus_dir: Path, max_bytes: int = 100_000_000,
                on_file: Callable[[int, int], None] | None = None) -> tuple[list[Document], list[SkippedFile]]:
    """Read every document; ``on_file(done, total)`` reports progress."""
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus directory not found: {corpus_dir}")
    docs: list[Document] = []
    skipped: list[SkippedFile] = []
    files = list(corpus_files(corpus_dir))
    for n, (path, doc_id) in enumerate(files, 1):
        if on_file:
            on_file(n, len(files))
        got = read_or_skip(path, doc_id, max_bytes)
        (docs if isinstance(got, Document) else skipped).append(got)  # type: ignore[arg-type]
    return docs, skipped
