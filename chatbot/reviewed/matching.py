"""The strict question matcher: does a client's question mean the same as a reviewed question?

Serving the right answer to the wrong question is worse than quoting, so three tests must
all pass against one phrasing (the reviewed question or one of its "other ways clients ask"):

* **qualifiers**: the two ask about the same subjects. A subject is a skin concern (the
  glossary's article terms and the guardrail's ``SKIN_CONCERNS``), a body or face area
  (``BODY_AREAS`` and the face areas below), a health situation (``MEDICAL_TOPICS``) or another
  treatment (``OTHER_TREATMENTS``). "How many sessions for acne scars?" has {acne, scars};
  "How many sessions will I need?" has none: no match. "I'm pregnant, does it hurt?" keeps
  {pregnancy}. The sets must be equal;
* **meaning**: the cosine of the two embeddings (``match_similarity``);
* **words**: the overlap of their content words after glossary expansion ("hurt" and
  "painful" both add "pain discomfort"), ``match_overlap``; a phrasing this close in meaning
  (``match_similarity_alone``) needs no shared words.

The best phrasing of one answer must also beat every other answer's best by
``match_margin``: a question halfway between two reviewed answers gets neither.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from chatbot.guardrail.patterns import (
    BODY_AREAS,
    CLINIC_LOGISTICS,
    EQUIPMENT,
    MEDICAL_TOPICS,
    OTHER_TREATMENTS,
    PRICES,
    SKIN_CONCERNS,
)
from chatbot.knowledge.embeddings import TextEmbedder
from chatbot.settings import Settings
from chatbot.text.glossary import expand
from chatbot.text.tokens import tokenize

# Skin concerns under the articles' own words, matched on the glossary-expanded question, so
# "zits" counts as acne and "saggy jowls" as loose skin. Each names an article term of
# ``chatbot.text.glossary.LAY_TERMS``; the guardrail's ``SKIN_CONCERNS`` add those the articles lack.
ARTICLE_CONCERNS: dict[str, str] = {
    "acne": r"\bacne\b",
    "scars": r"\bscar",
    "clogged pores": r"\bclogged pores\b|\bblackheads?\b",
    "pores": r"\bpores?\b",
    "loose skin": r"\bloose skin\b|\bsagging\b|\blaxity\b",
    "wrinkles": r"\bwrinkl|\bfine lines\b",
    "aging": r"\bag(e|es|ing|eing)\b(?! spots?)|\bolder\b|\byounger\b",
    "hyperpigmentation": r"\bhyperpigmentation\b|\bdark patches\b|\bmelasma\b",
    "stretch marks": r"\bstretch marks\b",
    "darker skin tones": r"\bdarker skin tones\b",
    "fair skin": r"\b(fair|pale|light|white)\s+(skin|complexion)\b",
    "skin type": r"\b(oily|dry|sensitive|combination|reactive|thin|mature)\s+skin\b",
    "lifestyle": r"\bhealthy lifestyle\b",
    "numbing cream": r"\bnumbing cream\b",
    "at-home microneedling": r"\bat-home\b|\bhome\b|\bdiy\b|\bderma ?rollers?\b",
    "other scars": r"\b(surgery|surgical|burn|c-section|chicken ?pox)\s+scars?\b|\bice ?pick\b|\bboxcar\b|\brolling scars?\b",
}
FACE_AREAS: dict[str, str] = {
    "the eyes": r"\beyes?\b|\beyelids?\b|\bunder-?eye\b|\bcrow'?s ?feet\b",
    "the lips": r"\blips?\b|\bmouth\b",
    "the nose": r"\bnose\b",
    "the forehead": r"\bforehead\b",
    "the cheeks": r"\bcheeks?\b",
    "the chin": r"\bchin\b|\bjaw(line)?\b",
}
"""Parts of the face: the articles treat "the face" as one area, so a question about one part of
it ("around the eyes", "on my nose") asks something the general answer may not cover."""
OTHER_TREATMENT_WORDS: dict[str, str] = {
    "laser": r"\blasers?\b", "chemical peels": r"\bchemical peels?\b|\bpeels?\b", "PRP": r"\bprp\b|\bplatelet",
    "HydraFacial": r"\bhydra ?facials?\b", "botox": r"\bbotox\b",
}
"""Other treatments a question compares with; the guardrail's ``OTHER_TREATMENTS`` names these
too, but only refuses those the articles never discuss (laser, peels), so they are listed again."""


ASPECTS: dict[str, str] = {
    "how many": r"\bhow many\b|\bnumber of\b",
    "cause": r"\bcaus|\bwhy\b|\breasons?\b|\bwhat makes\b",
    "interval": r"\bbetween\b.{0,30}\b(sessions|appointments|treatments)\b|\bhow often\b|\bintervals?\b|\ba year\b",
    "before": r"\bbefore (my|the|a|an|your)\b.{0,20}\b(appointment|session|treatment)|\bto (my|the|your) (\w+ )?(appointment|session)\b|\bprepar",
    "final": r"\bfinal\b|\bfull results\b|\bend results?\b",
    "comparison": r"\b(less|more|better|worse|than|compared|versus|vs|combine|combined|combining|instead)\b",
    "permanence": r"\bpermanent(ly)?\b|\bforever\b|\bfor good\b|\bcompletely\b|\bentirely\b|\btotally\b",
    "before treatment": r"\bbefore (microneedling|needling|treatment|the procedure)\b",
    "symptoms now": r"\b(still|is|are|gets?|getting|looks?)\s+(red|swollen|sore|peeling|flaky|bruised|itchy|irritated)\b",
    "mechanism": r"\bhow (does|do|did|would|will|can|could) (it|this|that|microneedling|needling|the (treatment|procedure|needling)|aftercare|collagen)"
                 r"( \w+)? (work|works|help|fix|smooth|improve|produce|make|stop|tighten|change|reduce)\b|\bwhy (does|do) (\w+ ){0,3}work"
                 r"|\bmechanism\b|\bscience\b|\bwhy (does|do) (poking|needling|tiny holes|needles)\b",
    "actual size": r"\bshrink\w*|\bclose (up )?(my |the |your )?pores\b|\b(get|gets|getting|become|go) (smaller|bigger|larger)\b",
    "afterwards": r"\brecover(y|ing)?\b|\bafterwards\b|\bhealing\b",
    "consequence": r"\bwhat (happens|will happen|would happen) if\b|\bif (i|you) (don'?t|do not|skip|forget|miss)\b",
}
"""What is asked about the subject, where a shared subject is not enough: "how many sessions for
large pores?" is not "can it make large pores smaller?", "how do I get rid of large pores?" is not
"what causes them?". Only aspects every phrasing of a question states the same way are listed.

