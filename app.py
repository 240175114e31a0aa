"""Streamlit entry point: the public chat plus the staff pages, behind a staff login.

Run with ``make run`` (127.0.0.1:8501). Pages live in ``pages/``; they only call the
``chatbot`` package. The staff section lists ``pages/quality.py`` when it exists.

Visitors see the chat and nothing else: the navigation is hidden until a staff login. Staff
open ``/staff`` (or any staff page's URL), log in there, and then get the navigation; every
staff page still checks the login itself (``pages.staff_login.require_staff``).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages.staff_login import SESSION_KEY

HERE = Path(__file__).resolve().parent

st.set_page_config(page_title="Microneedling questions", page_icon="💬", layout="centered")

staff_pages = [
    st.Page("pages/staff.py", title="Common questions", icon=":material/fact_check:", url_path="staff"),
    st.Page("pages/content.py", title="Content team", icon=":material/insights:", url_path="content"),
]
if (HERE / "pages" / "quality.py").is_file():
    staff_pages.append(st.Page("pages/quality.py", title="Quality", icon=":material/monitoring:", url_path="quality"))
staff_pages.append(st.Page("pages/accounts.py", title="Accounts", icon=":material/manage_accounts:", url_path="accounts"))

navigation = st.navigation(
    {
        "Chat": [st.Page("pages/chat.py", title="Chat", icon=":material/chat:", default=True)],
        "Staff": staff_pages,
    },
    position="sidebar" if SESSION_KEY in st.session_state else "hidden",
)
navigation.run()
