"""The staff gate: a name-and-password login for the staff pages, with idle expiry.

``require_staff()`` is called first on every staff page. It lets the run continue only for a
browser session logged in with a staff account (``chatbot.store.accounts``), or with the deprecated
shared ``CHATBOT_STAFF_PASSWORD`` (as ``admin``). Otherwise it shows the login form (or how to
create the first account) and ends the run, so nothing below the call is ever shown.

The session keeps who logged in, when it was last used and a fingerprint of the credential,
never the password. On every page run the account is read again: its role as stored now is the
session's role (the stores check it again on every write), and a session idle for longer than
``staff_session_idle_minutes``, a disabled account, a changed password, or (for the shared
password) a stored ``admin`` account or a shared password that fails the policy ends it, with a
message saying why. Logins, log-outs and expiries go to the audit log. Nothing a person typed or
an account's name is ever rendered as Markdown: messages go through ``escape_markdown``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import streamlit as st

from chatbot.answering.presentation import escape_markdown
from chatbot.errors import AccountStoreError, LoginError, WeakPasswordError, WrongPasswordError
from chatbot.settings import Settings
from chatbot.store import audit, passwords, staff
from chatbot.store.accounts import AccountStore
from chatbot.store.staff import ROLE_DUTIES, StaffUser
from pages.session import current_settings

log = logging.getLogger(__name__)

SESSION_KEY = "staff_session"
"""Session-state key of the ``StaffSession`` of a logged-in browser session."""
NOTICE_KEY = "staff_login_notice"
"""Why the last session ended (expired, disabled...), shown above the login form once."""


@dataclass(frozen=True)
class StaffSession:
    user: StaffUser
    credential: str
    """``password_version`` of the account, or a keyed digest of the shared password: a new password ends the session."""
    logged_in_at: datetime
    last_seen: datetime


def require_staff(settings: Settings | None = None) -> Settings:
    """Lock a staff page behind a staff login; call it first on the page.

    Returns the settings when this browser session is logged in (``current_staff()`` then says
    who). Otherwise it shows the login form, or how to create the first account when there is
    none, and ends the run with ``st.stop()``.
    """
    if settings is None:
        settings = current_settings()
    store = AccountStore(settings)
    session = st.session_state.get(SESSION_KEY)
    if isinstance(session, StaffSession):
        try:
            user, ended = _session_check(session, store, settings)
        except AccountStoreError as exc:
            _stop_with_error(f"Your staff session cannot be checked right now: {exc}")
        if ended is None:
            session = replace(session, user=user, last_seen=staff.utc_now())
            st.session_state[SESSION_KEY] = session
            _sidebar(session.user, settings)
            return settings
        st.session_state.pop(SESSION_KEY, None)
        st.session_state[NOTICE_KEY] = ended
    _login_page(store, settings)
    raise AssertionError("unreachable")  # _login_page ends the run


def current_staff() -> StaffUser:
    """Who is logged in on this browser session; valid after ``require_staff()`` returned."""
    session = st.session_state.get(SESSION_KEY)
    if not isinstance(session, StaffSession):
        raise RuntimeError("current_staff() is only valid after require_staff() returned")
    return session.user


# --- checking a session ------------------------------------------------------------------


def _session_check(session: StaffSession, store: AccountStore, settings: Settings) -> tuple[StaffUser, str | None]:
    """The session's user as the account is stored now, and why it must log in again (None while it is still good)."""
    idle = timedelta(minutes=settings.staff_session_idle_minutes)
    now = staff.utc_now()
    user = session.user
    if now - session.last_seen > idle:
        _audit(settings, user.name, audit.SESSION_EXPIRED, {"idle_minutes": round((now - session.last_seen).total_seconds() / 60, 1)})
        return user, f"Your session expired after {_minutes(idle)} without activity. Log in again to continue."
    if user.legacy:
        if not settings.staff_password or session.credential != _legacy_fingerprint(settings.staff_password):
            return user, "The shared staff password was changed or removed. Log in again."
        if store.get(staff.LEGACY_ADMIN) is not None:
            return user, "A stored account named admin now replaces the shared staff password. Log in with your own account."
        try:
            passwords.check_shared_password(settings.staff_password, min_chars=settings.staff_password_min_chars,
                                            min_score=settings.staff_password_min_score)
        except WeakPasswordError:
            return user, "The shared staff password is too weak and is switched off. Log in with your own account."
        return user, None
    info = store.get(user.name)
    if info is None:
        return user, f"The account {user.name!r} no longer exists. Ask a clinic admin for an account."
    if info.disabled:
        return user, f"The account {user.name!r} has been disabled. Ask a clinic admin if this is a mistake."
    if session.credential != info.password_version:
        return user, "Your password was changed. Log in with the new password."
    return StaffUser(info.name, info.role), None


