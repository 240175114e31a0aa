"""The extractive answerer.

The extractive answerer quotes the sentences of the retrieved passages that
answer the question best, each followed by ``[n]``, where ``n`` numbers the
source passage. Quoting means it can never state something its sources don't
say; it picks 2-5 sentences, never two that say the same thing, and drops page
leftovers such as "Visit our homepage". A sentence that refers back ("They can
provide guidance...") is quoted after the sentence it refers to, or not at all
(``chatbot/answering/quoting.py``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from chatbot.answering.lead import compose_around_lead
from chatbot.answering.model import AnswerSentence, Citation, Scoring
from chatbot.answering.quoting import is_care_passage, standalone_group
from chatbot.answering.reader import read_question
from chatbot.guardrail.verdict import GENERAL, MEDICAL, OUT_OF_SCOPE, URGENT, GuardrailVerdict
from chatbot.knowledge.passages import ScoredPassage
from chatbot.settings import Settings
from chatbot.text.negation import contradicts
from chatbot.text.references import opens_with_reference
from chatbot.text.tokens import content_words, is_complete_sentence, normalize

PROMOTIONAL = re.compile(
    r"\b(visit our|our homepage|book (a|your|now)|contact us|call us|sign up|subscribe|celebrit\w*|fave amongst|beauty guru|"
    r"our hydrafacial|like our)\b",
    re.IGNORECASE,
)
NOT_AN_ANSWER = re.compile(
    r"\b(in this (blog|comprehensive blog post|article)|we'll break down|we aim to)\b"
    # lead-ins that announce what follows and state nothing themselves
    r"|\b(quite|very|truly) (intriguing|fascinating|interesting)\b|\b(are|is|get) (often )?curious about\b"
    r"|\b(constantly|often|always) get asked\b|\bunderstanding (these|this|them) is (crucial|essential|important|key)\b"
    r"|\bto follow (proper|these|some|the following) (aftercare )?tips\b"
    # addressing the reader before the article starts: "you've probably come across microneedling"
    r"|\byou'?ve (probably|likely|undoubtedly|surely|no doubt) (come across|heard|seen|read)\b",
    re.IGNORECASE,
)
LEXICAL_WEIGHT = 0.35
"""Share of word overlap in a sentence's score: exact terms ("30 minutes", "SPF") matter
to clients, but meaning must dominate so paraphrased questions still work."""


@dataclass(frozen=True, eq=False)
class _Candidate:
    """A quotable sentence: ``passage`` is its passage's position in the ranking, ``index`` its
    position in the passage. Compared by identity: each answer builds its candidates once."""

    passage: int
    index: int
    text: str
    vector: np.ndarray
    score: float
    similarity: float
    refers_back: bool = False
    """It opens with a reference to what comes before it ("They...", "Additionally, ...")."""
    whole: str = ""
    """The article's sentence when ``text`` quotes it edited to lead on its own (``chatbot.answering.lead.quoted_alone``)."""


def candidates(query: str, vector: np.ndarray, passages: Sequence[ScoredPassage], scoring: Scoring) -> list[_Candidate]:
    """Every quotable sentence with its relevance: cosine to the question plus IDF-weighted word overlap."""
    query_words = content_words(query)
    query_weight = sum(scoring.idf(w) for w in query_words)
    out: list[_Candidate] = []
    for p_rank, passage in enumerate(passages):
        sims = passage.chunk.sentence_vectors @ vector
        for i, sentence in enumerate(passage.chunk.sentences):
            if not usable_sentence(sentence):
                continue
            shared = query_words & content_words(sentence)
            overlap = sum(scoring.idf(w) for w in shared) / query_weight if query_weight else 0.0
            score = float(sims[i]) + LEXICAL_WEIGHT * overlap
            out.append(
                _Candidate(p_rank, i, sentence, passage.chunk.sentence_vectors[i], score, float(sims[i]), opens_with_reference(sentence))
            )
    return out


def usable_sentence(sentence: str) -> bool:
    """Whether a sentence can be quoted: complete, not a question, not promotion."""
    s = sentence.strip()
    return (
        len(s) >= 25
        and is_complete_sentence(s)
        and not s.endswith("?")
        and not PROMOTIONAL.search(s)
        and not NOT_AN_ANSWER.search(s)
    )


