"""The ``qa`` command: index build/update, ask, eval, serve."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from qa.config import Settings
from qa.store.index_store import BuildInProgress, IndexUnavailable


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", type=Path, help="corpus folder (default: corpus/ or QA_CORPUS_DIR)")
    p.add_argument("--index", type=Path, help="index folder (default: index/<model>-c<chars>-o<overlap>)")


def _settings(args: argparse.Namespace, **extra: object) -> Settings:
    return Settings.from_env(corpus_dir=getattr(args, "corpus", None), index_dir=getattr(args, "index", None),
                             **extra)


def index_info(settings: Settings) -> dict[str, object]:
    keys = ("build_id", "model", "dim", "chunker", "lexical", "counts", "mode", "built_at", "build_seconds",
            "embedding", "skipped")
    if settings.store == "milvus":
        from qa.store.milvus import MilvusIndex

        index = MilvusIndex(settings)
        m = index.manifest
        rows = {kind: index.count(f'kind == "{kind}"') for kind in ("chunk", "doc", "df")}
        info = {"store": "milvus", "uri": settings.milvus_uri, "alias": settings.milvus_collection,
                "collection": m["milvus"]["collection"], "analyzer": m["milvus"]["analyzer"],
                "rows": {"chunks": rows["chunk"], "document_parts": rows["doc"], "df_buckets": rows["df"]}}
    else:
        from qa.store.index_store import read_manifest

        m = read_manifest(settings)
        info = {"store": "local", "path": str(settings.index_path), "segments": m.get("segments")}
    return {**info, **{k: m.get(k) for k in keys}}


def cmd_index(args: argparse.Namespace) -> int:
    from qa.service import QAService

    service = QAService(_settings(args))
    if args.action == "info":
        print(json.dumps(index_info(service.settings), ensure_ascii=False, indent=2))
        return 0
    if args.paths and args.action != "update":
        print("files can be named only with: qa index update FILE ...", file=sys.stderr)
        return 2
    paths = [_doc_id(service.settings.corpus_dir, p) for p in args.paths] if args.paths else None
    report = service.build(incremental=args.action == "update", show_progress=not args.quiet, paths=paths)
    for s in report.skipped:
        print(f"skipped {s.path}: {s.reason}", file=sys.stderr)
    if args.action == "update":
        print(f"added {len(report.added)}, changed {len(report.changed)}, removed {len(report.removed)}, "
              f"renamed {len(report.renamed)}")
    print(f"{report.documents} documents, {report.chunks} chunks, {report.sentences} sentences; "
          f"embedded {report.embedded_chunks} chunks "
          f"in {report.seconds:.1f} s -> {report.path}")
    return 0


def _doc_id(corpus: Path, name: str) -> str:
    """A file named on the command line (it may be deleted already), as a document id: its path
    inside the corpus, whether given from the current folder or from the corpus."""
    path, root = Path(name).resolve(), corpus.resolve()
    if root in path.parents:
        return path.relative_to(root).as_posix()
    if Path(name).is_absolute() or ".." in Path(name).parts:
        raise SystemExit(f"{name} is not inside the corpus folder {corpus}")
    return Path(name).as_posix()


def cmd_ask(args: argparse.Namespace) -> int:
    from qa.service import QAService

    settings = _settings(args)
    question = args.question.strip()
    if not question:
        print("问题不能为空。 / The question is empty.", file=sys.stderr)
        return 2
    if len(question) > settings.max_question_chars:
        print(f"问题过长（最多 {settings.max_question_chars} 字）。 / The question is longer than "
              f"{settings.max_question_chars} characters (QA_MAX_QUESTION_CHARS).", file=sys.stderr)
        return 2
    if args.top_k is not None and not 1 <= args.top_k <= 20:
        print("--top-k 须在 1 到 20 之间。 / --top-k must be between 1 and 20.", file=sys.stderr)
        return 2
    service = QAService(settings)
    service.load(build_if_missing=True, show_progress=not args.json)
    answer = service.ask(question, top_k=args.top_k)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
        return 0
    if answer.status == "no_answer":
        print(answer.message)
        return 0
    print(f"答案: {answer.answer}")
    print(f"依据: {answer.sentence}")
    print(f"置信度: {answer.confidence:.2f}")
    print("来源:")
    for n, c in enumerate(answer.citations, 1):
        print(f"  [{n}] {c.title} ({c.doc_id} {c.start}-{c.end}) {c.excerpt[:80].replace(chr(10), ' ')}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from qa.evaluation import run_eval

    settings = _settings(args)
    mode = "gold" if args.gold_context else "unanswerable" if args.unanswerable else "open"
    return run_eval(args.file, settings, mode=mode, limit=args.limit, out=args.out, work=args.work,
                    split=args.split, methods=args.methods, script=args.question_script)


def cmd_serve(args: argparse.Namespace) -> int:
    from qa.serve.app import serve

    settings = _settings(args, host=args.host, port=args.port)
    serve(settings, watch=args.watch)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="qa",
                                     description="问答: extractive question answering over your Chinese documents")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build, update or describe the index")
    p.add_argument("action", choices=["build", "update", "info"])
    p.add_argument("paths", nargs="*", metavar="FILE",
                   help="update: only these files changed (added, edited or deleted); the corpus is not walked")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    _common(p)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("ask", help="answer one question")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the API's JSON structure")
    p.add_argument("--top-k", type=int, default=None)
    _common(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="evaluate on a SQuAD-style JSON file (e.g. CMRC 2018 dev)")
    p.add_argument("file", type=Path)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--gold-context", action="store_true", help="read each question's own paragraph whole")
    mode.add_argument("--unanswerable", action="store_true",
                      help="ask each question without the documents that hold its answer (refusals are right)")
    p.add_argument("--split", choices=["train", "tune", "val"], default=None,
                   help="only this part of the reader's article split (val: never trained or tuned on)")
    p.add_argument("--limit", type=int, default=None, help="only the first N questions")
    p.add_argument("--out", type=Path, default=None, help="write the metrics and per-question results as JSON")
    p.add_argument("--methods", default="hybrid",
                   help="retrieval methods whose R@1/R@5 to report, e.g. hybrid,dense,lexical")
    p.add_argument("--work", type=Path, default=None,
                   help="keep the evaluation corpus and index here and reuse them next time (default: a temp dir)")
    p.add_argument("--question-script", choices=["traditional", "simplified"], default=None,
                   help="ask every question converted to this script (the documents stay as they are)")
    _common(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("serve", help="serve the chat page and the /ask API")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--watch", action="store_true", help="re-index when the corpus folder changes")
    _common(p)
    p.set_defaults(func=cmd_serve)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("sentence_transformers", "httpx", "transformers", "bm25s", "faiss.loader", "jieba"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return int(args.func(args))
    except (IndexUnavailable, BuildInProgress, FileNotFoundError, ValueError) as exc:
        print(f"qa: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
