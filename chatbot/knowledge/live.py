"""The live index version as readers see it: a snapshot of its Chroma collections and its BM25 side.

``LiveIndex`` follows the live index version (a re-ingest switches it under a
running app); a query takes one ``Snapshot`` and uses it throughout, so it never
mixes two versions.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from chatbot.errors import ChatbotError, ChromaUnavailableError, IndexCorruptError, IndexMissingError
from chatbot.knowledge.chroma import MULTILINGUAL_SUFFIX, connect, index_state, open_collection
from chatbot.knowledge.conditions import Condition, article_conditions
from chatbot.knowledge.keywords import KeywordIndex
from chatbot.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Snapshot:
    """One index version as a reader sees it: the Chroma collection plus its BM25 side."""

    version: str
    collection: object
    ids: tuple[str, ...]
    keywords: KeywordIndex
    multilingual: object | None = None
    """The version's multilingual (e5) vector set, None when the index was built without it."""
    conditions: tuple[Condition, ...] = ()
    """What its passages give as reasons not to have microneedling, or as a higher risk (``chatbot.knowledge.conditions``)."""


class LiveIndex:
    """The live index version, reloaded when an ingest switches versions.

    Thread-safe: readers take the current snapshot (an immutable object) and keep
    using it for their whole query, so a query never mixes two versions.
    """

    def __init__(self, settings: Settings, *, dimension: int, bm25_backend: str = "bm25s") -> None:
        self.settings = settings
        self.dimension = dimension
        self.bm25_backend = bm25_backend
        self._lock = threading.Lock()
        self._client = None
        self._snapshot: Snapshot | None = None
        self._checked_at = 0.0
        self.refresh(force=True)

    @property
    def version(self) -> str | None:
        return self._snapshot.version if self._snapshot else None

    def snapshot(self) -> Snapshot:
        """The current version. Every ``index_refresh_seconds`` one thread checks for a newer
        one; the others keep answering from the current snapshot meanwhile."""
        if self._snapshot is None:
            self.refresh(force=True)
        elif time.monotonic() - self._checked_at > self.settings.index_refresh_seconds:
            self.refresh(wait=False)
        assert self._snapshot is not None
        return self._snapshot

    def refresh(self, *, force: bool = False, failed: Snapshot | None = None, wait: bool = True) -> None:
        """Load the live version if it changed.

        ``force`` reloads even an unchanged version and raises when the index cannot be read.
        ``failed`` is the snapshot a query just failed on: the check raises the index errors
        (``ChromaUnavailableError`` for an outage), and is skipped when another thread has
        already replaced that snapshot. ``wait=False`` returns at once if another thread is
        checking. Otherwise a failed check is logged and the current snapshot stays in use.
        """
        if not self._lock.acquire(blocking=wait):
            return
        try:
            if failed is not None and self._snapshot is not failed:
                return
            self._checked_at = time.monotonic()
            self._check(force=force, strict=force or failed is not None or self._snapshot is None)
        finally:
            self._lock.release()

    def _check(self, *, force: bool, strict: bool) -> None:
        try:
            if self._client is None:
                self._client = connect(self.settings)
            state = index_state(self._client, self.settings)
            version = state.get("active")
            if version is None:
                raise IndexMissingError()
            if self._snapshot is not None and self._snapshot.version == version and not force:
                return
            snapshot = self._load(version)
        except Exception as exc:
            self._client = None  # reconnect next time: the server may come back, or the folder be rebuilt
            if strict and isinstance(exc, ChatbotError):
                raise
            if strict:
                raise ChromaUnavailableError(f"cannot read the index ({type(exc).__name__}: {exc})") from exc
            log.warning("index check failed (%s); still answering from %s", exc, self._snapshot.version)
            return
        self._snapshot = snapshot
        log.info("answering from index version %s (%d passages)", version, len(snapshot.ids))

    def _load(self, version: str) -> Snapshot:
        try:
            collection = open_collection(self._client, version)
            ids: list[str] = []
            texts: list[str] = []
            total = collection.count()
            step = self.settings.chroma_batch_size
            for offset in range(0, total, step):
                got = collection.get(include=["documents"], limit=step, offset=offset)
                ids.extend(got["ids"])
                texts.extend(got["documents"])
        except Exception as exc:
            raise IndexCorruptError(
                f"index version {version} cannot be read ({type(exc).__name__}: {exc}); run `chatbot ingest` to rebuild it"
            ) from exc
        multilingual = None
        if self.settings.multilingual:
            try:
                multilingual = open_collection(self._client, f"{version}{MULTILINGUAL_SUFFIX}")
            except Exception:  # built with multilingual off: other languages fall back to the English search
                log.warning("index version %s has no multilingual vectors; run `chatbot ingest` to add them", version)
        return Snapshot(
            version, collection, tuple(ids), KeywordIndex(texts, backend=self.bm25_backend), multilingual, article_conditions(texts)
        )

    def run(self, operation: Callable[[Snapshot], T]) -> T:
        """Run ``operation(snapshot)``. If it fails (the version vanished under a re-ingest, the
        server restarted), check the live version and retry once. Raises ``ChromaUnavailableError``
        when Chroma does not answer, and the operation's own error otherwise."""
        snap = self.snapshot()
        try:
            return operation(snap)
        except Exception as exc:
            log.info("query on %s failed (%s); checking the live version", snap.version, type(exc).__name__)
            self.refresh(failed=snap)
        snap = self.snapshot()
        try:
            return operation(snap)
        except Exception:
            self.refresh(failed=snap)  # an outage becomes a clear ChromaUnavailableError
            raise
