"""Many visitors at once: 16 threads share one ``Engine``, as Streamlit's sessions do.

Each answer must be exactly the answer the same question gets when asked alone
(same text, same cited passages, same guardrail): a thread that received another
thread's answer, or a half-updated shared state, shows up as a difference.
Latency percentiles are printed, never asserted (the machine is shared).
"""

from __future__ import annotations

import random
import threading
import time

import numpy as np
import pytest
import yaml
from conftest import CORPUS, answer_key

from chatbot.engine.engine import Engine
from chatbot.knowledge.embeddings import Embedder

pytestmark = pytest.mark.slow

THREADS = 16
TOTAL_QUESTIONS = 1_000
SEED = 6


def _conversations() -> list[tuple[str, tuple[str, ...]]]:
    """The labelled questions (with their histories) and the common questions, plus light rewordings."""
    data = yaml.safe_load((CORPUS / "eval" / "questions.yaml").read_text(encoding="utf-8"))
    items = [(q["question"], tuple(q.get("history") or ())) for q in data["questions"]]
    common = yaml.safe_load((CORPUS / "common_questions.yaml").read_text(encoding="utf-8"))["questions"]
    items += [(q["question"], ()) for q in common]
    items += [(f"hi, {q[0].lower()}{q[1:]}", ()) for q, _ in items[::4]]
    return list(dict.fromkeys(items))


@pytest.fixture(scope="module")
def reference(engine) -> dict[tuple[str, tuple[str, ...]], tuple]:
    """Each conversation answered alone, one after the other, by the session's engine."""
    return {(q, h): answer_key(engine.ask(q, list(h))) for q, h in _conversations()}


