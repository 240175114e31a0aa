"""The answer's data types: what the pipeline returns, the chat renders and ``--json`` prints.

``Answer.to_json`` is the stable JSON contract of ``chatbot ask --json``. These types carry no
algorithm: the extractive composer (``chatbot.answering.extractive``), the reviewed-answer library
and the LLM generator all build them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from chatbot.guardrail.verdict import DISCLAIMER, MEDICAL, GuardrailVerdict
from chatbot.knowledge.passages import ScoredPassage


@dataclass(frozen=True)
class Citation:
    """A numbered source. ``sentences`` are the passage sentences the answer quotes."""

    n: int
    article: str
    title: str
    section: str
    chunk_id: str
    text: str
    score: float
    sentences: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "sentences"} | {"sentences": list(self.sentences)}


@dataclass(frozen=True)
class AnswerSentence:
    text: str
    """The sentence without its marker."""
    citation: int | None
    """The ``n`` of its source, or None for the bot's own notices and the clinic's statements."""
    also_cites: tuple[int, ...] = ()
    """Reviewed answers: further sources the sentence cites ("... [2][3]")."""
    clinic: bool = False
    """Reviewed answers: a statement of the clinic itself (a price, opening hours), shown as "From the clinic"."""
    more: bool = False
    """Quoted under "More from the articles", after the short answer (``chatbot/answering/lead.py``)."""

    @property
    def cited(self) -> tuple[int, ...]:
        return ((self.citation,) if self.citation else ()) + self.also_cites

    def marked(self) -> str:
        """The sentence as plain text with its ``[n]`` markers (or the clinic label)."""
        if self.clinic:
            return f"{self.text} (From the clinic)"
        return f"{self.text} " + "".join(f"[{n}]" for n in self.cited) if self.cited else self.text


@dataclass(frozen=True)
class ReviewedInfo:
    """Where a reviewed answer comes from: the question it was written for and who signed it off."""

    question: str
    reviewed_by: str
    reviewed_at: str
    """ISO-8601 date and time (UTC)."""
    matched: str = ""
    """The phrasing the client's question matched (the question or one of its other phrasings)."""

    @property
    def date(self) -> str:
        """The review date as clients read it ("2 December 2026")."""
        from datetime import datetime

        try:
            when = datetime.fromisoformat(self.reviewed_at)
        except ValueError:
            return self.reviewed_at
        return f"{when.day} {when:%B %Y}"

    def to_json(self) -> dict[str, str]:
        return {"question": self.question, "reviewed_by": self.reviewed_by, "reviewed_at": self.reviewed_at}


@dataclass(frozen=True)
class Answer:
    question: str
    sentences: tuple[AnswerSentence, ...]
    citations: tuple[Citation, ...]
    guardrail: GuardrailVerdict
    passages: tuple[ScoredPassage, ...] = ()
    related_questions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    standalone_question: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)
    disclaimer: str = DISCLAIMER
    generator: str = "extractive"
    verification: dict[str, Any] = field(default_factory=dict)
    """LLM mode: what citation verification dropped or corrected."""
    reviewed: ReviewedInfo | None = None
    """Set when the answer is the clinic's reviewed answer rather than a generated one."""
    language: str = "en"
    """ISO 639-1 code of the question's language (``chatbot/languages/detection.py``)."""
    intro: str = ""
    """Shown just before the quotes: for another language, the note that the articles are in English."""
    suggestions: tuple[str, ...] = ()
    """Reviewed questions the question nearly asks, offered as "Did you mean: ...?" beside the generated
    answer (``chatbot.reviewed.matching.QuestionMatcher.consider``); empty when a reviewed answer is served."""

    @property
    def body(self) -> str:
        """The cited part of the short answer: its sentences with their ``[n]`` markers, lead first."""
        return " ".join(s.marked() for s in self.sentences if not s.more)

    @property
    def more(self) -> str:
        """"More from the articles": the further quoted sentences with their markers, or ``""``."""
        return " ".join(s.marked() for s in self.sentences if s.more)

    @property
    def full_text(self) -> str:
        """``text`` followed by "More from the articles", as the app shows both (the second collapsed)."""
        return f"{self.text}\n\nMore from the articles: {self.more}" if self.more else self.text

    @property
    def text(self) -> str:
        """What a reader sees: urgent advice (or a refusal, or what the articles don't cover) first, the
        cited body, then the dermatologist advice."""
        parts: list[str] = []
        g = self.guardrail
        if g.category != MEDICAL and g.message:
            parts.append(g.message)
        if self.body:
            parts.extend([self.intro, self.body] if self.intro else [self.body])
        parts.extend(self.notes)
        if g.category == MEDICAL and g.message:
            parts.append(g.message)
        return "\n\n".join(parts)

    def to_json(self) -> dict[str, Any]:
        """The stable ``--json`` contract."""
        g = self.guardrail
        data: dict[str, Any] = {
            "question": self.question,
            "answer": self.text,
            "citations": [
                {"n": c.n, "article": c.article, "title": c.title, "section": c.section, "chunk_id": c.chunk_id,
                 "text": c.text, "score": round(c.score, 4)}
                for c in self.citations
            ],
            "guardrail": {"category": g.category, "reason": g.reason, "message": g.message},
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "disclaimer": self.disclaimer,
            "related_questions": list(self.related_questions),
            "generator": self.generator,
            "reviewed": self.reviewed.to_json() if self.reviewed else None,
            "language": self.language,
            "more_from_the_articles": self.more,
            "suggestions": [{"question": q} for q in self.suggestions],
        }
        if self.verification:
            data["verification"] = self.verification
        return data


@dataclass(frozen=True)
class Scoring:
    """Corpus statistics for ranking sentences: word IDF, and the articles' vocabulary (stemmed tokens)."""

    idf: Callable[[str], float]
    vocabulary: frozenset[str] = frozenset()
    """Every token the articles use; empty when unknown (the reader then reports no gaps)."""
    common_words: frozenset[str] = frozenset()
    """Common English words (the embedding model's whole-word vocabulary): a word outside it is specific ("rosacea")."""
