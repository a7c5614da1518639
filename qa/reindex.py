"""Background re-indexing for the running server: one build at a time, hot swap, status.

A build runs in its own thread into a new build folder; when it succeeds the service loads it
and swaps its index reference in one assignment, so requests in flight finish on the old
index and later ones use the new one. A failed build leaves the served index untouched and
its error in the status.

Triggers: ``POST /admin/reindex`` answers 409 while a build runs. Uploads, deletions and the
corpus watcher instead queue one follow-up build, so a change made during a build is never lost.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from qa.ingest.corpus import corpus_state
from qa.service import QAService

log = logging.getLogger(__name__)


@dataclass
class BuildStatus:
    running: bool = False
    queued: bool = False
    started_at: str | None = None
    finished_at: str | None = None
    seconds: float | None = None
    ok: bool | None = None
    error: str | None = None
    trigger: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)
    file_errors: list[dict[str, str]] = field(default_factory=list)
    builds: int = 0


class Reindexer:
    def __init__(self, service: QAService) -> None:
        self.service = service
        self.status = BuildStatus()
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        self._paths: set[str] | None = None  # for the queued build; None: walk the whole corpus

    def start(self, trigger: str, queue: bool = False, paths: list[str] | None = None) -> bool:
        """Start a build; False when one is already running (after queueing one if ``queue``).

        ``paths`` names the only documents that changed (an upload, a deletion), so the update
        does not walk the corpus; queued requests merge their paths, and any without paths
        makes the queued build walk it.
        """
        with self._lock:
            if self.status.running:
                if queue:
                    merge = None if paths is None or (self.status.queued and self._paths is None) else \
                        (self._paths or set()) | set(paths)
                    self._paths = merge
                self.status.queued = self.status.queued or queue
                return False
            self.status.running = True
            self.status.trigger = trigger
        threading.Thread(target=self._run, args=(paths,), name="reindex", daemon=True).start()
        return True

    def wait(self, timeout: float = 600.0) -> bool:
        """Block until no build is running or queued; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._done:
            while self.status.running or self.status.queued:
                left = deadline - time.monotonic()
                if left <= 0 or not self._done.wait(left):
                    return False
        return True

    def _run(self, paths: list[str] | None) -> None:
        while True:
            t0 = time.perf_counter()
            self.status.started_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            try:
                # The new build is served as soon as it is published; erasing what it deleted follows.
                report = self.service.build(incremental=True, show_progress=False, paths=paths,
                                            on_publish=self.service.reload)
                self.status.ok, self.status.error = True, None
                self.status.counts = {"documents": report.documents, "chunks": report.chunks,
                                      "sentences": report.sentences, "embedded_chunks": report.embedded_chunks}
                self.status.changes = {"added": report.added, "changed": report.changed,
                                       "removed": report.removed, "renamed": report.renamed}
                self.status.file_errors = [asdict(s) for s in report.skipped]
                log.info("re-indexed: %s, changes %s", self.status.counts, self.status.changes)
            except Exception as exc:  # the served index stays as it was
                log.exception("re-index failed; still serving the previous index")
                self.status.ok, self.status.error = False, f"{type(exc).__name__}: {exc}"
            self.status.seconds = round(time.perf_counter() - t0, 3)
            self.status.finished_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            self.status.builds += 1
            with self._done:
                if self.status.queued:
                    self.status.queued = False
                    self.status.trigger = "queued"
                    paths, self._paths = (None if self._paths is None else sorted(self._paths)), None
                    continue
                self.status.running = False
                self._done.notify_all()
                return

    def snapshot(self) -> dict[str, Any]:
        return asdict(self.status)


class CorpusWatcher:
    """Polls the corpus folder and updates the index when it differs from what the index was built from.

    The baseline is the file list (size, mtime) recorded in the served index's manifest, so
    edits made before the watcher started, or while the server was down, are caught too. A
    change must stay put for one interval before it triggers an update (debounce).
    """

    def __init__(self, reindexer: Reindexer, corpus_dir: Path, interval: float) -> None:
        self.reindexer = reindexer
        self.corpus_dir = corpus_dir
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="corpus-watcher", daemon=True)

    def start(self) -> CorpusWatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval * 3)

    def _loop(self) -> None:
        pending: dict[str, tuple[int, int]] | None = None
        triggered: dict[str, tuple[int, int]] | None = None
        while not self._stop.wait(self.interval):
            index = self.reindexer.service.index
            if index is None:
                continue  # still loading or building at start-up
            now = corpus_state(self.corpus_dir)
            built = index.file_state()
            if now == built or (now == triggered and self.reindexer.status.running):
                pending = None
                continue
            if now != pending:  # still changing: wait for it to settle
                pending = now
                continue
            log.info("corpus changed: updating the index")
            self.reindexer.start("watch", queue=True)
            triggered, pending = now, None
