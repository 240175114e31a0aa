"""The index's versions in Chroma: connect, read the state pointer, open and drop version collections.

Layout in Chroma (embedded folder or server, same code path):

* ``<base>__state``: an empty collection whose metadata names the live version.
* ``<base>-v<stamp>``: one version of the index, one record per unique chunk.
  The record's embedding is the chunk vector; its metadata holds the keys in
  ``CHUNK_METADATA_KEYS`` (the sentences and their vectors are packed so the
  answerer never re-embeds article text).
* ``<base>-v<stamp>-dups``: chunks collapsed as near-duplicates, kept so the
  next ingest does not embed them again and so the content team can see them.
* ``<base>-v<stamp>-e5``: the same chunks embedded by multilingual-e5-small (the
  chunk vector and its sentence vectors), what questions in other languages are
  searched and quoted with. Written before the pointer flips, so it switches with
  its version; absent when ``multilingual`` is off.

Building a version is ``chatbot.knowledge.index``; reading the live one is
``chatbot.knowledge.live``. Both reach Chroma only through this module.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from chatbot.errors import ChromaUnavailableError, IndexCorruptError, IndexMissingError, IndexWriteError
from chatbot.knowledge.segments import remove_orphaned_segments
from chatbot.settings import Settings

log = logging.getLogger(__name__)

STATE_SUFFIX = "__state"
MULTILINGUAL_SUFFIX = "-e5"
"""Suffix of a version's multilingual vector set."""


# --- connecting ----------------------------------------------------------------


def connect(settings: Settings, *, create: bool = False):
    """Open the Chroma client: the server when host and port are set, else the local folder.

    Raises ``ChromaUnavailableError`` when the server does not answer,
    ``IndexMissingError`` when the folder does not exist and ``create`` is false,
    and ``IndexWriteError`` when the folder cannot be created or written.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    server = settings.chroma_server
    if server:
        host, port = server
        try:
            client = chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
            client.heartbeat()
        except Exception as exc:  # chromadb raises several transport errors
            raise ChromaUnavailableError(
                f"Chroma server at {host}:{port} is not reachable ({type(exc).__name__}); "
                "start it with `chroma run --host 127.0.0.1 --port PORT --path DIR` or unset CHATBOT_CHROMA_HOST"
            ) from exc
        return client
    folder = Path(settings.index_dir)
    if not create and not (folder / "chroma.sqlite3").exists():
        raise IndexMissingError(f"index not built yet in {folder}: run `chatbot ingest` (or `make setup`)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Chroma writes its log even to answer, so a read-only folder fails either way: say so up front.
        if not os.access(folder, os.W_OK):
            raise PermissionError(f"{folder} is read-only")
    except OSError as exc:  # permissions, a read-only disk, a file where the folder should be
        raise IndexWriteError(f"cannot write the index folder {folder}: {exc}; fix its permissions or set CHATBOT_INDEX_DIR") from exc
    try:
        return chromadb.PersistentClient(path=str(folder), settings=chroma_settings)
    except Exception as exc:
        raise IndexCorruptError(
            f"index in {folder} cannot be opened ({type(exc).__name__}: {exc}); delete the folder and run `chatbot ingest`"
        ) from exc


def _state_name(settings: Settings) -> str:
    return f"{settings.collection}{STATE_SUFFIX}"


def index_state(client, settings: Settings) -> dict[str, Any]:
    """Metadata of the live version: ``active`` (collection name), ``fingerprint``, ``chunks``,
    ``built_at``, ``format`` and ``model``. Empty when nothing was built.

    Raises ``ChromaUnavailableError`` when Chroma cannot be asked (a server that went down),
    so an outage is never mistaken for a missing index.
    """
    from chromadb.errors import NotFoundError

    try:
        state = client.get_collection(_state_name(settings), embedding_function=None)
    except NotFoundError:
        return {}
    except Exception as exc:
        raise _unavailable(settings, exc) from exc
    return dict(state.metadata or {})


def _unavailable(settings: Settings, exc: Exception) -> ChromaUnavailableError:
    if settings.chroma_server:
        host, port = settings.chroma_server
        return ChromaUnavailableError(
            f"the Chroma server at {host}:{port} stopped answering ({type(exc).__name__}); "
            "answers resume by themselves once it is back (`chroma run --host 127.0.0.1 --port PORT --path DIR`)"
        )
    return ChromaUnavailableError(
        f"the index in {settings.index_dir} cannot be read ({type(exc).__name__}: {exc}); check the folder or run `chatbot ingest`"
    )


def active_version(client, settings: Settings) -> str | None:
    """Name of the live collection, or None when nothing was built yet."""
    return index_state(client, settings).get("active")


def _version_collections(client, settings: Settings) -> list[str]:
    prefix = f"{settings.collection}-v"
    names = [c if isinstance(c, str) else c.name for c in client.list_collections()]
    return [n for n in names if n.startswith(prefix)]


def open_collection(client, name: str):
    return client.get_collection(name, embedding_function=None)


def state_collection(client, settings: Settings):
    return client.get_or_create_collection(_state_name(settings), embedding_function=None)


def all_ids(client, name: str) -> list[str]:
    try:
        return list(open_collection(client, name).get(include=[])["ids"])
    except Exception:
        return []


def drop_leftovers(client, settings: Settings, *, keep: str | None) -> None:
    """Delete versions that are not live: old ones and those a crashed ingest left behind."""
    for name in _version_collections(client, settings):
        if keep and name in (keep, f"{keep}-dups", f"{keep}{MULTILINGUAL_SUFFIX}"):
            continue
        try:
            client.delete_collection(name)
        except Exception as exc:  # a concurrent reader or another ingest may have removed it
            log.info("could not remove old index version %s: %s", name, exc)
    if not settings.chroma_server:
        remove_orphaned_segments(Path(settings.index_dir))