def select_sentences(
    query: str, vector: np.ndarray, passages: Sequence[ScoredPassage], scoring: Scoring, settings: Settings, *,
    max_sentences: int | None = None, context_sentences: int | None = None, every: Sequence[_Candidate] | None = None,
) -> list[_Candidate]:
    """Choose what to quote: the passage that matches best as a whole, then the best of the others.

    ``passages`` are in ranking order (best first).

    Whole-passage relevance is the strongest signal available (single sentences
    match on topic words, and a lead-in like "it is crucial to follow aftercare tips"
    outscores the tips themselves). So the lead passage, the one whose meaning as a
    whole is closest to the question (dense cosine) among the first ``lead_pool`` (preferring
    those that share a keyword with it), is quoted first, up to ``lead_sentences`` of its most relevant
    sentences in reading order; the remaining room goes to the most relevant sentences
    of the next passages by fused score (at most ``sentences_per_passage`` each). Sentences below
    ``sentence_min_relevance`` or repeating a chosen one are skipped, and every sentence quoted reads on its
    own (``quote_reference_strategy``); up to ``context_sentences`` (default ``answer_context_sentences``)
    sentences quoted only as context come on top of ``max_sentences``. ``every`` are the passages' quotable
    sentences when already computed.
    """
    max_sentences = max_sentences or settings.answer_max_sentences
    every = candidates(query, vector, passages, scoring) if every is None else every
    quotable = {(c.passage, c.index): c for c in every}
    relevant = [c for c in every if c.similarity >= settings.sentence_min_relevance]
    by_passage: dict[int, list[_Candidate]] = {}
    for cand in relevant:
        by_passage.setdefault(cand.passage, []).append(cand)
    # The lead is chosen among the best few of the ranking only, so handing the answerer more
    # passages adds material without letting a low-ranked passage take the lead.
    pool = sorted((p for p in by_passage if p < settings.lead_pool), key=lambda p: -passages[p].dense_score)
    # Meaning alone can drift: "wrinkles around my mouth" is closest to a pore passage that never
    # says wrinkles. So the lead is a passage the keyword search found too, when the pool has one.
    pool = [p for p in pool if passages[p].bm25_rank] or pool
    lead = pool[0] if pool else None
    # The others follow by fused score, both searches' vote, before the per-article spread of the
    # ranking: a passage only the dense search likes is often a generic introduction. On the 205 dev
    # questions this quotes 151 key facts against 143 in dense order and 145 in ranking order.
    order = sorted(by_passage, key=lambda p: -passages[p].score)
    if lead is not None:
        order = [lead, *(p for p in order if p != lead)]
    picked: list[_Candidate] = []
    own_left = max_sentences
    context_left = settings.answer_context_sentences if context_sentences is None else context_sentences
    for rank, p in enumerate(order):
        limit = settings.lead_sentences if rank == 0 else settings.sentences_per_passage
        best_first = sorted(by_passage[p], key=lambda c: -c.score)
        chosen, context = _choose(best_first, picked, quotable, room=min(limit, own_left), context_room=context_left, settings=settings)
        picked.extend(sorted(chosen, key=lambda c: c.index))
        own_left -= len(chosen) - context
        context_left -= context
        if own_left <= 0:
            break
    return picked


def _choose(
    best_first: Sequence[_Candidate], picked: Sequence[_Candidate], quotable: dict[tuple[int, int], _Candidate], *,
    room: int, context_room: int, settings: Settings,
) -> tuple[list[_Candidate], int]:
    """Up to ``room`` sentences of one passage, most relevant first, none repeating a sentence of
    ``picked``, each quoted so that it reads on its own: alone, after the sentences before it, or
    not at all (``quote_reference_strategy``).

    Sentences quoted only so that the next one reads are context: up to ``context_room`` of them
    do not count towards ``room``, the others do. A sentence left out because the sentence before
    it was not quoted is quoted when that sentence is chosen later. Returns the chosen sentences
    and how many of them were counted as context.
    """
    chosen: list[_Candidate] = []
    own = context = 0

    def cost(group: list[_Candidate]) -> tuple[int, int]:
        """(own, context) sentences that quoting ``group`` takes."""
        as_context = min(len(group) - 1, context_room - context)
        return len(group) - as_context, as_context

    def group_of(cand: _Candidate) -> list[_Candidate] | None:
        group = standalone_group(cand, chosen, quotable, settings.quote_reference_strategy)
        if group is None or own + cost(group)[0] > room:
            return None
        if any(_same_fact(g, other, settings) for g in group for other in [*picked, *chosen]):
            return None
        return group

    waiting = list(best_first)
    changed = True
    while changed and own < room:
        changed = False
        for cand in waiting:
            group = group_of(cand)
            if group is not None:
                spent_own, spent_context = cost(group)
                own, context = own + spent_own, context + spent_context
                chosen.extend(group)
                waiting = [c for c in waiting if all(c is not g for g in group)]
                changed = True
                break  # the best sentences first again: one of them may follow this group now
    return chosen, context


