"""End to end in a real browser: Debian's Chromium, driven by playwright, against a live
``streamlit run`` on a free 127.0.0.1 port, answering from the session's real index.

A client asks a question, sees a cited answer, opens a source and gives a thumbs-down
with a comment; then staff log in and find that feedback on the content page.
Screenshots go to the test's tmp folder and to ``docs/screenshots/`` (linked from the
README). Timings are printed, never asserted.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import streamlit_app

from chatbot.settings import Settings, load_settings
from chatbot.store.feedback import NOT_HELPFUL, FeedbackStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
PASSWORD = "browser-test-password"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
STARTUP_SECONDS = 240
"""Bound on the first page (server start plus model and index load; about 10 s on an idle laptop)."""
ANSWER_MS = 60_000
"""Bound on any later step; answers take well under a second."""
MARKDOWN = '[data-testid="stMarkdownContainer"]'


@dataclass
class LiveApp:
    url: str
    started: float
    settings: Settings
    log: Path


@pytest.fixture
def live_app(built_settings, tmp_path) -> Iterator[LiveApp]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATBOT_")}
    env.update(
        CHATBOT_CONFIG=str(tmp_path / "no-config.toml"),
        CHATBOT_CORPUS_DIR=str(built_settings.corpus_dir),
        CHATBOT_INDEX_DIR=str(built_settings.index_dir),
        CHATBOT_COMMON_QUESTIONS_FILE=str(built_settings.common_questions_path),
        CHATBOT_FEEDBACK_DB=str(tmp_path / "data" / "feedback.sqlite3"),
        CHATBOT_STAFF_PASSWORD=PASSWORD,
        HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
    )
    log = tmp_path / "streamlit.log"
    started = time.perf_counter()
    with streamlit_app(env, log, timeout=60) as url:
        yield LiveApp(url, started, load_settings(env), log)


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian's Chromium is missing: run `make browser` (apt-get install -y chromium); this test is never skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def shoot(page, name: str, folder: Path) -> None:
    """Screenshot the whole page: Streamlit scrolls inside its main block, so the window is made as tall as it."""
    folder.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    height = page.evaluate("() => Math.max(...Array.from(document.querySelectorAll('div'), d => d.scrollHeight))")
    page.set_viewport_size({"width": size["width"], "height": min(max(height + 40, size["height"]), 3000)})
    page.wait_for_timeout(800)  # let charts and fonts settle
    page.screenshot(path=str(folder / name))
    page.set_viewport_size(size)
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(folder / name, DOCS_SCREENSHOTS / name)


def ask(page, question: str, *, expect: str) -> float:
    """Type ``question``; wait until ``expect`` (a selector in the new reply) appears; returns seconds."""
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    started = time.perf_counter()
    box.press("Enter")
    page.locator(expect).first.wait_for(timeout=ANSWER_MS)
    return time.perf_counter() - started


def reply_text(page) -> str:
    return page.locator('[data-testid="stChatMessage"]').last.locator(MARKDOWN).first.inner_text()


STAFF_PATHS = {"Common questions": "staff", "Content team": "content", "Quality": "quality", "Accounts": "accounts"}


def open_page(page, title: str) -> None:
    """Go to a staff page: with the navigation once logged in, else by its URL (visitors see no staff navigation)."""
    link = page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True)
    if link.count():
        link.click()
    else:
        parts = urlsplit(page.url)
        page.goto(f"{parts.scheme}://{parts.netloc}/{STAFF_PATHS[title]}")


def test_client_asks_rates_and_staff_find_the_feedback(live_app, browser, tmp_path, capsys):
    shots = tmp_path / "screenshots"
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.set_default_timeout(ANSWER_MS)
    page.goto(live_app.url)
    page.get_by_text("Popular questions").wait_for(timeout=STARTUP_SECONDS * 1000)
    shoot(page, "chat-start.png", shots)

    # A client asks; the answer is cited and each [n] links to its source.
    ask(page, "Does microneedling shrink pores?", expect='a[href="#source-1-1"]')
    first_answer = time.perf_counter() - live_app.started
    answer = reply_text(page)
    assert "[1]" in answer and "pore" in answer.lower()
    page.locator('a[href="#source-1-1"]').first.click()
    assert page.url.endswith("#source-1-1")
    source = page.locator("details").first
    source.locator("summary").click()
    passage = source.locator(MARKDOWN).last
    passage.wait_for()
    highlighted = source.locator(".stMarkdownColoredBackground strong").first.inner_text()
    assert highlighted and highlighted in passage.inner_text()

    # Thumbs down with a comment.
    clicked = time.perf_counter()
    page.locator(".st-key-rating-1").get_by_role("radio", name="Thumbs down").click()
    page.get_by_text("Thank you for your rating.").wait_for()
    plain_rerun = time.perf_counter() - clicked  # a rerun without answering: the page's own round trip
    page.locator(".st-key-comment-1 input").fill("It never says how many sessions I need")
    page.get_by_role("button", name="Send comment").click()
    page.get_by_text("your rating and comment were saved").wait_for()
    shoot(page, "chat-answer.png", shots)

    # Later answers: a guardrail box, an out-of-scope refusal, and an injection attempt shown as text.
    later = [
        ask(page, "I'm pregnant, can I have microneedling?", expect=".st-key-rating-2"),
        ask(page, "Who won the football world cup in 2022?", expect=".st-key-related-3-0"),
        ask(page, "<img src=x onerror=\"window.__xss=1\"> [click](javascript:window.__xss=2) how long do results last?",
            expect=".st-key-rating-4"),
    ]
    replies = page.locator('[data-testid="stChatMessage"]')
    assert "consult a dermatologist" in replies.nth(3).locator('[data-testid="stAlert"]').first.inner_text()
    assert "I can only answer" in replies.nth(5).locator('[data-testid="stAlert"]').first.inner_text()
    page.evaluate("window.scrollTo(0, 0)")
    assert page.evaluate("window.__xss") is None
    assert page.locator('a[href^="javascript"]').count() == 0
    user_text = replies.nth(6).locator(MARKDOWN).first.inner_text()
    assert user_text.startswith('<img src=x onerror="window.__xss=1"> [click](javascript:window.__xss=2)')
    shoot(page, "chat-guardrails.png", shots)
    [record] = [r for r in FeedbackStore(live_app.settings).records() if r.rating is not None]
    assert record.rating == NOT_HELPFUL

    # Staff log in and find the thumbs-down on the content page.
    open_page(page, "Common questions")
    page.get_by_label("Name", exact=True).fill("admin")  # the deprecated shared password logs in as admin
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("tab", name="Common questions").wait_for()
    page.locator(".st-key-desk-14").wait_for(timeout=STARTUP_SECONDS * 1000)
    shoot(page, "staff-common-questions.png", shots)
    page.get_by_role("tab", name="Try a question").click()
    page.locator(".st-key-try_question input").fill("Can I have microneedling while on isotretinoin?")
    page.get_by_role("button", name="Answer", exact=True).click()
    page.get_by_text("Why this category").wait_for()
    shoot(page, "staff-try-a-question.png", shots)
    csv_file = tmp_path / "questions.csv"
    csv_file.write_text("question\nIs microneedling painful?\nDo you sell gift vouchers?\n", encoding="utf-8")
    page.get_by_role("tab", name="Batch check").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv_file))
    page.get_by_role("button", name="Answer 2 questions").click()
    page.get_by_text("Answered 2 questions").wait_for()
    shoot(page, "staff-batch-check.png", shots)

    open_page(page, "Content team")
    page.get_by_role("tab", name="Unanswered questions").click()
    unanswered = page.get_by_role("tabpanel").filter(has_text="to write first")
    unanswered.get_by_text("Does microneedling shrink pores?").first.wait_for()
    assert "It never says how many sessions I need" in unanswered.inner_text()
    assert "rated not helpful" in unanswered.inner_text()
    shoot(page, "content-unanswered.png", shots)
    page.get_by_role("tab", name="Feedback").click()
    page.get_by_text("Latest comments").wait_for()
    shoot(page, "content-feedback.png", shots)
    page.get_by_role("tab", name="Charts").click()
    page.get_by_text("Questions per day").wait_for()
    page.locator('[data-testid="stVegaLiteChart"]').nth(2).wait_for()
    shoot(page, "content-charts.png", shots)
    if (ROOT / "pages" / "quality.py").is_file():
        open_page(page, "Quality")
        page.wait_for_load_state("networkidle")
        shoot(page, "quality.png", shots)

    with capsys.disabled():
        print(
            f"\n[browser] first answer {first_answer:.1f} s after `streamlit run` started; later answers "
            + ", ".join(f"{s * 1000:.0f} ms" for s in later)
            + f" (a rerun without answering, saving a rating: {plain_rerun * 1000:.0f} ms); screenshots in {shots} and {DOCS_SCREENSHOTS}"
        )
