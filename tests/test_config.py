from pathlib import Path

import pytest

from qa.config import Settings


def test_environment_overrides_and_flags_win():
    env = {"QA_CHUNK_CHARS": "200", "QA_CORPUS_DIR": "/data/docs", "QA_NO_ANSWER_THRESHOLD": "0.5",
           "QA_MODEL": "BAAI/bge-small-zh-v1.5", "QA_ADMIN_TOKEN": "s3cret"}
    s = Settings.from_env(env, corpus_dir=Path("/other"))
    assert s.chunk_chars == 200 and s.no_answer_threshold == 0.5 and s.admin_token == "s3cret"
    assert s.corpus_dir == Path("/other")
    assert s.prompts == ("为这个句子生成表示以用于检索相关文章：", "")
    assert s.index_path == Path("index") / "bge-small-zh-v1.5-c200-o1"


def test_custom_prompts_for_any_model():
    s = Settings.from_env({"QA_MODEL": "/models/my-model", "QA_QUERY_PROMPT": "问：", "QA_PASSAGE_PROMPT": ""})
    assert s.prompts == ("问：", "")


def test_an_empty_prompt_is_a_value_not_a_default():
    s = Settings.from_env({"QA_PASSAGE_PROMPT": ""})
    assert s.prompts == ("query: ", "")


def test_bad_values_name_the_variable():
    with pytest.raises(ValueError, match="QA_CHUNK_CHARS"):
        Settings.from_env({"QA_CHUNK_CHARS": "big"})


def test_every_setting_is_documented_in_the_readme():
    import dataclasses
    from pathlib import Path

    from qa.config import Settings

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    missing = [f"QA_{f.name.upper()}" for f in dataclasses.fields(Settings) if f"QA_{f.name.upper()}" not in readme]
    assert missing == []
