"""The public chat: ask a question, read a cited answer as it streams, open its sources, rate it.

Only this session's own questions are ever shown here. Each answer is logged to the
feedback store (redacted) so the content team can see what people ask; a failure to
store never stops the chat.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import streamlit as st

from chatbot.answering.model import Answer
from chatbot.answering.presentation import escape_markdown
from chatbot.errors import ChatbotError, FeedbackStoreError, InvalidQuestionError, RateLimitedError
from chatbot.guardrail.verdict import DISCLAIMER
from chatbot.knowledge.corpus import CommonQuestion, load_common_questions
from chatbot.store.rate_limits import RateLimiter, question_limits
from pages.common import Exchange, current_settings, engine_ready, feedback_store, get_engine, render_answer, start_engine

log = logging.getLogger(__name__)

EXCHANGES = "chat_exchanges"
NEXT_ID = "chat_next_id"
PENDING = "chat_pending_question"
SESSION_ID = "chat_session_id"
# Streamed text is sent to the browser at most this often: smooth to read, few messages.
# (A comment, not a docstring: Streamlit's "magic" would print a bare string on the page.)
STREAM_FLUSH_SECONDS = 0.05
GETTING_READY = "Getting ready: the answer engine is still starting. Your question will be answered in a moment…"

settings = current_settings()
start_engine(settings)  # normally already loading since the server started (`chatbot serve`)
store = feedback_store(settings)
limiter = RateLimiter(settings)

st.session_state.setdefault(EXCHANGES, [])
st.session_state.setdefault(NEXT_ID, 1)
st.session_state.setdefault(SESSION_ID, uuid.uuid4().hex)
exchanges: list[Exchange] = st.session_state[EXCHANGES]


def queue_question(question: str) -> None:
    """Button callback: ask ``question`` on this run (starter and related questions)."""
    st.session_state[PENDING] = question


def new_conversation() -> None:
    st.session_state[EXCHANGES] = []
    st.session_state.pop(PENDING, None)


def find(exchange_id: int) -> Exchange | None:
    return next((ex for ex in st.session_state[EXCHANGES] if ex.id == exchange_id), None)


def save(ex: Exchange) -> None:
    """Store the exchange's rating and comment, logging the answer first if that failed earlier."""
    try:
        if ex.record_id is None and ex.answer is not None:
            ex.record_id = store.log_answer(session_id=st.session_state[SESSION_ID], question=ex.question, history=ex.history, answer=ex.answer)
        if ex.record_id is not None:
            store.rate(ex.record_id, ex.rating, ex.comment)
        ex.save_failed = False
    except FeedbackStoreError as exc:
        log.error("feedback not saved: %s", exc)
        ex.save_failed = True


def on_rating(exchange_id: int) -> None:
    ex = find(exchange_id)
    if ex is not None:
        ex.rating = st.session_state.get(f"rating-{exchange_id}")
        save(ex)


def on_comment(exchange_id: int) -> None:
    ex = find(exchange_id)
    if ex is not None:
        ex.comment = str(st.session_state.get(f"comment-{exchange_id}", "")).strip()[: settings.max_question_chars]
        save(ex)


def render_feedback(ex: Exchange) -> None:
    st.feedback("thumbs", key=f"rating-{ex.id}", on_change=on_rating, args=(ex.id,))
    if ex.save_failed:
        st.warning("Sorry, your rating could not be saved right now. The chat still works, so carry on asking.", icon=":material/warning:")
    elif ex.rating is not None and store.trouble:
        st.info("Thank you. The clinic's database is not answering for the moment, so your rating is kept here "
                "and saved as soon as it is back.", icon=":material/schedule:")
    elif ex.rating is not None:
        if ex.comment:
            st.caption("Thank you, your rating and comment were saved.")
        else:
            st.caption("Thank you for your rating.")
            with st.form(f"comment-form-{ex.id}", border=False):
                st.text_input("Anything to add? (optional)", key=f"comment-{ex.id}", placeholder="What was missing or unclear?",
                              max_chars=settings.max_question_chars)
                st.form_submit_button("Send comment", on_click=on_comment, args=(ex.id,))


def render_exchange(ex: Exchange) -> None:
    with st.chat_message("user"):
        st.markdown(escape_markdown(ex.question))
    with st.chat_message("assistant"):
        if ex.error:
            st.error(escape_markdown(ex.error))
            return
        assert ex.answer is not None
        render_answer(ex.answer, message=ex.id, ask=queue_question)
        render_feedback(ex)