def _legacy_fingerprint(password: str) -> str:
    return hmac.new(password.encode("utf-8"), b"microneedling-staff-session", hashlib.sha256).hexdigest()


# --- the login page ------------------------------------------------------------------------


def _login_page(store: AccountStore, settings: Settings) -> None:
    try:
        has_accounts = store.has_accounts()
    except AccountStoreError as exc:
        _stop_with_error(f"The staff login is not available right now: {exc}")
    if not has_accounts and not settings.staff_password:
        st.info(
            "This page is for clinic staff, and no staff account exists yet. On the server, create the first "
            "one with `chatbot staff add NAME --role admin` (it asks for the password), then log in here. "
            "The shared `CHATBOT_STAFF_PASSWORD` still works too, but it is deprecated: see \"Staff accounts\" in the README.",
            icon=":material/lock:",
        )
        st.stop()
    st.subheader("Staff login")
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.warning(escape_markdown(notice), icon=":material/info:")
    with st.form("staff-login", clear_on_submit=True):
        name = st.text_input("Name", key="staff_name_input", max_chars=staff.MAX_NAME_CHARS, autocomplete="username")
        password = st.text_input("Password", type="password", key="staff_password_input", max_chars=passwords.MAX_PASSWORD_CHARS,
                                 autocomplete="current-password")
        submitted = st.form_submit_button("Log in", icon=":material/login:")
    if settings.staff_password:
        st.caption("Using the shared staff password? Leave the name empty (or type `admin`).")
    if submitted:
        _log_in(store, settings, name, password)
    st.stop()


def _log_in(store: AccountStore, settings: Settings, name: str, password: str) -> None:
    try:
        user = store.authenticate(name, password, client=_client_address())
    except WrongPasswordError as exc:
        st.error(escape_markdown(_sentence(str(exc)) + ". Passwords are case-sensitive."), icon=":material/key_off:")
        return
    except LoginError as exc:
        st.error(escape_markdown(_sentence(str(exc)) + "."), icon=":material/lock_person:")
        return
    except AccountStoreError as exc:
        st.error(f"The staff login is not available right now: {escape_markdown(str(exc))}.", icon=":material/error:")
        return
    if user.legacy:
        credential = _legacy_fingerprint(settings.staff_password or "")
    else:
        info = store.get(user.name)
        credential = info.password_version if info else ""
    now = staff.utc_now()
    st.session_state[SESSION_KEY] = StaffSession(user=user, credential=credential, logged_in_at=now, last_seen=now)
    st.rerun()


# --- the sidebar -------------------------------------------------------------------------------


def _sidebar(user: StaffUser, settings: Settings) -> None:
    with st.sidebar:
        st.markdown(f":material/badge: Logged in as **{escape_markdown(user.name)}** · {user.role}")
        st.caption(f"{user.role.capitalize()}: {ROLE_DUTIES[user.role]}. Logs out after "
                   f"{_minutes(timedelta(minutes=settings.staff_session_idle_minutes))} without activity.")
        if user.legacy:
            st.warning(
                "You logged in with the shared staff password, which is deprecated. Create named accounts with "
                "`chatbot staff add NAME --role ROLE` and then unset `CHATBOT_STAFF_PASSWORD`.",
                icon=":material/warning:",
            )
        st.button("Log out", on_click=_log_out, args=(settings,), icon=":material/logout:", key="staff_log_out")


def _log_out(settings: Settings) -> None:
    session = st.session_state.pop(SESSION_KEY, None)
    if isinstance(session, StaffSession):
        _audit(settings, session.user.name, audit.LOGOUT, {})
        st.session_state[NOTICE_KEY] = "You are logged out."


def _audit(settings: Settings, actor: str, action: str, detail: dict) -> None:
    try:
        audit.AuditLog(settings).record(actor, action, subject=actor, detail=detail)
    except AccountStoreError as exc:  # a log-out or an expiry must still happen when the database is unwritable
        log.warning("could not write %s for %s to the audit log: %s", action, actor, exc)


def _stop_with_error(message: str) -> None:
    st.error(escape_markdown(message), icon=":material/error:")
    st.stop()
    raise AssertionError("unreachable")


def _client_address() -> str | None:
    """The browser's address as the server sees it (None where Streamlit does not know it, as in AppTest)."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else None


def _sentence(text: str) -> str:
    # Shown escaped: a name such as www.example.com must not become a link, nor `commands` code.
    text = text.rstrip(".")
    return text[:1].upper() + text[1:]


def _minutes(span: timedelta) -> str:
    minutes = span.total_seconds() / 60
    return f"{minutes:g} minute{'' if minutes == 1 else 's'}"
