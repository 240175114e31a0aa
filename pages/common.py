"""UI pieces shared by the pages: settings, the cached engine, the staff gate and answer rendering.

Pages import from here and from ``chatbot``; nothing here talks to Chroma or the model
directly. Text from visitors and articles is always passed through
``chatbot.answering.presentation.escape_markdown``; ``unsafe_allow_html`` is never used, and the
only ``st.html`` is an empty anchor whose id is made of numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from chatbot.answering.model import Answer
from chatbot.answering.presentation import (
    answer_markdown,
    citation_label,
    csv_safe,
    escape_markdown,
    highlighted_passage,
    source_anchor,
)
from chatbot.engine.engine import Engine
from chatbot.engine.warmup import LOADER, engine_key
from chatbot.errors import ChatbotError
from chatbot.guardrail.verdict import MEDICAL, OUT_OF_SCOPE, URGENT
from chatbot.settings import Settings
from chatbot.store.feedback import FeedbackStore
from chatbot.store.retention import purge_at_start
from pages import staff_login
from pages.session import current_settings
from pages.staff_login import current_staff

__all__ = ["current_settings", "engine_key", "get_engine", "start_engine", "engine_ready", "require_staff", "current_staff", "render_answer",
           "Exchange", "safe_frame", "staff_table"]

log = logging.getLogger(__name__)


# --- settings, engine, store ---------------------------------------------------------


QUOTA_WARNING_SHARE = 0.9
# Staff are told once client records fill this share of their quota, before any is dropped.

ENGINE_WAIT_SECONDS = 600
# How long a page waits for the answer engine to finish loading before it gives up with a message
# (loading takes about 10 s on an idle machine, a minute or more on a very busy one).


def get_engine(settings: Settings, *, quiet: bool = False) -> Engine:
    """The shared ``Engine`` for these settings, loaded once per process (``chatbot.engine.warmup.LOADER``).

    While it is still loading the page shows "Getting ready…" (unless ``quiet``: the caller shows
    its own message) and waits for it. When the index is missing or unreachable the page shows
    what to do and stops.
    """
    engine = LOADER.ready(settings)
    if engine is not None:
        return engine
    try:
        if quiet:
            return LOADER.wait(settings, timeout=ENGINE_WAIT_SECONDS)
        with st.spinner("Getting ready: the answer engine is loading (about 10 seconds after the app starts)…"):
            return LOADER.wait(settings, timeout=ENGINE_WAIT_SECONDS)
    except ChatbotError as exc:
        st.error(f"The chat is not available right now: {escape_markdown(str(exc))}")
    except TimeoutError:
        st.error("The answer engine is taking unusually long to start. Please reload this page in a minute.")
    except Exception:
        log.exception("loading the answer engine failed")
        st.error("The chat is not available right now because the answer engine could not start. Please try again later.")
    st.stop()
    raise AssertionError("unreachable")  # st.stop() ends the run


def start_engine(settings: Settings) -> None:
    """Start loading the engine in the background (no-op when it is loading or loaded)."""
    LOADER.start(settings)


def engine_ready(settings: Settings) -> bool:
    return LOADER.state(settings) == "ready"


def feedback_store(settings: Settings) -> FeedbackStore:
    purge_at_start(settings)  # once per process: client records past CHATBOT_RETENTION_DAYS go
    return FeedbackStore(settings)


def require_staff(settings: Settings | None = None) -> Settings:
    """The staff gate (``pages.staff_login.require_staff``), then the client-quota banner when it applies."""
    settings = staff_login.require_staff(settings)
    quota_banner(settings)
    return settings


def quota_banner(settings: Settings) -> None:
    """Tell staff when visitors' records filled the client quota and the oldest were dropped (their own data is safe)."""
    try:
        usage = FeedbackStore(settings).usage()
    except ChatbotError as exc:
        log.warning("client quota not read: %s", exc)
        return
    if usage.dropping:
        st.warning(
            f"Client records reached their quota ({usage.quota_bytes / 1024 / 1024:g} MB, CHATBOT_FEEDBACK_MAX_MB): "
            f"{usage.dropped:,} of the oldest were dropped to make room, the last at {usage.dropped_at:%Y-%m-%d %H:%M} UTC. "
            "Logins, accounts, the audit log and reviewed answers are not affected. Raise the quota or lower "
            "CHATBOT_RETENTION_DAYS if this is ordinary traffic.",
            icon=":material/database:",
        )
    elif usage.share >= QUOTA_WARNING_SHARE:
        st.info(f"Client records use {usage.share:.0%} of their quota ({usage.quota_bytes / 1024 / 1024:g} MB); "
                "past it the oldest are dropped.", icon=":material/database:")


# --- answers ----------------------------------------------------------------------------


@dataclass
class Exchange:
    """One question of a chat session and what became of it (kept in session state only)."""

    id: int
    question: str
    history: tuple[str, ...]
    answer: Answer | None = None
    error: str | None = None
    record_id: str | None = None
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


def render_suggestions(answer: Answer, *, message: int, ask: Callable[[str], None] | None = None) -> None:
    """"Did you mean: ...?": the clinic's reviewed questions this one nearly asks, one click away."""
    for i, question in enumerate(answer.suggestions):
        st.button(
            f"Did you mean: {escape_markdown(question)}", key=f"suggestion-{message}-{i}", on_click=ask, args=(question,),
            disabled=ask is None, icon=":material/verified:", type="tertiary",
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
    render_suggestions(answer, message=message, ask=ask)
    if answer.reviewed is not None:
        st.badge(f"Reviewed by the clinic on {answer.reviewed.date}", icon=":material/verified:", color="green")
    if answer.sentences:
        if answer.intro:  # another language: "Our articles are in English; this is what they say:"
            st.markdown(escape_markdown(answer.intro))
        st.markdown(answer_markdown(answer, message=message))
        if answer.more:  # the short answer leads; the rest of what the articles say is one click away
            with st.expander("More from the articles", expanded=False):
                st.markdown(answer_markdown(answer, message=message, more=True))
    for note in answer.notes:
        st.caption(escape_markdown(note))
    render_sources(answer, message=message)
    st.caption(escape_markdown(answer.disclaimer))


# --- tables --------------------------------------------------------------------------------


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell, column name and index label made spreadsheet-safe (``csv_safe``):
    no leading ``=``, ``+``, ``-`` or ``@`` that a spreadsheet would run, bidirectional controls shown."""
    safe = frame.map(csv_safe)
    safe.columns = [csv_safe(c) for c in frame.columns]
    if frame.index.dtype == object:
        safe.index = frame.index.map(csv_safe)
    return safe


def staff_table(frame: pd.DataFrame, **kwargs) -> None:
    """``st.dataframe`` of ``safe_frame(frame)``: what the grid shows is what its CSV download holds."""
    st.dataframe(safe_frame(frame), **kwargs)
