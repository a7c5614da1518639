import logging
from pathlib import Path

import pytest

from qa.ingest.corpus import load_corpus, read_document
from qa.ingest.html import html_to_text
from qa.ingest.text import UnreadableFile, decode

TEXT = "朝阳市地区生产总值同比增长7%。\n凌源市实现77.6亿元。"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_encodings_as_chinese_files_arrive(tmp_path: Path, encoding: str):
    path = tmp_path / f"doc-{encoding}.txt"
    path.write_bytes(TEXT.encode(encoding))
    doc = read_document(path, path.name)
    assert doc.text == TEXT
    assert "\ufeff" not in doc.text


def test_gb18030_only_characters(tmp_path: Path):
    text = "㐀㐁是扩展A区汉字，GBK 没有它们。"
    path = tmp_path / "ext.txt"
    path.write_bytes(text.encode("gb18030"))
    assert read_document(path, "ext.txt").text == text


def test_binary_empty_and_undecodable_files_are_skipped_with_a_warning(tmp_path: Path, caplog):
    (tmp_path / "good.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (tmp_path / "empty.md").write_bytes(b"   \n")
    (tmp_path / "noise.txt").write_bytes(bytes([0x81, 0x20, 0xFF, 0xFE, 0x80]) * 50)
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")  # a PDF with nothing after its header
    (tmp_path / "app.exe").write_bytes(b"MZ\x00")  # not a supported type: not even tried
    with caplog.at_level(logging.WARNING):
        docs, skipped = load_corpus(tmp_path)
    assert [d.doc_id for d in docs] == ["good.txt"]
    assert sorted(s.path for s in skipped) == ["empty.md", "image.txt", "noise.txt", "notes.pdf"]
    for name in ("empty.md", "image.txt", "noise.txt", "notes.pdf"):
        assert name in caplog.text


def test_decode_reports_why():
    with pytest.raises(UnreadableFile, match="binary"):
        decode(b"abc\x00def")
    with pytest.raises(UnreadableFile, match="empty"):
        decode(b"")


def test_html_visible_text_only(tmp_path: Path):
    html = ("<html><head><title>测试页</title><style>p{color:red}</style><script>alert('x')</script></head>"
            "<body><h1>朝阳概况</h1><p>朝阳市人口<b>340万</b>。</p><!-- 注释 --><p>第二段&amp;实体。</p></body></html>")
    text, title = html_to_text(html)
    assert title == "测试页"
    assert "alert" not in text and "color" not in text and "注释" not in text
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    doc = read_document(path, "page.html")
    assert doc.text == "朝阳概况\n朝阳市人口340万。\n第二段&实体。"
    assert doc.title == "测试页"


def test_markdown_headings_and_markup(tmp_path: Path):
    path = tmp_path / "notes.md"
    path.write_text("# 项目简介\n\n本项目**总投资**10亿元，详见[公告](http://x)。\n\n- 第一条说明。\n", encoding="utf-8")
    doc = read_document(path, "notes.md")
    assert doc.title == "项目简介"
    assert "本项目总投资10亿元，详见公告。" in doc.text
    assert "第一条说明。" in doc.text and "*" not in doc.text


def test_nested_folders_give_relative_ids_and_hidden_files_are_ignored(tmp_path: Path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text(TEXT, encoding="utf-8")
    docs, _ = load_corpus(tmp_path)
    assert [d.doc_id for d in docs] == ["a/b/x.txt"]
    assert len(docs[0].sha256) == 64
