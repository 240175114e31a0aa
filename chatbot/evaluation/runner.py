"""Run the labelled questions through an engine and score every answer.

``evaluate`` works with any ``Engine`` (extractive or with an LLM generator), so
several modes can be run on the same questions and shown side by side. Retrieval
is scored on the question as the chain reads it (``answer.standalone_question``,
which folds in a follow-up's history), for the hybrid ranking the chain uses and
for BM25-only and dense-only rankings as baselines.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from chatbot.answering.model import Answer
from chatbot.answering.quoting import dangling_sentences
from chatbot.engine.interface import AnswerEngine
from chatbot.errors import ChatbotError, ChromaUnavailableError, IndexCorruptError, IndexMissingError
from chatbot.evaluation.metrics import RANK_DEPTH, fact_found, ranking_metrics
from chatbot.evaluation.questions import EvalQuestion
from chatbot.text.tokens import normalize, split_sentences

log = logging.getLogger(__name__)

HYBRID = "hybrid"
BASELINES = ("bm25", "dense")
Place = tuple[str, str]
"""(article slug, section heading) of a passage."""


@dataclass(frozen=True)
class QuestionResult:
    """What one labelled question got, with everything the report and the regression check need."""

    id: str
    question: str
    history: tuple[str, ...]
    split: str
    expected_category: str
    category: str
    """The guardrail category the engine gave ("error" when the engine raised)."""
    expected_articles: tuple[str, ...] = ()
    expected_sections: tuple[str, ...] = ()
    rule: str = ""
    answer: str = ""
    generator: str = ""
    cited: tuple[Place, ...] = ()
    """(article, section) of each cited source, in citation order."""
    retrieval: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per ranking mode: ``top`` (the first 10 places), ``article`` and ``section`` metrics
    (``section`` None when the question names no section). Empty when no article is expected."""
    facts: tuple[str, ...] = ()
    """Each key fact, named by its first phrasing."""
    facts_found: tuple[bool, ...] = ()
    supported: tuple[bool, ...] = ()
    """For each answer sentence with a citation: is it supported by the cited passage?"""
    dangling: tuple[str, ...] = ()
    """Answer sentences that open with a reference to something not quoted right before them
    ("Additionally, they can provide guidance..."; ``chatbot.answering.quoting.dangling_sentences``)."""
    lead_found: bool | None = None
    """Whether the answer's first quoted sentence carries a lead fact (``EvalQuestion.lead_facts``); None when the
    question expects no quoted answer (urgent, out of scope) or has no facts."""
    answer_sentences: int = 0
    """Quoted sentences of the short answer (without "More from the articles")."""
    answer_words: int = 0
    """Words of the short answer's quoted sentences and openers, without markers, notices or the guardrail message."""
    latency_ms: float | None = None
    verification: dict[str, int] = field(default_factory=dict)
    """LLM mode: ``checked``, ``dropped`` and ``corrected`` sentence counts."""
    error: str | None = None

    @property
    def cited_articles(self) -> list[str]:
        return list(dict.fromkeys(article for article, _ in self.cited))

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["cited"] = [list(place) for place in self.cited]
        return data


@dataclass(frozen=True)
class Evaluation:
    """All results of one mode (``extractive``, ``llm``...) on one set of questions."""

    mode: str
    results: tuple[QuestionResult, ...]
    rankings: tuple[str, ...]
    """Ranking modes scored: ``hybrid`` and, unless skipped, the baselines."""


def mode_name(engine: AnswerEngine) -> str:
    """``extractive`` for the quoting answerer, otherwise the generator's name (``llm`` by default)."""
    if engine.generator is None:
        return "extractive"
    return str(getattr(engine.generator, "name", "") or "llm")


def evaluate(
    engine: AnswerEngine,
    questions: Sequence[EvalQuestion],
    *,
    baselines: bool = True,
    progress: Callable[[int], None] | None = None,
) -> Evaluation:
    """Ask every question and score the answer and the retrieval.

    ``engine`` is a ``chatbot.engine.engine.Engine``; ``progress`` is called with 1 after each
    question. A question the engine refuses (``ChatbotError``) is recorded with its
    error and counts as wrong everywhere; index errors are raised, since nothing could
    be measured. ``baselines=False`` skips the BM25-only and dense-only rankings.
    """
    rankings = (HYBRID, *BASELINES) if baselines else (HYBRID,)
    inventory = passage_inventory(engine)
    results = []
    for q in questions:
        results.append(_evaluate_one(engine, q, rankings, inventory))
        if progress:
            progress(1)
    return Evaluation(mode_name(engine), tuple(results), rankings)


