"""Request and response models of the HTTP API; they are what /docs and /openapi.json show."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AskRequest(BaseModel):
    question: str = Field(..., description="问题 (1–500 characters by default)",
                          examples=["凌源市地区生产总值是多少？"])
    top_k: int = Field(5, ge=1, le=20, description="how many source excerpts to cite (1–20)")


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
    answer: str | None
    sentence: str | None
    confidence: float
    citations: list[CitationOut]
    message: str | None = None
    question_type: str
    timings_ms: dict[str, float]


class ErrorResponse(BaseModel):
    detail: str = Field(..., description="中文说明 / English explanation")


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
