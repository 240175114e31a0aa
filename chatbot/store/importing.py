"""Moving a SQLite database of the clinic (``data/feedback.sqlite3`` of earlier releases) into the store.

Row for row, every table of ``chatbot.store.schema`` the file has, keeping ids (revisions point at
their answers by id) and every column both sides know; columns the file lacks get their
defaults. It happens inside the caller's transaction: all of it is stored, or none. The file
itself is only read. ``chatbot db import FILE`` runs it into an empty database; a new default
database takes in ``data/feedback.sqlite3`` by itself (``chatbot.store.migrate.upgrade``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from chatbot.errors import StoreImportError
from chatbot.store.quota import recount

CHUNK = 500


def read_source(path: Path) -> dict[str, list[dict]]:
    """Every row of the store's tables in the SQLite file at ``path``, by table."""
    from chatbot.store.schema import TABLES

    if not path.is_file():
        raise StoreImportError(f"{path} is not a file; give the path of the old database (e.g. data/feedback.sqlite3)")
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StoreImportError(f"cannot open {path} ({exc}); check the path and that it is readable") from None
    try:
        source.row_factory = sqlite3.Row
        names = {row[0] for row in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        rows = {}
        for table in TABLES:
            if table.name in names:
                rows[table.name] = [dict(r) for r in source.execute(f'SELECT * FROM "{table.name}"')]
        return rows
    except sqlite3.DatabaseError as exc:
        raise StoreImportError(f"{path} is not a database the chatbot wrote ({exc}); nothing was imported") from None
    finally:
        source.close()


def import_sqlite(tx, path: Path) -> dict[str, int]:
    """Copy the file's rows into the open transaction ``tx``; the number of rows per table."""
    from chatbot.store.schema import TABLES, reviewed_state

    rows = read_source(path)
    counts: dict[str, int] = {}
    for table in TABLES:
        found = rows.get(table.name, [])
        if table is reviewed_state:  # one counter row: carry it over, plus one so a running engine reloads
            version = max([r.get("version") or 0 for r in found], default=0)
            tx.run("UPDATE reviewed_state SET version = version + :v + 1 WHERE id = 1", v=int(version))
            counts[table.name] = len(found)
            continue
        known = set(table.c.keys())
        clean = [{k: v for k, v in r.items() if k in known} for r in found]
        for start in range(0, len(clean), CHUNK):
            tx.conn.execute(table.insert(), clean[start:start + CHUNK])
        counts[table.name] = len(clean)
    if tx.dialect == "postgresql":  # rows came with their ids: move each id sequence past them
        for table in TABLES:
            if "id" in table.c and table.c.id.autoincrement is True:
                tx.conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table.name}"
                )
    recount(tx)  # records of an earlier release have no size yet: the client quota counts them from here
    return counts


def holds_data(tx) -> list[str]:
    """The store's tables that already hold rows (the counter row aside)."""
    from chatbot.store.schema import TABLES, reviewed_state

    return [t.name for t in TABLES if t is not reviewed_state and tx.scalar(f"SELECT COUNT(*) FROM {t.name}")]
