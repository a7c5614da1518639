"""The OpenAI-compatible endpoint with the official `openai` client, over loopback HTTP against
a live `qa serve` (the session's server fixture)."""

import httpx
import pytest
from openai import OpenAI


@pytest.fixture(scope="module")
def client(server):
    return OpenAI(base_url=server + "/v1", api_key="unused")


def test_models(client):
    assert [m.id for m in client.models.list()] == ["qa-extractive"]


def test_chat_completion_answers_with_sources(client):
    r = client.chat.completions.create(model="qa-extractive", messages=[
        {"role": "system", "content": "你是文档问答助手。"},
        {"role": "user", "content": "凌源市截至6月末地区生产总值是多少？"}])
    content = r.choices[0].message.content
    assert content.splitlines()[0] == "77.6亿元" and "**来源**" in content and "1. " in content
    assert r.choices[0].finish_reason == "stop"
    cites = r.model_extra["citations"]
    assert cites[0]["doc_id"] == "002_6898f3103771f9f9.txt" and "77.6亿元" in cites[0]["excerpt"]


def test_follow_up_through_the_messages(client):
    r = client.chat.completions.create(model="qa-extractive", messages=[
        {"role": "user", "content": "朝阳市累计脱贫多少人？"},
        {"role": "assistant", "content": "文档中没有找到相关答案。"},
        {"role": "user", "content": "该市的贫困发生率降到多少？"}])
    assert r.choices[0].message.content.splitlines()[0] == "1.7%"
    assert r.model_extra["resolved_question"] == "朝阳市的贫困发生率降到多少？"


def test_streaming(client):
    stream = client.chat.completions.create(model="qa-extractive", stream=True, messages=[
        {"role": "user", "content": "凌源市截至6月末地区生产总值是多少？"}])
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text.splitlines()[0] == "77.6亿元"
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop" and chunks[-1].model_extra["citations"]


def test_refusal_is_a_normal_reply(client):
    r = client.chat.completions.create(model="qa-extractive", messages=[
        {"role": "user", "content": "珠穆朗玛峰的海拔有多高？"}])
    assert r.choices[0].message.content == "文档中没有找到相关答案。" and r.model_extra["citations"] == []


@pytest.mark.parametrize("messages,fragment", [
    ([{"role": "tool", "content": "x"}], "role"),
    ([{"role": "user", "content": "  "}], "non-empty user message"),
    ([{"role": "user", "content": "问题"}, {"role": "assistant", "content": "答"}], "non-empty user message"),
    ([], "messages"),
])
def test_bad_conversations_are_4xx(server, messages, fragment):
    r = httpx.post(server + "/v1/chat/completions", json={"model": "qa-extractive", "messages": messages})
    assert r.status_code == 422 and fragment in r.json()["detail"]
