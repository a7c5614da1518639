"""Body size limit, per-client rate limit, CORS and the security headers of every response."""

import pytest
from fastapi.testclient import TestClient

from qa.serve.app import create_app
from qa.serve.limits import parse_rate
from qa.service import QAService

Q = {"question": "凌源市截至6月末地区生产总值是多少？"}


def make(base_settings, embedder, reader, seed_index, **changes):
    s = base_settings.replace(**changes)
    service = QAService(s, embedder, reader)
    service.index = seed_index
    return TestClient(create_app(s, service))


def test_oversized_bodies_are_413_before_parsing(base_settings, embedder, reader, seed_index):
    with make(base_settings, embedder, reader, seed_index, max_body_bytes=4000) as c:
        big = {"question": "问" * 10, "history": [{"question": "长" * 1900}] * 2}
        r = c.post("/ask", json=big)
        assert r.status_code == 413 and "4000" in r.json()["detail"]

        def chunks():  # no Content-Length: counted as it arrives
            yield b'{"question": "' + "问".encode() * 2000 + b'"}'
        r = c.post("/ask", content=chunks(), headers={"Content-Type": "application/json"})
        assert r.status_code == 413
        assert c.post("/ask", json=Q).status_code == 200


def test_rate_limit_answers_429_with_retry_after(base_settings, embedder, reader, seed_index):
    with make(base_settings, embedder, reader, seed_index, rate_limit="3/minute") as c:
        codes = [c.post("/ask", json=Q).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = c.post("/ask", json=Q)
        assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 20
        assert c.get("/health").status_code == 200  # health checks are never limited


def test_parse_rate():
    assert parse_rate("60/minute") == (60, 60.0) and parse_rate("5/s") == (5, 1.0) and parse_rate("") is None
    with pytest.raises(ValueError, match="QA_RATE_LIMIT"):
        parse_rate("lots")


def test_security_headers_and_cors(base_settings, embedder, reader, seed_index):
    with make(base_settings, embedder, reader, seed_index) as c:
        for r in (c.get("/"), c.post("/ask", json=Q), c.get("/documents/002_6898f3103771f9f9.txt"),
                  c.get("/static/app.js")):
            csp = r.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
            assert "frame-ancestors 'none'" in csp
            assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"
        r = c.post("/ask", json=Q, headers={"Origin": "http://elsewhere.example"})
        assert "access-control-allow-origin" not in r.headers  # CORS is off by default
    with make(base_settings, embedder, reader, seed_index, cors_origins="http://intranet.example") as c:
        pre = c.options("/ask", headers={"Origin": "http://intranet.example", "Access-Control-Request-Method": "POST"})
        assert pre.headers["access-control-allow-origin"] == "http://intranet.example"
        other = c.options("/ask", headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
        assert other.headers.get("access-control-allow-origin") != "http://evil.example"


def test_questions_past_the_bound_are_refused_at_once_with_retry_after(base_settings, seed_index, embedder, reader):
    """Overload sheds load early: with room for one question in flight, a second one asked
    meanwhile gets 503 and Retry-After at once instead of queueing; afterwards all is well."""
    import threading
    import time

    service = QAService(base_settings.replace(max_pending=1), embedder, reader)
    service.index = seed_index
    release = threading.Event()
    real_ask = service.ask

    def slow_ask(*args, **kwargs):
        release.wait(10)
        return real_ask(*args, **kwargs)

    service.ask = slow_ask  # type: ignore[method-assign]
    with TestClient(create_app(base_settings.replace(max_pending=1), service)) as c:
        first: list[int] = []
        t = threading.Thread(target=lambda: first.append(c.post("/ask", json={"question": "凌源市生产总值是多少？"})
                                                          .status_code))
        t.start()
        time.sleep(0.5)
        busy = c.post("/ask", json={"question": "朝阳市森林覆盖率是多少？"})
        assert busy.status_code == 503 and busy.headers["retry-after"] == "1" and "busy" in busy.json()["detail"]
        assert c.get("/health").status_code == 200  # only questions are bounded
        release.set()
        t.join()
        assert first == [200]
        assert c.post("/ask", json={"question": "朝阳市森林覆盖率是多少？"}).status_code == 200
