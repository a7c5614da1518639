"""Cutting question + passage pairs into windows: offsets must point at the passage's own text."""

import unicodedata

import pytest

from qa.reader.windows import encode, token_span

PASSAGE = ("　　凌源市截至6月末，地区生产总值完成77.6亿元，同比增长7.2%。ＡＢＣ English words 2019年。" * 12)


def test_long_passages_are_split_and_offsets_point_into_the_passage(reader):
    win = encode(reader.tokenizer, "地区生产总值是多少？", [PASSAGE, "短文本。"], max_len=64, stride=16)
    assert len(win) > 2
    assert set(win.passage.tolist()) == {0, 1}
    assert win.input_ids.shape[1] <= 64
    for w in range(len(win)):
        text = [PASSAGE, "短文本。"][int(win.passage[w])]
        inside = win.starts[w] >= 0
        # Every passage token maps back to characters of its own passage, in order.
        starts, ends = win.starts[w][inside], win.ends[w][inside]
        assert (ends > starts).all() and (starts[1:] >= starts[:-1]).all() and ends.max() <= len(text)
        ids = reader.tokenizer.convert_ids_to_tokens(win.input_ids[w][inside].tolist())
        for tok, a, b in zip(ids, starts, ends):
            if tok.strip("▁") and tok.isascii() and tok.isalnum():
                # The tokenizer normalises (NFKC: ＡＢＣ -> ABC); the offsets stay on the original.
                assert unicodedata.normalize("NFKC", text[a:b]).strip() == tok.strip("▁")


def test_an_answer_is_whole_in_some_window_despite_the_cuts(reader):
    win = encode(reader.tokenizer, "地区生产总值是多少？", [PASSAGE], max_len=48, stride=16)
    for at in range(0, len(PASSAGE), 47):
        start = PASSAGE.index("77.6亿元", at) if "77.6亿元" in PASSAGE[at:] else None
        if start is None:
            break
        spans = [token_span(win, w, start, start + 6) for w in range(len(win))]
        found = [(w, s) for w, s in enumerate(spans) if s]
        assert found
        w, (a, b) = found[0]
        assert PASSAGE[win.starts[w][a]:win.ends[w][b]] == "77.6亿元"


def test_reader_reads_a_long_passage_in_windows_and_returns_passage_offsets(reader):
    filler = "这是一段与问题无关的文字，用来把答案推到模型窗口之外。" * 30
    passage = filler + "辽阳市空气质量优良天数达到299天，比上年增加12天。" + filler
    spans = reader.read("辽阳市空气质量优良天数有多少天？", [passage])
    assert spans, "the reader returned no span"
    best = spans[0]
    assert passage[best.start:best.end] == best.text
    assert "299天" in best.text


def test_a_given_span_is_scored_as_the_answer_to_any_question(reader):
    filler = "这是一段与问题无关的文字，用来把答案推到模型窗口之外。" * 30
    passage = filler + "辽阳市空气质量优良天数达到299天，比上年增加12天。" + filler
    best = reader.read("辽阳市空气质量优良天数有多少天？", [passage])[0]
    # its own question gives the read's score, in whichever window holds it
    assert reader.score_span("辽阳市空气质量优良天数有多少天？", passage, best.start, best.end) == \
        pytest.approx(best.score, abs=0.05)
    # a question it does not answer scores it lower; a span no window holds scores nothing
    other = reader.score_span("辽阳市比上年增加了多少天？", passage, best.start, best.end)
    assert other is not None and other < best.score
    assert reader.score_span("辽阳市空气质量优良天数有多少天？", passage, len(passage), len(passage) + 3) is None


def test_a_question_in_either_script_reads_a_passage_in_either_alike(reader):
    simplified_passage = "据介绍，总投资10亿元的高性能膜项目将于2022年5月正式投入使用。"
    traditional_passage = "據介紹，總投資10億元的高性能膜項目將於2022年5月正式投入使用。"
    asked = {q: reader.read(q, [simplified_passage])[0] for q in ("高性能膜项目什么时候投入使用？", "高性能膜項目什麼時候投入使用？")}
    simple, traditional = asked.values()
    assert "2022年5月" in simple.text
    assert (traditional.text, traditional.score) == (simple.text, pytest.approx(simple.score, abs=0.01))
    # the answer is the passage's own characters, in its own script
    read = reader.read("高性能膜项目总投资多少？", [traditional_passage])[0]
    assert read.text == traditional_passage[read.start:read.end] and "億元" in read.text
