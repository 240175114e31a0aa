"""Reviewed answers: what a clinician signed off, in the form it is kept, exported and served.

A reviewed answer is written for one question (plus the other ways clients ask it). Its text
carries ``[n]`` markers; source ``n`` is either a sentence quoted from an article,
``{article: slug, quote: "exact sentence"}``, or ``{clinic: true}`` for something the
clinic says itself (prices, opening hours) that no article says. Sources name the article
and the sentence, never a chunk id, so re-chunking the articles does not break them; a
quote counts only when it is a sentence of the article as the index reads it (cleaned and
split by ``chatbot.knowledge.corpus`` / ``chatbot.knowledge.chunking``).

The YAML file (``chatbot answers export`` / ``import``)::

    answers:
      - question: "Is microneedling painful?"
        also_asked: ["Does microneedling hurt?"]
        answer: "Most people feel only mild discomfort [1]. A session costs 150 euros [2]."
        sources:
          - {article: microneedling-benefits-process-results, quote: "Most patients describe ..."}
          - {clinic: true}
        reviewed_by: dr.lee
        reviewed_at: "2026-12-02T14:00:00+00:00"
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from chatbot.errors import ReviewedAnswersError
from chatbot.knowledge.chunking import chunk_article
from chatbot.knowledge.corpus import clean_article, load_corpus
from chatbot.settings import Settings
from chatbot.text.markers import split_generated
from chatbot.text.references import quotes_sentence
from chatbot.text.structured import InputLimits, StructuredInputError, load_yaml, short
from chatbot.text.tokens import normalize

DRAFT, REVIEWED, NEEDS_REVIEW, WITHDRAWN = "draft", "reviewed", "needs_review", "withdrawn"
STATUSES = (DRAFT, REVIEWED, NEEDS_REVIEW, WITHDRAWN)
STATUS_LABELS = {DRAFT: "Draft", REVIEWED: "Reviewed", NEEDS_REVIEW: "Needs review", WITHDRAWN: "Withdrawn"}

_ENTRY_KEYS = {"question", "also_asked", "answer", "sources", "reviewed_by", "reviewed_at"}
CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future a ``reviewed_at`` may be (another machine's clock running fast); anything later is refused."""


@dataclass(frozen=True)
class Source:
    """One numbered source of a reviewed answer: an article sentence, or the clinic itself."""

    article: str = ""
    quote: str = ""
    clinic: bool = False

    def to_yaml(self) -> dict[str, Any]:
        return {"clinic": True} if self.clinic else {"article": self.article, "quote": self.quote}


@dataclass(frozen=True)
class ReviewedSentence:
    """One sentence of a reviewed answer and the numbers of the sources it cites."""

    text: str
    cited: tuple[int, ...]


@dataclass(frozen=True)
class AnswerContent:
    """What staff write and a clinician approves: the answer, its sources, its trigger phrasings."""

    question: str
    answer: str
    sources: tuple[Source, ...]
    also_asked: tuple[str, ...] = ()

    @property
    def sentences(self) -> list[ReviewedSentence]:
        return [ReviewedSentence(g.text, g.cited) for g in split_generated(self.answer)]

    @property
    def phrasings(self) -> tuple[str, ...]:
        """The question and the other ways clients ask it, in that order, without repeats."""
        return tuple(dict.fromkeys(p for p in (self.question, *self.also_asked) if p.strip()))

    def clinic_sentences(self) -> list[int]:
        """Indexes of the sentences that cite only clinic sources (clinic statements)."""
        out = []
        for i, s in enumerate(self.sentences):
            if s.cited and all(1 <= n <= len(self.sources) and self.sources[n - 1].clinic for n in s.cited):
                out.append(i)
        return out


@dataclass(frozen=True)
class StaleQuote:
    """A quoted sentence no longer in its article after an ingest: what staff compare side by side."""

    n: int
    article: str
    old: str
    new: str
    """The closest sentence of the article now ("" when the article is gone)."""


