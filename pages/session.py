"""The page session's settings, shared by every page (the staff gate included).

A bad ``CHATBOT_*`` value stops the page with its message instead of a traceback.
"""

from __future__ import annotations

import streamlit as st

from chatbot.answering.presentation import escape_markdown
from chatbot.errors import ChatbotError
from chatbot.settings import Settings, load_settings


def current_settings() -> Settings:
    """The settings from ``CHATBOT_*`` variables and ``chatbot.toml``; a bad value stops the page with its message."""
    try:
        return load_settings()
    except ChatbotError as exc:
        st.error(f"The app is not configured correctly: {escape_markdown(str(exc))}")
        st.stop()
        raise  # unreachable: st.stop() ends the run
