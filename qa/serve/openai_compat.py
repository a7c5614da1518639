"""An OpenAI-compatible chat endpoint, so chat clients and SDKs that speak that protocol can use
the service: ``POST /v1/chat/completions`` (streamed as server-sent events when asked) and
``GET /v1/models``.

The conversation is the ``messages`` array: earlier user/assistant pairs become the history a
follow-up is resolved from, the last user message is the question. The reply's first line is
the answer itself (so a client that sends the conversation back gives us our answers back),
then the sentence it comes from and the numbered sources in Markdown; the structured citations
travel in a ``citations`` field beside ``choices``.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from qa.answering import NO_ANSWER, Answer
from qa.followup import Turn

MODEL = "qa-extractive"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """Plain text of the message; content parts other than text are ignored."""
        if isinstance(self.content, list):
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens…: accepted, not used
    model: str = MODEL
    messages: list[ChatMessage] = Field(..., min_length=1, max_length=101)
    stream: bool = False


def _escape(text: str) -> str:
    """Document text inside Markdown: nothing in it may become markup or a link."""
    return _MD_SPECIAL.sub(r"\\\1", text.replace("\n", " "))


def conversation(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    """The question (the last message, a user's) and the earlier user/assistant turns."""
    talk = [m for m in messages if m.role != "system"]
    if not talk or talk[-1].role != "user" or not talk[-1].text().strip():
        raise HTTPException(422, "最后一条消息必须是非空的用户消息。 / "
                                 "The last message must be a non-empty user message.")
    history: list[Turn] = []
    for m in talk[:-1]:
        if m.role == "user":
            history.append(Turn(m.text()))
        elif history and history[-1].answer is None:
            first = m.text().strip().split("\n", 1)[0].strip()
            history[-1].answer = None if not first or first.startswith(NO_ANSWER) else first
    return talk[-1].text().strip(), history


def reply_text(answer: Answer) -> str:
    if answer.status != "answered":
        return answer.message or NO_ANSWER
    lines = [_escape(answer.answer or ""), ""]
    if answer.sentence and answer.sentence != answer.answer:
        lines += [f"> {_escape(answer.sentence)}", ""]
    if answer.resolved_question != answer.question:
        lines += [f"（理解为：{_escape(answer.resolved_question)}）", ""]
    lines.append("**来源**")
    for n, c in enumerate(answer.citations, 1):
        where = f"，{c.location}" if c.location else ""
        lines.append(f"{n}. {_escape(c.title)}（{_escape(c.doc_id)}{_escape(where)}）：{_escape(c.excerpt)}")
    return "\n".join(lines)


def openai_router(service: Any, check_question: Any, citations: Any) -> APIRouter:
    """``check_question`` and ``citations``: the server's own question check and citation
    models, so this endpoint refuses and cites exactly as /ask does."""
    router = APIRouter(prefix="/v1", tags=["openai"])

    @router.get("/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": "qa"}]}

    # With "stream": true the reply is server-sent events (OpenAI's chunk format), else one JSON object.
    @router.post("/chat/completions", responses={200: {"description": "a chat completion", "content": {
        "application/json": {"schema": {"type": "object"}},
        "text/event-stream": {}}}})
    async def chat(req: ChatRequest) -> Any:
        question, history = conversation(req.messages)
        question = check_question(question)
        if service.index is None:
            raise HTTPException(503, "索引尚未就绪，请稍后再试。 / The index is not ready yet; try again shortly.")
        answer = await run_in_threadpool(service.ask, question, None, history)
        content = reply_text(answer)
        cites = [c.model_dump() for c in citations(answer)]
        base = {"id": "chatcmpl-" + uuid.uuid4().hex[:24], "created": int(time.time()), "model": MODEL}
        if not req.stream:
            return {**base, "object": "chat.completion",
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                    "citations": cites, "resolved_question": answer.resolved_question}
        return StreamingResponse(_events(base, content, cites), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    return router


def _events(base: dict[str, Any], content: str, cites: list[dict[str, Any]]) -> Iterator[str]:
    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        body = {**base, "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    for line in content.splitlines(keepends=True):
        yield chunk({"content": line})
    yield chunk({}, "stop", citations=cites)
    yield "data: [DONE]\n\n"
