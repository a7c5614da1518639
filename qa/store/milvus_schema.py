"""The Milvus collection that holds a whole index, and the connection to it.

One collection per build holds everything serving needs, one row kind at a time:
``chunk`` rows (text and offsets in ``data``, the dense vector, the lexical side as Milvus's
own BM25 function over ``terms``, which only chunk rows fill), ``doc`` rows (a document's text, in parts that fit a
VARCHAR field, with its blocks and places), ``df`` rows (document frequencies of lexical
tokens, hashed into buckets: the IDF that follow-up resolution weighs words by) and one
``meta`` row (the build's manifest). The alias named by ``QA_MILVUS_COLLECTION`` points at the
served build, so publishing a build is one alias switch, and every ``qa serve`` replica reads
through the alias: none keeps per-chunk state. Rows other than chunks have zero vectors and no
terms, so searches need no filter, and their ids follow from their names (``row_id``), so
serving reads them by primary key: a filtered scan costs 50 ms in milvus-lite, a key 8 ms.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from qa.config import Settings
from qa.store.index_store import IndexMissing, IndexUnavailable

KINDS = ("chunk", "doc", "meta", "df")
TEXT_BYTES = 65_535  # Milvus's VARCHAR limit, in bytes
DOC_PART_CHARS = 16_000  # 4 bytes a character at worst: a part always fits
DF_BUCKETS = 1024
META_ID = 0
# Lexical variants (docs/scale-out.md measures both on CMRC): "terms" indexes our own char
# unigram+bigram tokens, space-joined, with a whitespace analyzer; "chinese" gives Milvus the
# raw text with its Chinese (jieba) analyzer.
LEXICAL = ("terms", "chinese")


class MilvusUnavailable(IndexUnavailable):
    """Milvus cannot be reached or failed; the message names the URI and what to do."""


class MilvusMissing(MilvusUnavailable, IndexMissing):
    """Milvus is up but holds no build under the alias yet."""


def quoted(value: object) -> str:
    """A string or list of strings as a Milvus filter literal."""
    return json.dumps(value, ensure_ascii=False)


def df_bucket(token: str) -> int:
    return row_id("df", token) % DF_BUCKETS


def row_id(*parts: str) -> int:
    """A stable 63-bit primary key: the same document, chunk and content give the same id."""
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") & ((1 << 63) - 1) or 1


def connect(settings: Settings, timeout: float = 10.0) -> Any:
    """A ``MilvusClient`` for ``QA_MILVUS_URI``; ``MilvusUnavailable`` naming the URI if down."""
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise MilvusUnavailable("QA_STORE=milvus needs pymilvus: pip install 'pymilvus>=2.5'") from exc
    _quiet()
    try:
        return MilvusClient(uri=settings.milvus_uri, token=settings.milvus_token or "", timeout=timeout)
    except Exception as exc:  # pymilvus raises its own exceptions, grpc's, or OSError
        raise MilvusUnavailable(f"cannot reach Milvus at {settings.milvus_uri} ({type(exc).__name__}: "
                                f"{short_error(exc)}); start it, or set QA_MILVUS_URI") from exc


def short_error(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__


def _quiet() -> None:
    """pymilvus logs every failed call with a traceback at ERROR; we report them ourselves."""
    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)


def analyzer_params(lexical: str, server_tokenizers: tuple[str, ...]) -> dict[str, Any]:
    """The analyzer of the BM25 field ``terms``, which holds our tokens space-joined ("terms") or
    the passage itself ("chinese"). Milvus has ``whitespace`` and a ``chinese`` analyzer;
    milvus-lite only ``standard`` (a ``\\w+`` regex, which keeps our space-separated tokens whole
    too) and ``jieba``."""
    if lexical == "terms":
        return {"tokenizer": "whitespace"} if "whitespace" in server_tokenizers else {"tokenizer": "standard"}
    return {"type": "chinese"} if "chinese" in server_tokenizers else {"tokenizer": "jieba"}


def create_collection(client: Any, name: str, dim: int, lexical: str) -> dict[str, Any]:
    """Create an empty build collection; returns the analyzer it got, for the manifest."""
    from pymilvus import DataType, Function, FunctionType

    last: Exception | None = None
    for tokenizers in (("whitespace", "chinese"), ()):  # a full Milvus first, then milvus-lite's
        analyzer = analyzer_params(lexical, tokenizers)
        schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("kind", DataType.VARCHAR, max_length=8)
        schema.add_field("doc_id", DataType.VARCHAR, max_length=4096)
        schema.add_field("sha", DataType.VARCHAR, max_length=64)
        schema.add_field("part", DataType.INT64)
        schema.add_field("terms", DataType.VARCHAR, max_length=TEXT_BYTES, enable_analyzer=True,
                         analyzer_params=analyzer)
        schema.add_field("text", DataType.VARCHAR, max_length=TEXT_BYTES)
        schema.add_field("data", DataType.JSON)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["terms"],
                                     output_field_names=["sparse"]))
        index = client.prepare_index_params()
        index.add_index(field_name="vector", index_type="AUTOINDEX", metric_type="IP")
        index.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        index.add_index(field_name="kind", index_type="INVERTED")
        index.add_index(field_name="doc_id", index_type="INVERTED")
        try:
            client.create_collection(name, schema=schema, index_params=index)
            return {"lexical": lexical, "analyzer": analyzer}
        except Exception as exc:  # an analyzer this server lacks: try the next
            last = exc
            if "tokenizer" not in str(exc) and "analyzer" not in str(exc):
                raise
    raise RuntimeError(f"Milvus accepted no analyzer for lexical={lexical!r}: {last}")


def fit_text(text: str, limit: int = TEXT_BYTES) -> str:
    """``text`` cut to fit a VARCHAR field (bytes, UTF-8)."""
    raw = text.encode("utf-8")
    return text if len(raw) <= limit else raw[:limit].decode("utf-8", errors="ignore")
