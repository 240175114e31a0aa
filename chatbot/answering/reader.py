"""The sentence-level reader: which quotable sentence answers the question.

The lead passage is usually chosen well, but its sentences in reading order open with its topic
sentence ("Microneedling's expanding number of benefits has contributed to its rising popularity"),
not with the sentence that answers "why does microneedling work?". The reader scores every candidate
sentence of the retrieved passages on how well it *answers*, not only how close its topic is:

* the question's answer type (``chatbot.answering.question_type``) and whether the sentence has what
  that type needs (a time for "how long", pain words for "does it hurt");
* coverage of the question's focus terms, through the glossary ("dark marks" -> hyperpigmentation);
* sentence-level BM25 and word overlap, and the MiniLM cosine of sentence and question;
* where the sentence sits: its passage's rank and dense score, whether the composer picked it, whether it
  opens its passage or refers back.

A conditional logit over these features (a softmax over the question's sentences), fitted on the dev
split's key facts by ``chatbot/evaluation/fit_reader.py``, combines them; its weights ship in
``reader_weights.json``, so answering only takes a dot product (no scikit-learn or SciPy at run time).
e5 similarities are not a feature for English questions: embedding the question with e5 as well costs
about 14 ms, over the reader's 3 ms budget (README, "Speed and start-up").
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from chatbot.answering.model import Scoring
from chatbot.answering.question_type import KINDS, AnswerType, answer_type
from chatbot.text.glossary import term_groups
from chatbot.text.tokens import STOPWORDS, content_words, normalize, stem, tokenize

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
WEIGHTS_FILE = Path(__file__).with_name("reader_weights.json")

GENERIC = frozenset(tokenize(
    "microneedling micro needling needling microneedle treatment treatments procedure procedures session sessions skin face facial "
    "work works help helps good bad thing things someone people person know want need able use used make makes lot alot "
    "actually really ok okay possible get getting go going done do did like think thanks please pls"
))
"""Words every article uses or every question has: they say nothing about what is asked."""

BM25_K1, BM25_B = 1.2, 0.75
"""Sentence-level BM25 parameters (Robertson & Zaragoza 2009 defaults for short fields)."""

FEATURES = (
    "similarity", "similarity_gap", "overlap", "bm25", "focus", "focus_all",
    "typed", "type_match", "type_conflict", *(f"match_{k}" for k in KINDS),
    "picked", "lead_passage", "passage_rank", "passage_dense", "first_in_passage", "refers_back", "length",
)
"""The reader's features, in the order of the shipped weights."""


@dataclass(frozen=True)
class Question:
    """What the reader reads from a question once: its answer type, words and focus groups."""

    text: str
    kind: AnswerType
    words: frozenset[str]
    """Content words (stemmed), with the glossary's article terms of its lay words."""
    focus: tuple[frozenset[str], ...]
    """One group per focus word: the word's stem and the stems of its glossary article terms."""


def read_question(text: str) -> Question:
    """The reader's view of ``text`` (the question as searched)."""
    own = [w for w in tokenize(text) if w not in GENERIC]
    groups: dict[str, set[str]] = {w: {w} for w in own}
    words = set(own)
    for lay, terms in term_groups(text):
        words |= terms
        for w in lay:
            if w in groups:
                groups[w] |= terms
    return Question(text, answer_type(text), frozenset(words), tuple(frozenset(g) for g in groups.values()))


@dataclass(frozen=True)
class Weights:
    """The fitted weights: ``coef`` per feature of ``FEATURES`` and ``intercept`` (0 for a conditional logit)."""

    coef: np.ndarray
    intercept: float

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Each row's score: the higher, the likelier its sentence is the one that answers the question."""
        return rows @ self.coef + self.intercept


@lru_cache(maxsize=4)
def load_weights(path: Path = WEIGHTS_FILE) -> Weights:
    """The shipped weights. Raises ``ValueError`` naming the file when its features are not ``FEATURES``
    (refit with ``python -m chatbot.evaluation.fit_reader``)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{path.name} was fitted on other features; refit it: python -m chatbot.evaluation.fit_reader")
    return Weights(np.asarray(data["coef"], dtype=np.float64), float(data["intercept"]))


def features(question: Question, candidates: Sequence, passages: Sequence, scoring: Scoring, *, picked: Sequence = (), lead: int | None = None) -> np.ndarray:
    """One row of ``FEATURES`` per candidate sentence (``_Candidate``s of ``chatbot.answering.extractive``).

    ``passages`` are the ranked ``ScoredPassage``s the candidates index into, ``picked`` the sentences
    the composer chose and ``lead`` the passage it led with.
    """
    if not candidates:
        return np.zeros((0, len(FEATURES)))
    tokens = [tokenize(c.text) for c in candidates]
    bm25 = _bm25(question.words, tokens, scoring)
    top_bm25 = max(bm25) or 1.0
    weight = sum(scoring.idf(w) for w in question.words) or 1.0
    best = max(c.similarity for c in candidates)
    chosen = {id(c) for c in picked}
    kind = question.kind
    rows = []
    for cand, toks, b in zip(candidates, tokens, bm25):
        words = set(toks)
        covered = [bool(g & words) for g in question.focus]
        match = kind.has_evidence(cand.text)
        passage = passages[cand.passage]
        rows.append([
            cand.similarity, cand.similarity - best,
            sum(scoring.idf(w) for w in question.words & words) / weight, b / top_bm25,
            sum(covered) / len(covered) if covered else 0.0, float(bool(covered) and all(covered)),
            float(bool(kind.kind)), float(match), float(kind.conflicts(cand.text)),
            *(float(match and kind.kind == k) for k in KINDS),
            float(id(cand) in chosen), float(cand.passage == lead), 1.0 / (1 + cand.passage), passage.dense_score,
            float(cand.index == 0), float(cand.refers_back), min(len(toks), 30) / 30,
        ])
    return np.asarray(rows, dtype=np.float64)


def _bm25(query: frozenset[str], sentences: Sequence[Sequence[str]], scoring: Scoring) -> list[float]:
    """BM25 of each tokenised sentence for ``query``, with the corpus IDF and the candidates' mean length."""
    mean = sum(len(s) for s in sentences) / len(sentences) or 1.0
    out = []
    for toks in sentences:
        score = 0.0
        for w in query:
            tf = toks.count(w)
            if tf:
                score += scoring.idf(w) * tf * (BM25_K1 + 1) / (tf + BM25_K1 * (1 - BM25_B + BM25_B * len(toks) / mean))
        out.append(score)
    return out


