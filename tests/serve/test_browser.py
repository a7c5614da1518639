"""The chat page in Debian's headless Chromium, against a live `qa serve` on a free loopback port."""

import json
import shutil
import urllib.request
from pathlib import Path

import pytest
from conftest import TOKEN
from playwright.sync_api import Page, sync_playwright

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
QUESTION = "凌源市截至6月末地区生产总值是多少？"


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "Debian's chromium is required: apt-get install chromium chromium-driver"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_ask_with_enter_and_follow_the_citation(server, browser):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(server + "/")
    page.fill("#question", QUESTION)
    page.press("#question", "Enter")
    page.wait_for_selector(".msg.bot .answer-text", timeout=30000)
    assert page.inner_text(".msg.bot .answer-text") == "77.6亿元"
    assert page.locator(".source mark.hl").count() >= 1
    assert "77.6亿元" in page.inner_text(".source mark.ans")
    shot(page, "chat-answer.png")
    # The conversation survives a reload.
    page.reload()
    page.wait_for_selector(".msg.bot .answer-text")
    assert page.locator(".msg.user").count() == 1
    # Follow the first citation to the highlighted passage.
    page.click(".source-link >> nth=0")
    page.wait_for_selector("mark.hl")
    assert "/documents/002_6898f3103771f9f9.txt" in page.url and page.url.endswith("#hl")
    mark = page.locator("mark.hl").first
    assert "77.6亿元" in page.locator("#hl").inner_text()
    box, height = mark.bounding_box(), page.viewport_size["height"]
    assert box is not None and 0 <= box["y"] < height  # scrolled into view
    shot(page, "document-highlight.png")
    page.close()


def test_shift_enter_newline_examples_clear_and_no_answer(server, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})  # phone width
    page.goto(server + "/")
    page.fill("#question", "第一行")
    page.press("#question", "Shift+Enter")
    page.keyboard.type("第二行")
    assert page.input_value("#question") == "第一行\n第二行"
    assert page.locator(".msg").count() == 0
    page.fill("#question", "")
    example = page.locator(".example").first
    text = example.inner_text()
    example.click()
    page.wait_for_selector(".msg.bot .answer, .msg.bot .no-answer", timeout=30000)
    assert page.locator(".msg.user .bubble").first.inner_text() == text
    page.fill("#question", "珠穆朗玛峰的海拔有多高？")
    page.press("#question", "Enter")
    page.locator(".msg.bot .bubble:not(.loading)").nth(1).wait_for(timeout=30000)
    assert "文档中没有找到相关答案" in page.locator(".msg.bot").nth(1).inner_text()
    assert page.locator(".msg.bot").nth(1).locator(".source").count() == 0
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing overflows sideways at phone width
    shot(page, "chat-phone.png")
    page.click("#clear")
    assert page.locator(".msg").count() == 0
    page.reload()
    assert page.locator(".msg").count() == 0
    page.close()


