"""What a quoted sentence needs to stand on its own, and what an urgent answer may quote.

The extractive answerer quotes single sentences out of their passages. A sentence
that opens with a reference to something before it ("They can provide guidance...",
"Additionally, ...", "This means ...") reads as a fragment when what it refers to is
not quoted right before it. ``opens_with_reference`` recognises such openers;
``dangling_sentences`` finds the answer sentences that have them and follow nothing
of their own passage (the ``chatbot eval`` metric); ``is_care_passage`` says whether a
passage is about warning signs, infection or aftercare, the only passages an urgent
answer quotes after its "get care now" advice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Protocol, TypeVar

from chatbot.answering.model import Answer
from chatbot.knowledge.chunking import Chunk
from chatbot.settings import DROP
from chatbot.text.references import opens_with_reference, quotes_sentence
from chatbot.text.tokens import normalize, split_sentences

# --- openers that refer back -----------------------------------------------------------------

# --- quoting so that every sentence stands on its own -------------------------------------------


class Quotable(Protocol):
    """A passage sentence the answerer may quote (``chatbot.answering.extractive._Candidate``)."""

    @property
    def passage(self) -> int: ...
    @property
    def index(self) -> int: ...
    @property
    def refers_back(self) -> bool: ...


Q = TypeVar("Q", bound=Quotable)


def standalone_group(sentence: Q, chosen: Iterable[Q], sentences: Mapping[tuple[int, int], Q], strategy: str) -> list[Q] | None:
    """What quoting ``sentence`` takes so that it reads on its own, in reading order.

    ``chosen`` are the sentences already quoted; ``sentences`` every quotable sentence by
    (passage, index). A sentence that opens with no reference, or whose passage's sentence
    before it is in ``chosen``, is quoted alone. Otherwise, with ``PREPEND`` the sentences
    before it are quoted too, back to one that reads on its own or follows a chosen one;
    with ``DROP`` (or when the passage has no quotable sentence before it, e.g. a question
    or the passage's start) it cannot be quoted and the result is None.
    """
    taken = {(c.passage, c.index) for c in chosen}
    group = [sentence]
    current = sentence
    while current.refers_back and (current.passage, current.index - 1) not in taken:
        before = sentences.get((current.passage, current.index - 1))
        if strategy == DROP or before is None:
            return None
        group.insert(0, before)
        current = before
    return group


# --- the evaluation metric ---------------------------------------------------------------------


def dangling_sentences(answer: Answer) -> list[str]:
    """The answer's cited sentences that open with a reference and follow no quoted sentence of
    their own passage, in answer order.

    A sentence found in its cited passage dangles unless the answer sentence right before it is
    the passage sentence right before it, possibly quoted alone (``quotes_sentence``); the first sentence
    of a passage has nothing before it.
    A sentence that is not a passage sentence (written by a language model) dangles unless the
    answer sentence before it cites the same passage. The bot's own notices have no citation
    and are not counted.
    """
    passages = {c.n: _sentences_of(answer, c.chunk_id, c.text) for c in answer.citations}
    out: list[str] = []
    previous = None
    for sentence in answer.sentences:
        if sentence.citation is not None and opens_with_reference(sentence.text):
            own = passages.get(sentence.citation, [])
            key = normalize(sentence.text).lower()
            index = next((i for i, s in enumerate(own) if normalize(s).lower() == key), None)
            if index is None:
                attached = previous is not None and previous.citation == sentence.citation
            else:  # the sentence before may be quoted alone: "Using topical retinoids..." for "For instance, using..."
                attached = (
                    index > 0 and previous is not None and previous.citation == sentence.citation
                    and quotes_sentence(previous.text, own[index - 1])
                )
            if not attached:
                out.append(sentence.text)
        previous = sentence
    return out


def _sentences_of(answer: Answer, chunk_id: str, text: str) -> list[str]:
    for passage in answer.passages:
        if passage.chunk.id == chunk_id:
            return list(passage.chunk.sentences)
    return split_sentences(text)


# --- what an urgent answer may quote --------------------------------------------------------------

CARE_SECTION_TERMS = (
    "risk", "side effect", "safety", "aftercare", "after-care", "post-procedure", "post-treatment", "post-care",
    "recovery", "complication", "warning",
)
"""Words of the section headings that are about warning signs, infection or aftercare. The articles
use "Are There Any Risks Involved?", "What risks come along with Microneedling?", "Potential Side
Effects and Safety Considerations", "Aftercare and Results: What to Know", "Expected Results and
Aftercare Tips" and "Maintaining Results: Post-Procedure Care and Lifestyle Factors"."""

CARE_TEXT_TERMS = (
    "infection", "infections", "infected", "bacteria", "side effect", "side effects", "complication", "complications",
    "adverse", "allergic", "fever", "pus", "erythema",
)
"""Words that make a passage under another heading about warning signs or infection ("Infection or
scarring is rare but possible..."). Ordinary words of any microneedling passage stay out: "healing"
(every passage says the needles start the natural healing process), "swelling" ("temporary swelling
and tightening" makes pores look smaller), "aftercare" and "post-treatment" ("With the right approach
and aftercare...", "follow pre-treatment and post-treatment guidelines": a conclusion, preparation)."""

BEFORE_TREATMENT_SECTION_TERMS = ("before", "during", "pre-treatment", "preparing", "preparation")
"""Headings of what happens before or during a session ("Considerations Before Undergoing
Microneedling", "What Can You Expect During a Microneedling Session?"): preparation advice, even
where the text names side effects to ask about."""

_CARE_SECTION = re.compile(r"\b(?:" + "|".join(map(re.escape, CARE_SECTION_TERMS)) + r")", re.IGNORECASE)
_CARE_TEXT = re.compile(r"\b(?:" + "|".join(map(re.escape, CARE_TEXT_TERMS)) + r")\b", re.IGNORECASE)
_BEFORE_SECTION = re.compile(r"\b(?:" + "|".join(map(re.escape, BEFORE_TREATMENT_SECTION_TERMS)) + r")\b", re.IGNORECASE)


def is_care_passage(chunk: Chunk) -> bool:
    """Whether a passage is about warning signs, infection or aftercare: its section heading names
    risks, side effects, safety or aftercare (``CARE_SECTION_TERMS``), or its text names infection,
    side effects or complications (``CARE_TEXT_TERMS``) under a heading that is not about preparing
    for a session (``BEFORE_TREATMENT_SECTION_TERMS``)."""
    section = chunk.section or ""
    if _CARE_SECTION.search(section):
        return True
    return not _BEFORE_SECTION.search(section) and bool(_CARE_TEXT.search(normalize(chunk.text)))


__all__ = [
    "BEFORE_TREATMENT_SECTION_TERMS", "CARE_SECTION_TERMS", "CARE_TEXT_TERMS", "dangling_sentences", "is_care_passage",
    "standalone_group",
]
