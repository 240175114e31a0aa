"""The engine as its callers see it: the evaluation, the bench, the CLI and the pages.

``chatbot.engine.engine.Engine`` is the one implementation; code that only asks questions and
reads the index types its parameter as ``AnswerEngine``, so it depends on this contract, not on
how the engine is built.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from chatbot.answering.model import Answer
from chatbot.engine.generator import Generator
from chatbot.knowledge.embeddings import Embedder, MultilingualEmbedder
from chatbot.knowledge.live import LiveIndex
from chatbot.knowledge.passages import ScoredPassage
from chatbot.knowledge.search import Mode
from chatbot.settings import Settings


class AnswerEngine(Protocol):
    """Answers questions from the live index (``Engine``)."""

    settings: Settings
    embedder: Embedder
    e5: MultilingualEmbedder | None
    """The multilingual embedder, or None when ``multilingual`` is off."""
    index: LiveIndex
    generator: Generator | None

    def ask(self, question: str, history: Sequence[str] = (), *, reviewed: bool = True) -> Answer:
        """Answer one question (``reviewed=False``: the generated answer even when a reviewed one matches)."""
        ...

    def stream(self, question: str, history: Sequence[str] = ()) -> Iterator[str | Answer]:
        """The answer text in pieces, then the final ``Answer``."""
        ...

    def search(self, query: str, *, k: int | None = None, mode: Mode = "hybrid") -> list[ScoredPassage]:
        """The passages an English question retrieves."""
        ...

    def search_multilingual(self, question: str, *, k: int | None = None) -> list[ScoredPassage]:
        """The passages a question in another language retrieves."""
        ...