def test_form_works_without_javascript(server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/")
    page.fill("#question", QUESTION)
    page.click("#send")
    page.wait_for_load_state()
    assert page.inner_text(".answer-text") == "77.6亿元"
    assert page.locator(".source mark.hl").count() >= 1
    shot(page, "chat-no-js.png")
    context.close()


def test_upload_a_spreadsheet_from_the_documents_page(server, browser, tmp_path):
    import samples

    samples.write_xlsx(tmp_path / "towns.xlsx")
    page = browser.new_page()
    page.goto(server + "/documents")
    page.click("summary")
    page.set_input_files("input[name=file]", {"name": "towns.xlsx", "buffer": (tmp_path / "towns.xlsx").read_bytes(),
                                              "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    page.fill("input[name=token]", "wrong-token")
    page.click("#upload-send")
    page.wait_for_selector("#upload-status:has-text('403')")
    page.fill("input[name=token]", TOKEN)
    page.click("#upload-send")
    page.wait_for_selector(".doc-list >> text=towns.xlsx", timeout=60000)  # the list, reloaded after the update
    shot(page, "upload.png")
    body = json.loads(urllib.request.urlopen(urllib.request.Request(
        server + "/ask", data=json.dumps({"question": "云岭镇常住人口有多少人？"}).encode(),
        headers={"Content-Type": "application/json"})).read())
    assert body["answer"] == "23800" and body["citations"][0]["location"] == "乡镇 第3行"


def _box_inside_view(page: Page, element) -> None:
    """The element is below the sticky header and above the sticky question box."""
    box = element.bounding_box()
    header = page.locator("header.top").bounding_box()
    ask = page.locator("#ask-form").bounding_box()
    assert box and header and ask
    assert box["y"] >= header["y"] + header["height"] - 1, (box, header)
    assert box["y"] + box["height"] <= ask["y"] + 1, (box, ask)


def test_follow_up_is_understood_kept_in_view_and_rated(server, browser):
    page = browser.new_page(viewport={"width": 1100, "height": 700})
    page.goto(server + "/")
    for q in ("凌源市截至6月末地区生产总值是多少？", "朝阳市累计脱贫多少人？", "该市的贫困发生率降到多少？"):
        n = page.locator(".msg.bot").count()
        page.fill("#question", q)
        page.press("#question", "Enter")
        page.locator(".msg.bot .bubble:not(.loading)").nth(n).wait_for(timeout=30000)
        _box_inside_view(page, page.locator(".msg.bot").last.locator(".answer, .no-answer"))
    last = page.locator(".msg.bot").last
    assert last.locator(".answer-text").inner_text() == "1.7%"
    assert last.locator(".understood").inner_text() == "理解为：朝阳市的贫困发生率降到多少？"
    assert page.locator(".msg.bot").first.locator(".understood").count() == 0
    shot(page, "chat-follow-up.png")
    last.locator("button.vote[data-verdict=up]").click()
    page.wait_for_selector(".msg.bot >> nth=-1 >> text=谢谢反馈")
    req = urllib.request.Request(server + "/admin/feedback?format=jsonl", headers={"Authorization": f"Bearer {TOKEN}"})
    rows = [json.loads(line) for line in urllib.request.urlopen(req).read().decode().splitlines()]
    assert rows[-1]["question"] == "该市的贫困发生率降到多少？" and rows[-1]["verdict"] == "up"
    # The document view marks the answer itself inside the cited passage.
    last.locator(".source-link").first.click()
    page.wait_for_selector("mark.ans")
    assert page.inner_text("mark.ans") == "1.7%"
    page.go_back()
    # 新对话: the next question is asked alone.
    page.click("#clear")
    page.fill("#question", "该市的贫困发生率降到多少？")
    page.press("#question", "Enter")
    page.wait_for_selector(".msg.bot .bubble:not(.loading)", timeout=30000)
    assert page.locator(".understood").count() == 0
    page.click("#clear")
    page.close()


def test_examples_are_whole_questions(server, browser):
    page = browser.new_page()
    page.goto(server + "/")
    examples = page.locator(".example").all_inner_texts()
    assert len(examples) == 4
    for text in examples:
        assert text.endswith("多少？") and len(text) > 6, text
        for a, b in ("“”", "‘’", "《》", "（）", "「」"):
            assert text.count(a) == text.count(b), text
        assert not text.startswith(tuple("”’》）」，、")), text
    page.close()


def test_follow_up_without_javascript(server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/")
    page.fill("#question", "朝阳市累计脱贫多少人？")
    page.click("#send")
    page.wait_for_load_state()
    assert page.locator("input[name=hq]").count() == 1
    page.fill("#question", "该市的贫困发生率降到多少？")
    page.click("#send")
    page.wait_for_load_state()
    assert page.locator(".msg.user").count() == 2
    assert page.inner_text(".understood") == "理解为：朝阳市的贫困发生率降到多少？"
    assert page.inner_text(".msg.bot >> nth=-1 >> .answer-text") == "1.7%"
    assert page.locator("input[name=hq]").count() == 2
    context.close()
