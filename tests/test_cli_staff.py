"""`chatbot staff ...` run as an admin runs it: a subprocess of .venv/bin/chatbot, the password
piped on stdin or typed on a real pseudo-terminal, never given as an argument."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time
from pathlib import Path

import pytest
from conftest import BIN, immutable

from chatbot.errors import AccountDisabledError
from chatbot.settings import load_settings
from chatbot.store.accounts import AccountStore
from chatbot.store.audit import AuditLog

pytestmark = pytest.mark.slow

CHATBOT = str(BIN / "chatbot")
PASSWORD = "tulip meadow river"
TIMEOUT = 60


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATBOT_")}
    env.update(
        CHATBOT_CONFIG=str(tmp_path / "no-config.toml"),
        CHATBOT_FEEDBACK_DB=str(tmp_path / "data" / "feedback.sqlite3"),
        CHATBOT_STAFF_HASH_MEMORY_KIB="1024",
        CHATBOT_STAFF_HASH_PASSES="1",
    )
    return env


def staff(env: dict[str, str], *args: str, stdin: str | None = "") -> subprocess.CompletedProcess:
    return subprocess.run([CHATBOT, "staff", *args], env=env, input=stdin, capture_output=True, text=True, timeout=TIMEOUT)


def store(env: dict[str, str]) -> AccountStore:
    return AccountStore(load_settings(env))


def one_error_line(result: subprocess.CompletedProcess, mentions: str) -> str:
    assert result.returncode != 0 and "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.strip().splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert mentions in lines[0], lines[0]
    return lines[0]


def test_add_reads_the_password_from_stdin_and_the_account_logs_in(env):
    result = staff(env, "add", "anna", "--role", "editor", stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert "created editor account 'anna'" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr
    user = store(env).authenticate("anna", PASSWORD)
    assert (user.name, user.role) == ("anna", "editor")
    [entry] = AuditLog(load_settings(env)).recent(action="account.add")
    assert entry.actor.startswith("cli") and entry.subject == "anna"


def test_a_password_is_never_a_command_line_argument(env):
    for command in ("add", "set-password"):
        help_text = subprocess.run([CHATBOT, "staff", command, "--help"], env=env, capture_output=True, text=True, timeout=TIMEOUT).stdout
        assert "--password" not in help_text and "stdin" in help_text
    refused = staff(env, "add", "anna", "--role", "editor", "--password", PASSWORD)
    assert refused.returncode == 2 and "unrecognized arguments" in refused.stderr
    assert store(env).list() == []


def test_list_shows_name_role_status_and_last_login(env):
    staff(env, "add", "anna", "--role", "editor", stdin=PASSWORD + "\n")
    staff(env, "add", "dr.lee", "--role", "clinician", stdin=PASSWORD + "\n")
    store(env).authenticate("dr.lee", PASSWORD)
    staff(env, "disable", "anna")
    lines = staff(env, "list").stdout.splitlines()
    assert lines[0].split() == ["NAME", "ROLE", "STATUS", "LAST", "LOGIN"]
    assert lines[1].split() == ["anna", "editor", "disabled", "never"]
    assert lines[2].split()[:3] == ["dr.lee", "clinician", "active"] and lines[2].endswith("UTC")


def test_disable_refuses_the_next_login_and_enable_undoes_it(env):
    staff(env, "add", "anna", "--role", "editor", stdin=PASSWORD + "\n")
    assert staff(env, "disable", "anna").returncode == 0
    with pytest.raises(AccountDisabledError):
        store(env).authenticate("anna", PASSWORD)
    assert staff(env, "enable", "anna").returncode == 0
    assert store(env).authenticate("anna", PASSWORD).name == "anna"


def test_set_password_replaces_the_password_and_unlocks_the_name(env):
    env["CHATBOT_LOGIN_SLOWDOWN_FIRST_SECONDS"] = "600"  # the wait (capped at a minute) outlasts starting `chatbot staff list`
    staff(env, "add", "anna", "--role", "editor", stdin=PASSWORD + "\n")
    accounts = store(env)
    for _ in range(5):
        with pytest.raises(Exception, match="not right"):
            accounts.authenticate("anna", "not the password")
    assert "slowed down until" in staff(env, "list").stdout
    result = staff(env, "set-password", "anna", stdin="lantern orchard copper\n")
    assert result.returncode == 0, result.stderr
    assert accounts.authenticate("anna", "lantern orchard copper").name == "anna"


@pytest.mark.parametrize(
    "args, stdin, mentions",
    [
        (["add", "anna", "--role", "editor"], "short\n", "at least 10 characters"),
        (["add", "anna", "--role", "editor"], "", "no password on standard input"),
        (["add", "anna smith", "--role", "editor"], PASSWORD + "\n", "cannot be an account name"),
        (["disable", "nobody"], "", "no staff account named 'nobody'"),
        (["set-password", "nobody"], PASSWORD + "\n", "chatbot staff list"),
    ],
)
def test_mistakes_get_one_clear_error_line(env, args, stdin, mentions):
    one_error_line(staff(env, *args, stdin=stdin), mentions)
    assert store(env).list() == []


def test_a_taken_name_is_refused_and_the_account_kept(env):
    staff(env, "add", "anna", "--role", "editor", stdin=PASSWORD + "\n")
    one_error_line(staff(env, "add", "ANNA", "--role", "admin", stdin="lantern orchard copper\n"), "already exists")
    assert [(a.name, a.role) for a in store(env).list()] == [("anna", "editor")]


def test_a_read_only_database_is_one_clear_error_line(env):
    staff(env, "add", "anna", "--role", "editor", stdin=PASSWORD + "\n")
    with immutable(Path(env["CHATBOT_FEEDBACK_DB"])):
        one_error_line(staff(env, "add", "bob", "--role", "editor", stdin=PASSWORD + "\n"), "read-only")
    assert [a.name for a in store(env).list()] == ["anna"]


def test_the_audit_command_lists_account_changes_oldest_first(env):
    staff(env, "add", "anna", "--role", "editor", stdin=PASSWORD + "\n")
    staff(env, "disable", "anna")
    lines = staff(env, "audit").stdout.splitlines()
    assert [line.split()[2] for line in lines] == ["account.add", "account.disable"]


# --- typed on a terminal ------------------------------------------------------------------------------


def _on_terminal(env: dict[str, str], args: list[str], answers: list[str]) -> tuple[int, str]:
    """Run ``chatbot staff ARGS`` on a pseudo-terminal, typing each answer after the next prompt."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([CHATBOT, "staff", *args], env=env, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    seen, pending, deadline, answered_at = b"", list(answers), time.monotonic() + TIMEOUT, 0
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the command exited and closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
                if pending and seen[answered_at:].rstrip().endswith(b":"):  # a new prompt
                    os.write(master, pending.pop(0).encode() + b"\n")
                    answered_at = len(seen)
            elif proc.poll() is not None:
                break
        return proc.wait(timeout=TIMEOUT), seen.decode(errors="replace")
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()


def test_on_a_terminal_the_password_is_asked_twice_and_not_echoed(env):
    code, screen = _on_terminal(env, ["add", "anna", "--role", "clinician"], [PASSWORD, PASSWORD])
    assert code == 0, screen
    assert "Password for anna:" in screen and "Same password again:" in screen
    assert PASSWORD not in screen, "the typed password is not echoed"
    assert store(env).authenticate("anna", PASSWORD).can_approve


def test_on_a_terminal_two_different_passwords_change_nothing(env):
    code, screen = _on_terminal(env, ["add", "anna", "--role", "editor"], [PASSWORD, "tulip meadow rivers"])
    assert code != 0 and "the two passwords are not the same" in screen and "Traceback" not in screen
    assert store(env).list() == []
