"""Retrieval quality of the Milvus store against the local one, and of Milvus's two lexical
variants: our char-token BM25 terms with a whitespace analyzer, or Milvus's Chinese analyzer.

Usage: python bench/bench_milvus_recall.py [--file ../shared/bench/cmrc2018_dev.json] [--limit N]

Every paragraph becomes a document; the local index and two Milvus collections (milvus-lite's
server on a free loopback port) are built from the same passage vectors (embedded once), and
each question is retrieved by dense, lexical and hybrid search in each: R@1/R@5 of the chunk
holding the gold answer, and how often Milvus's top document is the local one's.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_milvus import start_milvus  # noqa: E402

from qa.config import Settings  # noqa: E402
from qa.embedding import Embedder  # noqa: E402
from qa.evaluation import prepare  # noqa: E402
from qa.retrieval import retrieve  # noqa: E402
from qa.store import build_store, load_store  # noqa: E402


class Memo:
    """The embedder, remembering passage vectors so that three builds embed once."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder, self.seen = embedder, {}
        self.dim, self.runtime = embedder.dim, embedder.runtime

    def describe(self) -> dict[str, object]:
        return self.embedder.describe()

    def passages(self, texts, progress=None):  # type: ignore[no-untyped-def]
        todo = [t for t in texts if t not in self.seen]
        if todo:
            self.seen.update(zip(todo, self.embedder.passages(todo)))
        if progress:
            progress(len(texts))
        return np.array([self.seen[t] for t in texts], np.float32)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--file", type=Path, default=ROOT.parent / "shared" / "bench" / "cmrc2018_dev.json")
    p.add_argument("--limit", type=int, default=0)
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qa-milvus-recall-"))
    local, questions, starts, _ = prepare(args.file, Settings.from_env(), work)
    questions = questions[:args.limit] if args.limit else questions
    embedder = Embedder(local)
    memo = Memo(embedder)
    mproc, uri = start_milvus(work / "milvus")
    try:
        stores = {"local": local}
        for lexical in ("terms", "chinese"):
            stores[f"milvus-{lexical}"] = local.replace(store="milvus", milvus_uri=uri, milvus_lexical=lexical,
                                                        milvus_collection=f"recall_{lexical}",
                                                        index_dir=work / f"work-{lexical}")
        indexes = {}
        for name, s in stores.items():
            build_store(s, memo, show_progress=False)  # type: ignore[arg-type]
            indexes[name] = load_store(s)
        spans = {}
        for c in indexes["local"].iter_chunks():
            spans.setdefault(c.doc_id, []).append((c.start, c.end))
        hits = {(n, m): [0, 0] for n in stores for m in ("dense", "lexical", "hybrid")}
        same_top = {n: 0 for n in stores}
        for q in questions:
            qvec = embedder.query(q.question)
            gold = {int(starts[q.doc_id][s]) for s in q.answer_starts if 0 <= s < len(starts[q.doc_id])}
            top_local = None
            for name, s in stores.items():
                index = indexes[name]
                for method in ("dense", "lexical", "hybrid"):
                    found = [index.chunk(h.chunk) for h in retrieve(index, q.question, qvec, s, 5, methods=method)]
                    good = [c.doc_id == q.doc_id and any(c.start <= g < c.end for g in gold) for c in found]
                    hits[(name, method)][0] += bool(good[:1] and good[0])
                    hits[(name, method)][1] += any(good)
                    if method == "hybrid" and found:
                        top_local = top_local or found[0].doc_id
                        same_top[name] += found[0].doc_id == top_local
        n = len(questions)
        print(f"{n} questions of {args.file.name}\n")
        print("| store | dense R@1 / R@5 | lexical R@1 / R@5 | hybrid R@1 / R@5 | same top document as local |")
        print("|---|---|---|---|---|")
        for name in stores:
            cells = " | ".join(f"{hits[(name, m)][0] / n:.3f} / {hits[(name, m)][1] / n:.3f}"
                               for m in ("dense", "lexical", "hybrid"))
            print(f"| {name} | {cells} | {same_top[name] / n:.3f} |")
        print(json.dumps({k: indexes[k].manifest.get("milvus", {}).get("analyzer") for k in stores}))
    finally:
        mproc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
