"""UI pieces shared by the pages: settings, the cached engine, the staff gate and answer rendering.

Pages import from here and from ``chatbot``; nothing here talks to Chroma or the model
directly. Text from visitors and articles is always passed through
``chatbot.presentation.escape_markdown``; ``unsafe_allow_html`` is never used, and the
only ``st.html`` is an empty anchor whose id is made of numbers.
"""

from __future__ import annotations

import dataclasses
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
from pages.staff_login import current_staff, require_staff  # noqa: F401  (the staff gate, used by every staff page)

log = logging.getLogger(__name__)


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
    feedback database or staff setting (password, lockout, idle time) does not reload the model.
    """
    staff = {f.name: f.default for f in dataclasses.fields(settings) if f.name.startswith("staff_")}
    return repr(settings.replace(feedback_db=Path("-"), reports_dir=Path("-"), **staff))


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
    if answer.reviewed is not None:
        st.badge(f"Reviewed by the clinic on {answer.reviewed.date}", icon=":material/verified:", color="green")
    if answer.sentences:
        st.markdown(answer_markdown(answer, message=message))
    for note in answer.notes:
        st.caption(escape_markdown(note))
    render_sources(answer, message=message)
    st.caption(escape_markdown(answer.disclaimer))
