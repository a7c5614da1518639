"""All settings in one place, each overridable by a ``QA_*`` environment variable.

Settings are read once (at CLI start or app creation) and passed down explicitly, so no
stage reads the environment on its own and tests can build as many configurations as
they need side by side.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_MODEL = "multilingual-e5-small"

# Prompts of known models; any other model gets none unless QA_QUERY_PROMPT / QA_PASSAGE_PROMPT say.
KNOWN_PROMPTS: dict[str, tuple[str, str]] = {
    "multilingual-e5-small": ("query: ", "passage: "),
    "intfloat/multilingual-e5-small": ("query: ", "passage: "),
    "intfloat/multilingual-e5-base": ("query: ", "passage: "),
    "BAAI/bge-small-zh-v1.5": ("为这个句子生成表示以用于检索相关文章：", ""),
}


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qa"


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = Path("corpus")
    index_root: Path = Path("index")
    # Full path of one index; empty means index_root / index_name (named by its settings).
    index_dir: Path | None = None
    cache_dir: Path = field(default_factory=_default_cache)

    model: str = DEFAULT_MODEL
    query_prompt: str | None = None
    passage_prompt: str | None = None
    batch_size: int = 32
    threads: int = 0  # 0: every core the process may use
    device: str = "cpu"  # "cuda" (or "cuda:N"): embedding and the reader on a GPU, with torch
    embed_runtime: str = "auto"  # "auto" (int8 ONNX for the default model on CPU, else torch), "onnx-int8", "torch"

    chunk_chars: int = 220
    chunk_overlap: int = 1  # sentences repeated at the start of the next chunk
    max_file_bytes: int = 100_000_000  # scanned PDFs and slide decks run to tens of MB

    lexical_tokenizer: str = "char"  # "char" (unigrams+bigrams) or "jieba"
    # From ann_threshold chunks on, BM25 leaves out query tokens found in more than this share
    # of the chunks: 4x less work at 1M chunks, R@5 unchanged on CMRC (docs/performance.md).
    lexical_max_df: float = 0.2
    fusion: str = "weighted"  # "weighted" (min-max normalized sum, best measured) or "rrf"
    fusion_weight: float = 0.5  # dense share in the weighted sum
    rrf_k: int = 60
    candidates: int = 50  # per-method depth before fusion

    # Where the index lives: "local" (index files under index_root) or "milvus" (docs/scale-out.md).
    store: str = "local"
    milvus_uri: str = "http://127.0.0.1:19530"
    milvus_token: str = ""  # "user:password" or an API key; never logged
    milvus_collection: str = "qa"  # the alias that serving reads; builds are collections behind it
    milvus_lexical: str = "terms"  # "terms" (our char tokens, whitespace analyzer) or "chinese" (Milvus's)

    # Dense index type: "auto" (flat below ann_threshold chunks, IVF-SQ8 above), "flat", "hnsw", "ivf".
    dense_index: str = "auto"
    ann_threshold: int = 50_000  # flat search costs ~5 ms here; BM25 pruning starts here too
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 96
    ivf_nlist: int = 0  # 0: 4·√N
    ivf_nprobe: int = 32
    # An update writes a segment with just the changed documents, unless it would make more
    # than max_segments, or deleted plus new chunks would pass compact_fraction of the index:
    # then it rewrites one segment from all documents (reusing their vectors).
    max_segments: int = 8
    verify_index: bool = True  # check every index file against its checksum when a build is loaded
    compact_fraction: float = 0.25

    top_k: int = 5
    max_question_chars: int = 500
    # The reader (qa/reader): its weights file (empty: the one shipped in the package), the most
    # chunks it reads per question, and the span score from which the first chunk's answer is
    # taken without reading the others. The threshold applies to the answer's confidence, the
    # sigmoid of that score. Both chosen on the tune part of the data (bench/tune_reader.py).
    reader_weights: Path | None = None
    reader_runtime: str = "auto"  # "auto" (bf16 where the CPU has it, else fp32), "bf16", "fp32", "int8"
    reader_passages: int = 3
    reader_sure: float = 0.0
    no_answer_threshold: float = 0.88

    host: str = "127.0.0.1"
    port: int = 8000
    admin_token: str = ""
    max_upload_bytes: int = 50_000_000
    max_body_bytes: int = 1_000_000  # request bodies (uploads excepted: QA_MAX_UPLOAD_BYTES)
    rate_limit: str = ""  # per client address, e.g. "60/minute"; empty: none
    max_pending: int = 32  # questions answered or waiting at once; more get 503 + Retry-After (0: no bound)
    cors_origins: str = ""  # comma-separated origins allowed to call the API from a browser; empty: none
    log_questions: bool = False  # QA_LOG_QUESTIONS=1: asked questions go to the log (off: they may be private)
    watch_interval: float = 2.0

    @property
    def prompts(self) -> tuple[str, str]:
        q, p = KNOWN_PROMPTS.get(self.model, ("", ""))
        return (self.query_prompt if self.query_prompt is not None else q,
                self.passage_prompt if self.passage_prompt is not None else p)

    @property
    def index_name(self) -> str:
        slug = self.model.rstrip("/").replace("\\", "/").split("/")[-1] or "model"
        return f"{slug}-c{self.chunk_chars}-o{self.chunk_overlap}"

    @property
    def index_path(self) -> Path:
        return self.index_dir if self.index_dir is not None else self.index_root / self.index_name

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from ``QA_<FIELD>`` variables, then explicit overrides (CLI flags)."""
        env = dict(os.environ if env is None else env)
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            raw = env.get("QA_" + f.name.upper())
            if raw is None:
                continue
            values[f.name] = _parse(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("corpus_dir", "index_root", "index_dir", "cache_dir", "reader_weights"):
            if isinstance(values.get(key), str):
                values[key] = Path(str(values[key]))
        return cls(**values)  # type: ignore[arg-type]


def _parse(name: str, typ: object, raw: str) -> object:
    t = str(typ)
    try:
        if "Path" in t:
            return Path(raw) if raw else None
        if t.startswith("bool"):
            if raw.strip().lower() not in ("0", "1", "true", "false", "yes", "no", ""):
                raise ValueError(raw)
            return raw.strip().lower() in ("1", "true", "yes")
        if t.startswith("int"):
            return int(raw)
        if t.startswith("float"):
            return float(raw)
        return raw  # for prompts an empty string is a real value: no prompt
    except ValueError as exc:
        raise ValueError(f"QA_{name.upper()}={raw!r} is not a valid {t}") from exc
