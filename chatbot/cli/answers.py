"""``chatbot answers export | import | check``: reviewed answers between databases, files and git.

Import is all or nothing: the whole file is checked first (schema, articles, quotes), and any
problem names the entry and changes nothing stored.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from chatbot.errors import ReviewedAnswersError
from chatbot.reviewed.model import NEEDS_REVIEW, article_sentences, read_yaml, to_yaml
from chatbot.reviewed.store import ReviewStore
from chatbot.settings import Settings
from chatbot.store.connection import database_url, describe


def add_parser(sub) -> None:
    answers = sub.add_parser("answers", help="export, import and check the clinic's reviewed answers")
    commands = answers.add_subparsers(dest="answers_command", required=True)
    export = commands.add_parser("export", help="write the served reviewed answers to a YAML file")
    export.add_argument("file", type=Path, help="the YAML file to write ('-' prints it)")
    imp = commands.add_parser("import", help="store the reviewed answers of a YAML file (all or nothing)")
    imp.add_argument("file", type=Path, help="the YAML file, e.g. corpus/reviewed_answers.yaml")
    imp.add_argument("--if-empty", action="store_true", help="only when no reviewed answer is stored yet (what `make setup` uses)")
    commands.add_parser("check", help="list the answers that need review; exits 1 when there are any")


def actor() -> str:
    """Who the command line acts as in the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in a container
        return "cli"


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

        entries = read_yaml(args.file, article_sentences(settings))
        if not (args.if_empty and store.answers()):  # checking each sentence's support loads the model: only when it will be stored
            embedder = Embedder(settings.embedding_model, batch_size=settings.embed_batch_size)
            verify_entries(entries, embedder, settings, corpus_idf(settings))
        imported, unchanged = store.import_entries(entries, actor=actor(), only_if_empty=args.if_empty)
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
