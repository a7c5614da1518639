"""The entity check: names in the question must be found in what the reader read."""

from qa.reader.evidence import missing_names, question_names


def test_names_are_found_in_simplified_and_traditional_questions():
    assert "凌源市" in question_names("凌源市截至6月末地区生产总值是多少？")
    assert "朝阳市" in question_names("朝陽市累計脫貧多少人？")


def test_a_name_absent_from_the_passages_is_reported():
    passages = ["凌源市截至6月末，地区生产总值完成77.6亿元。"]
    assert missing_names("北京市截至6月末地区生产总值是多少？", passages) == ["北京市"]
    assert missing_names("凌源市截至6月末地区生产总值是多少？", passages) == []


def test_a_name_matches_without_its_administrative_ending():
    assert missing_names("辽宁省的森林覆盖率是多少？", ["辽宁的森林覆盖率为42%。"]) == []


def test_questions_without_names_are_never_refused_by_the_check():
    assert missing_names("森林覆盖率是多少？", ["无关的文字。"]) == []