def _same_fact(a: _Candidate, b: _Candidate, settings: Settings) -> bool:
    """Whether two sentences say the same thing: close in meaning and sharing words, or
    nearly the same words. Meaning alone is not enough, as every sentence here is about
    microneedling ("consult a dermatologist" and a list of conditions score 0.79)."""
    wa, wb = content_words(a.text), content_words(b.text)
    shared = len(wa & wb) / min(len(wa), len(wb)) if wa and wb else 0.0
    return (float(a.vector @ b.vector) >= settings.sentence_duplicate_similarity and shared >= 1 / 3) or shared >= 0.75


def cite(picked: Sequence[_Candidate], passages: Sequence[ScoredPassage]) -> tuple[list[AnswerSentence], list[Citation]]:
    """Number the sources in order of first use and attach ``[n]`` to each sentence."""
    numbers: dict[int, int] = {}
    quoted: dict[int, list[str]] = {}
    sentences: list[AnswerSentence] = []
    for cand in picked:
        n = numbers.setdefault(cand.passage, len(numbers) + 1)
        quoted.setdefault(cand.passage, []).append(cand.whole or cand.text)  # what the source highlights
        sentences.append(AnswerSentence(cand.text, n))
    citations = [
        Citation(
            n=n, article=passages[p].chunk.article, title=passages[p].chunk.title, section=passages[p].chunk.section,
            chunk_id=passages[p].chunk.id, text=passages[p].chunk.text, score=passages[p].score,
            sentences=tuple(quoted[p]),
        )
        for p, n in numbers.items()
    ]
    return sentences, citations


def condition_sentence(
    query: str, candidates: Sequence[_Candidate], scoring: Scoring, *, min_idf: float
) -> tuple[_Candidate, set[str]] | None:
    """The sentence that names the asker's situation in the articles' own rare words
    ("keloid", "blood"), with the rare words it shares, if any: when the articles mention
    your condition, that is quoted."""
    rare = {w for w in content_words(query) if scoring.idf(w) >= min_idf}
    best: tuple[_Candidate, set[str]] | None = None
    best_weight = 0.0
    for cand in candidates:
        shared = rare & content_words(cand.text)
        weight = sum(scoring.idf(w) for w in shared)
        if weight > best_weight:
            best, best_weight = (cand, shared), weight
    return best


def find_disagreement(
    picked: Sequence[_Candidate], candidates: Sequence[_Candidate], passages: Sequence[ScoredPassage], settings: Settings
) -> tuple[_Candidate, _Candidate] | None:
    """A quoted sentence and a sentence of another article's passage that contradict each other.

    Same subject (cosine at least ``conflict_similarity``) and one denies what the other
    asserts ("pores cannot shrink" / "Shrinking pore size"), using the same negation
    check as ``chatbot lint-corpus``. Returns (quoted, other) or None.
    """
    for a in picked:
        for b in candidates:
            if passages[a.passage].chunk.article == passages[b.passage].chunk.article:
                continue
            if float(a.vector @ b.vector) >= settings.conflict_similarity and (contradicts(a.text, b.text) or contradicts(b.text, a.text)):
                return a, b
    return None