def rank(question: Question, candidates: Sequence, passages: Sequence, scoring: Scoring, *, picked: Sequence = (), lead: int | None = None,
         weights: Weights | None = None) -> list[tuple[float, object]]:
    """``(chance, candidate)`` pairs, best answer first: a softmax of the scores over ``candidates``. The
    weights were fitted over the sentences that can lead, so this is a share for comparing candidates
    ("nearly as likely as the lead"), not a calibrated probability."""
    if not candidates:
        return []
    scores = (weights or load_weights()).score(features(question, candidates, passages, scoring, picked=picked, lead=lead))
    chance = np.exp(scores - scores.max())
    chance /= chance.sum()
    order = np.argsort(-scores, kind="stable")
    return [(float(chance[i]), candidates[i]) for i in order]


def uncovered_focus(question: Question, text: str, scoring: Scoring) -> list[str]:
    """The question's specific words (as written) that the articles never use, so no passage can speak of them
    ("icepick", "rosacea"). Empty when the articles' vocabulary is unknown.

    Specific means rare in English (not a whole word of the embedding model's vocabulary, ``scoring.common_words``:
    "cystic", "chickenpox", not "amazing" or "bigger"), or a lay word the glossary maps only to terms the question
    already has, so it narrows them ("icepick" -> scars). A lay word that brings new article terms is covered by
    them ("appointment" -> session). A word after "I", "it", "can"... is a verb, not a topic.
    """
    vocabulary = scoring.vocabulary
    if not vocabulary:
        return []
    own = set(tokenize(text))
    groups = term_groups(text)
    narrowing = {w for lay, terms in groups if terms <= own for w in lay}
    synonyms = {w for lay, terms in groups if not terms <= own for w in lay}
    found = []
    for clause in _asked(normalize(text).lower()):
        words = _WORD.findall(clause)
        for i, word in enumerate(words):
            token = stem(word.removesuffix("'s"))
            if (word in STOPWORDS or len(word) < 5 or not word.isalpha() or token in GENERIC or token in vocabulary or word in CHAT_WORDS
                    or token in synonyms or _variant(word, vocabulary)):
                continue
            if (i and words[i - 1] in _NOT_A_TOPIC_AFTER) or word in _TIME_WORDS:
                continue
            if token in narrowing or (scoring.common_words and word not in scoring.common_words):
                found.append(word)
    return found


ASKED_MAX_WORDS = 14
"""Longer questions tell a story ("my friend went to Ibiza..."): their rare words are context, not what is asked."""


def _asked(text: str) -> list[str]:
    """The sentences of ``text`` that ask (end in "?", or all of it when none does), when short enough to be one topic."""
    sentences = re.findall(r"[^.!?]+[.!?]*", text)
    asked = [s for s in sentences if s.rstrip().endswith("?")] or sentences
    return [s for s in asked if len(_WORD.findall(s)) <= ASKED_MAX_WORDS]


def _variant(word: str, vocabulary: frozenset[str]) -> bool:
    """Whether ``word`` is another form of an article word ("riskier", "moisturiser" for "moisturizer")."""
    root = word[: max(4, len(word) - 3)]
    return any(v.startswith(root) for v in vocabulary)


_NOT_A_TOPIC_AFTER = frozenset("i you it we they he she can could will would should to do does did don't doesn't not i'm".split())
"""Words after which a word is a verb ("can I wear", "it worsens")."""
_TIME_WORDS = frozenset(
    "every once twice three four five longer shorter today tonight tomorrow tomorrows yesterday morning evening night afternoon weekend "
    "monday tuesday wednesday thursday friday saturday sunday thurs next last moment lately".split()
)
"""Times and counts: what they qualify is the topic, not them."""
_TOPIC_AFTER = frozenset("my the a an on for with about of your their his her around near under in".split())
"""Words after which a word names a thing ("on my neck", "for rosacea")."""


CHAT_WORDS = frozenset(
    "alot gonna wanna gotta kinda sorta lol tbh btw thx thanks thank hello hey hiya pls plz please okay yeah yep nope hmm "
    "anyone somebody anybody someone something anything everything stuff honestly seriously basically literally "
    "whats thats theyre youre doesnt didnt isnt arent wont cant dont".split()
)
"""Chat words no article uses and no client means as a topic."""


def shares(question: Question, sentence: str) -> bool:
    """Whether ``sentence`` covers every focus group of ``question``."""
    words = content_words(sentence)
    return bool(question.focus) and all(g & words for g in question.focus)
