"""Removing index segment folders that no collection uses any more.

An embedded Chroma index keeps each collection's vectors in a folder named after its segment id
(a UUID) next to ``chroma.sqlite3``. Deleting a collection (an old index version, or one a killed
ingest left half-built) removes its rows but not always its folder, so every ingest left one
more folder behind. ``remove_orphaned_segments`` deletes the UUID-named folders that no segment
in ``chroma.sqlite3`` names; it touches nothing else in the folder.
"""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)

_SEGMENT_FOLDER = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def remove_orphaned_segments(index_dir: Path) -> list[str]:
    """Delete the segment folders of ``index_dir`` that no segment uses; returns their names.

    Does nothing (and returns []) when the folder has no ``chroma.sqlite3`` or it cannot be read,
    so a damaged index is never made worse.
    """
    database = Path(index_dir) / "chroma.sqlite3"
    if not database.is_file():
        return []
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as conn:
            used = {row[0] for row in conn.execute("SELECT id FROM segments")}
    except sqlite3.Error as exc:
        log.info("not removing unused index folders: cannot read %s: %s", database, exc)
        return []
    removed = []
    for folder in Path(index_dir).iterdir():
        if folder.is_dir() and _SEGMENT_FOLDER.match(folder.name) and folder.name not in used:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    if removed:
        log.info("removed %d unused index folder(s) from %s", len(removed), index_dir)
    return removed


__all__ = ["remove_orphaned_segments"]
