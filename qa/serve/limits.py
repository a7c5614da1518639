"""What every request goes through before a route sees it: a body size limit, an optional
per-client rate limit, a bound on questions being answered at once, and the security headers of
every response. Pure ASGI middleware, so a refused request costs no parsing.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from typing import Any

UPLOAD_PATHS = ("/admin/documents",)  # multipart uploads: bounded by QA_MAX_UPLOAD_BYTES instead
ANSWER_PATHS = ("/ask", "/v1/chat/completions", "/")  # POSTs that run the models
NO_CSP_PATHS = ("/docs", "/redoc")  # FastAPI's API explorer pages load their own scripts
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
           (b"x-frame-options", b"DENY")]


def parse_rate(text: str) -> tuple[int, float] | None:
    """"60/minute" → (60, 60.0); "" or "0" → None (no limit)."""
    text = text.strip().lower()
    if text in ("", "0", "off", "none"):
        return None
    m = re.fullmatch(r"(\d+)\s*/\s*(second|sec|s|minute|min|m|hour|h)", text)
    if not m or int(m.group(1)) <= 0:
        raise ValueError(f"QA_RATE_LIMIT={text!r}: use N/second, N/minute or N/hour, e.g. 60/minute")
    per = {"s": 1.0, "m": 60.0, "h": 3600.0}[m.group(2)[0]]
    return int(m.group(1)), per


async def _reply(send: Any, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class Limits:
    """``max_body``: bytes a request body may have (uploads excepted); ``rate``: (requests,
    seconds) per client address, a token bucket that refills evenly; ``max_pending``: questions
    being answered or waiting for a worker at once. Past it a question is refused at once with
    503 and Retry-After: under overload, a short wait for a clear answer beats a queue that only
    grows (0: no bound)."""

    def __init__(self, app: Any, max_body: int, rate: tuple[int, float] | None, max_pending: int = 0) -> None:
        self.app, self.max_body, self.rate, self.max_pending = app, max_body, rate, max_pending
        self.pending = 0  # only touched on the event loop
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, last time)
        self._lock = threading.Lock()

    def _take(self, client: str) -> float:
        """0 when the client may go on, else the seconds until it may."""
        assert self.rate is not None
        n, per = self.rate
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client, (float(n), now))
            tokens = min(float(n), tokens + (now - last) * n / per)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                return 0.0
            self._buckets[client] = (tokens, now)
            if len(self._buckets) > 100_000:  # forget idle clients rather than grow without end
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < per}
            return (1.0 - tokens) * per / n

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if self.rate and not path.startswith(("/static/", "/health")):
            wait = self._take((scope.get("client") or ("?", 0))[0])
            if wait:
                await _reply(send, 429, "请求太频繁，请稍后再试。 / Too many requests; retry later.",
                             [(b"retry-after", str(math.ceil(wait)).encode())])
                return
        if not path.startswith(UPLOAD_PATHS) and scope.get("method") in ("POST", "PUT", "PATCH"):
            length = dict(scope.get("headers") or []).get(b"content-length")
            body = None if length is not None and length.isdigit() and int(length) > self.max_body \
                else await self._read(receive)
            if body is None:
                await _reply(send, 413, f"请求体超过 {self.max_body} 字节。 / The request body is larger than "
                                        f"{self.max_body} bytes.")
                return
            receive = _replay(body, receive)

        answering = self.max_pending > 0 and scope.get("method") == "POST" and path in ANSWER_PATHS
        if answering and self.pending >= self.max_pending:
            await _reply(send, 503, "服务繁忙，请稍后再试。 / The service is busy; retry shortly.",
                         [(b"retry-after", b"1")])
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", [])) + HEADERS
                if not path.startswith(NO_CSP_PATHS):
                    headers.append((b"content-security-policy", CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        if not answering:
            await self.app(scope, receive, send_with_headers)
            return
        self.pending += 1
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            self.pending -= 1

    async def _read(self, receive: Any) -> bytes | None:
        """The whole body (a body sent without a length, chunked, is counted as it arrives), or
        None past the limit."""
        parts, seen = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(parts)
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_body:
                return None
            parts.append(chunk)
            if not message.get("more_body", False):
                return b"".join(parts)


def _replay(body: bytes, receive: Any) -> Any:
    """The body read ahead, handed to the app as one message; then the connection as it goes on."""
    sent = False

    async def wrapped() -> Any:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()
    return wrapped
