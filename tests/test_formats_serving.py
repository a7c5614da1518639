"""Documents of every format through the whole service: citations with page and location, the
PDF view at the cited page, uploads, and updates of binary files."""

import shutil

import pytest
import samples
from fastapi.testclient import TestClient

from qa.serve.app import create_app
from qa.service import QAService
from qa.store.index_build import build_index
from qa.store.index_store import load_index

TOKEN = "formats-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def client(base_settings, embedder, reader, tmp_path_factory):
    corpus = tmp_path_factory.mktemp("formats") / "corpus"
    samples.write_all(corpus)
    s = base_settings.replace(corpus_dir=corpus, index_dir=corpus.parent / "idx", admin_token=TOKEN)
    service = QAService(s, embedder, reader)
    service.load(show_progress=False)
    with TestClient(create_app(s, service)) as c:
        yield c


def ask(client, question):
    r = client.post("/ask", json={"question": question})
    assert r.status_code == 200
    return r.json()


def test_pdf_answer_cites_its_page(client):
    body = ask(client, "青川县森林覆盖率提高到多少？")
    assert body["answer"] == "58.2%"
    first = body["citations"][0]
    assert first["doc_id"] == "report.pdf" and first["page"] == 2 and first["location"] == "第2页"
    assert "&page=2&sentence=" in first["url"] and "&answer=" in first["url"]


def test_spreadsheet_and_slide_answers_cite_row_and_slide(client):
    row = ask(client, "云岭镇常住人口有多少人？")
    assert row["answer"] == "23800"
    assert (row["citations"][0]["doc_id"], row["citations"][0]["location"], row["citations"][0]["page"]) == \
        ("towns.xlsx", "乡镇 第3行", None)
    slide = ask(client, "白石峡谷景区全长多少公里？")
    assert slide["answer"] == "12公里"
    assert (slide["citations"][0]["page"], slide["citations"][0]["location"]) == (2, "第2张幻灯片")
    scan = ask(client, "青川县图书馆新馆位于哪里？")
    assert scan["answer"] == "文化路18号" and scan["citations"][0]["doc_id"] == "scan.pdf"


def test_pdf_view_opens_at_the_cited_page_with_boxes(client):
    first = ask(client, "青川县森林覆盖率提高到多少？")["citations"][0]
    page = client.get(first["url"].split("#")[0])
    assert page.status_code == 200
    html = page.text
    assert 'src="/page-images/2/report.pdf"' in html and "第 2 / 3 页" in html
    assert html.count('class="box answer"') >= 1 and html.count('class="box sentence"') >= 1
    assert '<span class="location">第2页</span>' in html
    img = client.get("/page-images/2/report.pdf")
    assert img.status_code == 200 and img.headers["content-type"] == "image/png"
    assert img.content.startswith(b"\x89PNG")
    assert client.get("/page-images/9/report.pdf").status_code == 404
    assert client.get("/page-images/1/towns.xlsx").status_code == 404
    assert client.get("/page-images/1/../../etc/passwd").status_code == 404


def test_other_formats_show_their_location(client):
    first = ask(client, "云岭镇常住人口有多少人？")["citations"][0]
    html = client.get(first["url"].split("#")[0]).text
    assert '<span class="location">乡镇 第3行</span>' in html and "page-images" not in html


def test_upload_of_office_files_and_refusal_of_unreadable_ones(client, tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("青川县第三中学始建于1956年，现有学生2140名。")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "名称", "说明"
    t.cell(1, 0).text, t.cell(1, 1).text = "校训", "<img src=x onerror=alert(1)>"
    d.save(tmp_path / "school.docx")
    with open(tmp_path / "school.docx", "rb") as f:
        r = client.post("/admin/documents?wait=true", headers=AUTH, files={"file": ("school.docx", f)})
    assert r.status_code == 202, r.text
    body = ask(client, "青川县第三中学现有学生多少名？")
    assert body["answer"] == "2140名" and body["citations"][0]["doc_id"] == "school.docx"
    html = client.get("/documents/school.docx").text
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html

    r = client.post("/admin/documents", headers=AUTH, files={"file": ("broken.pdf", b"%PDF-1.7\n1 0 obj <<")})
    assert r.status_code == 422 and "corrupt or not a PDF" in r.json()["detail"]
    r = client.post("/admin/documents", headers=AUTH, files={"file": ("fake.docx", b"plain text")})
    assert r.status_code == 422 and "not a .docx file" in r.json()["detail"]


def test_binary_files_are_updated_renamed_and_deleted_by_content(base_settings, embedder, tmp_path):
    corpus = tmp_path / "corpus"
    samples.write_all(corpus)
    s = base_settings.replace(corpus_dir=corpus, index_dir=tmp_path / "idx")
    build_index(s, embedder, show_progress=False)
    rows = [list(r) for r in samples.SHEET_ROWS]
    rows[2][2] = 24100  # 云岭镇's population changes
    samples.write_xlsx(corpus / "towns.xlsx", rows)
    (corpus / "slides").mkdir()
    shutil.move(corpus / "deck.pptx", corpus / "slides" / "deck.pptx")
    (corpus / "notes.docx").unlink()
    report = build_index(s, embedder, load_index(s), show_progress=False)
    assert report.changed == ["towns.xlsx"] and report.removed == ["notes.docx"]
    assert report.renamed == [("deck.pptx", "slides/deck.pptx")] and report.embedded_chunks <= 2
    index = load_index(s)
    assert "notes.docx" not in index.documents and "deck.pptx" not in index.documents
    assert "slides/deck.pptx" in index.documents
    assert "24100" in index.documents["towns.xlsx"].text
    assert index.documents["slides/deck.pptx"].places[1].label == "第2张幻灯片"
