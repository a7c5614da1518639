"""Folding for matching and for the reader: every character stays where it was."""

from qa.evaluation import convert
from qa.folding import fold, script, simplified


def test_simplified_changes_only_the_script():
    text = "遼陽市ＧＤＰ增長「7.2%」，English！"
    out = simplified(text)
    assert out == "辽阳市ＧＤＰ增长「7.2%」，English！"
    assert len(out) == len(text)
    assert fold(text) == "辽阳市gdp增长「7.2%」,english!"


def test_benchmark_questions_convert_to_either_script():
    assert convert("辽阳市委书记是谁？", "traditional") == "遼陽市委書記是誰？"
    assert convert("遼陽市委書記是誰？", "simplified") == "辽阳市委书记是谁？"


def test_the_script_of_a_text_is_the_one_whose_own_characters_it_holds_more_of():
    assert script("辽阳市委书记是谁？") == "simplified"
    assert script("遼陽市委書記是誰？") == "traditional"
    assert script("據介紹，總投資10億元，见第3页") == "traditional"  # a stray simplified character
    assert script("2019年GDP是多少？") is None  # characters both scripts share
