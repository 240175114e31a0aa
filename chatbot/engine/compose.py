"""The compose step's parts: the ``Answer`` assembled from a turn, and what it offers besides.

A turn ends as the clinic's reviewed answer (``serve_reviewed``), or as the generator's sentences or
the quoted passages with the guardrail's verdict, the related questions of an out-of-scope question
and the notes in the question's language (``finish``). ``chatbot.engine.pipeline`` decides which.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from chatbot.answering.model import Answer, AnswerSentence, Citation
from chatbot.engine.generator import GeneratedAnswer
from chatbot.engine.turn import Turn
from chatbot.guardrail.notes import with_unmentioned_note
from chatbot.guardrail.verdict import GENERAL, OUT_OF_SCOPE, OUT_OF_SCOPE_MESSAGE, GuardrailVerdict
from chatbot.knowledge.corpus import CommonQuestion
from chatbot.knowledge.live import LiveIndex
from chatbot.knowledge.passages import StoredChunk
from chatbot.languages.messages import MessageCatalogue
from chatbot.reviewed.library import build_reviewed_answer


@dataclass(frozen=True)
class RelatedQuestions:
    """The common questions and their embeddings: what to offer when a question is out of scope."""

    questions: list[CommonQuestion]
    vectors: np.ndarray
    """MiniLM embeddings of ``questions``."""
    vectors_e5: np.ndarray | None = None
    """Their e5 embeddings, when ``multilingual`` is on."""

    def closest(self, vector: np.ndarray, *, limit: int = 3, multilingual: bool = False) -> list[str]:
        """Common questions closest to ``vector``. ``multilingual``: ``vector`` is an e5 embedding
        (a question in another language); the questions offered stay in English."""
        if not self.questions:
            return []
        matrix = self.vectors_e5 if multilingual else self.vectors
        order = np.argsort(-(matrix @ vector))[:limit]
        return [self.questions[i].question for i in order]


class ArticlePassages:
    """Every passage of an article in the live index (``StoredChunk``s), cached per index version:
    what a reviewed answer's quotes are checked against."""

    def __init__(self, index: LiveIndex, dimension: int) -> None:
        self._index = index
        self._dimension = dimension
        self._passages_cache: dict[tuple[str | None, str], list] = {}

    def __call__(self, article: str) -> list[StoredChunk]:
        def read(snap) -> list:
            got = snap.collection.get(where={"article": article}, include=["documents", "metadatas"])
            return [StoredChunk.from_record(i, d, m, self._dimension) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]

        version = self._index.version
        cache = self._passages_cache
        if (version, article) not in cache:
            if len(cache) > 64:
                cache.clear()
            cache[(version, article)] = self._index.run(read)
        return cache[(version, article)]


def serve_reviewed(turn: Turn, passages_of: Callable[[str], list]) -> Answer | None:
    """The reviewed answer ``turn`` found (see the review step), or None: none was found, or one of
    its quotes is not in the live index any more."""
    if turn.reviewed is None:
        return None
    reviewed, match = turn.reviewed
    turn.timings["answer"] = 0.0  # a stored answer: nothing is composed
    turn.timings["total"] = (time.perf_counter() - turn.started) * 1000
    return build_reviewed_answer(
        reviewed, match, question=turn.question, verdict=turn.verdict, passages_of=passages_of,
        retrieved=turn.passages, standalone=turn.query, timings=turn.timings,
    )


def finish(
    turn: Turn,
    result: GeneratedAnswer | None,
    *,
    quote: Callable[[Turn], tuple[list[AnswerSentence], list[Citation], tuple[str, ...]]],
    messages: MessageCatalogue,
    related: RelatedQuestions,
    multilingual: bool,
) -> Answer:
    """Assemble the ``Answer`` from a generator's result, or ``quote`` the passages when there is none.
    ``multilingual``: the turn took the multilingual path (its vector is an e5 embedding)."""
    answer_started = time.perf_counter()
    verdict = turn.verdict
    assert verdict is not None and turn.vector is not None
    notes: tuple[str, ...] = ()
    extra: dict[str, Any] = {}
    generator_name = "extractive"
    if result is not None:
        sentences, citations = list(result.sentences), list(result.citations)
        notes, extra, generator_name = tuple(result.notes), dict(result.verification), result.name
    else:
        sentences, citations, notes = quote(turn)
    language = turn.language
    if not turn.foreign:
        verdict = with_unmentioned_note(verdict, [p.chunk.text for p in turn.passages])
    if verdict.category == GENERAL and not sentences:
        message = messages.text("out_of_scope", language) if turn.foreign else OUT_OF_SCOPE_MESSAGE
        verdict = GuardrailVerdict(OUT_OF_SCOPE, "no passage sentence answers it closely enough", message, "no-answer")
    supported = turn.detection is None or turn.detection.supported
    offered = tuple(related.closest(turn.vector, multilingual=multilingual)) if verdict.category == OUT_OF_SCOPE and supported else ()
    done = time.perf_counter()
    turn.timings["answer"] = (done - answer_started) * 1000
    turn.timings["total"] = (done - turn.started) * 1000
    return Answer(
        question=turn.question,
        sentences=tuple(sentences) if verdict.category != OUT_OF_SCOPE else (),
        citations=tuple(citations) if verdict.category != OUT_OF_SCOPE else (),
        guardrail=verdict,
        passages=tuple(turn.passages),
        related_questions=offered,
        suggestions=turn.suggestions if verdict.category == GENERAL else (),
        notes=notes,
        standalone_question=turn.query,
        timings_ms=dict(turn.timings),
        generator=generator_name,
        verification=extra,
        language=language,
        intro=messages.text("note", language) if turn.foreign and supported else "",
        disclaimer=messages.text("disclaimer", language) if supported else messages.text("disclaimer"),
    )
