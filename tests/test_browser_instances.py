"""Two app instances on one PostgreSQL server, in a real browser: what staff do on one holds on the other.

Two ``chatbot serve`` processes (as two machines behind a load balancer would run) share a
throw-away PostgreSQL database. A clinician approves an answer on instance A and a client asking
on instance B gets it; five wrong passwords on A slow the name down on B too.
"""

from __future__ import annotations

import time

import pytest
from conftest import chatbot_env, streamlit_app
from test_browser import ANSWER_MS, CHROMIUM, CHROMIUM_ARGS, open_page
from test_browser_review import PASSWORDS, SESSIONS, ask_for_the_reviewed_answer, edit_and_approve, five_wrong_passwords, log_in

from chatbot.reviewed.store import ReviewStore
from chatbot.settings import load_settings
from chatbot.store.accounts import AccountStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_approval_and_a_login_slowdown_on_one_instance_hold_on_the_other(built_settings, postgres_url, tmp_path):
    env = chatbot_env(built_settings.replace(feedback_db=None, database_url=postgres_url), CHATBOT_REVIEWED_REFRESH_SECONDS="0.5",
                      CHATBOT_STAFF_HASH_MEMORY_KIB="1024", CHATBOT_STAFF_HASH_PASSES="1",
                      CHATBOT_LOGIN_SLOWDOWN_FIRST_SECONDS="600",
                      CHATBOT_LOGIN_SLOWDOWN_MAX_SECONDS="600")  # still waiting when instance B is tried
    settings = load_settings(env)
    accounts = AccountStore(settings)
    accounts.add("dr.lee", PASSWORDS["dr.lee"], role="clinician")
    if not CHROMIUM.exists():
        pytest.fail("Debian's Chromium is missing: run `make browser`; this test is never skipped")
    from playwright.sync_api import expect, sync_playwright

    with (streamlit_app(env, tmp_path / "a.log", timeout=60) as a, streamlit_app(env, tmp_path / "b.log", timeout=60) as b,
          sync_playwright() as p):
        assert a != b
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            edit_and_approve(browser.new_page(viewport={"width": 1200, "height": 900}), a)
            assert ReviewStore(settings).get(SESSIONS).reviewed_by == "dr.lee"
            time.sleep(1)  # instance B's refresh interval is 0.5 s
            ask_for_the_reviewed_answer(browser.new_page(viewport={"width": 1000, "height": 900}), b)

            five_wrong_passwords(browser.new_page(viewport={"width": 1000, "height": 700}), a, accounts)
            other = browser.new_page(viewport={"width": 1000, "height": 700})
            other.goto(b, timeout=120_000)
            open_page(other, "Common questions")
            log_in(other, "dr.lee", PASSWORDS["dr.lee"])
            expect(other.get_by_text("too many wrong passwords for this name in a row").first).to_be_visible(timeout=ANSWER_MS)
        finally:
            browser.close()
