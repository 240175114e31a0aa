"""The notes a verdict carries when the articles don't name what the question is about: the asker's
health situation (``with_unmentioned_note``), a skin concern (``unmentioned_topic``) or a body area
(``unmentioned_area``), and the glossary terms of a medical verdict (``medical_terms``). Without them
the articles' general statements ("generally safe") would read as being about the asker's case.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from chatbot.guardrail.patterns import BODY_AREA_RX, MEDICAL_RX, MEDICAL_TERMS, SKIN_CONCERN_RX
from chatbot.guardrail.verdict import MEDICAL, UNMENTIONED_NOTE, GuardrailVerdict
from chatbot.text.tokens import tokenize


def medical_terms(verdict: GuardrailVerdict) -> str:
    """The glossary terms of the situations a medical verdict recognised ("" when none)."""
    return "; ".join(MEDICAL_TERMS[t] for t in verdict.topics if t in MEDICAL_TERMS)


# Catch-all situations have no single name an article could use.
_UNNAMEABLE = frozenset({"other medicines", "other conditions"})


def unmentioned_situations(verdict: GuardrailVerdict, passages: Sequence[str]) -> list[str]:
    """The situations of a medical verdict that none of ``passages`` names, by the patterns that
    recognise it in a question or by its own name ("pregnancy" is in no article; "Keloid scars" is)."""
    return [
        topic for topic in verdict.topics
        if topic in MEDICAL_RX and topic not in _UNNAMEABLE
        and not any(MEDICAL_RX[topic].search(text) or re.search(rf"\b{re.escape(topic)}\b", text, re.IGNORECASE) for text in passages)
    ]


def with_unmentioned_note(verdict: GuardrailVerdict, passages: Sequence[str]) -> GuardrailVerdict:
    """``verdict``, its message opening with a warning when the articles don't name the asker's situation:
    their general statements ("generally safe") must not read as being about it."""
    missing = unmentioned_situations(verdict, passages) if verdict.category == MEDICAL else []
    if not missing:
        return verdict
    note = UNMENTIONED_NOTE.format(situations=" or ".join(missing))
    return replace(verdict, message=f"{note} {verdict.message}")


def unmentioned_topic(question: str, vocabulary: frozenset[str] | set[str]) -> str | None:
    """The skin concern of ``question`` that the articles never name ("cellulite", "dark circles"),
    or None when there is none or the articles' ``vocabulary`` has all its words."""
    return _first_unmentioned(SKIN_CONCERN_RX, question, vocabulary)


def unmentioned_area(question: str, vocabulary: frozenset[str] | set[str]) -> str | None:
    """The body area of ``question`` that the articles' ``vocabulary`` never names ("the neck"), or None."""
    return _first_unmentioned(BODY_AREA_RX, question, vocabulary)


def _first_unmentioned(patterns: dict[str, re.Pattern[str]], question: str, vocabulary: frozenset[str] | set[str]) -> str | None:
    """The first name in ``patterns`` whose pattern ``question`` matches and whose words the articles never use."""
    return next((name for name, rx in patterns.items() if rx.search(question) and vocabulary and not mentioned_in(name, vocabulary)), None)


def mentioned_in(treatment: str, vocabulary: frozenset[str] | set[str]) -> bool:
    """Whether the articles' ``vocabulary`` has every word of ``treatment`` (and it has words)."""
    words = tokenize(treatment)
    return bool(words) and all(w in vocabulary for w in words)
