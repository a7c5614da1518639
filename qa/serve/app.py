"""The FastAPI app: chat page, /ask, documents, health.

Model work runs in worker threads (sync endpoints, or ``run_in_threadpool``), never on the
event loop. The index loads in a background thread at start-up, so /health answers at once
and /ask says 503 until the index is ready.
"""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from qa.answering import Answer
from qa.config import Settings
from qa.followup import Turn
from qa.ingest.extract import UnreadableFile
from qa.ingest.formats import SUFFIXES
from qa.ingest.pdf import render_page
from qa.reader.evidence import warm_up
from qa.reader.model import ReaderError
from qa.reindex import CorpusWatcher, Reindexer
from qa.serve.admin import admin_router
from qa.serve.feedback import FeedbackStore
from qa.serve.limits import Limits, parse_rate
from qa.serve.models import (
    MAX_HISTORY,
    AskRequest,
    AskResponse,
    CitationOut,
    DocumentInfo,
    ErrorResponse,
    FeedbackIn,
    FeedbackOut,
    Health,
    HistoryTurn,
    error_responses,
)
from qa.serve.openai_compat import openai_router
from qa.serve.pages import (
    doc_url,
    document_blocks,
    example_questions,
    excerpt_segments,
    location_label,
    pdf_page,
    source_file,
    span_of,
)
from qa.service import QAService
from qa.store.index_store import IndexUnavailable

log = logging.getLogger(__name__)
WEB = Path(__file__).resolve().parents[2] / "web"

ERRORS = {
    "empty": "问题不能为空。 / The question is empty.",
    "long": "问题太长了（最多 {n} 个字符）。 / The question is longer than {n} characters.",
    "not_ready": "索引尚未就绪，请稍后再试。 / The index is not ready yet; try again shortly.",
    # Not "try again": the cause and its fix (the message names `qa index build` where that is it).
    "unavailable": "索引无法使用：{why} / The index cannot be used: {why}",
    "no_doc": "找不到该文档。 / No such document.",
    "invalid": "请求格式不正确：{msg} / Invalid request: {msg}",
}


class QuestionError(ValueError):
    pass


def _check_question(question: str, settings: Settings) -> str:
    q = question.strip()
    if not q:
        raise QuestionError(ERRORS["empty"])
    if len(q) > settings.max_question_chars:
        raise QuestionError(ERRORS["long"].format(n=settings.max_question_chars))
    return q


def _citations(answer: Answer) -> list[CitationOut]:
    return [CitationOut(doc_id=c.doc_id, title=c.title, start=c.start, end=c.end, excerpt=c.excerpt,
                        highlight=c.highlight, answer_highlight=c.answer_highlight, score=c.score,
                        page=c.page, location=c.location,
                        url=doc_url(c.doc_id, c.start, c.end, c.page, c.highlight, c.answer_highlight))
            for c in answer.citations]


def turns(history: list[HistoryTurn]) -> list[Turn]:
    return [Turn(t.question, t.answer) for t in history]


def ask_response(answer: Answer) -> AskResponse:
    return AskResponse(status=answer.status, resolved_question=answer.resolved_question, answer=answer.answer,
                       sentence=answer.sentence, confidence=answer.confidence, citations=_citations(answer),
                       message=answer.message, question_type=answer.question_type, timings_ms=answer.timings_ms,
                       build_id=answer.build_id)


