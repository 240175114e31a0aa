"""Negation cues: what a statement denies, and whether it contradicts another statement.

"pores cannot 'shrink'" denies (pore, shrink), and so contradicts "Shrinking pore size". The corpus
health check reports such pairs between articles, and the answerer says the articles differ when it
quotes both sides. Pure text rules, no dependencies beyond ``chatbot.text.tokens``.
"""

from __future__ import annotations

import re

from chatbot.text.tokens import STOPWORDS, content_words, normalize, stem

_NEGATION_CUES = frozenset({"not", "never", "cannot", "can't", "won't", "doesn't", "don't", "isn't", "aren't", "wasn't", "weren't"})
_AUXILIARIES = frozenset({"is", "are", "was", "were", "do", "does", "did", "will", "would", "can", "could", "may", "might", "be"})
_FILLERS = frozenset({"a", "an", "the", "be", "as", "so", "very", "always", "necessarily", "really", "actually"})
_WORD = re.compile(r"[a-z][a-z'-]*")


def negations(text: str) -> set[tuple[str, str]]:
    """(subject, predicate) stems of what a statement denies: "pores cannot 'shrink'" -> {("pore", "shrink")}.

    The subject is the word just before the negation (skipping "is", "do", ...); it is
    ``""`` when that word is a pronoun ("it is not a permanent solution").
    """
    words = _WORD.findall(normalize(text).lower().replace('"', " "))
    found: set[tuple[str, str]] = set()
    for i, word in enumerate(words):
        if word not in _NEGATION_CUES:
            continue
        before = i - 1
        while before >= 0 and words[before] in _AUXILIARIES:
            before -= 1
        after = i + 1
        while after < len(words) and words[after] in _FILLERS:
            after += 1
        if after >= len(words) or words[after] == "only" or words[after] in STOPWORDS:
            continue
        subject = words[before] if before >= 0 else ""
        found.add(("" if subject in STOPWORDS else stem(subject.removesuffix("'s")), stem(words[after])))
    return found


def subject_words(text: str) -> set[str]:
    """The content words of ``text`` other than its negation cues: what it talks about."""
    return {w for w in content_words(text) if w not in _NEGATION_CUES}


def contradicts(denier: str, other: str) -> bool:
    """True when ``denier`` denies what ``other`` asserts: "pores cannot shrink" vs "Shrinking pore size".

    Used by the corpus health check and the answerer, so an answer quoting both sides says the articles differ.
    """
    asserted = subject_words(other)
    denied_there = {predicate for _, predicate in negations(other)}
    return any(
        subject and {subject, predicate} <= asserted and predicate not in denied_there
        for subject, predicate in negations(denier)
    )
