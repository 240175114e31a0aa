"""One ingest: build the index, mark the reviewed answers it made stale, store the start-up vectors.

    corpus/ -> build_index            (chatbot.knowledge.index: clean, chunk, embed, write a new version)
            -> mark_stale_answers     (chatbot.reviewed.store: a quoted sentence that changed un-serves its answer)
            -> precompute_startup_vectors  (chatbot.engine.startup: so the app starts without embedding them)

``chatbot ingest`` and ``make run`` run this; the index itself knows nothing of reviewed answers.
"""

from __future__ import annotations

import logging

from chatbot.engine.startup import precompute_startup_vectors
from chatbot.errors import ChatbotError
from chatbot.knowledge.embeddings import Embedder
from chatbot.knowledge.index import IngestReport, build_index
from chatbot.reviewed.store import mark_stale_answers
from chatbot.settings import Settings

log = logging.getLogger(__name__)


def ingest(settings: Settings, embedder: Embedder, *, show_progress: bool = True) -> IngestReport:
    """Bring the index in line with the corpus folder, then everything that depends on it.

    Returns the index's report with ``needs_review`` filled in. Raises what ``build_index`` raises
    (``CorpusError``, the connection errors, ``IndexWriteError``); a reviewed-answer store that
    cannot be read is logged, not raised: the new index is live either way.
    """
    report = build_index(settings, embedder, show_progress=show_progress)
    report.needs_review = check_reviewed_answers(settings)
    precompute_startup_vectors(settings, embedder)
    return report


def check_reviewed_answers(settings: Settings) -> list[str]:
    """Mark the reviewed answers whose quotes the live index no longer has; returns their questions."""
    try:
        return mark_stale_answers(settings)
    except ChatbotError as exc:  # an answer whose quote is gone is not served either way
        log.warning("could not check the reviewed answers against the new index: %s", exc)
        return []
