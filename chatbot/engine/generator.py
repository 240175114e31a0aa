"""The answer-generator plug-in point: what a generator (such as an LLM) receives and returns.

A generator sees the ``Turn`` and a narrow ``GenerationContext`` (the settings, the embedder, the
index's word weights and the extractive answer to fall back on), never the whole engine.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from chatbot.answering.model import AnswerSentence, Citation, Scoring
from chatbot.engine.turn import Turn
from chatbot.knowledge.embeddings import TextEmbedder
from chatbot.settings import Settings


@dataclass(frozen=True)
class GeneratedAnswer:
    """What an answer generator (such as an LLM) returns to the engine.

    A generator is any object with ``generate(turn, context) -> GeneratedAnswer`` and,
    optionally, ``stream(turn, context)`` yielding text pieces and then a ``GeneratedAnswer``
    (see ``Generator``).
    It is only called for ``general`` and ``medical`` questions: the guardrail settles
    urgent and out-of-scope ones without it.
    """

    sentences: Sequence[AnswerSentence]
    citations: Sequence[Citation]
    name: str = "llm"
    notes: Sequence[str] = ()
    """Short notices shown under the answer, e.g. "The language model did not answer in time; quoting the articles instead." """
    verification: dict[str, Any] = field(default_factory=dict)
    """What citation verification dropped or corrected; shown in ``--json`` and the evaluation."""


class GenerationContext(Protocol):
    """What a generator may use of the engine."""

    settings: Settings
    embedder: TextEmbedder

    def scoring(self) -> Scoring:
        """The live index's word weights (``idf``), for verification."""
        ...

    def quote(self, turn: Turn) -> tuple[list[AnswerSentence], list[Citation], tuple[str, ...]]:
        """The extractive answer for ``turn``: what a generator falls back to."""
        ...


@runtime_checkable
class Generator(Protocol):
    """Writes the answer for ``general`` and ``medical`` questions from the retrieved passages."""

    def generate(self, turn: Turn, context: GenerationContext) -> GeneratedAnswer: ...


@runtime_checkable
class StreamingGenerator(Generator, Protocol):
    """A generator that can also yield its text in pieces, then the ``GeneratedAnswer``."""

    def stream(self, turn: Turn, context: GenerationContext) -> Iterator[str | GeneratedAnswer]: ...
