"""Where an index lives: local files (the default: ``index_build`` writes segments, ``index_store``
publishes and loads them, ``index`` reads them) or Milvus (``milvus_build``, ``milvus``).

Retrieval, answering and serving read either through the same methods (``documents``,
``chunk``, ``dense_search``, ``lexical_search``, ``idf``, ``counts``, ``manifest``); these two
functions are what the lifecycle calls, so the CLI, the watcher and the admin API do not know
which store they build or load.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from qa.config import Settings

if TYPE_CHECKING:  # the submodules import this package's siblings; load them on first use
    from qa.embedding import Embedder
    from qa.store.index import Index
    from qa.store.index_build import BuildReport
    from qa.store.milvus import MilvusIndex

ServedIndex: TypeAlias = "Index | MilvusIndex"  # what retrieval, answering and serving read

STORES = ("local", "milvus")


def check_store(settings: Settings) -> None:
    if settings.store not in STORES:
        raise ValueError(f"QA_STORE={settings.store!r}: use local or milvus")
    if settings.store == "milvus" and settings.milvus_lexical not in ("terms", "chinese"):
        raise ValueError(f"QA_MILVUS_LEXICAL={settings.milvus_lexical!r}: use terms or chinese")


def load_store(settings: Settings, reuse: Any = None) -> ServedIndex:
    """The served index; ``IndexUnavailable`` (its message says why and what to do) otherwise."""
    check_store(settings)
    if settings.store == "local":
        from qa.store.index_store import load_index

        return load_index(settings, reuse=reuse)
    from qa.store.milvus import MilvusIndex

    return MilvusIndex(settings)  # its errors are IndexUnavailable (IndexMissing when there is no build)


def build_store(settings: Settings, embedder: Embedder, previous: ServedIndex | None = None,
                show_progress: bool = True, paths: list[str] | None = None,
                on_publish: Callable[[], object] | None = None,
                on_embed: Callable[[], None] | None = None) -> BuildReport:
    check_store(settings)
    if settings.store == "local":
        from qa.store.index_build import build_index

        return build_index(settings, embedder, previous, show_progress=show_progress, paths=paths,
                           on_publish=on_publish, on_embed=on_embed)
    from qa.store.milvus_build import build_milvus

    return build_milvus(settings, embedder, previous, show_progress=show_progress, paths=paths,
                        on_publish=on_publish, on_embed=on_embed)