def _wait(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{round(seconds / 60)} minutes" if seconds < 7200 else f"{round(seconds / 3600)} hours"


def over_limit() -> str | None:
    """Count this question against the session's and the client's per-minute limits and the day's; why it may not be asked."""
    address = st.context.ip_address  # None for a local session (and not a str under AppTest)
    try:
        limiter.take(question_limits(settings, visitor=st.session_state[SESSION_ID], address=address if isinstance(address, str) else None))
    except RateLimitedError as exc:
        log.warning("question refused: %s limit reached", exc.limit)
        return f"Sorry, this chat is {exc}. Please try again in {_wait(exc.retry_after)}."
    except FeedbackStoreError as exc:  # the database is down: answering matters more than counting
        log.error("question not counted: %s", exc)
    return None


def streamed_text(pieces: Iterator[str | Answer], final: list[Answer]) -> Iterator[str]:
    """The text pieces of ``engine.stream`` (escaped), keeping the final ``Answer`` in ``final``.

    Pieces that arrive together are sent together: each chunk is one message to the browser,
    and the extractive answerer produces all its words at once.
    """
    buffer: list[str] = []
    last_flush = time.perf_counter()
    for piece in pieces:
        if isinstance(piece, Answer):
            final.append(piece)
            continue
        buffer.append(escape_markdown(piece))
        if time.perf_counter() - last_flush >= STREAM_FLUSH_SECONDS:
            yield "".join(buffer)
            buffer.clear()
            last_flush = time.perf_counter()
    if buffer:
        yield "".join(buffer)


def ask(question: str) -> None:
    """Answer ``question`` live: stream the text, then show the full answer with its sources."""
    # The engine reads the latest max_history_turns questions; only those are kept with the exchange and stored.
    earlier = tuple(e.question for e in exchanges if e.answer)
    ex = Exchange(id=st.session_state[NEXT_ID], question=question, history=earlier[-settings.max_history_turns:] if settings.max_history_turns > 0 else ())
    st.session_state[NEXT_ID] += 1
    with st.chat_message("user"):
        st.markdown(escape_markdown(question))
    with st.chat_message("assistant"):
        refused = over_limit()
        if refused:
            ex.error = refused
            exchanges.append(ex)
            st.error(escape_markdown(refused), icon=":material/hourglass:")
            return
        if engine_ready(settings):
            engine = get_engine(settings)
        else:  # asked in the seconds after a restart: wait for the engine, visibly; the question is kept
            waiting = st.empty()
            with waiting.container(), st.status(GETTING_READY, expanded=False):
                engine = get_engine(settings, quiet=True)
            waiting.empty()  # the answer takes its place
        slot = st.empty()
        final: list[Answer] = []
        try:
            with slot.container():
                st.write_stream(streamed_text(engine.stream(question, ex.history), final))
            ex.answer = final[-1]
        except InvalidQuestionError as exc:
            ex.error = f"I could not read that question: {exc}."
        except ChatbotError as exc:
            ex.error = f"Sorry, I cannot answer right now: {exc}."
        except Exception:
            log.exception("answering failed")
            ex.error = "Sorry, something went wrong while answering. Please try again in a moment."
        exchanges.append(ex)
        if ex.answer is not None:
            try:
                ex.record_id = store.log_answer(session_id=st.session_state[SESSION_ID], question=question, history=ex.history, answer=ex.answer)
            except FeedbackStoreError as exc:
                log.error("question not logged: %s", exc)  # the asker is only told if they rate the answer
        with slot.container():
            if ex.error:
                st.error(escape_markdown(ex.error))
            else:
                assert ex.answer is not None
                render_answer(ex.answer, message=ex.id, ask=queue_question)
                render_feedback(ex)


@st.cache_data(show_spinner=False, max_entries=8)
def common_questions(path: str, modified: float) -> list[CommonQuestion]:
    # Read from the file, not the engine, so the starters show before the engine has loaded.
    try:
        return load_common_questions(Path(path))
    except ChatbotError as exc:
        log.warning("no starter questions: %s", exc)
        return []


def starter_questions() -> None:
    path = settings.common_questions_path
    try:
        modified = path.stat().st_mtime
    except OSError:
        return
    questions = common_questions(str(path), modified)
    if not questions:
        return
    st.markdown("**Popular questions** — or type your own below.")
    picks, topics = [], set()
    for q in questions:  # one per topic first, to show the range
        if q.topic not in topics:
            picks.append(q)
            topics.add(q.topic)
    picks = (picks + [q for q in questions if q not in picks])[: settings.starter_questions]
    columns = st.columns(2)
    for i, q in enumerate(picks):
        columns[i % 2].button(escape_markdown(q.question), key=f"starter-{i}", on_click=queue_question, args=(q.question,),
                              width="stretch")


title, reset = st.columns([3, 1.3], vertical_alignment="center")
title.title("Ask about microneedling")
reset.button("New conversation", on_click=new_conversation, icon=":material/refresh:")
st.caption(f"{DISCLAIMER} Answers quote our clinic's articles; each [n] links to its source.")

for ex in exchanges:
    render_exchange(ex)

typed = st.chat_input("Ask a question about microneedling", max_chars=settings.max_question_chars)
question = typed or st.session_state.pop(PENDING, None)
if question:
    ask(question)
elif not exchanges:
    starter_questions()
