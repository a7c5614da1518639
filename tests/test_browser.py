"""The chat page in Debian's headless Chromium, against a live `qa serve` on a free loopback port."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
QUESTION = "凌源市截至6月末地区生产总值是多少？"
TOKEN = "browser-token-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(base_settings, seed_index, tmp_path_factory):
    """On copies of the seed corpus and index, with an admin token: the upload test adds a file."""
    work = tmp_path_factory.mktemp("browser")
    shutil.copytree(base_settings.corpus_dir, work / "corpus")
    shutil.copytree(base_settings.index_path, work / "idx", symlinks=True)
    port = free_port()
    env = {**os.environ, "QA_CORPUS_DIR": str(work / "corpus"), "QA_INDEX_DIR": str(work / "idx"),
           "QA_CACHE_DIR": str(base_settings.cache_dir), "QA_ADMIN_TOKEN": TOKEN}
    proc = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    try:
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as r:
                    if json.load(r)["index_loaded"]:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("qa serve did not come up:\n" + proc.stdout.read().decode(errors="replace"))
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


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
    page.wait_for_function("document.querySelectorAll('.msg.bot .bubble:not(.loading)').length == 2", timeout=30000)
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
    page.wait_for_function("document.getElementById('upload-status').textContent.includes('403')")
    page.fill("input[name=token]", TOKEN)
    page.click("#upload-send")
    page.wait_for_selector(".doc-list >> text=towns.xlsx", timeout=60000)  # the list, reloaded after the update
    shot(page, "upload.png")
    body = json.loads(urllib.request.urlopen(urllib.request.Request(
        server + "/ask", data=json.dumps({"question": "云岭镇常住人口有多少人？"}).encode(),
        headers={"Content-Type": "application/json"})).read())
    assert body["answer"] == "23800" and body["citations"][0]["location"] == "乡镇 第3行"
