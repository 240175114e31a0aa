"""Staff accounts and the audit log on a real SQLite file in tmp_path."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import immutable, make_settings

from chatbot.errors import (
    AccountDisabledError,
    AccountError,
    AccountLockedError,
    AccountStoreError,
    DuplicateAccountError,
    LoginError,
    PermissionDeniedError,
    UnknownAccountError,
    UnknownRoleError,
    WeakPasswordError,
    WrongPasswordError,
)
from chatbot.store import audit
from chatbot.store.accounts import AccountStore
from chatbot.store.audit import AuditLog
from chatbot.store.staff import ADMIN, CLINICIAN, EDITOR, ROLES

PASSWORD = "tulip meadow river"
OTHER = "lantern orchard copper"
CHEAP_HASH = {"staff_hash_memory_kib": 1024, "staff_hash_passes": 1}
"""Tests hash with 1 MiB and one pass (a few ms); the test of the stored hash uses the real cost."""


class Clock:
    """A settable clock for the lockout; starts at a fixed moment."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **span: float) -> None:
        self.now += timedelta(**span)


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path, feedback_db=tmp_path / "data" / "feedback.sqlite3", **CHEAP_HASH)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(settings, clock) -> AccountStore:
    return AccountStore(settings, clock=clock)


def wrong(store: AccountStore, name: str = "anna") -> LoginError:
    with pytest.raises(LoginError) as caught:
        store.authenticate(name, "not the password")
    return caught.value


# --- hashes and roles --------------------------------------------------------------------------


def test_the_password_is_stored_as_an_argon2_hash_and_nowhere_in_clear(tmp_path):
    settings = make_settings(tmp_path, feedback_db=tmp_path / "data" / "feedback.sqlite3")  # the real cost
    store = AccountStore(settings)
    store.add("anna", PASSWORD, role=EDITOR)
    store.authenticate("anna", PASSWORD)
    wrong(store)
    with sqlite3.connect(settings.feedback_db) as conn:
        [(hashed,)] = conn.execute("SELECT password_hash FROM staff_accounts").fetchall()
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$") and PASSWORD not in hashed
    for path in Path(settings.feedback_db).parent.iterdir():  # the database, its WAL and shared-memory files
        data = path.read_bytes()
        assert PASSWORD.encode() not in data and b"not the password" not in data


def test_each_role_can_do_what_its_name_says(store):
    for role in ROLES:
        store.add(f"{role}1", PASSWORD, role=role)
    users = {role: store.authenticate(f"{role}1", PASSWORD) for role in ROLES}
    assert {r: (u.role, u.can_approve, u.can_manage) for r, u in users.items()} == {
        EDITOR: (EDITOR, False, False),
        CLINICIAN: (CLINICIAN, True, False),
        ADMIN: (ADMIN, True, True),
    }


def test_a_role_that_does_not_exist_is_refused_with_the_roles_there_are(store):
    with pytest.raises(UnknownRoleError) as caught:
        store.add("anna", PASSWORD, role="doctor")
    assert all(role in str(caught.value) for role in ROLES)
    assert store.list() == []


@pytest.mark.parametrize(
    "password, says",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("short", "only 5 characters"),
        ("password123", "attackers try"),
        ("aaaaaaaaaaaaaa", "attackers try"),
        ("anna-is-the-best", "contains the account name"),
        ("qwerty123456", "too easy to guess"),
        ("Summer2024!!", "too easy to guess"),
        ("letmein12345", "too easy to guess"),
    ],
)
def test_weak_passwords_are_refused_with_what_to_change(store, password, says):
    with pytest.raises(WeakPasswordError) as caught:
        store.add("anna", password, role=EDITOR)
    assert says in str(caught.value) and "at least 10 characters" in str(caught.value)
    assert store.list() == []


@pytest.mark.parametrize("name", ["", "  ", "anna smith", "-anna", "x" * 65, "anna;drop"])
def test_names_that_cannot_be_typed_reliably_are_refused(store, name):
    with pytest.raises(AccountError, match="cannot be an account name"):
        store.add(name, PASSWORD, role=EDITOR)


def test_a_name_is_taken_whatever_its_case_and_logs_in_whatever_its_case(store):
    store.add("Anna", PASSWORD, role=EDITOR)
    with pytest.raises(DuplicateAccountError, match="already exists"):
        store.add("anna", OTHER, role=ADMIN)
    assert store.authenticate(" ANNA ", PASSWORD).name == "Anna"
    assert [(a.name, a.role) for a in store.list()] == [("Anna", EDITOR)]


# --- wrong passwords and the slow-down ---------------------------------------------------------------