def test_sixteen_sessions_get_their_own_answers(built_settings, embedder, reference):
    # A fresh engine: its query cache is cold, so threads embed concurrently, as at opening time.
    shared = Engine(built_settings, embedder=Embedder(embedder.model_path))
    work = list(reference) * (TOTAL_QUESTIONS // len(reference) + 1)
    random.Random(SEED).shuffle(work)
    work = work[:TOTAL_QUESTIONS]
    latencies: list[float] = []
    errors: list[str] = []
    mixed: list[str] = []
    lock = threading.Lock()

    def session(part: list[tuple[str, tuple[str, ...]]]) -> None:
        for question, history in part:
            started = time.perf_counter()
            try:
                answer = shared.ask(question, list(history))
            except Exception as exc:  # every failure is reported, whatever its type
                with lock:
                    errors.append(f"{question!r}: {type(exc).__name__}: {exc}")
                continue
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if answer.question != question or answer_key(answer) != reference[(question, history)]:
                    mixed.append(question)

    threads = [threading.Thread(target=session, args=(work[i::THREADS],)) for i in range(THREADS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=900)
    wall = time.perf_counter() - started

    assert not any(t.is_alive() for t in threads), "a session never finished"
    assert errors == []
    assert mixed == [], f"{len(mixed)} answers did not match their own question"
    assert len(latencies) == TOTAL_QUESTIONS
    p50, p95 = np.percentile(latencies, [50, 95])
    print(
        f"\n{TOTAL_QUESTIONS} questions ({len(reference)} distinct conversations) from {THREADS} threads "
        f"in {wall:.1f} s ({TOTAL_QUESTIONS / wall:.1f} answers/s): p50 {p50:.0f} ms, p95 {p95:.0f} ms per answer"
    )


def test_history_of_one_session_never_reaches_another(engine):
    """A follow-up is read with its own session's history only."""
    pores = ("Can microneedling make large pores look smaller?",)
    scars = ("Can microneedling improve acne scars?",)
    results: dict[str, list] = {"pores": [], "scars": []}

    def session(name: str, history: tuple[str, ...]) -> None:
        for _ in range(20):
            results[name].append(engine.ask("how long do the results last?", list(history)))

    threads = [threading.Thread(target=session, args=args) for args in (("pores", pores), ("scars", scars))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert {a.standalone_question for a in results["pores"]} == {results["pores"][0].standalone_question}
    assert {a.standalone_question for a in results["scars"]} == {results["scars"][0].standalone_question}
    assert "scar" not in results["pores"][0].standalone_question.lower()
    assert "pore" not in results["scars"][0].standalone_question.lower()



# --- through the running Streamlit server: 16 headless Chromium pages ---------------------------------

PAGES = 16
QUESTIONS_PER_PAGE = 3
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
PAGE_SECONDS = 600
"""Bound on each step of a page: the first load waits for the engine, later answers for 15 busy neighbours."""


@pytest.fixture
def streamlit_server(built_settings, tmp_path):
    import os

    from conftest import chatbot_env, streamlit_app

    # Sixteen pages from one address: the per-address limit (20 a minute) is for the open internet, not this test.
    env = chatbot_env(built_settings, CHATBOT_FEEDBACK_DB=str(tmp_path / "feedback.sqlite3"), CHATBOT_IP_QUESTIONS_PER_MINUTE="1000")
    env["CHATBOT_CONFIG"] = str(tmp_path / "no-config.toml")
    with streamlit_app({**os.environ, **env}, tmp_path / "streamlit.log", timeout=120) as url:
        yield url


def _plain(text: str) -> str:
    return " ".join(text.replace("\\", "").split())


@pytest.mark.browser
def test_sixteen_browser_sessions_through_the_streamlit_server(streamlit_server, engine):
    import asyncio

    from playwright.async_api import async_playwright

    general = [q for q, h in _conversations() if not h]
    plans: list[list[str]] = []
    rng = random.Random(SEED)
    for _ in range(PAGES):
        plan: list[str] = []
        while len(plan) < QUESTIONS_PER_PAGE:
            q = rng.choice(general)
            if q not in plan and engine.ask(q, plan).sentences:  # only questions the articles answer
                plan.append(q)
        plans.append(plan)
    # The short answer is on the page as text; "More from the articles" is collapsed, so not in the page's text.
    expected = [[[s.text for s in engine.ask(q, plan[:i]).sentences if not s.more] for i, q in enumerate(plan)] for plan in plans]

    async def session(browser, plan: list[str], latencies: list[float]) -> list[tuple[str, str, str]]:
        page = await browser.new_page(viewport={"width": 1100, "height": 900})
        page.set_default_timeout(PAGE_SECONDS * 1000)
        await page.goto(streamlit_server)
        await page.get_by_text("Popular questions").wait_for()
        seen = []
        for i, question in enumerate(plan, start=1):
            box = page.get_by_test_id("stChatInputTextArea")
            await box.fill(question)
            started = time.perf_counter()
            await box.press("Enter")
            await page.locator(f".st-key-rating-{i}").wait_for()
            latencies.append((time.perf_counter() - started) * 1000)
            messages = page.locator('[data-testid="stChatMessage"]')
            asked = await messages.nth(2 * i - 2).locator('[data-testid="stMarkdownContainer"]').first.inner_text()
            reply = await messages.nth(2 * i - 1).inner_text()  # guardrail box, answer, sources: all of it
            seen.append((question, asked, reply))
        await page.close()
        return seen

    async def main() -> tuple[list, list[float], float]:
        latencies: list[float] = []
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                started = time.perf_counter()
                results = await asyncio.gather(*(session(browser, plan, latencies) for plan in plans), return_exceptions=True)
                return results, latencies, time.perf_counter() - started
            finally:
                await browser.close()

    results, latencies, wall = asyncio.run(main())
    errors = [f"{type(r).__name__}: {r}" for r in results if isinstance(r, BaseException)]
    assert errors == []
    mixed = [
        (question, asked)
        for seen, sentences in zip(results, expected, strict=True)
        for (question, asked, reply), quoted in zip(seen, sentences, strict=True)
        if _plain(asked) != _plain(question) or not all(_plain(s) in _plain(reply) for s in quoted)
    ]
    assert mixed == [], f"{len(mixed)} replies did not answer their own page's question"
    p50, p95 = np.percentile(latencies, [50, 95])
    print(f"\n{len(latencies)} answers in {PAGES} browser pages in {wall:.1f} s: p50 {p50:.0f} ms, p95 {p95:.0f} ms (Enter to rendered answer)")
