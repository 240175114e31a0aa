"""What flows through the pipeline for one question, and the cleaning of what a user typed."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chatbot.errors import InvalidQuestionError
from chatbot.guardrail.verdict import GuardrailVerdict
from chatbot.knowledge.passages import ScoredPassage
from chatbot.languages.detection import ENGLISH, Detection
from chatbot.reviewed.matching import Match
from chatbot.reviewed.model import ReviewedAnswer

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean_question(text: Any, *, max_chars: int) -> str:
    """Make user text safe to process. Raises ``InvalidQuestionError`` with what to do."""
    if not isinstance(text, str):
        raise InvalidQuestionError("the question must be text; type a question about microneedling")
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become "?"
    text = _CONTROL.sub(" ", text).strip()
    if not text:
        raise InvalidQuestionError("the question is empty; type a question about microneedling")
    if len(text) > max_chars:
        raise InvalidQuestionError(
            f"the question is {len(text):,} characters long; please keep it under {max_chars:,} characters"
        )
    return text


def clean_history(history: Any, *, max_chars: int, max_turns: int) -> list[str]:
    """Earlier user questions, oldest first; anything unusable is dropped, long ones are cut."""
    if not isinstance(history, (list, tuple)):
        return []
    out: list[str] = []
    for item in history[-max_turns:]:
        if isinstance(item, dict):
            if item.get("role", "user") not in ("user", "human"):
                continue  # chat-style history: the bot's own replies are not questions
            item = item.get("question") or item.get("content")
        if not isinstance(item, str):
            continue
        item = _CONTROL.sub(" ", item.encode("utf-8", "replace").decode("utf-8")).strip()[:max_chars]
        if item:
            out.append(item)
    return out


@dataclass
class Turn:
    """What flows through the pipeline for one question."""

    question: str
    history: list[str]
    query: str = ""
    """What is searched: the question with typos corrected, after the previous question when it is a follow-up."""
    corrected: str = ""
    """The question alone, typos corrected."""
    vector: np.ndarray | None = None
    follow_up: bool = False
    passages: list[ScoredPassage] = field(default_factory=list)
    verdict: GuardrailVerdict | None = None
    reviewed: tuple[ReviewedAnswer, Match] | None = None
    """The clinic's reviewed answer this question asks for, when there is one."""
    suggestions: tuple[str, ...] = ()
    """Reviewed questions this one nearly asks, offered as "Did you mean: ...?" (no reviewed answer served)."""
    use_reviewed: bool = True
    started: float = field(default_factory=time.perf_counter)
    timings: dict[str, float] = field(default_factory=dict)
    detection: Detection | None = None
    """The question's language; not English means ``vector`` is its multilingual (e5) embedding."""

    @property
    def language(self) -> str:
        return self.detection.language if self.detection else ENGLISH

    @property
    def foreign(self) -> bool:
        """Not in English (supported or not): answered by the multilingual path."""
        return self.language != ENGLISH
