"""``chatbot staff ...``: create and manage staff accounts, and read the audit log.

Passwords are never command-line arguments (they would show in the shell history and in
``ps``). On a terminal they are asked for twice, without echo. When standard input is not a
terminal, the first line of it is the password, so scripts and tests can pipe one in::

    printf '%s\\n' "$PASSWORD" | chatbot staff add anna --role editor
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import datetime

from chatbot.errors import AccountError
from chatbot.settings import Settings
from chatbot.store.accounts import AccountStore
from chatbot.store.audit import AuditLog
from chatbot.store.staff import ROLE_DUTIES, ROLES, format_time

STDIN_NOTE = "The password is asked for twice on a terminal; when stdin is not a terminal its first line is the password."


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``staff`` and its subcommands to the ``chatbot`` parser."""
    roles = "; ".join(f"{r}: {ROLE_DUTIES[r]}" for r in ROLES)
    staff = sub.add_parser("staff", help="create and manage staff accounts; read the audit log",
                           description=f"Staff accounts for the staff pages. Roles: {roles}. {STDIN_NOTE}")
    commands = staff.add_subparsers(dest="staff_command", required=True, metavar="COMMAND")

    add = commands.add_parser("add", help="create an account (asks for its password)", description=f"Create a staff account. {STDIN_NOTE}")
    add.add_argument("name", help="the name the person logs in with, e.g. anna or dr.lee")
    add.add_argument("--role", required=True, choices=ROLES, help="; ".join(f"{r}: {ROLE_DUTIES[r]}" for r in ROLES))

    listing = commands.add_parser("list", help="every account: name, role, status, last login")
    listing.add_argument("--json", action="store_true", help="print the accounts as a JSON list")

    for command, text in (
        ("disable", "refuse every further login of an account (its history stays)"),
        ("enable", "let a disabled account log in again"),
        ("unlock", "lift the lock after too many wrong passwords"),
    ):
        commands.add_parser(command, help=text, description=text[0].upper() + text[1:] + ".").add_argument("name")

    password = commands.add_parser("set-password", help="give an account a new password (asks for it; also unlocks the name)",
                                   description=f"Give an account a new password; this also lifts a lock on the name. {STDIN_NOTE}")
    password.add_argument("name")

    log = commands.add_parser("audit", help="the latest audit log entries: logins, account changes, approvals")
    log.add_argument("--limit", type=int, default=50, help="how many entries (default 50)")
    log.add_argument("--actor", help="only this person's entries")
    log.add_argument("--action", help="only this action; a trailing * matches a prefix (login*)")
    log.add_argument("--json", action="store_true", help="print the entries as JSON lines")


def cmd_staff(args: argparse.Namespace, settings: Settings) -> int:
    store = AccountStore(settings)
    actor = _actor()
    command = args.staff_command
    if command == "add":
        user = store.add(args.name, read_new_password(f"Password for {args.name.strip()}: "), role=args.role, actor=actor)
        print(f"created {user.role} account {user.name!r}; they can now log in on the staff pages")
    elif command == "set-password":
        store.require(args.name)  # an unknown name fails before the password is asked for
        store.set_password(args.name, read_new_password(f"New password for {args.name.strip()}: "), actor=actor)
        print(f"the password of {args.name.strip()!r} is changed; sessions logged in with the old one are logged out")
    elif command == "disable":
        store.disable(args.name, actor=actor)
        print(f"{args.name.strip()!r} is disabled and can no longer log in; `chatbot staff enable {args.name.strip()}` undoes this")
    elif command == "enable":
        store.enable(args.name, actor=actor)
        print(f"{args.name.strip()!r} can log in again")
    elif command == "unlock":
        store.unlock(args.name, actor=actor)
        print(f"{args.name.strip()!r} is unlocked")
    elif command == "list":
        print_accounts(store, as_json=args.json)
    elif command == "audit":
        print_audit(AuditLog(settings), args)
    return 0


def read_new_password(prompt: str) -> str:
    """A new password: typed twice without echo on a terminal, else the first line of stdin.

    Raises ``AccountError`` when the two entries differ or nothing was given.
    """
    if sys.stdin is None or not sys.stdin.isatty():
        line = sys.stdin.readline() if sys.stdin is not None else ""
        if not line:
            raise AccountError("no password on standard input: pipe it in as the first line, or run the command in a terminal")
        return line.rstrip("\r\n")
    first = getpass.getpass(prompt)
    if getpass.getpass("Same password again: ") != first:
        raise AccountError("the two passwords are not the same; nothing was changed, run the command again")
    return first


def print_accounts(store: AccountStore, *, as_json: bool) -> None:
    accounts = store.list()
    if as_json:
        rows = [{"name": a.name, "role": a.role, "status": a.status, "disabled": a.disabled, "created_at": _iso(a.created_at),
                 "last_login_at": _iso(a.last_login_at), "locked_until": _iso(a.locked_until)} for a in accounts]
        print(json.dumps(rows, indent=2))
        return
    if not accounts:
        print("no staff accounts yet: create the first with `chatbot staff add NAME --role admin`")
    else:
        table = [("NAME", "ROLE", "STATUS", "LAST LOGIN")] + [
            (a.name, a.role, a.status, format_time(a.last_login_at) if a.last_login_at else "never") for a in accounts
        ]
        widths = [max(len(row[i]) for row in table) for i in range(4)]
        for row in table:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    if store.legacy_password:
        print("note: CHATBOT_STAFF_PASSWORD is set, so the shared password also logs in as 'admin' (deprecated; "
              "unset it once everyone has an account)", file=sys.stderr)


def print_audit(log: AuditLog, args: argparse.Namespace) -> None:
    entries = log.recent(args.limit, actor=args.actor, action=args.action)
    if args.json:
        for e in entries:
            print(json.dumps({"id": e.id, "at": _iso(e.at), "actor": e.actor, "action": e.action, "subject": e.subject, "detail": e.detail},
                             ensure_ascii=False))
        return
    if not entries:
        print("no audit log entries" + (" match" if args.actor or args.action else " yet"))
    for e in reversed(entries):  # oldest first, like a log file
        detail = " ".join(f"{k}={v}" for k, v in sorted(e.detail.items()))
        print(f"{_iso(e.at)}  {e.actor:<16} {e.action:<22} {e.subject}  {detail}".rstrip())


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in this environment (some containers)
        return "cli"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None
