"""The conditions the articles themselves give as reasons not to have microneedling, or as a higher risk.

Read from the indexed passages (the cleaned articles), never written down here: when an article lists
"Individuals with the following conditions cannot do microneedling: Acne now present; Keloid scars;
Persistent skin problem; Uneven skin tone.", each item is a condition, and "Individuals with bleeding
disorders or who take blood-thinning medications may also be more prone to bleed." names two more. The
guardrail treats a personal question about one of them ("my acne", "I bleed easily") as medical, and
the answer leads with the sentence that lists it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from chatbot.text.tokens import split_sentences, tokenize

# The same wording ``chatbot lint-corpus`` reads as a list of who should not have microneedling.
_RULED_OUT = re.compile(
    r"\b(cannot|can't|should not|shouldn't|must not) (do|have|undergo|get|receive)\b|\bnot (be )?suitable\b|"
    r"\bnot a good candidate\b|\bcontraindicat\w*|\bavoid (microneedling|this treatment|the treatment)\b",
    re.IGNORECASE,
)
# "Individuals with X or who Y may be more prone to ..." / "People with X are at higher risk of ...".
_AT_RISK = re.compile(
    r"^(?:individuals|people|those|patients|anyone|persons)\s+(?P<who>(?:with|who)\b.+?)\s+"
    r"(?:may|might|are|can|could|should)\b(?:\s+\w+){0,3}?\s+(?:more prone|more likely|at (?:a )?(?:higher|greater|increased) risk|not)\b",
    re.IGNORECASE,
)
_PARTS = re.compile(r",\s*(?:or|and)?\s*|\s+(?:or|and)\s+", re.IGNORECASE)
_LEAD_IN = re.compile(r"^(?:who (?:have|has|take|takes|use|uses|are|is)|with|who|have|take)\s+", re.IGNORECASE)
_GENERIC = frozenset(tokenize("skin now present problem problems condition conditions people individuals who take have"))
"""Words a condition shares with ordinary questions: its key word is its first other word."""


@dataclass(frozen=True)
class Condition:
    """One condition the articles give as a reason not to have microneedling, or as a higher risk."""

    name: str
    """As the article words it: "Acne now present", "bleeding disorders"."""
    key: str
    """Its first distinctive word, stemmed as ``chatbot.text.tokens.tokenize`` does: "acne", "bleed", "keloid"."""
    words: frozenset[str]
    """All its stemmed content words ("keloid", "scar")."""
    sentence: str
    """The article sentence that names it: what a question about it is answered with first."""


def article_conditions(texts: Iterable[str]) -> tuple[Condition, ...]:
    """Every condition named in ``texts`` (passage texts), first mention first, each name once."""
    found: dict[str, Condition] = {}
    for text in texts:
        for sentence in split_sentences(text):
            for name in _listed(sentence) or _at_risk(sentence):
                condition = _condition(name, sentence)
                if condition is not None and condition.name.lower() not in found:
                    found[condition.name.lower()] = condition
    return tuple(found.values())


def _listed(sentence: str) -> list[str]:
    """The items of "who should not have it: A; B; C." (the cleaned form of a bulleted list)."""
    intro, colon, items = sentence.partition(":")
    if not colon or not _RULED_OUT.search(intro):
        return []
    return [item.strip(" .") for item in items.split(";") if item.strip(" .")]


def _at_risk(sentence: str) -> list[str]:
    match = _AT_RISK.search(sentence)
    if not match:
        return []
    return [_LEAD_IN.sub("", part).strip() for part in _PARTS.split(match.group("who")) if part.strip()]


def _condition(name: str, sentence: str) -> Condition | None:
    words = [w for w in tokenize(name) if w not in _GENERIC]
    if not words:
        return None
    return Condition(name, words[0], frozenset(words), sentence)


__all__ = ["Condition", "article_conditions"]
