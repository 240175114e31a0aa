"""``make bench``'s store rows: what logging an answer adds to the answer path, on SQLite and on a
throw-away PostgreSQL server (queued on the answer path, and the write itself on the writer thread)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from chatbot.bench.rows import Row, row, timed
from chatbot.settings import Settings
from chatbot.store.throwaway_postgres import PostgresServer, bin_dir

if TYPE_CHECKING:  # types only: importing the engine loads langchain and chromadb, which `--help` should not wait for
    from chatbot.engine.interface import AnswerEngine

STORE_WRITES = 300
"""Answers logged per back-end for the store rows: enough for a stable p95."""


def measure_store_writes(settings: Settings, engine: AnswerEngine, folder: Path) -> list[Row]:
    """What logging an answer adds to the answer path, on SQLite (written before the reply) and on a
    throw-away PostgreSQL server (queued; the write itself happens on the writer thread, also measured)."""
    from chatbot.store.feedback import FeedbackStore  # loads SQLAlchemy: not for `--help`

    answer = engine.ask("Does microneedling shrink pores?")

    def log(store: FeedbackStore, n: int) -> float:
        return timed(lambda: store.log_answer(session_id="bench", question=f"Does microneedling shrink pores? ({n})", history=[], answer=answer))

    sqlite = FeedbackStore(settings.with_sqlite(folder / "store-bench.sqlite3"))
    log(sqlite, -1)  # creates the tables
    rows = [row("store: log an answer, SQLite (on the answer path)", [log(sqlite, n) for n in range(STORE_WRITES)], "target: <= 5 ms p50")]
    if bin_dir() is None:
        return rows + [Row("store: PostgreSQL", 0, 0.0, 0.0, "not measured: PostgreSQL is not installed (`make postgres`)")]
    server = PostgresServer()
    try:
        on_pg = settings.replace(database_url=server.url(server.new_database()), feedback_db=None)
        direct, queued = FeedbackStore(on_pg, background=False), FeedbackStore(on_pg)
        log(direct, -1)
        rows.append(row("store: log an answer, PostgreSQL (queued, on the answer path)", [log(queued, n) for n in range(STORE_WRITES)],
                        "the write itself runs on the writer thread"))
        queued.flush(timeout=60)
        rows.append(row("store: the write itself, PostgreSQL (writer thread)", [log(direct, n) for n in range(STORE_WRITES)],
                        "one transaction over loopback, throw-away server (fsync off)"))
    finally:
        from chatbot.store.connection import dispose_engines

        dispose_engines()
        server.close()
    return rows
