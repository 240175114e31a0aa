"""Streamlit entry point: the public chat (minimal until the full app lands)."""

from __future__ import annotations

import streamlit as st

from chatbot.chain import Engine
from chatbot.errors import ChatbotError

st.set_page_config(page_title="Microneedling questions", page_icon="💬")


@st.cache_resource(show_spinner="Loading the answer engine…")
def engine() -> Engine:
    return Engine()


st.title("Ask about microneedling")
st.caption("Answers come only from our clinic's articles. General information, not medical advice.")
question = st.chat_input("Your question")
if question:
    with st.chat_message("user"):
        st.text(question)
    with st.chat_message("assistant"):
        try:
            answer = engine().ask(question)
        except ChatbotError as exc:
            st.error(str(exc))
        else:
            st.markdown(answer.text)
            for c in answer.citations:
                with st.expander(f"[{c.n}] {c.title} — {c.section}"):
                    st.text(c.text)