def _evaluate_one(engine: AnswerEngine, q: EvalQuestion, rankings: Sequence[str], inventory: Counter) -> QuestionResult:
    try:
        answer = engine.ask(q.question, list(q.history))
    except (IndexMissingError, IndexCorruptError, ChromaUnavailableError):
        raise
    except ChatbotError as exc:
        return QuestionResult(
            q.id, q.question, q.history, q.split, q.category, "error", q.articles, q.sections, error=str(exc),
            facts=tuple(f[0] for f in q.facts), facts_found=tuple(False for _ in q.facts),
        )
    found = tuple(fact_found(f, answer.full_text) for f in q.facts)
    short = [s for s in answer.sentences if not s.more]
    return QuestionResult(
        id=q.id,
        question=q.question,
        history=q.history,
        split=q.split,
        expected_category=q.category,
        category=answer.guardrail.category,
        expected_articles=q.articles,
        expected_sections=q.sections,
        rule=answer.guardrail.rule,
        answer=answer.text,
        generator=answer.generator,
        cited=tuple((c.article, c.section) for c in answer.citations),
        retrieval=score_retrieval(engine, q, answer, rankings, inventory) if q.articles else {},
        facts=tuple(f[0] for f in q.facts),
        facts_found=found,
        supported=tuple(citation_support(answer, engine.embedder, engine.settings.citation_support_similarity)),
        dangling=tuple(dangling_sentences(answer)),
        lead_found=lead_found(q, answer),
        answer_sentences=sum(s.citation is not None for s in short),
        answer_words=sum(len(s.text.split()) for s in short),
        latency_ms=answer.timings_ms.get("total"),
        verification=verification_counts(answer),
    )


LEAD_CATEGORIES = ("general", "medical")
"""Questions answered by quoting the articles: their first quoted sentence should answer."""


def lead_found(q: EvalQuestion, answer: Answer) -> bool | None:
    """Whether the first quoted sentence of ``answer`` carries a lead fact of ``q`` (None: not applicable)."""
    if q.category not in LEAD_CATEGORIES or not q.facts:
        return None
    first = next((s for s in answer.sentences if s.citation is not None and not s.more), None)
    return first is not None and any(fact_found(f, first.text) for f in q.lead_facts)


def passage_inventory(engine: AnswerEngine) -> Counter:
    """How many passages of the live index each (article, section) has: the ideal ranking for nDCG."""

    def read(snapshot) -> Counter:
        counts: Counter = Counter()
        step = engine.settings.chroma_batch_size
        for offset in range(0, len(snapshot.ids), step):
            got = snapshot.collection.get(include=["metadatas"], limit=step, offset=offset)
            counts.update((str(m["article"]), str(m.get("section") or "")) for m in got["metadatas"])
        return counts

    return engine.index.run(read)


def score_retrieval(engine: AnswerEngine, q: EvalQuestion, answer: Answer, rankings: Sequence[str], inventory: Counter) -> dict[str, dict[str, Any]]:
    """Article- and section-level ranking metrics of each mode's top 10 for ``q``.

    A passage is relevant by article when its article is one of ``q.articles``, and by
    section when, in addition, its section is one of ``q.sections`` (headings such as
    "Conclusion" occur in several articles).
    """
    query = answer.standalone_question or q.question
    n_articles = sum(n for (article, _), n in inventory.items() if article in q.articles)
    n_sections = sum(n for (article, section), n in inventory.items() if article in q.articles and section in q.sections)
    scored = {}
    for mode in rankings:
        passages = engine.search(query, k=RANK_DEPTH, mode=mode)
        top = [(p.chunk.article, p.chunk.section) for p in passages]
        by_article = [article in q.articles for article, _ in top]
        by_section = [article in q.articles and section in q.sections for article, section in top]
        scored[mode] = {
            "top": [list(place) for place in top],
            "article": ranking_metrics(by_article, n_relevant=n_articles),
            "section": ranking_metrics(by_section, n_relevant=n_sections) if q.sections else None,
        }
    return scored


def citation_support(answer: Answer, embedder, min_similarity: float) -> list[bool]:
    """For each answer sentence with a citation: does its cited passage support it?

    Supported means the passage contains the sentence (compared normalised), or the
    sentence's embedding has cosine at least ``min_similarity`` with the passage's most
    similar sentence. A citation number with no source is unsupported.
    """
    sources = {c.n: c for c in answer.citations}
    vectors_by_chunk = {p.chunk.id: p.chunk.sentence_vectors for p in answer.passages}
    verdicts = []
    for sentence in answer.sentences:
        if sentence.citation is None:
            continue
        source = sources.get(sentence.citation)
        if source is None:
            verdicts.append(False)
            continue
        if normalize(sentence.text).lower() in normalize(source.text).lower():
            verdicts.append(True)
            continue
        rows = vectors_by_chunk.get(source.chunk_id)
        if rows is None or not len(rows):
            rows = embedder.embed(split_sentences(source.text) or [source.text])
        best = float(np.max(np.asarray(rows) @ embedder.embed_one(sentence.text)))
        verdicts.append(best >= min_similarity)
    return verdicts


def verification_counts(answer: Answer) -> dict[str, int]:
    """Sentence counts from an LLM answer's verification record (empty for extractive answers)."""
    v = answer.verification or {}
    if not v:
        return {}

    def count(value: Any) -> int:
        return len(value) if isinstance(value, (list, tuple)) else int(value or 0)

    return {"checked": count(v.get("checked")), "dropped": count(v.get("dropped")), "corrected": count(v.get("corrected"))}