@dataclass(frozen=True)
class ReviewedAnswer:
    """A stored question with its served (published) revision, if any, and its latest revision."""

    id: int
    question: str
    status: str
    content: AnswerContent | None
    """The published revision (what clients get while ``status`` is reviewed); None before the first approval."""
    revision: int
    """The number of the published revision (0 when none)."""
    latest: AnswerContent
    latest_revision: int
    reviewed_by: str = ""
    reviewed_at: datetime | None = None
    stale: tuple[StaleQuote, ...] = ()

    @property
    def served(self) -> bool:
        return self.status == REVIEWED and self.content is not None

    @property
    def has_pending_draft(self) -> bool:
        return self.latest_revision > self.revision


@dataclass(frozen=True)
class Revision:
    """One saved version of an answer, and who approved it (if anyone)."""

    number: int
    content: AnswerContent
    author: str
    created_at: datetime
    note: str = ""
    approved_by: str = ""
    approved_at: datetime | None = None


@dataclass(frozen=True)
class HistoryEvent:
    """One line of an answer's history: a draft, an approval, a withdrawal, a staleness mark."""

    at: datetime
    actor: str
    action: str
    revision: int
    detail: str = ""


@dataclass(frozen=True)
class ImportEntry:
    """One validated entry of a YAML file."""

    content: AnswerContent
    reviewed_by: str
    reviewed_at: datetime


# --- article sentences ------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleSentences:
    """Every sentence of every article as the index reads it, by slug, with the article titles."""

    sentences: Mapping[str, tuple[str, ...]]
    titles: Mapping[str, str] = field(default_factory=dict)

    def contains(self, article: str, quote: str) -> bool:
        key = quote_key(quote)
        return any(quote_key(s) == key for s in self.sentences.get(article, ()))

    def holding(self, article: str, quote: str) -> str | None:
        """The sentence of ``article`` that is ``quote``, or that ``quote`` quotes alone (without its "Additionally, ",
        or with its reference named in brackets: "[Microneedling] can be..."); None when there is none."""
        key = quote_key(quote)
        sentences = self.sentences.get(article, ())
        exact = next((s for s in sentences if quote_key(s) == key), None)
        return exact or next((s for s in sentences if quotes_sentence(quote, s)), None)

    def closest(self, article: str, quote: str) -> str:
        """The sentence of ``article`` most like ``quote`` ("" when the article has none)."""
        candidates = list(self.sentences.get(article, ()))
        if not candidates:
            return ""
        key = quote_key(quote)
        return max(candidates, key=lambda s: difflib.SequenceMatcher(None, key, quote_key(s)).ratio())


def quote_key(text: str) -> str:
    """How quotes are compared: normalised (NFKC, straight quotes, single spaces), case kept."""
    return normalize(text)


def article_sentences(settings: Settings) -> ArticleSentences:
    """Read, clean and split the corpus exactly as ``chatbot ingest`` does (no embedding)."""
    articles, _ = load_corpus(Path(settings.corpus_dir))
    sentences: dict[str, tuple[str, ...]] = {}
    titles: dict[str, str] = {}
    for article in articles:
        chunks = chunk_article(
            clean_article(article, heading_max_words=settings.heading_max_words),
            max_chars=settings.chunk_max_chars, min_chars=settings.chunk_min_chars,
        )
        sentences[article.slug] = tuple(dict.fromkeys(s for c in chunks for s in c.sentences))
        titles[article.slug] = article.title
    return ArticleSentences(sentences, titles)


def stale_quotes(content: AnswerContent, articles: ArticleSentences) -> list[StaleQuote]:
    """The quotes of ``content`` that are no longer sentences of their article."""
    out = []
    for n, source in enumerate(content.sources, start=1):
        if source.clinic or articles.contains(source.article, source.quote):
            continue
        out.append(StaleQuote(n, source.article, source.quote, articles.closest(source.article, source.quote)))
    return out


# --- checking an answer's shape ---------------------------------------------------------------


