"""``chatbot db``: create or migrate the clinic's database, show what it holds, import an old SQLite file.

    chatbot db upgrade          create the tables or bring them to the newest revision
    chatbot db status           which database, its revision, and the rows of each table
    chatbot db import FILE      copy a SQLite database of an earlier release into an empty database
"""

from __future__ import annotations

import argparse
from pathlib import Path

from chatbot.errors import StoreImportError
from chatbot.settings import Settings
from chatbot.store.connection import Tx, database_url, describe
from chatbot.store.database import Database
from chatbot.store.migrate import head_revision


def add_parser(sub) -> None:
    db = sub.add_parser("db", help="create or migrate the database (CHATBOT_DATABASE_URL), show it, import an old SQLite file")
    commands = db.add_subparsers(dest="db_command", required=True)
    commands.add_parser("upgrade", help="create the tables, or migrate them to the newest revision (also done on start-up)")
    commands.add_parser("status", help="the database in use, its revision and the number of rows per table")
    imp = commands.add_parser("import", help="copy a SQLite file of an earlier release (data/feedback.sqlite3) into an empty database")
    imp.add_argument("file", type=Path, help="the SQLite file to read (it is only read)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    db = Database(settings, what="the clinic's data", error=StoreImportError)
    where = describe(database_url(settings))
    if args.db_command == "upgrade":
        revision = db.upgrade()
        print(f"{where} is at revision {revision} (the newest is {head_revision()})")
        return 0
    if args.db_command == "status":
        db.upgrade()
        counts = db.read(_counts, empty={})
        print(f"{where}, revision {db.read(lambda tx: tx.scalar('SELECT version_num FROM alembic_version'), empty='none')}")
        for table, n in counts.items():
            print(f"  {table:20} {n:>8} rows")
        return 0
    return _import(db, args.file, where)


def _counts(tx: Tx) -> dict[str, int]:
    from chatbot.store.schema import TABLES

    return {t.name: int(tx.scalar(f"SELECT COUNT(*) FROM {t.name}")) for t in TABLES}


def _import(db: Database, path: Path, where: str) -> int:
    from chatbot.store.importing import holds_data, import_sqlite, read_source

    read_source(path)  # a bad file is reported before anything else happens
    if db.sqlite and db.path and path.resolve() == db.path.resolve():
        raise StoreImportError(f"{path} is the database in use already; set CHATBOT_DATABASE_URL to the database to import it into")
    db.upgrade()

    def copy(tx: Tx) -> dict[str, int]:
        busy = holds_data(tx)
        if busy:
            raise StoreImportError(
                f"{where} already holds data ({', '.join(busy)}), so {path} was not imported (an import never merges); "
                "import into a new, empty database"
            )
        return import_sqlite(tx, path)

    counts = db.write(copy)
    print(f"imported {', '.join(f'{n} {t}' for t, n in counts.items() if n) or 'nothing'} from {path} into {where}; {path} is unchanged")
    return 0