def test_five_wrong_passwords_slow_the_name_down_for_every_process_but_never_lock_it(settings, clock):
    first, second = AccountStore(settings, clock=clock), AccountStore(settings, clock=clock)
    first.add("anna", PASSWORD, role=EDITOR)
    tries = []
    for attempt in range(4):
        error = wrong(first if attempt % 2 else second)
        assert isinstance(error, WrongPasswordError)
        tries.append(error.tries_left)
    assert tries == [4, 3, 2, 1]
    assert "1 try left" in str(error) and "slowed down" in str(error)
    fifth = wrong(first)
    assert isinstance(fifth, AccountLockedError) and "next try is possible in 2 seconds" in str(fifth)
    with pytest.raises(AccountLockedError) as caught:
        second.authenticate("anna", PASSWORD)  # even the right password, from another store, must wait
    assert caught.value.until == clock.now + timedelta(seconds=2)
    assert first.list()[0].status.startswith("slowed down until")
    clock.advance(seconds=2)
    assert second.authenticate("anna", PASSWORD).name == "anna", "the owner gets in once the short wait is over"


def test_each_further_wrong_password_doubles_the_wait_up_to_a_minute(store, clock, settings):
    store.add("anna", PASSWORD, role=EDITOR)
    for _ in range(4):
        wrong(store)
    waits = []
    for _ in range(8):
        error = wrong(store)
        assert isinstance(error, AccountLockedError)
        waits.append((error.until - clock.now).total_seconds())
        clock.advance(seconds=waits[-1])
    assert waits == [2, 4, 8, 16, 32, 60, 60, 60]
    # OWASP ASVS 2.2.1: no more than 100 failed attempts an hour on one account
    assert 3600 / settings.login_slowdown_max_seconds + 5 < 100
    clock.advance(minutes=settings.login_forget_minutes, seconds=1)
    wrong(store, "someone-else")  # any wrong login forgets rows idle for an hour
    assert wrong(store).tries_left == 4, "an hour without a wrong password starts again from nothing"


def test_a_right_password_resets_the_count(store):
    store.add("anna", PASSWORD, role=EDITOR)
    for _ in range(4):
        wrong(store)
    store.authenticate("anna", PASSWORD)
    assert wrong(store).tries_left == 4


def test_a_name_without_an_account_gets_the_same_messages_but_leaves_no_permanent_row(store, settings, clock):
    store.add("anna", PASSWORD, role=EDITOR)
    assert str(wrong(store, "anna")) == str(wrong(store, "nobody"))  # both first tries: 4 left
    for _ in range(4):
        last = wrong(store, "nobody")
    assert isinstance(last, AccountLockedError), "an unknown name is slowed down like a real one: trying names reveals nothing"
    assert [name for name, *_ in store.attempts()] == ["anna"], "no login_attempts row for a name without an account"
    assert store.counters()[(clock.now.date().isoformat(), "unknown_name")] == 5
    clock.advance(days=settings.login_unknown_audit_days, minutes=1)
    wrong(store, "anna")
    with sqlite3.connect(settings.feedback_db) as conn:
        assert conn.execute("SELECT count(*) FROM audit_log WHERE subject = 'nobody'").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM login_lockouts WHERE name = 'nobody'").fetchone() == (0,)
    assert AuditLog(settings).recent(actor="anna"), "entries of real names stay"


def test_one_client_trying_many_names_is_slowed_down(store, settings):
    store.add("anna", PASSWORD, role=EDITOR)
    errors = []
    for i in range(settings.login_client_attempts + 1):
        with pytest.raises(LoginError) as caught:
            store.authenticate(f"name{i}", "not the password", client="203.0.113.9")
        errors.append(caught.value)
    assert all(isinstance(e, WrongPasswordError) for e in errors[:-1])
    assert isinstance(errors[-1], AccountLockedError) and "from this computer" in str(errors[-1])
    assert store.authenticate("anna", PASSWORD, client="198.51.100.4").name == "anna", "other clients are not slowed down"


def test_the_count_is_right_when_many_sessions_guess_at_once(settings):
    store = AccountStore(settings)
    store.add("anna", PASSWORD, role=EDITOR)
    results: list[type] = []
    barrier = threading.Barrier(8)

    def guess() -> None:
        barrier.wait()
        try:
            AccountStore(settings).authenticate("anna", "not the password")
        except LoginError as exc:
            results.append(type(exc))

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    names = sorted(r.__name__ for r in results)
    assert len(names) == 8 and names.count("WrongPasswordError") == 4, names
    assert store.attempts(limit=20) and len([a for a in store.attempts(limit=20) if a[3] == "wrong_password"]) >= 5