def content_problems(content: AnswerContent, articles: ArticleSentences) -> list[str]:
    """What makes ``content`` unusable as a reviewed answer, in words staff can act on (empty when fine).

    Checks the shape only (every sentence cites an existing source, every source is used,
    every quote is a sentence of its article); whether the sentences say what they cite
    is ``chatbot.reviewed.desk.check_support``.
    """
    problems: list[str] = []
    if not content.question.strip():
        problems.append("the question is empty")
    sentences = content.sentences
    if not sentences:
        problems.append("the answer is empty")
    if not content.sources:
        problems.append("the answer has no sources: cite article sentences with [n], or mark clinic statements")
    used: set[int] = set()
    for s in sentences:
        if not s.cited:
            problems.append(f'the sentence "{_short(s.text)}" has no [n] marker: cite a source or a clinic statement')
        for n in s.cited:
            if not 1 <= n <= len(content.sources):
                problems.append(f'the sentence "{_short(s.text)}" cites [{n}], but there are {len(content.sources)} sources')
            used.add(n)
    for n, source in enumerate(content.sources, start=1):
        if n not in used:
            problems.append(f"source [{n}] is not cited by any sentence; remove it or cite it")
        if source.clinic:
            continue
        if source.article not in articles.sentences:
            known = ", ".join(sorted(articles.sentences)) or "none"
            problems.append(f"source [{n}] names the article {source.article!r}, which is not in the corpus (articles: {known})")
        elif not articles.contains(source.article, source.quote):
            closest = articles.closest(source.article, source.quote)
            problems.append(
                f"source [{n}]: the quote is not a sentence of {source.article}: \"{_short(source.quote, 90)}\"; "
                f"closest sentence there: \"{_short(closest, 90)}\""
            )
    return problems


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- YAML -----------------------------------------------------------------------------------------


def parse_source(raw: Any, where: str) -> Source:
    if isinstance(raw, Mapping):
        if raw.get("clinic") is True and not raw.get("article"):
            return Source(clinic=True)
        article, quote = raw.get("article"), raw.get("quote")
        if isinstance(article, str) and article.strip() and isinstance(quote, str) and quote.strip():
            extra = set(raw) - {"article", "quote"}
            if not extra:
                return Source(article=article.strip(), quote=" ".join(quote.split()))
    raise ReviewedAnswersError(f"{where}: a source must be {{article: slug, quote: \"exact sentence\"}} or {{clinic: true}}, not {short(raw)}")


def parse_entry(raw: Any, where: str, *, now: datetime | None = None) -> ImportEntry:
    """One YAML entry, checked for its schema. Raises ``ReviewedAnswersError`` naming ``where``; a ``reviewed_at``
    after ``now`` (default: the current time) plus ``CLOCK_SKEW`` is refused (clients would read a day to come)."""
    if not isinstance(raw, Mapping):
        raise ReviewedAnswersError(f"{where}: expected a mapping with question, answer and sources")
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise ReviewedAnswersError(f"{where}: unknown key(s) {', '.join(sorted(short(str(k)) for k in unknown)[:5])}; allowed: {', '.join(sorted(_ENTRY_KEYS))}")
    question, answer = raw.get("question"), raw.get("answer")
    if not isinstance(question, str) or not question.strip():
        raise ReviewedAnswersError(f"{where}: `question` must be non-empty text")
    where = f"{where} ({short(question.strip(), 80)})"
    if not isinstance(answer, str) or not answer.strip():
        raise ReviewedAnswersError(f"{where}: `answer` must be non-empty text with [n] markers")
    also = raw.get("also_asked") or []
    if not isinstance(also, list) or not all(isinstance(a, str) and a.strip() for a in also):
        raise ReviewedAnswersError(f"{where}: `also_asked` must be a list of questions (text)")
    sources_raw = raw.get("sources")
    if not isinstance(sources_raw, list) or not sources_raw:
        raise ReviewedAnswersError(f"{where}: `sources` must be a non-empty list")
    sources = tuple(parse_source(s, f"{where} source [{i}]") for i, s in enumerate(sources_raw, start=1))
    by = raw.get("reviewed_by")
    if not isinstance(by, str) or not by.strip():
        raise ReviewedAnswersError(f"{where}: `reviewed_by` must name the clinician who approved it")
    at = parse_time(raw.get("reviewed_at"), where)
    now = now or datetime.now(UTC)
    if at > now + CLOCK_SKEW:
        raise ReviewedAnswersError(
            f"{where}: `reviewed_at` {at.isoformat(timespec='minutes')} is in the future; give the date and time the clinician "
            "actually approved it"
        )
    content = AnswerContent(question.strip(), answer.strip(), sources, tuple(a.strip() for a in also))
    return ImportEntry(content, by.strip(), at)


