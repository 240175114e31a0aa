"""Citation verification: keep only the generated sentences the articles support.

A language model's answer is split into sentences and each one is checked
against the passages it was given, whatever ``[n]`` it wrote:

* **meaning**: the sentence's embedding against the passage's sentence vectors
  (the best cosine, ``citation_support_similarity``);
* **words**: the share of the sentence's content words found in the passage,
  each weighted by its IDF (``citation_support_overlap``). Every article here is
  about microneedling, so meaning alone cannot tell "Microneedling does not hurt"
  from a passage about sensations; the rare word ("hurt") has to be there;
* **numbers**: every number in the sentence must be in the passage ("45 minutes"
  against "30 minutes" reads as the same meaning to an embedding);
* **negation**: a sentence with "not" needs a matching passage sentence with a
  negation too ("Microneedling does not help with acne scars", which SmolLM2
  wrote, matches "microneedling can improve ... acne scars" closely).

What it cannot catch: an overstatement built from the passage's own words
("microneedling permanently shrinks pores"), or a "not" the passage has elsewhere.

A sentence whose cited passage passes is kept. One that cites the wrong passage,
an out-of-range number or none at all is re-cited to the passage that supports it
(``corrected``). One that no passage supports is ``dropped`` with the reason.
Everything is a pure function of the text, the passages, the embedder and the
corpus word weights.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from chatbot.answering.extractive import NOT_AN_ANSWER, PROMOTIONAL
from chatbot.answering.model import AnswerSentence, Citation
from chatbot.knowledge.passages import ScoredPassage
from chatbot.settings import Settings
from chatbot.text.markers import GeneratedSentence, split_generated
from chatbot.text.tokens import content_words, is_complete_sentence, normalize

_NUMBER = re.compile(r"\d+")
_NEGATION = re.compile(r"\b(not(?!\s+(just|only|merely)\b)|no|never|none|cannot|neither|nor)\b|n't\b", re.IGNORECASE)
"""A denial. "Not just scar reduction but overall skin health" denies nothing."""
_HEADER_SEPARATOR = re.compile(r"\s+[—–-]\s+")
_GUARDRAIL_ADVICE = re.compile(r"\b(consult|see|talk to|speak (to|with)|ask)\b.{0,30}\b(dermatologist|doctor|physician|professional)", re.IGNORECASE)
_NO_ANSWER = re.compile(
    r"\b(passages?|articles?|sources?|context|text)\b.{0,40}\b(do(es)?n'?t|do(es)? not|never)\b.{0,30}"
    r"\b(say|mention|contain|cover|answer|provide|discuss|address)|\bI (don'?t|do not) know\b",
    re.IGNORECASE,
)


NO_ANSWER = "says the passages do not answer the question"
REPEAT_WORD_OVERLAP = 0.75
"""Share of the shorter sentence's content words found in a kept one that makes it a repeat
(small models loop); the extractive answerer treats the same overlap as the same fact."""


class SentenceEmbedder(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Support:
    """How well one passage backs one sentence."""

    passage: int
    """0-based index into the passages the model was shown."""
    similarity: float
    overlap: float
    evidence: str
    """The passage sentence closest in meaning: what the answer's citation highlights."""
    problem: str | None
    """Why the passage does not back the sentence, or None when it does."""


@dataclass(frozen=True)
class KeptSentence:
    text: str
    passage: int
    evidence: str


@dataclass(frozen=True)
class Verification:
    """The outcome for one generated answer. ``checked`` counts every generated sentence."""

    kept: list[KeptSentence]
    dropped: list[dict[str, Any]] = field(default_factory=list)
    corrected: list[dict[str, Any]] = field(default_factory=list)
    checked: int = 0

    @property
    def found_no_answer(self) -> bool:
        """True when the model only said that the passages do not answer the question."""
        return not self.kept and bool(self.dropped) and all(d["reason"] == NO_ANSWER for d in self.dropped)

    def to_dict(self) -> dict[str, Any]:
        """The ``verification`` record. ``cited``, ``from`` and ``passage`` are the numbers of the
        passages as the model was shown them ([1] is the first passage retrieved)."""
        return {"checked": self.checked, "kept": len(self.kept), "dropped": self.dropped, "corrected": self.corrected}


def support(
    sentence: str, vector: np.ndarray, passage: ScoredPassage, index: int, settings: Settings, idf: Callable[[str], float]
) -> Support:
    """Check one sentence (with its embedding ``vector``) against one passage; ``idf`` weighs its words."""
    chunk = passage.chunk
    sims = chunk.sentence_vectors @ vector if len(chunk.sentences) else np.zeros(1)
    best = int(np.argmax(sims))
    similarity = float(sims[best])
    evidence = chunk.sentences[best] if len(chunk.sentences) else chunk.text
    words = content_words(sentence)
    passage_words = content_words(f"{chunk.title} {chunk.section} {chunk.text}")
    total = sum(idf(w) for w in words)
    overlap = sum(idf(w) for w in words & passage_words) / total if total else 0.0
    problem = None
    if not words:
        problem = "no content to check"
    elif similarity < settings.citation_support_similarity:
        problem = f"meaning too far from the passage (similarity {similarity:.3f} < {settings.citation_support_similarity})"
    elif overlap < settings.citation_support_overlap:
        problem = f"too few of its words are in the passage (overlap {overlap:.3f} < {settings.citation_support_overlap})"
    elif missing := set(_NUMBER.findall(sentence)) - set(_NUMBER.findall(chunk.text)):
        problem = f"the passage does not contain {', '.join(sorted(missing))}"
    elif _NEGATION.search(sentence) and not any(
        _NEGATION.search(s) for s, sim in zip(chunk.sentences, sims, strict=False) if sim >= settings.citation_support_similarity
    ):
        problem = 'it says "not" where the passage does not'
    return Support(index, similarity, overlap, evidence, problem)