def test_an_empty_name_or_password_is_not_a_try(store):
    store.add("anna", PASSWORD, role=EDITOR)
    for name, password in (("", PASSWORD), ("anna", "")):
        with pytest.raises(LoginError, match="enter your"):
            store.authenticate(name, password)
    assert wrong(store).tries_left == 4


# --- disabling, new passwords ----------------------------------------------------------------------------


def test_a_disabled_account_is_refused_until_enabled_again(store):
    store.add("anna", PASSWORD, role=EDITOR)
    store.disable("anna")
    with pytest.raises(AccountDisabledError, match="disabled"):
        store.authenticate("anna", PASSWORD)
    assert isinstance(wrong(store), WrongPasswordError), "a wrong password does not reveal that the account is disabled"
    assert store.list()[0].status == "disabled"
    store.enable("anna")
    assert store.authenticate("anna", PASSWORD).role == EDITOR


def test_a_new_password_replaces_the_old_one_and_lifts_the_lock(store):
    store.add("anna", PASSWORD, role=EDITOR)
    for _ in range(5):
        wrong(store)
    store.set_password("anna", OTHER)
    assert store.authenticate("anna", OTHER).name == "anna"
    with pytest.raises(WrongPasswordError):
        store.authenticate("anna", PASSWORD)


def test_a_stronger_hash_setting_rehashes_the_password_at_the_next_login(store, settings):
    store.add("anna", PASSWORD, role=EDITOR)
    stronger = AccountStore(settings.replace(staff_hash_memory_kib=2048, staff_hash_passes=2))
    assert stronger.authenticate("anna", PASSWORD).name == "anna", "the old hash still logs in"
    with sqlite3.connect(settings.feedback_db) as conn:
        [(hashed,)] = conn.execute("SELECT password_hash FROM staff_accounts").fetchall()
    assert "$m=2048,t=2,p=4$" in hashed
    assert store.authenticate("anna", PASSWORD).name == "anna"


def test_only_an_admin_account_changes_accounts_whatever_the_page_shows(store):
    store.add("boss", PASSWORD, role=ADMIN)
    store.add("anna", OTHER, role=EDITOR, actor="boss")
    for change in (lambda: store.add("eve", "quiet amber harbour", role=ADMIN, actor="anna"),
                   lambda: store.set_password("boss", "quiet amber harbour", actor="anna"),
                   lambda: store.disable("boss", actor="anna"), lambda: store.unlock("boss", actor="anna")):
        with pytest.raises(PermissionDeniedError, match="only an admin can manage accounts"):
            change()
    store.disable("boss", actor="cli:root")
    with pytest.raises(PermissionDeniedError, match="disabled"):
        store.enable("anna", actor="boss")
    assert [(a.name, a.role, a.disabled) for a in store.list()] == [("anna", EDITOR, False), ("boss", ADMIN, True)]


def test_changing_an_account_that_does_not_exist_says_how_to_list_them(store):
    for change in (lambda: store.disable("nobody"), lambda: store.set_password("nobody", OTHER)):
        with pytest.raises(UnknownAccountError, match="chatbot staff list"):
            change()


# --- the shared password (deprecated) ------------------------------------------------------------------------


def test_the_shared_staff_password_logs_in_as_admin_and_is_slowed_like_any_name(settings, clock):
    store = AccountStore(settings.replace(staff_password="old shared secret"), clock=clock)
    user = store.authenticate("", "old shared secret")
    assert (user.name, user.role, user.legacy, user.can_manage) == ("admin", ADMIN, True, True)
    assert store.authenticate("admin", "old shared secret").legacy
    for _ in range(5):
        wrong(store, "admin")
    with pytest.raises(AccountLockedError):
        store.authenticate("", "old shared secret")
    assert store.list() == [], "the shared password is not a stored account"


@pytest.mark.parametrize("shared", ["x", "qwerty123456", "Summer2024!!"])
def test_a_weak_shared_password_logs_nobody_in(settings, shared):
    store = AccountStore(settings.replace(staff_password=shared))
    with pytest.raises(LoginError, match="CHATBOT_STAFF_PASSWORD is too weak"):
        store.authenticate("", shared)


def test_a_stored_admin_account_replaces_the_shared_password(settings):
    store = AccountStore(settings.replace(staff_password="old shared secret"))
    store.add("admin", PASSWORD, role=ADMIN)
    assert not store.authenticate("admin", PASSWORD).legacy
    with pytest.raises(WrongPasswordError):
        store.authenticate("admin", "old shared secret")