Some aspects change what is asked while the words stay close: how or why it works ("how does the
treatment work" is not "what happens during a treatment"), a size that really changes ("is it possible
to shrink pores": one article says pores cannot shrink, the reviewed answer is about looking smaller),
the recovery rather than the session ("how painful is the recovery"), and what follows from skipping
something ("what happens if I don't follow the aftercare")."""


def _compiled(*tables: dict[str, str]) -> dict[str, re.Pattern[str]]:
    return {k: re.compile(v, re.IGNORECASE) for table in tables for k, v in table.items()}


_ARTICLE_CONCERN_RX = _compiled(ARTICLE_CONCERNS)
_SKIN_CONCERN_RX = _compiled(SKIN_CONCERNS)
_AREA_RX = _compiled(BODY_AREAS, FACE_AREAS)
_MEDICAL_RX = _compiled(MEDICAL_TOPICS)
_TREATMENT_RX = _compiled(OTHER_TREATMENTS, OTHER_TREATMENT_WORDS)
_ASPECT_RX = _compiled(ASPECTS)
_SHOP = re.compile(r"\b(sell|stock|buy|order)\b", re.IGNORECASE)
_TOPIC = re.compile(r"needl|\bderma ?(pen|roller)", re.IGNORECASE)
_GENERIC = frozenset(tokenize("microneedling microneedle needling treatment procedure session sessions skin clinic"))
"""Words every question here shares: they say nothing about which question it is."""


def qualifiers(text: str) -> frozenset[str]:
    """The subjects ``text`` adds to "microneedling": concerns, areas, health situations, other treatments."""
    expanded = expand(text)
    found = {f"concern:{k}" for k, rx in _ARTICLE_CONCERN_RX.items() if rx.search(expanded)}
    found |= {f"concern:{k}" for k, rx in _SKIN_CONCERN_RX.items() if rx.search(text)}
    found |= {f"area:{k}" for k, rx in _AREA_RX.items() if rx.search(text)}
    found |= {f"health:{k}" for k, rx in _MEDICAL_RX.items() if rx.search(text)}
    found |= {f"treatment:{k}" for k, rx in _TREATMENT_RX.items() if rx.search(text)}
    found |= {f"aspect:{k}" for k, rx in _ASPECT_RX.items() if rx.search(text)}
    if any(rx.search(text) for rx in (CLINIC_LOGISTICS, PRICES, EQUIPMENT)) or _SHOP.search(text):
        found.add("clinic details")  # prices, bookings, products: the guardrail's own lists
    if "concern:clogged pores" in found:
        found.discard("concern:pores")  # "clogged pores" is its own concern, not large pores
    if "concern:other scars" in found:
        found.discard("concern:scars")
    return frozenset(found)


def with_topic(text: str) -> str:
    """``text`` naming microneedling: clients often leave it out ("how long is the appointment?"),
    and without it the embedding is far from a phrasing that says it."""
    return text if _TOPIC.search(text) else f"Microneedling: {text}"


def words(text: str) -> frozenset[str]:
    """Content words of ``text`` and of its glossary terms, without the words every question shares."""
    return frozenset(tokenize(expand(text))) - _GENERIC


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice overlap of two word sets (0 to 1); 1.0 when both are empty."""
    if not a and not b:
        return 1.0
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.0


@dataclass(frozen=True)
class Phrasing:
    """One way of asking a reviewed question, prepared for matching."""

    answer: int
    """Index of its reviewed answer in the list the matcher was built from."""
    text: str
    qualifiers: frozenset[str]
    words: frozenset[str]


@dataclass(frozen=True)
class Match:
    """The reviewed answer a question was matched to, and why."""

    answer: int
    phrasing: str
    similarity: float
    overlap: float
    margin: float


@dataclass(frozen=True)
class Decision:
    """What the matcher makes of a question: the reviewed answer it asks for, or those it nearly asks for."""

    match: Match | None
    suggestions: tuple[int, ...] = ()
    """When nothing matched: answers (indices) whose question it nearly asks, closest first, offered as
    "Did you mean: ...?" while the generated answer stands."""


@dataclass(frozen=True)
class Candidate:
    """How one phrasing compares with the question (for staff and the evaluation)."""

    phrasing: Phrasing
    similarity: float
    overlap: float
    same_subjects: bool

    def passes(self, settings: Settings) -> bool:
        if not self.same_subjects:
            return False
        if self.similarity >= settings.match_similarity_alone:
            return True
        return self.similarity >= settings.match_similarity and self.overlap >= settings.match_overlap


class QuestionMatcher:
    """Matches questions against the phrasings of a list of reviewed answers.

    ``phrasings[i]`` are the question and other phrasings of answer ``i``. Built once per
    set of answers: it embeds every phrasing in one batch.
    """

    def __init__(self, phrasings: Sequence[Sequence[str]], embedder: TextEmbedder, settings: Settings) -> None:
        self.settings = settings
        self.embedder = embedder
        self.phrasings = [
            Phrasing(i, text, qualifiers(text), words(text)) for i, texts in enumerate(phrasings) for text in texts if text.strip()
        ]
        texts = [with_topic(p.text) for p in self.phrasings]
        self.vectors = embedder.embed(texts) if texts else np.zeros((0, 1), dtype=np.float32)

    def candidates(self, question: str, *, context: Sequence[str] = (), vector: np.ndarray | None = None) -> list[Candidate]:
        """Every phrasing scored against ``question``, best first. ``context`` (earlier questions of
        the conversation) adds its subjects but not its aspects: a follow-up keeps what the conversation is about."""
        if not self.phrasings:
            return []
        # The conversation's subjects carry over ("I'm pregnant" ... "does it hurt?"); what was asked
        # about them does not: after "how does the treatment work", "What happens during a treatment?"
        # (a "Did you mean" clicked) asks what happens.
        earlier = {q for q in qualifiers(" ".join(context)) if not q.startswith("aspect:")} if context else set()
        asked = qualifiers(question) | earlier
        vec = self.embedder.embed_one(with_topic(question)) if vector is None else vector
        sims = self.vectors @ vec
        mine = words(question)
        out = [
            Candidate(p, float(sims[i]), overlap(mine, p.words), p.qualifiers == asked)
            for i, p in enumerate(self.phrasings)
        ]
        return sorted(out, key=lambda c: -c.similarity)

    def match(self, question: str, *, context: Sequence[str] = (), vector: np.ndarray | None = None) -> Match | None:
        """The reviewed answer ``question`` asks for, or None when none matches strictly enough."""
        return self.consider(question, context=context, vector=vector).match

    def consider(self, question: str, *, context: Sequence[str] = (), vector: np.ndarray | None = None) -> Decision:
        """The strict match for ``question``, or, when there is none, the answers it nearly asks for.

        A near match is an answer with a phrasing at least ``suggest_similarity`` close in meaning
        that failed a strict test (another subject or aspect, too few shared words, no margin). It is
        never suggested when it would drop a health situation the question (or its ``context``) states:
        "I'm pregnant, does it hurt?" is not offered "Is microneedling painful?"."""
        candidates = self.candidates(question, context=context, vector=vector)
        found = self._strict(candidates)
        if found is not None:
            return Decision(found)
        health = {q for q in qualifiers(" ".join([*context, question])) if q.startswith("health:")}
        suggested: list[int] = []
        for c in candidates:  # best first
            if c.similarity < self.settings.suggest_similarity or len(suggested) >= self.settings.suggestion_limit:
                break
            if c.phrasing.answer not in suggested and health <= c.phrasing.qualifiers:
                suggested.append(c.phrasing.answer)
        return Decision(None, tuple(suggested))

    def _strict(self, candidates: list[Candidate]) -> Match | None:
        passing = [c for c in candidates if c.passes(self.settings)]
        if not passing:
            return None
        best = passing[0]
        rival = max((c.similarity for c in candidates if c.phrasing.answer != best.phrasing.answer), default=-1.0)
        margin = best.similarity - rival
        if margin < self.settings.match_margin:
            return None
        return Match(best.phrasing.answer, best.phrasing.text, best.similarity, best.overlap, margin)


__all__ = ["ARTICLE_CONCERNS", "FACE_AREAS", "Candidate", "Decision", "Match", "QuestionMatcher", "overlap", "qualifiers", "words"]