def create_app(settings: Settings, service: QAService | None = None, watch: bool = False) -> FastAPI:
    service = service or QAService(settings)
    reindexer = Reindexer(service)
    templates = Jinja2Templates(directory=str(WEB / "templates"))  # autoescape is on for .html
    examples_cache: dict[str, list[str]] = {}

    def load_in_background() -> None:
        try:
            service.load(build_if_missing=True, show_progress=False)
            log.info("index loaded: %s", service.index.counts if service.index else None)
            warm_up()
        except Exception as exc:  # the service keeps the error for /health and /ask; the server stays up
            log.error("could not load the index: %s", exc)

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        if service.index is None:
            threading.Thread(target=load_in_background, name="index-loader", daemon=True).start()
        watcher = CorpusWatcher(reindexer, settings.corpus_dir, settings.watch_interval).start() if watch else None
        yield
        if watcher:
            watcher.stop()

    # Every route's invalid input is answered by ``invalid`` below with {"detail": str}; say so in
    # OpenAPI instead of FastAPI's default list-shaped 422 schema.
    invalid_input = error_responses(400, 422)  # 400: a body that is not even JSON
    app = FastAPI(title="问答 qa", description="Extractive question answering over your Chinese documents.",
                  version="0.1.0", lifespan=lifespan, responses=invalid_input)
    app.add_middleware(Limits, max_body=settings.max_body_bytes, rate=parse_rate(settings.rate_limit),
                       max_pending=settings.max_pending)
    if settings.cors_origins.strip():
        origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type", "Authorization"])
    app.state.service = service
    app.state.reindexer = reindexer
    app.include_router(admin_router(settings, reindexer), responses=invalid_input)
    app.include_router(openai_router(service, lambda q: _check_question(q, settings), _citations),
                       responses=invalid_input)
    app.mount("/static", StaticFiles(directory=str(WEB / "static")), name="static")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body")
        msg = f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg", "invalid"))
        return JSONResponse(status_code=422, content={"detail": ERRORS["invalid"].format(msg=msg)})

    @app.exception_handler(QuestionError)
    async def bad_question(request: Request, exc: QuestionError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(exc)})

    def unavailable(why: object | None) -> str:
        return ERRORS["unavailable"].format(why=why) if why else ERRORS["not_ready"]

    def ready_index():  # type: ignore[no-untyped-def]
        if service.index is None:
            raise HTTPException(status_code=503, detail=unavailable(service.load_error))
        return service.index

    def examples() -> list[str]:
        index = service.index
        if index is None:
            return []
        key = index.manifest.get("build_id", "")
        if key not in examples_cache:
            examples_cache.clear()
            examples_cache[key] = example_questions(index)
        return examples_cache[key]

    def page(request: Request, answer: Answer | None = None, question: str = "", error: str | None = None,
             status: int = 200, history: list[Turn] | None = None) -> HTMLResponse:
        """The chat page, server-rendered: earlier turns, then this one. The form carries the
        conversation on in hidden fields (``hq``/``ha``), so follow-ups work without JavaScript."""
        cards = []
        if answer is not None:
            cards = [{"c": c, "n": n, "segments": excerpt_segments(c.excerpt, c.highlight, c.answer_highlight)}
                     for n, c in enumerate(_citations(answer), 1)]
        turns = list(history or [])
        carried = turns + ([Turn(question, answer.answer)] if answer is not None else [])
        return templates.TemplateResponse(request, "chat.html", {
            "answer": answer, "cards": cards, "question": question, "error": error, "turns": turns,
            "carried": carried[-MAX_HISTORY:], "examples": examples(), "ready": service.index is not None,
            "max_chars": settings.max_question_chars}, status_code=status)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def chat(request: Request) -> HTMLResponse:
        return page(request)

    @app.post("/", response_class=HTMLResponse, include_in_schema=False)
    def chat_form(request: Request, question: str = Form(""), hq: list[str] = Form([]),
                  ha: list[str] = Form([])) -> HTMLResponse:
        """The chat without JavaScript: the form posts here and the answer is rendered server-side."""
        history = [Turn(q, a or None) for q, a in zip(hq, ha) if q.strip()][-MAX_HISTORY:]
        try:
            q = _check_question(question, settings)
        except QuestionError as exc:
            return page(request, question=question, error=str(exc), status=422, history=history)
        if service.index is None:
            return page(request, question=q, error=unavailable(service.load_error), status=503, history=history)
        try:
            return page(request, answer=service.ask(q, None, history), question=q, history=history)
        except (IndexUnavailable, ReaderError) as exc:
            return page(request, question=q, error=unavailable(exc), status=503, history=history)

    @app.post("/ask", response_model=AskResponse,
              responses={422: {"model": ErrorResponse}, 503: {"model": ErrorResponse}})
    async def ask(req: AskRequest) -> AskResponse:
        q = _check_question(req.question, settings)
        ready_index()
        try:
            answer = await run_in_threadpool(service.ask, q, req.top_k, turns(req.history))
        except (IndexUnavailable, ReaderError) as exc:
            raise HTTPException(status_code=503, detail=unavailable(exc)) from exc
        return ask_response(answer)

    feedback = FeedbackStore(settings.index_path / "feedback.sqlite3")

    @app.post("/feedback", response_model=FeedbackOut, status_code=201, responses={422: {"model": ErrorResponse}})
    def give_feedback(fb: FeedbackIn) -> FeedbackOut:
        """A verdict on an answer, kept with the served build's id (exported by /admin/feedback)."""
        index = service.index
        return FeedbackOut(id=feedback.add({**fb.model_dump(), "build_id": index.manifest.get("build_id") if index
                                            else None}))

    @app.get("/health", response_model=Health)
    def health() -> Health:
        index, error = service.index, service.load_error
        counts: dict[str, Any] = {"documents": 0, "chunks": 0, "sentences": 0}
        build_id = None
        try:  # a remote store (Milvus) can fail after the index was loaded: say so here
            if index is not None:
                counts, build_id = index.counts, index.manifest.get("build_id")
        except IndexUnavailable as exc:
            index, error = None, str(exc)
        return Health(status="ok" if index else ("error" if error else "loading"),
                      index_loaded=index is not None, model=settings.model, **counts,
                      build_id=build_id, error=error)

    @app.get("/documents", response_model=list[DocumentInfo])
    def documents(request: Request) -> Any:
        index = ready_index()
        docs = [DocumentInfo(doc_id=d.doc_id, title=d.title, chars=len(d.text), url=doc_url(d.doc_id))
                for d in index.documents.values()]
        if "text/html" in request.headers.get("accept", ""):
            return templates.TemplateResponse(request, "documents.html", {
                "docs": docs, "accept": ",".join(sorted(SUFFIXES))})
        return docs

    @app.get("/documents/{doc_id:path}", response_class=HTMLResponse,
             responses=error_responses(404))
    def document(request: Request, doc_id: str, start: int | None = None, end: int | None = None,
                 page: int | None = None, sentence: str | None = None, answer: str | None = None) -> HTMLResponse:
        """``page`` opens a PDF at that page; ``sentence`` and ``answer`` ("start-end", document
        offsets) are boxed on the page image."""
        index = ready_index()
        if doc_id not in index.documents:
            raise HTTPException(status_code=404, detail=ERRORS["no_doc"])
        doc = index.documents[doc_id]
        if start is not None and end is not None and not (0 <= start < end <= len(doc.text)):
            start = end = None
        return templates.TemplateResponse(request, "document.html", {
            "doc": doc, "blocks": document_blocks(index, doc_id, start, end, span_of(answer, len(doc.text))),
            "highlighted": start is not None,
            "location": location_label(doc, start, sentence),
            "pdf": pdf_page(settings.corpus_dir, doc, page, start, sentence, answer)})

    @app.get("/page-images/{page}/{doc_id:path}", response_class=Response, include_in_schema=False,
             responses={200: {"content": {"image/png": {}}}})
    def page_image(page: int, doc_id: str) -> Response:
        index = ready_index()
        path = source_file(settings.corpus_dir, doc_id) if doc_id in index.documents else None
        if path is None or path.suffix.lower() != ".pdf":
            raise HTTPException(status_code=404, detail=ERRORS["no_doc"])
        try:
            png = render_page(path, page)
        except UnreadableFile as exc:
            raise HTTPException(status_code=404, detail=f"{ERRORS['no_doc']} ({exc})") from exc
        return Response(png, media_type="image/png", headers={"Cache-Control": "no-cache"})

    return app


def serve(settings: Settings, watch: bool = False) -> None:
    import uvicorn

    uvicorn.run(create_app(settings, watch=watch), host=settings.host, port=settings.port, log_level="info")
