"""The review workflow in a real browser (Debian's Chromium, playwright) against a live ``streamlit run``.

A clinician logs in, edits the answer to "How many microneedling sessions will I need?" (an article
sentence and a clinic statement) and approves it; a client then gets it in the chat with the
reviewed label. An editor sees the same desk but cannot approve. Five wrong passwords slow a name down.
Screenshots go to ``docs/screenshots/`` (linked from the README).
"""

from __future__ import annotations

import os
import time

import pytest
from conftest import streamlit_app
from test_browser import ANSWER_MS, CHROMIUM, CHROMIUM_ARGS, ask, open_page, shoot

from chatbot.reviewed.store import ReviewStore
from chatbot.settings import load_settings
from chatbot.store.accounts import AccountStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SESSIONS = "How many microneedling sessions will I need?"
QUOTE = "While some improvements can be seen after one session, multiple treatments may be necessary for more significant results."
CLINIC = "Our clinic usually plans a first course of three sessions, four weeks apart."
PASSWORDS = {"dr.lee": "clinician-pass-7391", "ed.smith": "editor-pass-8264"}


def log_in(page, name: str, password: str) -> None:
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


def settle(page) -> None:
    """Wait until the app's current run has finished (no "Running..." widget, no stale elements)."""
    page.wait_for_timeout(500)
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=ANSWER_MS)
    page.wait_for_timeout(300)


def sessions_card(page):
    """The desk card of the sessions question (cards are keyed ``desk-<n>`` in the common questions' order)."""
    common = load_settings({}).common_questions_path
    import yaml

    order = [q["question"] for q in yaml.safe_load(common.read_text())["questions"]]
    return page.locator(f".st-key-desk-{order.index(SESSIONS)}")


def edit_and_approve(staff, url: str):
    """dr.lee logs in on the desk at ``url``, gives the sessions question an article quote and a clinic
    statement, and approves it; returns the question's card."""
    from playwright.sync_api import expect

    staff.goto(url, timeout=240_000)
    open_page(staff, "Common questions")
    log_in(staff, "dr.lee", PASSWORDS["dr.lee"])
    card = sessions_card(staff)
    card.wait_for(timeout=240_000)
    card.get_by_role("tab", name="Reviewed answer").click()
    answer_box = card.get_by_label("Answer (cite sources with [1], [2]...)")
    answer_box.fill(f"{QUOTE} [1] {CLINIC} [2]")
    answer_box.press("Control+Enter")
    sources_box = card.get_by_role("textbox", name="Sources", exact=True)
    sources_box.fill(f"microneedling-acne-scars | {QUOTE}\nclinic")
    sources_box.press("Control+Enter")
    expect(card.get_by_text("From the clinic").first).to_be_visible(timeout=ANSWER_MS)
    settle(staff)
    card.locator(".st-key-approve-3:visible").get_by_role("button", name="Approve", exact=True).last.click()
    expect(staff.get_by_text("Approved revision").first).to_be_visible(timeout=ANSWER_MS)
    card.scroll_into_view_if_needed()
    return card


def ask_for_the_reviewed_answer(client, url: str):
    """A client at ``url`` asks the sessions question and gets the approved answer, labelled; returns the message."""
    from playwright.sync_api import expect

    client.goto(url, timeout=120_000)
    client.get_by_test_id("stChatInputTextArea").wait_for(timeout=240_000)
    ask(client, SESSIONS, expect='[data-testid="stChatMessage"] [data-testid="stExpander"]')
    message = client.locator('[data-testid="stChatMessage"]').last
    expect(message.get_by_text("Reviewed by the clinic on").first).to_be_visible(timeout=ANSWER_MS)
    text = message.inner_text()
    assert "multiple treatments" in text and CLINIC in text and "(From the clinic)" in text, text
    return message


def five_wrong_passwords(page, url: str, accounts: AccountStore) -> None:
    """Five wrong passwords for dr.lee on the desk at ``url``, each waited for until it is recorded."""
    page.goto(url, timeout=120_000)
    open_page(page, "Common questions")
    for attempt in range(1, 6):
        log_in(page, "dr.lee", "wrong-password")
        deadline = time.monotonic() + ANSWER_MS / 1000
        while sum(not ok for _, _, ok, _ in accounts.attempts("dr.lee", limit=10)[:attempt]) < attempt:
            assert time.monotonic() < deadline, "the wrong password was not recorded"
            page.wait_for_timeout(200)
        settle(page)


def test_clinician_approves_an_edited_answer_and_a_client_gets_it(built_settings, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATBOT_")}
    env.update(
        CHATBOT_CONFIG=str(tmp_path / "no-config.toml"), CHATBOT_CORPUS_DIR=str(built_settings.corpus_dir),
        CHATBOT_INDEX_DIR=str(built_settings.index_dir), CHATBOT_COMMON_QUESTIONS_FILE=str(built_settings.common_questions_path),
        CHATBOT_FEEDBACK_DB=str(tmp_path / "data" / "feedback.sqlite3"), CHATBOT_REVIEWED_REFRESH_SECONDS="0.5",
        HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
    )
    settings = load_settings(env)
    accounts = AccountStore(settings)
    accounts.add("dr.lee", PASSWORDS["dr.lee"], role="clinician")
    accounts.add("ed.smith", PASSWORDS["ed.smith"], role="editor")
    if not CHROMIUM.exists():
        pytest.fail("Debian's Chromium is missing: run `make browser`; this test is never skipped")
    from playwright.sync_api import expect, sync_playwright

    shots = tmp_path / "shots"
    with streamlit_app(env, tmp_path / "streamlit.log", timeout=60) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # the clinician edits and approves
            staff = browser.new_page(viewport={"width": 1200, "height": 900})
            card = edit_and_approve(staff, url)
            shoot(staff, "review-desk-approved.png", shots)
            served = ReviewStore(settings).get(SESSIONS)
            assert served.served and served.reviewed_by == "dr.lee"

            # a client gets it with the reviewed label
            time.sleep(1)
            client = browser.new_page(viewport={"width": 1000, "height": 900})
            message = ask_for_the_reviewed_answer(client, url)
            message.get_by_test_id("stExpander").first.click()  # its citation opens like any other
            expect(message.get_by_text(QUOTE[:40]).first).to_be_visible(timeout=ANSWER_MS)
            shoot(client, "review-client-answer.png", shots)

            # an editor sees the desk but cannot approve
            editor = browser.new_page(viewport={"width": 1200, "height": 900})
            editor.goto(url, timeout=120_000)
            open_page(editor, "Common questions")
            log_in(editor, "ed.smith", PASSWORDS["ed.smith"])
            card = sessions_card(editor)
            card.wait_for(timeout=240_000)
            expect(editor.get_by_text("you can draft answers; a clinician or an admin approves them")).to_be_visible()
            card.get_by_role("tab", name="Reviewed answer").click()
            settle(editor)
            expect(card.get_by_role("button", name="Approve", exact=True).last).to_be_disabled()
            expect(card.get_by_text("Only a clinician or an admin can approve.")).to_be_visible()
            shoot(editor, "review-desk-editor.png", shots)

            # five wrong passwords slow the name down: the next try must wait, and each wrong one doubles the wait
            thief = browser.new_page(viewport={"width": 1000, "height": 700})
            five_wrong_passwords(thief, url, accounts)
            expect(thief.get_by_text("too many wrong passwords for this name in a row").first).to_be_visible(timeout=ANSWER_MS)
            shoot(thief, "review-login-locked.png", shots)
            assert not thief.get_by_text("Needs review").count() and not thief.locator(".st-key-desk-0").count()
        finally:
            browser.close()
