"""The staff login on a real staff page (the quality page: it needs no index) through AppTest,
with real accounts in a SQLite file in tmp_path. Time is moved by replacing the accounts' clock."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import immutable
from streamlit.testing.v1 import AppTest

from chatbot.settings import Settings, load_settings
from chatbot.store import audit, staff
from chatbot.store.accounts import AccountStore
from chatbot.store.audit import AuditLog
from chatbot.store.staff import CLINICIAN, EDITOR

PAGE = Path(__file__).resolve().parents[1] / "pages" / "quality.py"
PASSWORD = "tulip meadow river"
TITLE = "Answer quality and article health"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(staff, "utc_now", clock)
    return clock


@pytest.fixture
def env(monkeypatch, tmp_path, clock) -> Settings:
    for key in [k for k in os.environ if k.startswith("CHATBOT_")]:
        monkeypatch.delenv(key)
    (tmp_path / "reports").mkdir()
    monkeypatch.setenv("CHATBOT_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("CHATBOT_FEEDBACK_DB", str(tmp_path / "data" / "feedback.sqlite3"))
    monkeypatch.setenv("CHATBOT_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("CHATBOT_STAFF_HASH_MEMORY_KIB", "1024")  # cheap hashes keep the test fast; the real cost is tested in test_accounts
    monkeypatch.setenv("CHATBOT_STAFF_HASH_PASSES", "1")
    return load_settings()


@pytest.fixture
def anna(env) -> AccountStore:
    store = AccountStore(env)
    store.add("anna", PASSWORD, role=EDITOR)
    return store


def open_page() -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def log_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="staff_name_input").input(name)
    at.text_input(key="staff_password_input").input(password)
    next(b for b in at.button if b.label == "Log in").click().run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest) -> bool:
    """Whether the protected page itself is on screen."""
    return any(t.value == TITLE for t in at.title)


def sidebar_text(at: AppTest) -> str:
    return " ".join(str(m.value) for m in at.sidebar.markdown)


def test_an_editor_logs_in_and_sees_their_name_and_role(anna, env):
    at = open_page()
    assert not shown(at) and [t.label for t in at.text_input] == ["Name", "Password"]
    log_in(at, "anna", PASSWORD)
    assert shown(at) and not at.error
    assert "Logged in as **anna** · editor" in sidebar_text(at)
    assert any(b.label == "Log out" for b in at.sidebar.button)
    [entry] = AuditLog(env).recent(action=audit.LOGIN)
    assert entry.actor == "anna"


def test_a_wrong_password_says_how_many_tries_are_left_and_shows_nothing(anna):
    at = log_in(open_page(), "anna", "not the password")
    assert not shown(at)
    assert "not right; 4 tries left" in at.error[0].value.replace("\\", "")


def test_five_wrong_passwords_slow_the_name_down_with_the_wait_shown(anna, clock):
    at = open_page()
    for _ in range(5):
        log_in(at, "anna", "not the password")
    until = (clock.now + timedelta(seconds=2)).strftime("%H:%M:%S UTC")
    assert "next try is possible in 2 seconds" in at.error[0].value.replace("\\", "") and until in at.error[0].value.replace("\\", "")
    log_in(at, "anna", PASSWORD)
    assert not shown(at) and "too many wrong passwords for this name" in at.error[0].value.replace("\\", "")
    clock.now += timedelta(seconds=3)
    log_in(at, "anna", PASSWORD)
    assert shown(at), "the owner gets in after a wait of seconds, not a lock of minutes"


def test_a_disabled_account_cannot_log_in(anna):
    anna.disable("anna")
    at = log_in(open_page(), "anna", PASSWORD)
    assert not shown(at) and "is disabled" in at.error[0].value


def test_an_idle_session_has_to_log_in_again(anna, env, clock):
    at = log_in(open_page(), "anna", PASSWORD)
    clock.now += timedelta(minutes=29)
    at.run()
    assert shown(at), "29 minutes without activity is still within the 30"
    clock.now += timedelta(minutes=29)
    at.run()
    assert shown(at), "the last page run counts as activity"
    clock.now += timedelta(minutes=31)
    at.run()
    assert not shown(at) and at.text_input
    assert "expired after 30 minutes without activity" in at.warning[0].value
    assert AuditLog(env).recent(action=audit.SESSION_EXPIRED)[0].actor == "anna"
    log_in(at, "anna", PASSWORD)
    assert shown(at)


def test_the_idle_time_is_a_setting(anna, monkeypatch, clock):
    monkeypatch.setenv("CHATBOT_STAFF_SESSION_IDLE_MINUTES", "5")
    at = log_in(open_page(), "anna", PASSWORD)
    assert "Logs out after 5 minutes without activity" in " ".join(c.value for c in at.sidebar.caption)
    clock.now += timedelta(minutes=6)
    at.run()
    assert not shown(at) and "expired after 5 minutes" in at.warning[0].value


def test_disabling_an_account_or_changing_its_password_ends_its_open_session(env, anna):
    anna.add("dr.lee", PASSWORD, role=CLINICIAN)
    anna_page, lee_page = log_in(open_page(), "anna", PASSWORD), log_in(open_page(), "dr.lee", PASSWORD)
    anna.disable("anna")
    anna.set_password("dr.lee", "lantern orchard copper")
    anna_page.run()
    lee_page.run()
    assert not shown(anna_page) and "has been disabled" in anna_page.warning[0].value
    assert not shown(lee_page) and "password was changed" in lee_page.warning[0].value


def test_log_out_shows_the_login_form_again(anna, env):
    at = log_in(open_page(), "anna", PASSWORD)
    next(b for b in at.sidebar.button if b.label == "Log out").click().run()
    assert not shown(at) and at.text_input and "logged out" in at.warning[0].value
    assert AuditLog(env).recent(action=audit.LOGOUT)[0].actor == "anna"


def test_without_any_account_the_page_says_how_to_create_the_first(env):
    at = open_page()
    assert not shown(at) and not at.text_input
    assert "chatbot staff add NAME --role admin" in at.info[0].value


def test_the_shared_password_still_logs_in_as_admin_with_a_warning_to_move(env, monkeypatch):
    monkeypatch.setenv("CHATBOT_STAFF_PASSWORD", "old shared secret")
    at = log_in(open_page(), "", "old shared secret")
    assert shown(at) and "Logged in as **admin** · admin" in sidebar_text(at)
    assert "deprecated" in at.sidebar.warning[0].value and "chatbot staff add" in at.sidebar.warning[0].value


def test_a_read_only_database_gives_a_clear_message_instead_of_a_login(anna, env):
    at = open_page()
    with immutable(Path(env.feedback_db)):
        log_in(at, "anna", PASSWORD)
    message = at.error[0].value.replace("\\", "")
    assert not shown(at) and "not available right now" in message and "read-only" in message and "CHATBOT_DATABASE_URL" in message
    log_in(at, "anna", PASSWORD)
    assert shown(at), "nothing was lost: the account still logs in once the file is writable"


# --- the accounts page ------------------------------------------------------------------------------

ACCOUNTS_PAGE = Path(__file__).resolve().parents[1] / "pages" / "accounts.py"


def open_accounts(name: str, password: str = PASSWORD) -> AppTest:
    at = AppTest.from_file(str(ACCOUNTS_PAGE), default_timeout=60).run()
    return log_in(at, name, password)


def plain(markdown: str) -> str:
    return markdown.replace("\\", "")


def press(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, at.exception
    return at


def test_an_admin_adds_and_disables_accounts_and_every_change_is_audited(env, anna):
    anna.add("boss", PASSWORD, role="admin")
    at = open_accounts("boss")
    table = at.dataframe[0].value
    assert list(table["name"]) == ["anna", "boss"] and list(table["status"]) == ["active", "active"]
    at.text_input(key="acct_add_name").input("dr.lee")
    at.selectbox(key="acct_add_role").select(CLINICIAN)
    at.text_input(key="acct_add_password").input("lantern orchard copper")
    at.text_input(key="acct_add_again").input("lantern orchard copper")
    press(at, "Add account")
    assert "Added clinician account 'dr.lee'" in plain(at.success[0].value)
    assert "dr.lee" in list(at.dataframe[0].value["name"]), "the table shows the new account at once"
    assert AccountStore(env).authenticate("dr.lee", "lantern orchard copper").can_approve
    at.selectbox(key="acct_change_name").select("anna")
    press(at, "Disable")
    assert "'anna' is disabled" in plain(at.success[0].value)
    assert AccountStore(env).get("anna").disabled
    entries = AuditLog(env).recent(action="account.*")
    assert [(e.actor, e.action, e.subject) for e in entries[:2]] == [("boss", "account.disable", "anna"), ("boss", "account.add", "dr.lee")]


def test_a_mistake_on_the_accounts_page_is_a_message_and_changes_nothing(env, anna):
    anna.add("boss", PASSWORD, role="admin")
    at = open_accounts("boss")
    at.text_input(key="acct_add_name").input("anna")
    at.text_input(key="acct_add_password").input("lantern orchard copper")
    at.text_input(key="acct_add_again").input("lantern orchard copper")
    press(at, "Add account")
    assert "already exists" in at.error[0].value
    at.selectbox(key="acct_change_name").select("boss")
    press(at, "Disable")
    assert "cannot disable the account you are logged in with" in at.error[0].value
    assert [(a.name, a.disabled) for a in AccountStore(env).list()] == [("anna", False), ("boss", False)]


def test_an_editor_sees_only_their_own_audit_entries_and_no_accounts(env, anna):
    anna.add("boss", PASSWORD, role="admin")
    AccountStore(env).authenticate("boss", PASSWORD)
    at = open_accounts("anna")
    assert "Only admins manage accounts" in at.info[0].value and not at.tabs
    [log] = [d.value for d in at.dataframe]
    assert set(log["who"]) == {"anna"} and "login" in set(log["action"])
