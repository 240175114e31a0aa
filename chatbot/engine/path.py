"""The step with two variants: what the English and the multilingual paths share.

A question is read, searched, classified and quoted differently in English (MiniLM, the spelling
corrector, the follow-up rules) and in another language (e5, the glossary): each way is a
``LanguagePath`` (``chatbot.engine.english``, ``chatbot.engine.multilingual``) and the pipeline
(``chatbot.engine.pipeline``) picks one per question. Both read the live index's vocabulary and
word weights, and both add ``SAFETY_QUERY`` to a medical question's search.
"""

from __future__ import annotations

import threading
from typing import Protocol

from chatbot.answering.model import AnswerSentence, Citation, Scoring
from chatbot.engine.turn import Turn
from chatbot.knowledge.live import LiveIndex

SAFETY_QUERY = "Is microneedling safe for people with this condition? Risks and who should not have microneedling."
"""Added to a medical question's search, so the safety and contraindication passages are found too."""


class LanguagePath(Protocol):
    """One language variant of the pipeline's prepare, retrieve, guard and quote steps."""

    def prepare(self, turn: Turn) -> Turn:
        """Read the question (with the conversation, where the path can) and embed it once."""
        ...

    def retrieve(self, turn: Turn) -> Turn:
        """Set ``turn.passages``: what the question is answered from."""
        ...

    def guard(self, turn: Turn) -> Turn:
        """Set ``turn.verdict`` (urgent / medical / out_of_scope / general); a medical question's
        passages also get what the articles say about risks."""
        ...

    def quote(self, turn: Turn) -> tuple[list[AnswerSentence], list[Citation], tuple[str, ...]]:
        """The extractive answer for ``turn``."""
        ...


def scoring(index: LiveIndex, common_words: frozenset[str] = frozenset()) -> Scoring:
    """The live index's word weights (``idf``) and vocabulary, and the model's ``common_words`` (the
    reader's honest-gap line names a question word that is in neither)."""
    snap = index.snapshot()
    return Scoring(idf=snap.keywords.idf, vocabulary=snap.keywords.vocabulary, common_words=common_words)


class Vocabulary:
    """The live index's vocabulary, kept until the index changes; thread-safe."""

    def __init__(self, index: LiveIndex) -> None:
        self._index = index
        self._vocab_lock = threading.Lock()
        self._vocab: tuple[str | None, frozenset[str]] = (None, frozenset())

    def __call__(self) -> frozenset[str]:
        snap = self._index.snapshot()
        with self._vocab_lock:
            if self._vocab[0] != snap.version:
                self._vocab = (snap.version, snap.keywords.vocabulary)
            return self._vocab[1]
