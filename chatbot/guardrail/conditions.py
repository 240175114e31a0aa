"""A personal question about a condition the articles give as a reason not to have microneedling.

The conditions come from the articles (``chatbot.knowledge.conditions``); this module only decides
whether a question is about the asker's own case of one: "will it make my acne worse", "I have
keloids", "I bleed easily", "I'm prone to keloid scarring". A question about what microneedling may
bring on ("can it cause bleeding?") or about what old acne left ("my acne scars") is not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from chatbot.guardrail.patterns import ACNE_AFTERMATH, ACTIVE_ACNE_STRONG
from chatbot.knowledge.conditions import Condition
from chatbot.text.tokens import tokenize

_AFTERMATH_WORDS = frozenset(tokenize("scar scars scarring marks dents pits pockmarks holes"))


_DEGREE = r"(?:active|bad|severe|current|cystic|hormonal|mild|chronic|awful|terrible|adult|really|very|quite|so)"
"""Words that may stand between "my" and the condition: "my bad acne" is the asker's acne, "my face bleed" is not a condition."""


def _owned(key: str) -> re.Pattern[str]:
    """The asker's own case of a condition whose key word starts with ``key``."""
    word = rf"{re.escape(key)}\w*"
    return re.compile(
        rf"\bmy\s+(?:{_DEGREE}\s+){{0,2}}{word}"
        rf"|\bi(?:'?m| am|'?ve| have| get| got| suffer from| struggle with| deal with| tend to| often)\s+(?:(?:been |got |prone to |a |an |some |really |quite |very |bad |severe |active )\s*){{0,3}}{word}"
        rf"|\bi\s+{word}\s+(?:easily|a lot|really easily|quite easily|very easily)",
        re.IGNORECASE,
    )


def asked_conditions(question: str, conditions: Sequence[Condition]) -> list[Condition]:
    """The conditions of ``conditions`` that ``question`` says the asker has, first listed first."""
    found = []
    for condition in conditions:
        match = _owned(condition.key).search(question)
        if not match:
            continue
        after = tokenize(question[match.end():])[:1]
        if after and after[0] in _AFTERMATH_WORDS and after[0] not in condition.words:
            continue  # "my acne scars": what acne left, which the articles treat
        if not (condition.words & _AFTERMATH_WORDS) and ACNE_AFTERMATH.search(question) and not ACTIVE_ACNE_STRONG.search(question):
            continue  # "the marks my old acne left"
        found.append(condition)
    return found


__all__ = ["asked_conditions"]