def extractive_answer(
    query: str, vector: np.ndarray, passages: Sequence[ScoredPassage], verdict: GuardrailVerdict, scoring: Scoring, settings: Settings
) -> tuple[list[AnswerSentence], list[Citation], tuple[str, ...]]:
    """Quote the passages for ``query`` according to the guardrail's category.

    Returns the cited sentences, their sources and notes for the reader. Out-of-scope
    questions get no quotes at all; urgent ones at most two, after the advice to seek
    care, and only from passages about warning signs, infection or aftercare
    (``chatbot.answering.quoting.is_care_passage``). When a quoted sentence contradicts another
    article's passage, both are quoted and a note says the articles differ.
    """
    if verdict.category == URGENT:
        # Someone who needs care now is not helped by preparation tips or the benefits of microneedling.
        passages = [p for p in passages if is_care_passage(p.chunk)]
    if verdict.category == OUT_OF_SCOPE or not passages:
        return [], [], ()
    limit = 2 if verdict.category == URGENT else settings.answer_max_sentences
    context = 0 if verdict.category == URGENT else settings.answer_context_sentences  # urgent answers stay short
    every = candidates(query, vector, passages, scoring)
    quotable = {(c.passage, c.index): c for c in every}
    picked = select_sentences(query, vector, passages, scoring, settings, max_sentences=limit, context_sentences=context, every=every)
    if verdict.category == GENERAL and not picked:
        return [], [], ()
    relevant = [c for c in every if c.similarity >= settings.sentence_min_relevance]
    keep: list[_Candidate] = []
    if verdict.category == MEDICAL:
        # Matched on the situation's own rare words, so a sentence that names it counts however
        # little its meaning resembles the whole question ("Keloid scars" in a list of conditions).
        found = condition_sentence(query, every, scoring, min_idf=settings.condition_word_idf)
        mention, named = found if found else (None, set())
        if mention is not None and not any(named <= content_words(c.text) for c in picked):
            keep.extend(_insert(picked, mention, quotable, limit=limit, context=context, keep=keep, settings=settings))
    clash = find_disagreement(picked, relevant, passages, settings)
    # The other side is quoted too, making room without dropping the contradicted sentence.
    if (
        clash is not None and all(c is not clash[1] for c in picked)
        and not _insert(picked, clash[1], quotable, limit=limit, context=context, keep=[*keep, clash[0]], settings=settings)
    ):
        clash = None
    if settings.reader and verdict.category in (GENERAL, MEDICAL):
        sides = [clash[0], clash[1]] if clash is not None else []
        sentences, citations = lead_answer(query, every, picked, passages, scoring, settings, keep=[*keep, *sides], gaps=verdict.category == GENERAL and not verdict.message)
    else:
        sentences, citations = cite(picked, passages)
    if clash is None:
        return sentences, citations, ()
    n_of = {s.text: s.citation for s in sentences}
    quoted, other = clash
    note = f"Our articles don't agree on this point: compare [{n_of[quoted.text]}] and [{n_of[other.text]}], and ask a dermatologist if it matters for you."
    return sentences, citations, (note,)


def lead_answer(
    query: str, every: Sequence[_Candidate], picked: Sequence[_Candidate], passages: Sequence[ScoredPassage], scoring: Scoring,
    settings: Settings, *, keep: Sequence[_Candidate] = (), gaps: bool = True,
) -> tuple[list[AnswerSentence], list[Citation]]:
    """``picked`` cited around the sentence that answers ``query`` best (``chatbot/answering/lead.py``): the short
    answer first, preceded by a "Yes —"/"No —" or an honest-gap line when one applies, then the sentences marked ``more``."""
    shaped = compose_around_lead(
        read_question(query), every, picked, passages, scoring, settings, same_fact=lambda a, b: _same_fact(a, b, settings), keep=keep, gaps=gaps,
    )
    sentences, citations = cite([*shaped.main, *shaped.more], passages)
    sentences[len(shaped.main):] = [replace(s, more=True) for s in sentences[len(shaped.main):]]
    openers = [AnswerSentence(line, None) for line in (shaped.gap, shaped.opening) if line]
    return [*openers, *sentences], citations


def _insert(
    picked: list[_Candidate], cand: _Candidate, quotable: dict[tuple[int, int], _Candidate], *, limit: int, context: int,
    keep: Sequence[_Candidate], settings: Settings,
) -> list[_Candidate]:
    """Add ``cand`` to ``picked`` (in place, kept in passage order) so that it reads on its own,
    making room (``limit`` sentences besides up to ``context`` context sentences) by removing the least relevant sentences
    other than ``keep`` and those another quoted sentence refers back to. Returns what was added;
    empty when it cannot be quoted."""
    group = standalone_group(cand, picked, quotable, settings.quote_reference_strategy)
    if group is None:
        return []
    while _length([*picked, *group], context) > limit:
        after = [*picked, *group]
        removable = [c for c in picked if all(c is not k for k in keep) and not _is_context(c, after)]
        if not removable:
            return []
        picked.remove(min(removable, key=lambda c: c.score))
    picked[:] = sorted([*picked, *group], key=lambda c: (c.passage, c.index))
    return group


def _is_context(sentence: _Candidate, quoted: Sequence[_Candidate]) -> bool:
    """Whether a quoted sentence right after ``sentence`` in its passage refers back to it."""
    return any(n.refers_back and (n.passage, n.index) == (sentence.passage, sentence.index + 1) for n in quoted)


def _length(quoted: Sequence[_Candidate], context: int) -> int:
    """How many sentences an answer counts: those quoted only as context, up to ``context``, do not."""
    return len(quoted) - min(context, sum(_is_context(c, quoted) for c in quoted))


def same_text(a: str, b: str) -> bool:
    return normalize(a).lower() == normalize(b).lower()
