"""Follow-up questions: read a question together with the conversation so far.

"How long do the results last?" after "Can microneedling reduce pore size?" is
about the pore-size results, so retrieval and sentence selection use both
questions. A question that names its own subject stands alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from chatbot.text.tokens import tokenize

_ANAPHORA = re.compile(
    r"\b(it|its|it's|they|them|their|this|that|these|those|there|the results?|the effects?|the procedure|the treatment|"
    r"the sessions?|same|also|too|then|afterwards?|after that|what about|how about|and if|instead|either|one)\b",
    re.IGNORECASE,
)
_STARTS_DEPENDENT = re.compile(r"^\s*(and|but|also|so|what about|how about|ok(ay)?|then|what if|is that|are they|does that|will that)\b", re.IGNORECASE)
# Pronouns that stand for something named in the earlier question ("the side effects" ... "how long
# do they last?"), unlike "it", which here almost always means microneedling itself.
_POINTS_BACK = re.compile(r"\b(they|them|their|those|these|that)\b", re.IGNORECASE)
TOPIC_WORDS = frozenset(tokenize("microneedling microneedle dermaroller derma pen collagen induction therapy"))


def is_follow_up(question: str, history: Sequence[str], *, vocabulary: frozenset[str] = frozenset()) -> bool:
    """True when ``question`` leans on the earlier turns to make sense.

    It does when it refers back ("it", "the results", "and if…"), or when it is short
    and made only of words the articles use ("downtime?", "how many sessions").
    A short question about something else ("capital of France?") stands alone.
    """
    if not history:
        return False
    words = set(tokenize(question))
    if words & TOPIC_WORDS and len(words) >= 4:
        return False
    if _STARTS_DEPENDENT.search(question) or _ANAPHORA.search(question):
        return True
    return len(words) <= 3 and (not vocabulary or words <= vocabulary)


def standalone_query(question: str, history: Sequence[str], *, max_turns: int = 6, vocabulary: frozenset[str] = frozenset()) -> str:
    """The text to retrieve with: the question, preceded by the last question when it is a follow-up."""
    recent = [h for h in history[-max_turns:] if h.strip()]
    if not is_follow_up(question, recent, vocabulary=vocabulary):
        return question
    return f"{recent[-1].strip()} {question.strip()}"


def points_back(question: str) -> bool:
    """Whether ``question`` refers to something named before with a pronoun such as "they" or "that"
    (only meaningful for a follow-up)."""
    return bool(_POINTS_BACK.search(question))
