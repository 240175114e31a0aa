"""``chatbot privacy``: retention, and one person's client records exported or erased.

    chatbot privacy status                       how full the client quota is, the retention, the oldest record
    chatbot privacy purge                        delete client records older than CHATBOT_RETENTION_DAYS (also done at start-up)
    chatbot privacy export --session ID          one person's records as JSON (a data-subject request)
    chatbot privacy export --text "TEXT"         ... of every conversation in which they wrote TEXT
    chatbot privacy erase --session ID | --text "TEXT" [--yes]

``erase`` shows what it would delete and asks for confirmation (``--yes`` skips the question; when
standard input is not a terminal, ``--yes`` is required). It is written to the audit log as
``privacy.erase`` with counts only, never the erased text.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from chatbot.errors import FeedbackStoreError
from chatbot.settings import Settings
from chatbot.store import retention
from chatbot.store.feedback import FeedbackStore


def add_parser(sub) -> None:
    privacy = sub.add_parser("privacy", help="client records: retention, export or erase one person's records")
    commands = privacy.add_subparsers(dest="privacy_command", required=True, metavar="COMMAND")
    commands.add_parser("status", help="how full the client quota is, the retention period, the oldest client record")
    commands.add_parser("purge", help="delete client records older than CHATBOT_RETENTION_DAYS now (the app also does it at start-up)")
    for name, text in (("export", "print one person's records as JSON, for a data-subject request"),
                       ("erase", "delete one person's records (asks first; written to the audit log without the text)")):
        command = commands.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        which = command.add_mutually_exclusive_group(required=True)
        which.add_argument("--session", metavar="ID", help="the chat session id (the content page's session column, or an export)")
        which.add_argument("--text", metavar="TEXT", help="something the person wrote: every conversation containing it")
        command.add_argument("--by", metavar="NAME", help="the staff member handling the request (recorded in the audit log)")
        if name == "erase":
            command.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def run(args: argparse.Namespace, settings: Settings) -> int:
    command = args.privacy_command
    if command == "status":
        return _status(settings)
    if command == "purge":
        count = retention.purge(settings, actor=_actor(None))
        kept = f"{settings.retention_days} days" if settings.retention_days > 0 else "for ever (CHATBOT_RETENTION_DAYS=0)"
        print(f"deleted {count} client records older than {kept}")
        return 0
    actor = _actor(args.by)
    if command == "export":
        selection = retention.export(settings, session=args.session, text=args.text, actor=actor)
        print(json.dumps({"sessions": list(selection.sessions), "records": list(selection.records)}, ensure_ascii=False, indent=2))
        return 0
    return _erase(args, settings, actor)


def _status(settings: Settings) -> int:
    store = FeedbackStore(settings)
    usage = store.usage()
    records = store.records()
    print(f"client records: {len(records)}, {usage.bytes / 1024 / 1024:.2f} MB of the {usage.quota_bytes / 1024 / 1024:g} MB quota "
          f"({usage.share:.0%}; CHATBOT_FEEDBACK_MAX_MB)")
    if usage.dropped:
        print(f"dropped to stay under the quota: {usage.dropped} (the last at {usage.dropped_at:%Y-%m-%d %H:%M} UTC)")
    kept = f"{settings.retention_days} days" if settings.retention_days > 0 else "for ever"
    oldest = f", the oldest from {records[-1].created_at:%Y-%m-%d}" if records else ""
    print(f"kept for {kept} (CHATBOT_RETENTION_DAYS){oldest}")
    return 0


def _erase(args: argparse.Namespace, settings: Settings, actor: str) -> int:
    found = retention.find(settings, session=args.session, text=args.text)
    if not found.records and not found.sessions:
        print("no client records match; nothing was erased")
        return 0
    what = f"{len(found.records)} client records in {len(found.sessions)} conversation(s)"
    if not args.yes:
        if not sys.stdin.isatty():
            raise FeedbackStoreError(f"this would erase {what}; run again with --yes to confirm (stdin is not a terminal)")
        reply = input(f"Erase {what}? This cannot be undone. Type 'erase' to confirm: ")
        if reply.strip().lower() != "erase":
            print("nothing was erased")
            return 1
    erased = retention.erase(settings, session=args.session, text=args.text, actor=actor)
    print(f"erased {len(erased.records)} client records in {len(erased.sessions)} conversation(s); the audit log says so, without the text")
    return 0


def _actor(by: str | None) -> str:
    user = f"cli:{getpass.getuser()}"
    return f"{user} for {by.strip()}" if by and by.strip() else user
