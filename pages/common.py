"""UI pieces shared by the pages: settings, the cached engine, the staff gate and answer rendering.

Pages import from here and from ``chatbot``; nothing here talks to Chroma or the model
directly. Text from visitors and articles is always passed through
``chatbot.presentation.escape_markdown``; ``unsafe_allow_html`` is never used, and the
only ``st.html`` is an empty anchor whose id is made of numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from chatbot.answer import Answer
from chatbot.chain import Engine
from chatbot.errors import ChatbotError
from chatbot.feedback import FeedbackStore
from chatbot.guardrails import MEDICAL, OUT_OF_SCOPE, URGENT
from chatbot.presentation import answer_markdown, citation_label, escape_markdown, highlighted_passage, source_anchor
from chatbot.settings import Settings, load_settings

log = logging.getLogger(__name__)

STAFF_TOKEN_KEY = "staff_unlocked"
"""Session-state key holding proof that this browser session entered the staff password."""


# --- settings, engine, store ---------------------------------------------------------


def current_settings() -> Settings:
    """The settings from ``CHATBOT_*`` variables and ``chatbot.toml``; a bad value stops the page with its message."""
    try:
        return load_settings()
    except ChatbotError as exc:
        st.error(f"The app is not configured correctly: {escape_markdown(str(exc))}")
        st.stop()
        raise  # unreachable: st.stop() ends the run


def engine_key(settings: Settings) -> str:
    """The engine cache key: every setting the engine reads, but not the app-only ones.

    Two sessions (or two tests) with different indexes get different engines; a different
    feedback database or staff password does not reload the model.
    """
    return repr(settings.replace(feedback_db=Path("-"), staff_password=None, reports_dir=Path("-")))


@st.cache_resource(show_spinner="Loading the answer engine (once, about 10 seconds)…", max_entries=4)
def _load_engine(key: str, _settings: Settings) -> Engine:
    return Engine(_settings)


def get_engine(settings: Settings) -> Engine:
    """The shared ``Engine`` for these settings, loaded once per process.

    When the index is missing or unreachable the page shows what to do and stops.
    """
    try:
        return _load_engine(engine_key(settings), settings)
    except ChatbotError as exc:
        st.error(f"The chat is not available right now: {escape_markdown(str(exc))}")
    except Exception:
        log.exception("loading the answer engine failed")
        st.error("The chat is not available right now because the answer engine could not start. Please try again later.")
    st.stop()
    raise AssertionError("unreachable")  # st.stop() ends the run


def feedback_store(settings: Settings) -> FeedbackStore:
    return FeedbackStore(settings)


# --- the staff gate -------------------------------------------------------------------


def _session_token(password: str) -> str:
    # The session keeps a keyed digest, not the password; changing the password locks every session.
    return hmac.new(password.encode("utf-8"), b"microneedling-staff-session", hashlib.sha256).hexdigest()


def require_staff(settings: Settings | None = None) -> Settings:
    """Lock a staff page behind ``CHATBOT_STAFF_PASSWORD``; call it first on the page.

    Returns the settings when this browser session has entered the password. Otherwise it
    shows how to set the password (none configured) or a password form, and ends the run
    with ``st.stop()``, so nothing below the call is ever shown. The password is compared
    in constant time (``hmac.compare_digest``).
    """
    settings = settings or current_settings()
    password = settings.staff_password
    if not password:
        st.info(
            "This page is for clinic staff and is locked because no staff password is set. "
            "To open it, set the `CHATBOT_STAFF_PASSWORD` environment variable (or `staff_password` in "
            "`chatbot.toml`) and restart the app, e.g. `CHATBOT_STAFF_PASSWORD='…' make run`.",
            icon=":material/lock:",
        )
        st.stop()
    token = _session_token(password)
    if hmac.compare_digest(str(st.session_state.get(STAFF_TOKEN_KEY, "")), token):
        st.sidebar.button("Lock staff pages", on_click=_lock, icon=":material/lock:")
        return settings
    st.subheader("Staff only")
    with st.form("staff-login"):
        entered = st.text_input("Staff password", type="password", key="staff_password_input")
        submitted = st.form_submit_button("Unlock")
    if submitted:
        if hmac.compare_digest(entered.encode("utf-8"), password.encode("utf-8")):
            st.session_state[STAFF_TOKEN_KEY] = token
            st.rerun()
        st.error("That password is not right. Ask the clinic manager for the staff password.")
    st.stop()
    raise AssertionError("unreachable")


def _lock() -> None:
    st.session_state.pop(STAFF_TOKEN_KEY, None)


# --- answers ----------------------------------------------------------------------------


@dataclass
class Exchange:
    """One question of a chat session and what became of it (kept in session state only)."""

    id: int
    question: str
    history: tuple[str, ...]
    answer: Answer | None = None
    error: str | None = None
    record_id: int | None = None
    rating: int | None = None
    comment: str = ""
    save_failed: bool = False


def render_notice(answer: Answer, *, message: int, ask: Callable[[str], None] | None = None) -> None:
    """The guardrail's box: red for urgent, a dermatologist warning for medical, a polite
    refusal with clickable related questions for out-of-scope. General answers have one only when
    the articles don't cover part of the question (a body area they never name)."""
    g = answer.guardrail
    if g.category == URGENT:
        st.error(escape_markdown(g.message), icon=":material/emergency:")
    elif g.category == MEDICAL:
        st.warning(escape_markdown(g.message), icon=":material/medical_services:")
    elif g.category == OUT_OF_SCOPE or g.message:  # a general answer's message says what the articles don't cover
        st.info(escape_markdown(g.message), icon=":material/menu_book:")
        if answer.related_questions:
            st.caption("These questions are answered in our articles:")
            for i, question in enumerate(answer.related_questions):
                st.button(
                    escape_markdown(question), key=f"related-{message}-{i}", on_click=ask, args=(question,),
                    disabled=ask is None, icon=":material/arrow_forward:",
                )


def render_sources(answer: Answer, *, message: int) -> None:
    """One expander per cited source: article title, section and passage, quoted sentences in bold."""
    if not answer.citations:
        return
    st.caption("Sources (open one to read the passage; quoted sentences are highlighted)")
    for c in answer.citations:
        with st.container(gap=None):
            st.html(f'<span id="{source_anchor(message, c.n)}"></span>')
            with st.expander(citation_label(c), icon=":material/article:"):
                st.markdown(f"**{escape_markdown(c.title)}** · {escape_markdown(c.section)}")
                st.markdown(highlighted_passage(c.text, c.sentences))


def render_answer(answer: Answer, *, message: int, ask: Callable[[str], None] | None = None) -> None:
    """A whole answer: guardrail box first, the cited text, notes, sources and the disclaimer.

    ``message`` numbers the answer on the page (it keeps widget keys and source anchors
    unique); ``ask`` is called with a related question when one is clicked.
    """
    render_notice(answer, message=message, ask=ask)
    if answer.sentences:
        if answer.intro:  # another language: "Our articles are in English; this is what they say:"
            st.markdown(escape_markdown(answer.intro))
        st.markdown(answer_markdown(answer, message=message))
    for note in answer.notes:
        st.caption(escape_markdown(note))
    render_sources(answer, message=message)
    st.caption(escape_markdown(answer.disclaimer))
