"""The website widget end to end: Debian's Chromium loads a clinic page served from a second origin
(another port on 127.0.0.1) with the one ``<script>`` tag, against a live ``chatbot serve``.

Visitors open the chat, ask, read cited answers, open sources, follow up, rate; a page on an origin
that is not allowed gets a clear message instead; urgent and Spanish answers look as on the chat
page; a burst over the per-minute limit gets the widget's message while another visitor is still
answered; and everything works from the keyboard alone. Timings are never asserted.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from test_browser import ANSWER_MS, DOCS_SCREENSHOTS, browser  # noqa: F401 - the browser fixture
from test_web_api import WebServer, web_server

from chatbot.store.feedback import HELPFUL, FeedbackStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VISITOR_LIMIT = 3
"""Questions per visitor per minute on the test server: every test but the burst stays under it."""
HOST_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Clinic {name}</title>
<style>button {{ font-size: 40px !important; color: hotpink !important; }} p {{ color: brown; }}</style></head>
<body><h1>A clinic's own website ({name})</h1><p><a href="/other-page">Another page of the site</a></p>
<script src="{app}/widget.js" defer data-title="Ask our clinic" data-accent="#6a1b9a"></script></body></html>"""


@contextlib.contextmanager
def host_site(app: dict[str, str], name: str) -> Iterator[str]:
    """A stand-in for the clinic's own website: every path is a page with the widget's tag pointing at
    ``app["url"]`` (filled in once the chat server runs); yields the site's origin."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            page = HOST_PAGE.format(app=app["url"], name=name).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def sites(built_settings, tmp_path_factory) -> Iterator[tuple[WebServer, str, str]]:
    """(the chat server, a clinic site on its allow-list, a site that is not on it), each on its own port."""
    app: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        allowed, other = stack.enter_context(host_site(app, "allowed")), stack.enter_context(host_site(app, "not allowed"))
        server = stack.enter_context(web_server(
            built_settings, tmp_path_factory.mktemp("widget"), CHATBOT_WIDGET_ORIGINS=allowed,
            CHATBOT_VISITOR_QUESTIONS_PER_MINUTE=str(VISITOR_LIMIT), CHATBOT_IP_QUESTIONS_PER_MINUTE="1000",
        ))
        app["url"] = server.url
        yield server, allowed, other


def open_widget(page, url: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Open chat").click()
    page.get_by_role("textbox", name="Ask a question").wait_for()


def ask(page, question: str) -> None:
    """Type ``question`` and press Enter; wait until the widget has replied (an answer or a message)."""
    before = page.locator(".cw-answer, .cw-error").count()
    box = page.get_by_role("textbox", name="Ask a question")
    box.fill(question)
    box.press("Enter")
    page.locator(".cw-answer, .cw-error").nth(before).wait_for(timeout=ANSWER_MS)


def wait_for(condition, *, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    return condition()


def test_a_visitor_asks_opens_a_source_follows_up_on_another_page_and_rates(sites, browser):  # noqa: F811
    app, site, _ = sites
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(ANSWER_MS)
    open_widget(page, site)
    page.locator(".cw-starter").first.wait_for()
    assert page.evaluate("document.getElementById('clinic-chat-widget').shadowRoot.mode") == "open"

    ask(page, "Does microneedling shrink pores?")
    answer = page.locator(".cw-answer").last
    assert "[1]" in answer.inner_text() and answer.locator(".cw-disclaimer").count() == 1
    answer.locator(".cw-cite").first.click()
    passage = answer.locator(".cw-passage").first
    assert passage.is_visible() and passage.locator("mark").count() >= 1  # the quoted sentences are highlighted

    # The conversation follows the visitor to another page of the site; the follow-up is read with it.
    page.goto(site + "/other-page")
    page.locator(".cw-answer").first.wait_for()
    ask(page, "How long do the results last?")
    follow_up = page.locator(".cw-answer").last
    assert page.locator(".cw-user").count() == 2 and "[1]" in follow_up.inner_text()
    follow_up.get_by_role("button", name="Helpful", exact=True).click()
    follow_up.get_by_text("Thank you for your rating.").wait_for()

    records = wait_for(lambda: [r for r in FeedbackStore(app.settings).records() if r.rating is not None])
    assert [(r.question, r.rating, r.history) for r in records] == [
        ("How long do the results last?", HELPFUL, ("Does microneedling shrink pores?",))]
    # The host page's loud CSS never reaches the widget, and the widget sets no cookies.
    assert page.get_by_role("button", name="Send", exact=True).evaluate("b => getComputedStyle(b).fontSize") == "15px"
    assert context.cookies() == []
    context.close()


def test_a_site_not_on_the_allow_list_gets_no_answer_and_a_clear_message(sites, browser):  # noqa: F811
    app, _, other = sites
    page = browser.new_page()
    open_widget(page, other)
    ask(page, "Does microneedling hurt?")
    assert page.locator(".cw-answer").count() == 0
    assert "not available on this website" in page.locator(".cw-error").last.inner_text()
    assert wait_for(lambda: f"from origin {other}: not in CHATBOT_WIDGET_ORIGINS" in app.log_text())
    page.close()


def test_urgent_answers_start_with_the_red_box_and_spanish_ones_carry_the_spanish_note(sites, browser):  # noqa: F811
    _, site, _ = sites
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    open_widget(page, site)
    ask(page, "I have pus and a fever after microneedling")
    urgent = page.locator(".cw-answer").last
    first_box = urgent.locator(".cw-box").first
    assert "cw-urgent" in first_box.get_attribute("class") and "doctor" in first_box.inner_text()
    assert urgent.evaluate("a => a.children[1].classList.contains('cw-urgent')"), "the urgent box comes before anything else"

    ask(page, "¿Duele el microneedling?")
    spanish = page.locator(".cw-answer").last
    assert spanish.locator(".cw-note").first.inner_text() == "Nuestros artículos están en inglés; esto es lo que dicen:"
    assert "Información general" in spanish.locator(".cw-disclaimer").inner_text()
    page.close()


def test_a_burst_over_the_minute_limit_gets_the_widgets_message_while_another_visitor_is_answered(sites, browser):  # noqa: F811
    app, site, _ = sites
    eager = browser.new_context().new_page()
    open_widget(eager, site)
    for question in ["Does microneedling hurt?", "Is there downtime?", "How many sessions will I need?", "Is it safe?"]:
        ask(eager, question)
    assert eager.locator(".cw-answer").count() == VISITOR_LIMIT
    assert "You have asked a lot of questions in a short time" in eager.locator(".cw-error").last.inner_text()

    other = browser.new_context().new_page()  # a second visitor meanwhile: own tab, own visitor id
    open_widget(other, site)
    ask(other, "Does microneedling hurt?")
    assert other.locator(".cw-answer").count() == 1

    refused = httpx.post(app.url + "/api/v1/answers", json={"question": "Is it safe?", "language": "es"},
                         headers={"X-Visitor-Id": "burst-1"}, timeout=60)
    for _ in range(VISITOR_LIMIT):
        refused = httpx.post(app.url + "/api/v1/answers", json={"question": "Is it safe?", "language": "es"},
                             headers={"X-Visitor-Id": "burst-1"}, timeout=60)
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["error"]["message"].startswith("Ha hecho muchas preguntas")


def test_keyboard_only_at_360_px(sites, browser):  # noqa: F811
    _, site, _ = sites
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(site)
    page.get_by_role("button", name="Open chat").wait_for()
    launcher_focused = "() => document.activeElement?.id === 'clinic-chat-widget' && " \
                       "document.activeElement.shadowRoot.activeElement?.classList.contains('cw-launcher')"
    for _ in range(10):  # bounded: the page has one link before the widget
        page.keyboard.press("Tab")
        if page.evaluate(launcher_focused):
            break
    assert page.evaluate(launcher_focused), "Tab reaches the chat button"
    page.keyboard.press("Enter")
    assert page.get_by_role("textbox", name="Ask a question").evaluate("i => i.getRootNode().activeElement === i")
    page.keyboard.type("Does microneedling hurt?")
    page.keyboard.press("Enter")
    page.locator(".cw-answer").first.wait_for(timeout=ANSWER_MS)
    assert page.get_by_role("log").count() == 1 and page.get_by_role("log").get_attribute("aria-live") == "polite"
    box = page.locator(".cw-panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    page.keyboard.press("Escape")
    assert page.locator(".cw-panel").is_hidden()
    assert page.evaluate(launcher_focused), "focus returns to the button"
    page.close()


def test_the_demo_page_answers_with_citations_and_shows_text_never_html(sites, browser, tmp_path):  # noqa: F811
    app, _, _ = sites
    page = browser.new_page(viewport={"width": 1100, "height": 820})
    open_widget(page, app.url + "/widget-demo")
    ask(page, '<img src=x onerror="window.__xss=1">')
    assert page.evaluate("window.__xss") is None
    assert page.locator(".cw-user").last.inner_text().endswith('<img src=x onerror="window.__xss=1">')
    page.get_by_role("button", name="New conversation").click()
    page.locator(".cw-starter").first.wait_for()
    ask(page, "Does microneedling shrink pores?")
    page.locator(".cw-answer").last.locator(".cw-cite").first.click()
    page.wait_for_timeout(300)
    page.screenshot(path=str(tmp_path / "widget-demo.png"))
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "widget-demo.png", DOCS_SCREENSHOTS / "widget-demo.png")
    page.close()
