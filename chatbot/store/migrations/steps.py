"""What the revisions after 0001 do again and again, written once.

Revision 0001 creates every table of ``chatbot.store.schema`` that a database lacks, so on a new
database a later revision finds some of its tables, columns and indexes there already: each step
here checks first and only adds what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from alembic import op


def add_missing(
    *, tables: Iterable[sa.Table] = (), columns: Iterable[tuple[sa.Table, str]] = (), indexes: Iterable[sa.Index] = ()
) -> None:
    """Create the ``tables``, add the ``columns`` (table, column name) and create the ``indexes``
    (from the schema's definitions) that the connected database does not have yet."""
    conn = op.get_bind()
    inspector = sa.inspect(conn)
    existing = set(inspector.get_table_names())
    for table in tables:
        if table.name not in existing:
            table.create(conn)
    for table, column in columns:
        if column not in {c["name"] for c in inspector.get_columns(table.name)}:
            op.add_column(table.name, table.c[column]._copy())
    for index in indexes:
        if index.name not in {i["name"] for i in sa.inspect(conn).get_indexes(index.table.name)}:
            index.create(conn)
