"""HTTP API and server-rendered pages, through FastAPI's TestClient on corpus/."""


import time

import pytest
from fastapi.testclient import TestClient

from qa.serve.app import create_app
from qa.service import QAService
from qa.store.index_build import build_index


@pytest.fixture(scope="module")
def client(reader, base_settings, embedder, seed_index):
    service = QAService(base_settings, embedder, reader)
    service.index = seed_index
    with TestClient(create_app(base_settings, service)) as c:
        yield c


def test_ask_answers_with_citations(client):
    r = client.post("/ask", json={"question": "凌源市截至6月末地区生产总值是多少？"})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "answered" and body["answer"] == "77.6亿元"
    assert "77.6亿元" in body["sentence"]
    first = body["citations"][0]
    assert first["doc_id"] == "002_6898f3103771f9f9.txt"
    a, b = first["highlight"]
    assert first["excerpt"][a:b] == body["sentence"]
    a, b = first["answer_highlight"]
    assert first["excerpt"][a:b] == "77.6亿元"
    assert first["url"].startswith("/documents/002_6898f3103771f9f9.txt?start=")
    assert set(body["timings_ms"]) >= {"embed", "retrieve", "select", "total"}
    assert 0.0 <= body["confidence"] <= 1.0


def test_top_k_limits_citations(client):
    r = client.post("/ask", json={"question": "龙城区第一家5G示范工厂是哪家企业？", "top_k": 2})
    assert len(r.json()["citations"]) <= 2
    excerpts = [c["excerpt"] for c in client.post("/ask", json={"question": "朝阳市森林覆盖率是多少？", "top_k": 10}).json()["citations"]]
    assert len(excerpts) == len(set(excerpts))


def test_no_answer_shows_no_sources(client):
    body = client.post("/ask", json={"question": "珠穆朗玛峰的海拔有多高？"}).json()
    assert body["status"] == "no_answer" and body["answer"] is None and body["citations"] == []
    assert body["message"] == "文档中没有找到相关答案。"


@pytest.mark.parametrize("payload,fragment", [
    ({"question": ""}, "问题不能为空"),
    ({"question": " \n\t "}, "问题不能为空"),
    ({"question": "长" * 501}, "500"),
    ({"question": "朝阳", "top_k": 0}, "top_k"),
    ({"question": "朝阳", "top_k": 21}, "top_k"),
    ({"top_k": 3}, "question"),
])
def test_bad_requests_are_422_with_a_bilingual_message(client, payload, fragment):
    r = client.post("/ask", json=payload)
    assert r.status_code == 422
    assert fragment in r.json()["detail"] and "/" in r.json()["detail"]


def test_malformed_json_is_422(client):
    r = client.post("/ask", content='{"question": "朝阳'.encode(), headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert "Invalid request" in r.json()["detail"]


def test_index_not_ready_is_503(reader, base_settings, embedder, tmp_path):
    service = QAService(base_settings.replace(index_dir=tmp_path / "none", corpus_dir=tmp_path / "missing"), embedder, reader)
    with TestClient(create_app(service.settings, service)) as c:
        for _ in range(100):  # the index loads in the background; here it fails at once
            if c.get("/health").json()["status"] != "loading":
                break
            time.sleep(0.1)
        assert c.get("/health").json()["index_loaded"] is False
        r = c.post("/ask", json={"question": "朝阳市人口是多少？"})
        # The cause, not "try again shortly": nothing will change until the user acts.
        detail = r.json()["detail"]
        assert r.status_code == 503 and "cannot be used" in detail and "corpus directory not found" in detail


def test_health_and_documents(client):
    h = client.get("/health").json()
    assert h["index_loaded"] and h["documents"] == 5 and h["chunks"] > 100 and h["sentences"] > h["chunks"]
    docs = client.get("/documents").json()
    assert len(docs) == 5 and {"doc_id", "title", "chars", "url"} <= set(docs[0])
    assert "推进全面振兴全方位振兴" in client.get("/documents", headers={"Accept": "text/html"}).text


def test_document_view_highlights_the_cited_passage(client):
    cite = client.post("/ask", json={"question": "凌源市截至6月末地区生产总值是多少？"}).json()["citations"][0]
    page = client.get(cite["url"].split("#")[0])
    assert page.status_code == 200
    assert 'id="hl"' in page.text and '<mark class="hl">' in page.text
    assert "77.6亿元" in page.text.split('<mark class="hl">', 1)[1]
    assert client.get("/documents/nothing-here.txt").status_code == 404


def test_openapi_documents_the_models(client):
    spec = client.get("/openapi.json").json()
    assert {"AskRequest", "AskResponse", "CitationOut"} <= set(spec["components"]["schemas"])
    assert client.get("/docs").status_code == 200


def test_chat_page_without_javascript(client):
    page = client.get("/")
    assert page.status_code == 200 and 'method="post"' in page.text and 'class="example"' in page.text
    r = client.post("/", data={"question": "凌源市截至6月末地区生产总值是多少？"})
    assert r.status_code == 200 and '<strong class="answer-text">77.6亿元</strong>' in r.text
    r = client.post("/", data={"question": "   "})
    assert r.status_code == 422 and "问题不能为空" in r.text


HOSTILE = ("恶意文档测试\n\n这份文件里有脚本<script>alert('xss')</script>标签。"
           "还有图片<img src=x onerror=alert(1)>标签。恶意测试文档的编号是9527号。")


def test_document_text_is_escaped_everywhere(reader, base_settings, embedder, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "evil<b>.txt").write_text(HOSTILE, encoding="utf-8")
    s = base_settings.replace(corpus_dir=corpus, index_dir=tmp_path / "idx")
    build_index(s, embedder, show_progress=False)
    with TestClient(create_app(s, QAService(s, embedder, reader))) as c:
        service = c.app.state.service
        service.load(build_if_missing=False)
        body = c.post("/ask", json={"question": "恶意测试文档的编号是多少？"}).json()
        assert body["answer"] == "9527号"
        pages = [c.post("/", data={"question": "这份文件里有什么标签？"}).text,
                 c.get(body["citations"][0]["url"].split("#")[0]).text,
                 c.get("/documents", headers={"Accept": "text/html"}).text]
        for html in pages:
            assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in pages[0] + pages[1]
        assert "evil&lt;b&gt;.txt" in pages[2]
