"""The loaded model and index, shared by the CLI and the web app.

The index reference is the one piece of mutable state: a reload builds the new index aside
and swaps the reference in a single assignment, so a request holds either the old index or
the new one for its whole life. An update then erases the documents it deleted from the older
segments, which the old index still maps; it waits until the questions still being answered
from the old index are done (a grace period), so that no answer cites an erased record.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable

from qa.answering import Answer, answer_question
from qa.config import Settings
from qa.embedding import Embedder, e5_folder
from qa.embedding.embedder import torch_device
from qa.followup import Turn
from qa.reader.runtime import Reader, load_reader
from qa.store import ServedIndex, build_store, load_store
from qa.store.index_build import BuildReport
from qa.store.index_store import IndexMissing, IndexUnavailable

log = logging.getLogger(__name__)
GRACE_SECONDS = 60.0  # the longest an update waits for questions in flight on the replaced index
questions_log = logging.getLogger("qa.questions")  # written to only with QA_LOG_QUESTIONS=1


class QAService:
    def __init__(self, settings: Settings, embedder: Embedder | None = None, reader: Reader | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._embedder_lock = threading.Lock()
        self._reader = reader
        self._reader_lock = threading.Lock()
        self.index: ServedIndex | None = None
        self.load_error: str | None = None
        self._in_flight: dict[int, int] = {}  # id of an index -> questions being answered from it
        self._in_flight_changed = threading.Condition()

    @property
    def embedder(self) -> Embedder:
        with self._embedder_lock:
            if self._embedder is None:
                self._embedder = Embedder(self.settings)
            return self._embedder

    @property
    def reader(self) -> Reader:
        with self._reader_lock:
            if self._reader is None:
                self._reader = load_reader(e5_folder(self.settings), self.settings.reader_weights,
                                           self.settings.reader_runtime, torch_device(self.settings))
            return self._reader

    def load(self, build_if_missing: bool = True, show_progress: bool = True) -> ServedIndex:
        """Load the index, building it first when there is none."""
        try:
            try:
                index = load_store(self.settings)
            except IndexMissing:
                if not build_if_missing:
                    raise
                log.info("no index at %s: building it from %s", self.settings.index_path, self.settings.corpus_dir)
                report = self.build(show_progress=show_progress)
                log.info("built %d documents, %d chunks, %d sentences in %.1f s",
                         report.documents, report.chunks, report.sentences, report.seconds)
                index = load_store(self.settings)
            # Both models load before the index is served (so /health says ready only when a question
            # can be answered at once), one after the other: two threads importing transformers' lazy
            # modules at once fail.
            self.embedder  # noqa: B018
            self.reader  # noqa: B018
            self.index = index
        except Exception as exc:  # reported by /health and /ask until a later load succeeds
            self.load_error = str(exc)
            raise
        self.load_error = None
        return self.index

    def build(self, incremental: bool = False, show_progress: bool = True,
              paths: list[str] | None = None, on_publish: Callable[[], object] | None = None) -> BuildReport:
        """``paths``: with ``incremental``, the only document ids that may have changed;
        ``on_publish``: called as soon as the new build is published (see ``build_index``)."""
        previous = None
        if incremental:
            previous = self.index
            if previous is None:
                try:
                    previous = load_store(self.settings)
                except IndexUnavailable as exc:
                    log.info("no usable index to update (%s): building from scratch", exc)
        def published() -> None:
            replaced = self.index
            if on_publish is not None:
                on_publish()
            if replaced is not None and replaced is not self.index:
                self._drain(replaced)

        try:
            return build_store(self.settings, self.embedder, previous, show_progress=show_progress, paths=paths,
                               on_publish=published)
        finally:
            # The build replaced (here and in ``reload``, which the build calls on publishing) holds its
            # segments' memory maps, a file descriptor each, in reference cycles; a server seldom
            # triggers the full collection that frees them: the soak test saw 25 -> 930 descriptors
            # in 30 minutes of updates. Collect once the build and the swap are done.
            previous = None
            gc.collect()

    def reload(self) -> ServedIndex:
        """Load the newest published build and swap it in."""
        new = load_store(self.settings, reuse=self.index)
        self.index = new
        return new

    def _drain(self, index: ServedIndex, timeout: float = GRACE_SECONDS) -> None:
        """Wait until no question is being answered from ``index`` (at most ``timeout`` s)."""
        with self._in_flight_changed:
            self._in_flight_changed.wait_for(lambda: not self._in_flight.get(id(index)), timeout)

    def ask(self, question: str, top_k: int | None = None, history: list[Turn] | None = None) -> Answer:
        with self._in_flight_changed:
            index = self.index
            if index is None:
                raise IndexUnavailable(self.load_error or "the index is not loaded yet")
            self._in_flight[id(index)] = self._in_flight.get(id(index), 0) + 1
        try:
            answer = answer_question(index, self.embedder, self.reader, question, self.settings, top_k,
                                     history=history)
        finally:
            with self._in_flight_changed:
                left = self._in_flight.pop(id(index)) - 1
                if left:
                    self._in_flight[id(index)] = left
                self._in_flight_changed.notify_all()
        if self.settings.log_questions:
            questions_log.info("question %r resolved %r status %s build %s", question, answer.resolved_question,
                               answer.status, index.manifest.get("build_id"))
        return answer
