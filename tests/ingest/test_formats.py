"""Each format's reader on files written by the libraries people's files come from
(tests/samples.py), and each way a file can be unreadable."""

import zipfile

import pytest
import samples

from qa.ingest import ocr
from qa.ingest.corpus import load_corpus, read_document
from qa.ingest.extract import UnreadableFile


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("samples")
    samples.write_all(folder)
    return folder


def read(files, name):
    return read_document(files / name, name)


def test_pdf_pages_headers_footers_and_broken_lines(files):
    doc = read(files, "report.pdf")
    assert samples.REPORT_HEADER not in doc.text  # running header on every page
    assert "—" not in doc.text  # "— 2 —" page-number footers
    for _, text in samples.REPORT:  # every paragraph whole: line and page breaks inside it joined
        assert doc.text.count(text) == 2, text
    assert [p.label for p in doc.places] == ["第1页", "第2页", "第3页"]
    assert [p.page for p in doc.places] == [1, 2, 3]
    headings = [doc.text[b.start:b.end] for b in doc.blocks if b.kind == "heading"]
    assert headings[:2] == ["一、2024年工作回顾", "二、2025年主要目标"]
    assert doc.title == "一、2024年工作回顾"


def test_pdf_page_of_a_sentence(files):
    doc = read(files, "report.pdf")
    second = doc.text.index("一、2024年工作回顾", 10)  # the repeat starts on a later page
    assert doc.place_at(0).page == 1
    assert doc.place_at(second).page >= 2
    assert doc.place_at(len(doc.text) - 1).page == 3


def test_two_column_pdf_reads_column_by_column(files):
    doc = read(files, "twocol.pdf")
    for _, text in samples.TWO_COLUMN:
        assert text in doc.text


def test_pdf_table_rows_become_sentences_with_column_names(files):
    doc = read(files, "table.pdf")
    assert "项目名称：白石河综合治理工程；总投资（亿元）：26.4；建设地点：城关镇；开工时间：2023年3月。" in doc.text
    assert "项目名称 总投资" not in doc.text


def test_scanned_pdf_is_read_by_ocr(files):
    assert ocr.available(), "the OCR extra is part of the test set-up: pip install -e '.[test,ocr]'"
    doc = read(files, "scan.pdf")
    assert "文化路18号" in doc.text and "每周一闭馆" in doc.text
    assert doc.places[0].page == 1


def test_image_is_read_by_ocr(files, tmp_path):
    samples.scan_image().save(tmp_path / "notice.png")
    assert "文化路18号" in read_document(tmp_path / "notice.png", "notice.png").text


def test_scan_without_the_ocr_extra_is_reported(files, tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)  # as where the extra is not installed
    with pytest.raises(UnreadableFile, match=r"needs OCR: pip install -e '\.\[ocr\]'"):
        read(files, "scan.pdf")
    (tmp_path / "c").mkdir()
    samples.write_scan_pdf(tmp_path / "c" / "scan.pdf")
    samples.write_docx(tmp_path / "c" / "notes.docx")
    docs, skipped = load_corpus(tmp_path / "c")
    assert [d.doc_id for d in docs] == ["notes.docx"]
    assert [(s.path, s.reason) for s in skipped] == [("scan.pdf", "needs OCR: pip install -e '.[ocr]'")]


def test_docx_headings_paragraphs_and_tables_in_order(files):
    doc = read(files, "notes.docx")
    blocks = [(b.kind, doc.text[b.start:b.end]) for b in doc.blocks]
    assert blocks[:3] == [("heading", "县图书馆工作简报"), ("heading", "一、基本情况"),
                          ("paragraph", "县图书馆总馆现有藏书62万册，数字资源总量达到30TB，全年接待读者38万人次。")]
    row = "职务：馆长；姓名：王丽华；分管工作：全面工作。"
    assert row in doc.text and doc.text.index(row) < doc.text.index("简报由县图书馆办公室编写。")
    assert doc.place_at(doc.text.index(row)).label == "二、馆内人员 表格第2行"
    assert doc.place_at(doc.text.index("简报由")).label == "二、馆内人员"


def test_workbook_rows_are_sentences_placed_by_sheet_and_row(files):
    doc = read(files, "towns.xlsx")
    at = doc.text.index("乡镇：云岭镇；年份：2024；常住人口（人）：23800；耕地面积（亩）：45600。")
    assert doc.place_at(at).label == "乡镇 第3行" and doc.place_at(at).page is None


