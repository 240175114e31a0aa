"""In a real browser (Debian's Chromium via playwright, a live ``streamlit run``): a client asks in
Spanish and reads the Spanish note above the English quotes; staff then see the question counted
under Spanish on the content page's questions-per-language chart."""

from __future__ import annotations

import pytest
from test_browser import ANSWER_MS, MARKDOWN, PASSWORD, STARTUP_SECONDS, ask, browser, live_app, open_page, shoot  # noqa: F401

from chatbot.store.feedback import FeedbackStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SPANISH_NOTE = "Nuestros artículos están en inglés; esto es lo que dicen:"


def test_client_asks_in_spanish_and_reads_the_note_and_the_quotes(live_app, browser, tmp_path):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.set_default_timeout(ANSWER_MS)
    page.goto(live_app.url)
    page.get_by_text("Popular questions").wait_for(timeout=STARTUP_SECONDS * 1000)

    ask(page, "¿El microneedling duele?", expect='a[href="#source-1-1"]')
    reply = page.locator('[data-testid="stChatMessage"]').last
    texts = [t.strip() for t in reply.locator(MARKDOWN).all_inner_texts()]
    assert SPANISH_NOTE in texts, texts
    quotes = texts[texts.index(SPANISH_NOTE) + 1]  # the quotes come right under the note
    assert "numbing cream" in quotes and "[1]" in quotes, quotes
    disclaimer = reply.get_by_text("Información general de los artículos de nuestra clínica")
    disclaimer.wait_for()  # the caption is drawn after the sources
    assert disclaimer.count() == 1
    shoot(page, "chat-spanish.png", tmp_path / "screenshots")

    # Staff see the question under Spanish on the content page.
    open_page(page, "Content team")
    page.get_by_label("Name", exact=True).fill("admin")  # the deprecated shared password logs in as admin
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("tab", name="Charts").click()
    page.get_by_text("Questions per language").wait_for(timeout=STARTUP_SECONDS * 1000)
    # per day, per category, per language: the third chart is the languages' (no rating yet, so no fourth)
    page.locator('[data-testid="stVegaLiteChart"]').nth(2).locator("canvas, svg").first.wait_for()
    assert [r.language for r in FeedbackStore(live_app.settings).records()] == ["es"]
    shoot(page, "content-languages.png", tmp_path / "screenshots")
