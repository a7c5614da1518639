from conftest import CORPUS

from qa.ingest.chunking import ChunkerSettings, chunk_document
from qa.ingest.cleaning import clean
from qa.ingest.corpus import read_document
from qa.records import Document


def make_doc(raw: str) -> Document:
    text, blocks, offsets = clean(raw)
    return Document("d.txt", "t", text, "h", blocks, offsets)


def test_chunk_offsets_reproduce_text_on_every_seed():
    for path in sorted(CORPUS.glob("*.txt")):
        doc = read_document(path, path.name)
        chunks = chunk_document(doc, ChunkerSettings(160, 1))
        assert chunks
        for c in chunks:
            assert doc.text[c.start:c.end] == c.text
            for a, b in c.sentences:
                assert c.start <= a < b <= c.end


def test_headings_open_a_chunk_and_name_the_section():
    doc = make_doc("标题一\n\n第一句话在这里。第二句话在这里。\n\n小节标题\n\n小节正文第一句。小节正文第二句。")
    chunks = chunk_document(doc, ChunkerSettings(200, 0))
    assert [c.text for c in chunks] == ["标题一\n第一句话在这里。第二句话在这里。", "小节标题\n小节正文第一句。小节正文第二句。"]
    assert chunks[1].heading_path == ["小节标题"]
    assert all(c.text not in ("标题一", "小节标题") for c in chunks)  # never a heading-only chunk


def test_packing_respects_target_and_overlaps_by_sentences():
    sentences = "".join(f"这是第{i}个用来测试分块的句子。" for i in range(12))
    doc = make_doc(sentences)
    chunks = chunk_document(doc, ChunkerSettings(60, 1))
    assert len(chunks) > 3
    for a, b in zip(chunks, chunks[1:]):
        assert a.sentences[-1] == b.sentences[0]  # one sentence of overlap
    assert all(len(c.text) <= 60 for c in chunks)


def test_exact_duplicate_paragraph_yields_no_duplicate_chunk():
    par = "凌源市坚持把“161”工程作为推进振兴发展的主要抓手。全力以赴抓机遇，坚持不懈抓招商。"
    doc = make_doc(f"{par}\n\n另一段不同的内容在这里出现。\n\n{par}")
    chunks = chunk_document(doc, ChunkerSettings(40, 0))
    texts = [c.text for c in chunks]
    assert len(texts) == len(set(texts))
    assert sum("主要抓手" in t for t in texts) == 1


def test_repeated_passage_in_seed_003_is_indexed_once():
    doc = read_document(CORPUS / "003_0624703ab3c854fd.txt", "003")
    sentence = "健全创新激励保障机制,构建更多企业当“盟主”的实质性产学研联盟"
    assert doc.text.count(sentence) == 2
    chunks = chunk_document(doc, ChunkerSettings(160, 0))
    assert sum(sentence in c.text for c in chunks) == 1


def test_a_line_without_punctuation_is_cut_into_chunks_the_model_can_read(tmp_path):
    """A 180,000-character line was one chunk: the model read its first 512 tokens, the rest was lost."""
    from qa.ingest.chunking import MAX_SENTENCE_CHARS, ChunkerSettings, chunk_document
    from qa.ingest.corpus import read_document

    (tmp_path / "long.txt").write_text("很长的一行没有标点" * 10000 + "，结尾写着凌源市的编号是七七六", encoding="utf-8")
    doc = read_document(tmp_path / "long.txt", "long.txt")
    chunks = chunk_document(doc, ChunkerSettings(220, 1))
    assert len(chunks) >= len(doc.text) // MAX_SENTENCE_CHARS
    assert max(len(c.text) for c in chunks) <= MAX_SENTENCE_CHARS
    assert all(doc.text[c.start:c.end] == c.text for c in chunks)
    assert "凌源市的编号是七七六" in chunks[-1].text
    covered = {i for c in chunks for i in range(c.start, c.end)}
    assert covered == set(range(len(doc.text)))