# --- the audit log -------------------------------------------------------------------------------------


def test_every_login_and_account_change_is_in_the_audit_log(store, settings, clock):
    store.add("anna", PASSWORD, role=EDITOR, actor="cli:root")
    store.authenticate("anna", PASSWORD)
    for _ in range(5):
        wrong(store)
    with pytest.raises(AccountLockedError):
        store.authenticate("anna", PASSWORD)
    store.set_password("anna", OTHER, actor="cli:root")
    store.disable("anna", actor="cli:root")
    with pytest.raises(AccountDisabledError):
        store.authenticate("anna", OTHER)
    entries = list(reversed(AuditLog(settings).recent(50)))
    assert [(e.actor, e.action) for e in entries] == [
        ("cli:root", audit.ACCOUNT_ADDED), ("anna", audit.LOGIN),
        *[("anna", audit.LOGIN_FAILED)] * 5, ("anna", audit.LOGIN_LOCKED),
        ("cli:root", audit.ACCOUNT_PASSWORD_SET), ("cli:root", audit.ACCOUNT_DISABLED), ("anna", audit.LOGIN_DISABLED),
    ]
    assert all(e.subject == "anna" and e.at == clock.now for e in entries)
    assert entries[0].detail == {"role": EDITOR}
    assert [e.detail["tries_left"] for e in entries[2:7]] == [4, 3, 2, 1, 0] and "next_try_at" in entries[6].detail
    assert not any(PASSWORD in str(e.detail) or OTHER in str(e.detail) for e in entries)


def test_the_audit_log_can_be_read_by_actor_and_action(settings):
    log = AuditLog(settings)
    assert log.recent() == [], "a database that does not exist yet has no entries"
    log.record("dr.lee", "answer.approve", subject="How many sessions?", detail={"revision": 3})
    log.record("anna", "answer.edit", subject="How many sessions?")
    log.record("dr.lee", "login", subject="dr.lee")
    assert [e.action for e in log.recent(actor="dr.lee")] == ["login", "answer.approve"]
    assert [e.actor for e in log.recent(action="answer.*")] == ["anna", "dr.lee"]
    [approval] = log.recent(action="answer.approve")
    assert approval.detail == {"revision": 3} and approval.subject == "How many sessions?"
    assert len(log.recent(limit=2)) == 2


# --- a bad database --------------------------------------------------------------------------------------


def test_a_read_only_database_says_so_and_keeps_every_account(store, settings):
    store.add("anna", PASSWORD, role=EDITOR)
    with immutable(Path(settings.feedback_db)):
        for change in (lambda: store.add("bob", OTHER, role=EDITOR), lambda: store.authenticate("anna", PASSWORD),
                       lambda: AuditLog(settings).record("anna", "answer.edit")):
            with pytest.raises(AccountStoreError) as caught:
                change()
            assert "read-only" in str(caught.value) and str(settings.feedback_db) in str(caught.value)
        assert [a.name for a in store.list()] == ["anna"], "reading still works"
    assert store.authenticate("anna", PASSWORD).name == "anna"


def test_a_database_locked_by_another_program_says_try_again_and_loses_nothing(tmp_path):
    settings = make_settings(tmp_path, feedback_busy_timeout_seconds=0.1, feedback_write_attempts=2, **CHEAP_HASH)
    store = AccountStore(settings)
    store.add("anna", PASSWORD, role=EDITOR)
    holder = sqlite3.connect(settings.feedback_db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(AccountStoreError, match="locked by another program .* try again"):
            store.add("bob", OTHER, role=EDITOR)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store.add("bob", OTHER, role=EDITOR)
    assert [a.name for a in store.list()] == ["anna", "bob"]


def test_a_file_that_is_not_a_database_is_named_in_the_message(tmp_path):
    settings = make_settings(tmp_path, **CHEAP_HASH)
    Path(settings.feedback_db).write_text("these are my notes, not a database\n" * 200)
    with pytest.raises(AccountStoreError, match="is not a database"):
        AccountStore(settings).add("anna", PASSWORD, role=EDITOR)
    assert Path(settings.feedback_db).read_text().startswith("these are my notes")


def test_accounts_and_feedback_share_the_file_without_touching_each_other(tmp_path, settings):
    from chatbot.store.feedback import FeedbackStore

    store = AccountStore(settings)
    store.add("anna", PASSWORD, role=EDITOR)
    assert FeedbackStore(settings).records() == []
    with sqlite3.connect(settings.feedback_db) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"staff_accounts", "login_attempts", "login_lockouts", "audit_log"} <= tables
