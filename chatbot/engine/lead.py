"""Open an answer with a given article sentence: a medical answer leads with what the articles say
about the asker's condition ("Individuals with the following conditions cannot do microneedling: Acne
now present; ...") however the composer ordered its quotes.

The sentence is moved to the front when it is quoted, and quoted from its passage first when it is
not; sources are numbered again in order of first use, so ``[1]`` is still the first one read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from chatbot.answering.model import AnswerSentence, Citation
from chatbot.knowledge.passages import ScoredPassage
from chatbot.text.references import opens_with_reference


def lead_with(
    lead: str, sentences: Sequence[AnswerSentence], citations: Sequence[Citation], passages: Sequence[ScoredPassage]
) -> tuple[list[AnswerSentence], list[Citation]]:
    """``sentences`` opening with ``lead`` (and the sentence before it, when ``lead`` refers back to it),
    with ``citations`` renumbered. Unchanged when ``lead`` is neither quoted nor in ``passages``."""
    sentences, citations = list(sentences), list(citations)
    at = next((i for i, s in enumerate(sentences) if s.text == lead and s.citation), None)
    if at is not None and at == next(i for i, s in enumerate(sentences) if s.citation):
        return sentences, citations  # it leads already (after the reader's opening line, if any)
    if at is None:
        passage = next((p for p in passages if lead in p.chunk.sentences), None)
        if passage is None:
            return sentences, citations
        c = passage.chunk
        cited = next((x for x in citations if x.chunk_id == c.id), None)
        if cited is None:
            cited = Citation(len(citations) + 1, c.article, c.title, c.section, c.id, c.text, passage.score)
            citations.append(cited)
        citations = [replace(x, sentences=(*x.sentences, lead)) if x is cited else x for x in citations]
        sentences.insert(0, AnswerSentence(lead, cited.n))
        at = 0
    start = at - 1 if at > 0 and opens_with_reference(lead) and sentences[at - 1].citation == sentences[at].citation else at
    moved = [replace(s, more=False) for s in sentences[start:at + 1]]  # the lead is part of the short answer
    # An opening line ("Yes —", "Our articles don't mention ...") was about the reader's lead, not this one.
    rest = [s for s in [*sentences[:start], *sentences[at + 1:]] if s.citation is not None]
    return _renumbered([*moved, *rest], citations)


def _renumbered(sentences: list[AnswerSentence], citations: list[Citation]) -> tuple[list[AnswerSentence], list[Citation]]:
    numbers: dict[int, int] = {}
    for s in sentences:
        for n in s.cited:
            numbers.setdefault(n, len(numbers) + 1)
    for c in citations:
        numbers.setdefault(c.n, len(numbers) + 1)
    renumbered = [
        replace(s, citation=numbers[s.citation] if s.citation else None, also_cites=tuple(numbers[n] for n in s.also_cites))
        for s in sentences
    ]
    return renumbered, sorted((replace(c, n=numbers[c.n]) for c in citations), key=lambda c: c.n)


__all__ = ["lead_with"]