def verify(
    text: str, passages: Sequence[ScoredPassage], embedder: SentenceEmbedder, settings: Settings, *, idf: Callable[[str], float]
) -> Verification:
    """Keep, re-cite or drop each sentence of ``text`` against the numbered ``passages`` ([1] is ``passages[0]``).

    ``idf`` is the corpus word weighting (``engine.scoring().idf``). A sentence cut off
    without final punctuation (the max-tokens limit), a heading and a repeat of a kept
    sentence are dropped too. Never raises on odd model output.
    """
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")  # a lone surrogate breaks the tokenizer
    generated = split_generated(text)
    if not generated or not passages:
        return Verification([], [{"text": g.text, "cited": list(g.cited), "reason": "no passages to check against"} for g in generated], [], len(generated))
    headers = {_header_key(h) for p in passages for h in (p.chunk.title, p.chunk.section)}
    claims = [without_headers(g.text, headers) for g in generated]
    vectors = embedder.embed([claim or g.text for claim, g in zip(claims, generated, strict=True)])
    kept: list[KeptSentence] = []
    dropped: list[dict[str, Any]] = []
    corrected: list[dict[str, Any]] = []
    for g, claim, vector in zip(generated, claims, vectors, strict=True):
        reason = _precheck(g, claim, kept)
        if reason is None:
            checks = [support(claim, vector, p, i, settings, idf) for i, p in enumerate(passages)]
            chosen, reason = _choose(g, checks)
            if chosen is not None:
                if chosen.passage + 1 not in g.cited:
                    corrected.append({"text": g.text, "from": list(g.cited), "passage": chosen.passage + 1})
                kept.append(KeptSentence(_with_stop(claim), chosen.passage, chosen.evidence))
                continue
        dropped.append({"text": g.text, "cited": list(g.cited), "reason": reason})
    return Verification(kept, dropped, corrected, len(generated))


def _header_key(text: str) -> str:
    return normalize(text).lower().strip(" .:?!")


def without_headers(sentence: str, headers: set[str]) -> str:
    """``sentence`` without the article titles and section names a model copied from the
    passage headers ("Can Microneedling Reduce Pore Size? — The role of ..."); "" if that is all it is."""
    rest = sentence
    while (cut := _HEADER_SEPARATOR.search(rest)) and _header_key(rest[: cut.start()]) in headers:
        rest = rest[cut.end() :]
    return "" if _header_key(rest) in headers else rest.strip()


def _precheck(g: GeneratedSentence, claim: str, kept: Sequence[KeptSentence]) -> str | None:
    if not re.search(r"[A-Za-z]", claim):
        return "a heading copied from the passages"
    if claim.endswith(":"):
        return "a heading or lead-in, not a statement"
    if not is_complete_sentence(claim) and not g.cited:
        return "incomplete: cut off or a heading"
    if PROMOTIONAL.search(claim) or NOT_AN_ANSWER.search(claim):
        return "page text, not an answer (promotion or an article's lead-in)"
    words = content_words(claim)
    for k in kept:
        other = content_words(k.text)
        if words and other and len(words & other) / min(len(words), len(other)) >= REPEAT_WORD_OVERLAP:
            return "repeats an earlier sentence"
    return None


def _choose(g: GeneratedSentence, checks: list[Support]) -> tuple[Support | None, str]:
    """The cited passage if it supports the sentence, else the best one that does."""
    good = [c for c in checks if c.problem is None]
    cited_good = [c for c in good if c.passage + 1 in g.cited]
    if cited_good:
        return max(cited_good, key=lambda c: c.similarity), ""
    if good:
        return max(good, key=lambda c: c.similarity), ""
    if _NO_ANSWER.search(g.text):
        return None, NO_ANSWER
    if _GUARDRAIL_ADVICE.search(g.text):
        return None, "advice the bot adds itself (the guardrail message)"
    cited = [c for c in checks if c.passage + 1 in g.cited]
    nearest = max(cited or checks, key=lambda c: (c.similarity, c.overlap))
    label = f"[{nearest.passage + 1}]" if cited else f"no passage (closest: [{nearest.passage + 1}])"
    return None, f"unsupported by {label}: {nearest.problem}"


def _with_stop(text: str) -> str:
    return text if is_complete_sentence(text) else text.rstrip(",;: ") + "."


def cite_verified(kept: Sequence[KeptSentence], passages: Sequence[ScoredPassage]) -> tuple[list[AnswerSentence], list[Citation]]:
    """Number the kept sentences' passages 1..m in order of first use, so no number points past the sources."""
    numbers: dict[int, int] = {}
    evidence: dict[int, list[str]] = {}
    sentences = []
    for k in kept:
        n = numbers.setdefault(k.passage, len(numbers) + 1)
        if k.evidence not in evidence.setdefault(k.passage, []):
            evidence[k.passage].append(k.evidence)
        sentences.append(AnswerSentence(k.text, n))
    citations = [
        Citation(
            n=n, article=passages[p].chunk.article, title=passages[p].chunk.title, section=passages[p].chunk.section,
            chunk_id=passages[p].chunk.id, text=passages[p].chunk.text, score=passages[p].score, sentences=tuple(evidence[p]),
        )
        for p, n in numbers.items()
    ]
    return sentences, citations


__all__ = [
    "NO_ANSWER", "GeneratedSentence", "KeptSentence", "Support", "Verification", "cite_verified", "split_generated", "support",
    "verify", "without_headers",
]
