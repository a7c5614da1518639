"""Admin routes (``/admin/*``): re-index, status, upload and delete documents.

All need ``Authorization: Bearer <QA_ADMIN_TOKEN>``, compared in constant time: 401 when it is
missing, 403 when it is wrong. With no token configured the routes answer 404, as if absent.
"""

from __future__ import annotations

import hmac
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Header, HTTPException, Query, UploadFile
from fastapi.responses import PlainTextResponse, Response

from qa.config import Settings
from qa.ingest.corpus import read_document
from qa.ingest.extract import UnreadableFile
from qa.ingest.formats import SUFFIXES
from qa.reindex import Reindexer
from qa.serve.feedback import FeedbackStore
from qa.serve.models import error_responses

# Control characters, characters Windows forbids, and bidirectional overrides ("invoice\u202etxt.exe"
# shows as "invoiceexe.txt").
_BAD_NAME = re.compile(r"[\x00-\x1f<>:\"|?*\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _auth(settings: Settings):  # type: ignore[no-untyped-def]
    def check(authorization: str | None = Header(None)) -> None:
        if not settings.admin_token:
            raise HTTPException(404, "管理接口未启用（未设置 QA_ADMIN_TOKEN）。 / Admin routes are disabled.")
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, "需要管理令牌。 / A bearer token is required.",
                                headers={"WWW-Authenticate": "Bearer"})
        if not hmac.compare_digest(token.strip().encode(), settings.admin_token.encode()):
            raise HTTPException(403, "管理令牌错误。 / Wrong token.")
    return check


def safe_name(filename: str) -> str:
    """The upload's file name, refused when it tries to leave the corpus folder."""
    name = (filename or "").strip()
    if not name or "/" in name or "\\" in name or name in (".", "..") or name.startswith(".") \
            or _BAD_NAME.search(name) or len(name.encode()) > 200:
        raise HTTPException(400, f"文件名不合法：{filename!r} / Invalid file name: no paths, no '..', "
                                 "no hidden or control characters.")
    if Path(name).suffix.lower() not in SUFFIXES:
        raise HTTPException(415, f"只接受 {', '.join(sorted(SUFFIXES))} 文件。 / Unsupported file type.")
    return name


def check_readable(name: str, data: bytes, max_bytes: int) -> None:
    """Refuse an upload its reader cannot read (encrypted PDF, a .docx that is not one, an empty
    sheet, a scan without the OCR extra) before it reaches the corpus."""
    with tempfile.TemporaryDirectory(prefix="qa-upload-") as tmp:
        path = Path(tmp) / ("upload" + Path(name).suffix.lower())
        path.write_bytes(data)
        try:
            read_document(path, name, max_bytes)
        except UnreadableFile as exc:
            raise HTTPException(422, f"无法读取该文件：{exc} / Unreadable file: {exc}") from exc
        except Exception as exc:  # a reader library's own error on a malformed file
            raise HTTPException(422, f"无法读取该文件：{type(exc).__name__} / Unreadable file: {exc}") from exc


def _inside(corpus: Path, rel: str) -> Path:
    root = corpus.resolve()
    try:  # a name too long for the file system, or with a NUL byte, names no document
        path = (root / rel).resolve()
        path.is_file()
    except (OSError, ValueError) as exc:
        raise HTTPException(400, "文件名不合法。 / Invalid file name.") from exc
    if root not in path.parents:
        raise HTTPException(400, "路径不在文档目录内。 / The path leaves the corpus folder.")
    return path


def admin_router(settings: Settings, reindexer: Reindexer) -> APIRouter:
    router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(_auth(settings))],
                       responses=error_responses(401, 403, 404))

    def started(trigger: str, queue: bool, wait: bool, paths: list[str] | None = None) -> dict[str, Any]:
        began = reindexer.start(trigger, queue=queue, paths=paths)
        if wait:
            reindexer.wait()
        return {"started": began, "queued": not began, "status": reindexer.snapshot()}

    @router.post("/reindex", status_code=202, responses=error_responses(409))
    def reindex(wait: bool = Query(False, description="answer when the build has finished")) -> dict[str, Any]:
        if reindexer.status.running:
            raise HTTPException(409, "已有索引任务在运行。 / A build is already running.")
        return started("admin", queue=False, wait=wait)

    @router.get("/status")
    def status() -> dict[str, Any]:
        index = reindexer.service.index
        return {"served_build": index.manifest.get("build_id") if index else None,
                "served_counts": index.counts if index else None, "last_build": reindexer.snapshot()}

    @router.post("/documents", status_code=202, responses=error_responses(400, 409, 413, 415))
    def upload(file: UploadFile = File(...), overwrite: bool = Form(False),
               wait: bool = Query(False)) -> dict[str, Any]:
        name = safe_name(file.filename or "")
        data = file.file.read(settings.max_upload_bytes + 1)
        if len(data) > settings.max_upload_bytes:
            raise HTTPException(413, f"文件超过 {settings.max_upload_bytes} 字节。 / File too large.")
        check_readable(name, data, settings.max_file_bytes)
        corpus = settings.corpus_dir
        corpus.mkdir(parents=True, exist_ok=True)
        dest = _inside(corpus, name)
        if dest.exists() and not overwrite:
            raise HTTPException(409, f"{name} 已存在；如需覆盖请设置 overwrite=true。 / {name} exists.")
        fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=corpus)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, dest)
        return {"doc_id": name, "bytes": len(data), **started("upload", queue=True, wait=wait, paths=[name])}

    @router.get("/feedback", response_class=PlainTextResponse,
                responses={200: {"content": {"application/x-ndjson": {}, "text/csv": {}}}})
    def export_feedback(format: str = Query("jsonl", pattern="^(jsonl|csv)$",
                                            description="jsonl (one JSON object a line) or csv")) -> Response:
        body = FeedbackStore(settings.index_path / "feedback.sqlite3").export(format)
        media = "application/x-ndjson" if format == "jsonl" else "text/csv"
        return Response(body, media_type=f"{media}; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="feedback.{format}"'})

    @router.delete("/documents/{doc_id:path}", status_code=202, responses=error_responses(400))
    def delete(doc_id: str, wait: bool = Query(False)) -> dict[str, Any]:
        path = _inside(settings.corpus_dir, doc_id)
        if not path.is_file():
            raise HTTPException(404, "找不到该文档。 / No such document.")
        path.unlink()
        rel = path.relative_to(settings.corpus_dir.resolve()).as_posix()
        return {"doc_id": doc_id, **started("delete", queue=True, wait=wait, paths=[rel])}

    return router