def parse_time(raw: Any, where: str) -> datetime:
    if isinstance(raw, datetime):
        value = raw
    elif hasattr(raw, "isoformat") and not isinstance(raw, str):  # a YAML date
        value = datetime.fromisoformat(raw.isoformat())
    else:
        try:
            value = datetime.fromisoformat(str(raw).strip())
        except ValueError as exc:
            raise ReviewedAnswersError(f"{where}: `reviewed_at` must be a date and time such as 2026-12-02T14:00:00+00:00, not {short(raw)}") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def read_yaml(path: Path, articles: ArticleSentences, *, limits: InputLimits | None = None) -> list[ImportEntry]:
    """Every entry of ``path``, each checked for its schema, its articles and its quotes.

    Raises ``ReviewedAnswersError`` naming the entry at the first problem, so that an
    import stores all of the file or none of it. A file over ``limits`` (size, nesting,
    aliases: ``Settings.input_max_*``) is refused before it is read in full.
    """
    limits = limits or InputLimits()
    try:
        if path.stat().st_size > limits.max_bytes:
            raise ReviewedAnswersError(
                f"{path.name} is {path.stat().st_size:,} bytes, more than the {limits.max_bytes:,} allowed "
                "(CHATBOT_INPUT_MAX_BYTES); split it into smaller files"
            )
        data = load_yaml(path.read_text(encoding="utf-8"), limits)
    except OSError as exc:
        raise ReviewedAnswersError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ReviewedAnswersError(f"{path.name} is not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except StructuredInputError as exc:
        raise ReviewedAnswersError(f"{path.name} cannot be imported: {exc}") from None
    entries = data.get("answers") if isinstance(data, Mapping) else None
    if not isinstance(entries, list):
        raise ReviewedAnswersError(f"{path.name}: expected an `answers:` list at the top")
    out: list[ImportEntry] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(entries, start=1):
        entry = parse_entry(raw, f"{path.name} entry {i}")
        key = question_key(entry.content.question)
        if key in seen:
            raise ReviewedAnswersError(f"{path.name} entry {i}: the question {short(entry.content.question, 80)} is also entry {seen[key]}")
        seen[key] = i
        problems = content_problems(entry.content, articles)
        if problems:
            raise ReviewedAnswersError(f"{path.name} entry {i} ({short(entry.content.question, 80)}): {problems[0]}")
        out.append(entry)
    return out


def to_yaml(answers: Sequence[ReviewedAnswer]) -> str:
    """The served answers (``REVIEWED``) as the YAML format above."""
    entries = []
    for a in answers:
        if not a.served or a.content is None:
            continue
        c = a.content
        entries.append({
            "question": c.question, "also_asked": list(c.also_asked), "answer": c.answer,
            "sources": [s.to_yaml() for s in c.sources], "reviewed_by": a.reviewed_by,
            "reviewed_at": a.reviewed_at.isoformat(timespec="seconds") if a.reviewed_at else "",
        })
    header = "# Reviewed answers (chatbot answers export). Format: README, section \"Reviewed answers\".\n"
    return header + yaml.safe_dump({"answers": entries}, sort_keys=False, allow_unicode=True, width=100)


def question_key(question: str) -> str:
    """Two questions are the same entry when they differ only in case, spacing and end punctuation."""
    return re.sub(r"\s+", " ", normalize(question).lower()).strip(" ?!.")


__all__ = [
    "DRAFT", "NEEDS_REVIEW", "REVIEWED", "STATUSES", "STATUS_LABELS", "WITHDRAWN", "AnswerContent",
    "ArticleSentences", "HistoryEvent", "ImportEntry", "ReviewedAnswer", "ReviewedSentence", "Revision", "Source",
    "StaleQuote", "article_sentences", "content_problems", "question_key", "quote_key", "read_yaml", "stale_quotes", "to_yaml",
]