def test_gbk_csv(files):
    doc = read(files, "goods.csv")
    assert doc.encoding == "gb18030"
    at = doc.text.index("品名：土蜂蜜；规格：1000克；单价（元）：98；产地：城关镇。")
    assert doc.place_at(at).label == "第4行"


def test_csv_with_bom_and_tabs(tmp_path):
    (tmp_path / "a.tsv").write_bytes("\ufeff城市\t人口\n辽阳\t160万\n".encode())
    assert read_document(tmp_path / "a.tsv", "a.tsv").text == "城市：辽阳；人口：160万。"


def test_slides_titles_text_and_notes(files):
    doc = read(files, "deck.pptx")
    at = doc.text.index("白石峡谷景区为国家4A级旅游景区")
    assert doc.place_at(at).page == 2 and doc.place_at(at).label == "第2张幻灯片"
    assert "备注：介绍时强调峡谷的漂流项目。" in doc.text
    assert doc.text.count("重点景区") == 1  # the title once, as a heading
    assert doc.title == "青川县文旅推介"


def test_epub_chapters_in_spine_order(files):
    doc = read(files, "river.epub")
    assert doc.title == "青川山水"
    assert doc.text.index("白石河发源于") < doc.text.index("雪峰山主峰")
    assert doc.place_at(doc.text.index("雪峰山主峰")).label == "第二章 青川的山"


def _encrypted_pdf(path):
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), encrypt="secret")
    c.drawString(72, 720, "locked")
    c.save()


def _empty_workbook(path):
    import openpyxl

    openpyxl.Workbook().save(path)


@pytest.mark.parametrize("name,write,reason", [
    ("locked.pdf", _encrypted_pdf, "encrypted PDF"),
    ("cut.pdf", lambda p: p.write_bytes(b"%PDF-1.7\n1 0 obj <<"), "corrupt or not a PDF"),
    ("fake.docx", lambda p: p.write_bytes(b"PK not really a zip"), "not a .docx file"),
    ("empty.xlsx", _empty_workbook, "every sheet is empty"),
    ("junk.xlsx", lambda p: p.write_bytes(b"\x00\x01binary"), "cannot open the workbook"),
    ("fake.pptx", lambda p: p.write_text("文本"), "not a .pptx file"),
    ("bad.epub", lambda p: zipfile.ZipFile(p, "w").writestr("x.txt", "x"), "damaged EPUB"),
    ("blank.png", lambda p: samples.scan_image([]).save(p), "OCR found no text"),
    ("noise.jpg", lambda p: p.write_bytes(b"\xff\xd8\xff not a jpeg"), "not a readable image"),
])
def test_unreadable_files_say_why(tmp_path, name, write, reason):
    write(tmp_path / name)
    with pytest.raises(UnreadableFile, match=reason):
        read_document(tmp_path / name, name)
    (tmp_path / "ok.txt").write_text("正常的文件。", encoding="utf-8")
    docs, skipped = load_corpus(tmp_path)
    assert [d.doc_id for d in docs] == ["ok.txt"]
    assert len(skipped) == 1 and skipped[0].path == name and reason in skipped[0].reason


def test_pdf_with_a_text_page_and_a_scanned_page(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(tmp_path / "mixed.pdf"), pagesize=A4)
    c.setFont(samples._reportlab_font(), 12)
    c.drawString(72, 760, "第一页有文字层：青川县共有六个乡镇。")
    c.showPage()
    c.drawImage(ImageReader(samples.scan_image()), 0, 300, width=A4[0], height=A4[0] * 900 / 1240)
    c.showPage()
    c.save()
    doc = read_document(tmp_path / "mixed.pdf", "mixed.pdf")
    assert "青川县共有六个乡镇" in doc.text and "文化路18号" in doc.text
    assert doc.place_at(doc.text.index("六个乡镇")).page == 1
    assert doc.place_at(doc.text.index("文化路18号")).page == 2


@pytest.mark.parametrize("suffix", [".docx", ".xlsx", ".pptx", ".epub"])
def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path, suffix):
    """A few kilobytes that unpack to far more than any document: refused, named, nothing read."""
    import zipfile

    from qa.ingest.corpus import read_document
    from qa.ingest.extract import UnreadableFile

    path = tmp_path / f"bomb{suffix}"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\0" * 20_000_000)
    assert path.stat().st_size < 100_000
    with pytest.raises(UnreadableFile, match="unpack to 20,000,"):
        read_document(path, path.name, max_bytes=1_000_000)
