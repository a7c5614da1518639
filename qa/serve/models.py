"""Request and response models of the HTTP API; they are what /docs and /openapi.json show."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

MAX_HISTORY = 50


class HistoryTurn(BaseModel):
    question: str = Field(..., min_length=1, max_length=2000, description="an earlier question")
    answer: str | None = Field(None, max_length=2000, description="the answer it got, or null")

    @field_validator("question")
    @classmethod
    def not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("a turn's question is empty")
        return v


class AskRequest(BaseModel):
    question: str = Field(..., description="问题 (1–500 characters by default)",
                          examples=["凌源市地区生产总值是多少？"], json_schema_extra={"pattern": r"\S"})
    top_k: int = Field(5, ge=1, le=20, description="how many source excerpts to cite (1–20)")
    history: list[HistoryTurn] = Field(default_factory=list, max_length=MAX_HISTORY,
                                       description="earlier turns of the conversation, oldest first (at most 50; "
                                                   "the last 10 are used): a follow-up is resolved from them")


class CitationOut(BaseModel):
    doc_id: str
    title: str
    start: int = Field(..., description="excerpt start, character offset in the document text")
    end: int
    excerpt: str
    highlight: list[int] = Field(..., description="[start, end] of the supporting sentence inside the excerpt")
    answer_highlight: list[int] | None = Field(None, description="[start, end] of the answer inside the excerpt")
    score: float
    page: int | None = Field(None, description="1-based page of a PDF, slide number of a PPTX; null for "
                             "formats without pages")
    location: str | None = Field(None, description='short Chinese label of where the excerpt is: "第3页", '
                                 '"第2张幻灯片", "Sheet1 第12行", or the heading path (DOCX, Markdown)')
    url: str = Field(..., description="the document view, scrolled to this excerpt (for a PDF, open at its page)")


class AskResponse(BaseModel):
    status: str = Field(..., description="answered or no_answer")
    resolved_question: str = Field(..., description="the standalone question actually used: equal to `question` "
                                                    "unless the history filled in what it refers to")
    answer: str | None
    sentence: str | None
    confidence: float
    citations: list[CitationOut]
    message: str | None = None
    question_type: str
    timings_ms: dict[str, float]
    build_id: str | None = Field(None, description="the index build the answer was read from (as /health names it)")


class ErrorResponse(BaseModel):
    detail: str = Field(..., description="中文说明 / English explanation")


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for error statuses: every error is answered as JSON {"detail": str},
    whatever media type the route itself returns (HTML pages, CSV exports)."""
    json_body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    return {code: {"model": ErrorResponse, "description": "error", "content": json_body} for code in codes}


class Health(BaseModel):
    status: str
    index_loaded: bool
    model: str
    documents: int
    chunks: int
    sentences: int
    build_id: str | None = None
    error: str | None = None


class DocumentInfo(BaseModel):
    doc_id: str
    title: str
    chars: int
    url: str


class FeedbackIn(BaseModel):
    question: str = Field(..., min_length=1, max_length=2000)
    resolved_question: str | None = Field(None, max_length=2000)
    answer: str | None = Field(None, max_length=10000)
    citations: list[dict[str, Any]] = Field(default_factory=list, max_length=20,
                                            description="the citations shown with the answer (as /ask gave them)")
    verdict: Literal["up", "down"] = Field(..., description="👍 up or 👎 down")
    comment: str | None = Field(None, max_length=2000)


class FeedbackOut(BaseModel):
    id: int
    status: str = "recorded"
