"""``chatbot answers export | import | check``: reviewed answers between databases, files and git.

Import is all or nothing: the whole file is checked first (schema, articles, quotes, no date in
the future, the size and nesting limits), and any problem names the entry and changes nothing
stored. The audit log records who ran it (the OS user, and the staff account given with
``--by``), when, and the file's sha256.
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import sys
from pathlib import Path

from chatbot.errors import ReviewedAnswersError
from chatbot.reviewed.model import NEEDS_REVIEW, article_sentences, read_yaml, to_yaml
from chatbot.reviewed.store import ReviewStore
from chatbot.settings import Settings
from chatbot.store.accounts import AccountStore
from chatbot.store.connection import database_url, describe
from chatbot.text.structured import InputLimits


def add_parser(sub) -> None:
    answers = sub.add_parser("answers", help="export, import and check the clinic's reviewed answers")
    commands = answers.add_subparsers(dest="answers_command", required=True)
    export = commands.add_parser("export", help="write the served reviewed answers to a YAML file")
    export.add_argument("file", type=Path, help="the YAML file to write ('-' prints it)")
    imp = commands.add_parser("import", help="store the reviewed answers of a YAML file (all or nothing)")
    imp.add_argument("file", type=Path, help="the YAML file, e.g. corpus/reviewed_answers.yaml")
    imp.add_argument("--if-empty", action="store_true", help="only when no reviewed answer is stored yet (what `make setup` uses)")
    imp.add_argument("--by", metavar="NAME", help="your staff account, recorded in the audit log with the OS user and the file's sha256")
    commands.add_parser("check", help="list the answers that need review; exits 1 when there are any")


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in a container
        return ""


def actor() -> str:
    """Who the command line acts as in the audit log."""
    return f"cli:{os_user()}" if os_user() else "cli"


def provenance(path: Path, settings: Settings, by: str | None) -> dict[str, str | None]:
    """What the audit log keeps about an import: the file, its sha256, the OS user and the ``--by`` account."""
    account = AccountStore(settings).require(by).name if by else None  # an unknown name fails before anything is stored
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ReviewedAnswersError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return {"file": str(path), "sha256": digest, "os_user": os_user() or None, "by": account}


def run(args: argparse.Namespace, settings: Settings) -> int:
    store = ReviewStore(settings)
    if args.answers_command == "export":
        text = to_yaml(store.answers())
        if str(args.file) == "-":
            sys.stdout.write(text)
        else:
            try:
                args.file.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise ReviewedAnswersError(f"cannot write {args.file}: {exc.strerror or exc}") from exc
            print(f"exported {len(store.served())} reviewed answers to {args.file}")
        return 0
    if args.answers_command == "import":
        from chatbot.knowledge.embeddings import Embedder
        from chatbot.reviewed.desk import corpus_idf, verify_entries

        entries = read_yaml(args.file, article_sentences(settings), limits=InputLimits.of(settings))
        source = provenance(args.file, settings, args.by)
        if not (args.if_empty and store.answers()):  # checking each sentence's support loads the model: only when it will be stored
            embedder = Embedder(settings.embedding_model, batch_size=settings.embed_batch_size)
            verify_entries(entries, embedder, settings, corpus_idf(settings))
        imported, unchanged = store.import_entries(entries, actor=actor(), only_if_empty=args.if_empty, provenance=source)
        if args.if_empty and not imported and unchanged:
            print(f"reviewed answers already stored in {describe(database_url(settings))}; {args.file} not imported (run without --if-empty to update them)")
        else:
            print(f"imported {imported} reviewed answers from {args.file} ({unchanged} unchanged)")
        return 0
    stale = [a for a in store.answers() if a.status == NEEDS_REVIEW]
    if not stale:
        print(f"all {len(store.served())} reviewed answers match the articles")
        return 0
    print(f"{len(stale)} reviewed answer(s) need review (not served until approved again):")
    for a in stale:
        print(f"- {a.question}")
        for q in a.stale:
            print(f"    [{q.n}] {q.article}: was \"{q.old}\"")
            print(f"        now \"{q.new}\"" if q.new else "        the article is gone")
    return 1
