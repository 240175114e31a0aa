"""Staff: the accounts and the audit log. Everyone logged in sees the audit log of their own
actions; admins see every account and every entry, and can add, disable, enable and unlock
accounts and set their passwords (the same operations as `chatbot staff`)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from chatbot.answering.presentation import escape_markdown
from chatbot.errors import ChatbotError
from chatbot.store.accounts import AccountStore
from chatbot.store.audit import AuditLog
from chatbot.store.staff import ROLE_DUTIES, ROLES, format_time
from pages.common import current_staff, require_staff, staff_table

settings = require_staff()
user = current_staff()
store = AccountStore(settings)
audit_log = AuditLog(settings)

st.title("Staff accounts and audit log")


NOTICE_KEY = "accounts_done"


def _act(action, done: str) -> None:
    """Run one account change; on success show the page again (with the change in the table) and say what was done."""
    try:
        action()
    except ChatbotError as exc:
        st.error(escape_markdown(str(exc)), icon=":material/error:")
        return
    st.session_state[NOTICE_KEY] = done
    st.rerun()


def accounts_section() -> None:
    if NOTICE_KEY in st.session_state:
        st.success(escape_markdown(st.session_state.pop(NOTICE_KEY)), icon=":material/check_circle:")
    try:
        accounts = store.list()
    except ChatbotError as exc:
        st.error(escape_markdown(str(exc)))
        return
    if not accounts:
        st.info("No stored accounts yet: add the first below, or with `chatbot staff add NAME --role admin` on the server.")
    else:
        staff_table(
            pd.DataFrame(
                [{"name": a.name, "role": a.role, "status": a.status, "last login": format_time(a.last_login_at) if a.last_login_at else "never",
                  "created": format_time(a.created_at)} for a in accounts]
            ),
            hide_index=True, width="stretch",
        )
    if settings.staff_password:
        st.warning(
            "`CHATBOT_STAFF_PASSWORD` is set, so the shared password also logs in as `admin`. It is deprecated: once "
            "everyone has an account, unset it and restart the app.",
            icon=":material/warning:",
        )

    add, change = st.columns(2)
    with add, st.form("account-add", clear_on_submit=True):
        st.markdown("**Add an account**")
        name = st.text_input("Name", key="acct_add_name", help="letters, digits, '.', '_', '-' or '@', e.g. anna or dr.lee")
        role = st.selectbox("Role", ROLES, format_func=lambda r: f"{r}: {ROLE_DUTIES[r]}", key="acct_add_role")
        first = st.text_input("Password", type="password", key="acct_add_password")
        again = st.text_input("Same password again", type="password", key="acct_add_again")
        if st.form_submit_button("Add account", icon=":material/person_add:"):
            if first != again:
                st.error("The two passwords are not the same; nothing was changed.")
            else:
                _act(lambda: store.add(name, first, role=role, actor=user.name), f"Added {role} account {name.strip()!r}.")

    names = [a.name for a in accounts]
    with change, st.form("account-change", clear_on_submit=True):
        st.markdown("**Change an account**")
        picked = st.selectbox("Account", names, key="acct_change_name", placeholder="no accounts yet", disabled=not names)
        new = st.text_input("New password (only for Set password)", type="password", key="acct_change_password")
        cols = st.columns(4)
        clicked = {
            label: col.form_submit_button(label, disabled=not names)
            for label, col in zip(("Set password", "Disable", "Enable", "Unlock"), cols)
        }
    if picked:
        if clicked["Set password"]:
            _act(lambda: store.set_password(picked, new, actor=user.name), f"The password of {picked!r} is changed.")
        elif clicked["Disable"]:
            if picked.casefold() == user.name.casefold():
                st.error("You cannot disable the account you are logged in with; ask another admin.")
            else:
                _act(lambda: store.disable(picked, actor=user.name), f"{picked!r} is disabled and can no longer log in.")
        elif clicked["Enable"]:
            _act(lambda: store.enable(picked, actor=user.name), f"{picked!r} can log in again.")
        elif clicked["Unlock"]:
            _act(lambda: store.unlock(picked, actor=user.name), f"{picked!r} is unlocked.")


def audit_section(*, everyone: bool) -> None:
    left, right = st.columns(2)
    actor = left.text_input("Who", key="audit_actor", placeholder="any name" if everyone else user.name, disabled=not everyone)
    action = right.text_input("Action", key="audit_action", placeholder="any, or e.g. login* or answer.approve")
    try:
        entries = audit_log.recent(500, actor=(actor.strip() or None) if everyone else user.name, action=action.strip() or None)
    except ChatbotError as exc:
        st.error(escape_markdown(str(exc)))
        return
    if not entries:
        st.info("No audit log entries match.")
        return
    staff_table(
        pd.DataFrame([{"time (UTC)": e.at.strftime("%Y-%m-%d %H:%M:%S"), "who": e.actor, "action": e.action, "subject": e.subject,
                       "detail": ", ".join(f"{k}: {v}" for k, v in sorted(e.detail.items()))} for e in entries]),
        hide_index=True, width="stretch",
    )
    st.caption(f"The latest {len(entries)} entries, newest first. `chatbot staff audit --json` exports them.")


if user.can_manage:
    st.caption("Add and change accounts here or with `chatbot staff` on the server; every change is in the audit log below.")
    accounts_tab, audit_tab = st.tabs(["Accounts", "Audit log"])
    with accounts_tab:
        accounts_section()
    with audit_tab:
        audit_section(everyone=True)
else:
    st.info(
        f"You are logged in as {escape_markdown(user.name)} ({user.role}: {ROLE_DUTIES[user.role]}). Only admins manage "
        "accounts; below is the audit log of your own actions.",
        icon=":material/info:",
    )
    audit_section(everyone=False)
