"""The reviewed answers a running engine serves, kept fresh without a restart.

Staff approve answers in the app, perhaps in another process than the one answering. The
library re-reads the review store only when its change counter moved, and checks the
counter at most every ``reviewed_refresh_seconds``: one tiny query, so answering stays fast.
A database that cannot be read keeps the last good set (and logs why); with none yet,
nothing is served and every answer is generated.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from chatbot.errors import ChatbotError
from chatbot.knowledge.embeddings import TextEmbedder
from chatbot.reviewed.matching import Match, QuestionMatcher
from chatbot.reviewed.model import ReviewedAnswer
from chatbot.reviewed.store import ReviewStore
from chatbot.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Served:
    """The served answers of one store version and their matcher."""

    version: int
    answers: tuple[ReviewedAnswer, ...]
    matcher: QuestionMatcher


@dataclass(frozen=True)
class Considered:
    """A question against the served answers: the one it asks for, or the questions it nearly asks."""

    served: tuple[ReviewedAnswer, Match] | None
    suggestions: tuple[str, ...] = ()
    """Reviewed questions to offer as "Did you mean: ...?" when none was served, closest first."""


class ReviewedLibrary:
    """The served reviewed answers and the matcher over their phrasings. Thread-safe."""

    def __init__(self, settings: Settings, embedder: TextEmbedder) -> None:
        self.settings = settings
        self.embedder = embedder
        # No retries on the answer path: while the database restarts, answers use the last set read.
        self.store = ReviewStore(settings.replace(database_retry_seconds=0.0))
        self._lock = threading.Lock()
        self._served: Served | None = None
        self._checked_at = 0.0

    def current(self) -> Served:
        """The served set, re-read when the store changed (checked every ``reviewed_refresh_seconds``)."""
        served = self._served
        if served is not None and time.monotonic() - self._checked_at < self.settings.reviewed_refresh_seconds:
            return served
        if not self._lock.acquire(blocking=served is None):
            return served  # another thread is checking; answer from the current set meanwhile
        try:
            self._checked_at = time.monotonic()
            self._served = self._load(self._served)
            return self._served
        finally:
            self._lock.release()

    def find(self, question: str, *, context: Sequence[str] = ()) -> tuple[ReviewedAnswer, Match] | None:
        """The served answer ``question`` asks for (read with the conversation's ``context``), or None."""
        return self.consider(question, context=context).served

    def consider(self, question: str, *, context: Sequence[str] = ()) -> Considered:
        """The served answer ``question`` asks for, or the reviewed questions it nearly asks (see
        ``QuestionMatcher.consider``)."""
        served = self.current()
        if not served.answers:
            return Considered(None)
        decision = served.matcher.consider(question, context=context)
        if decision.match is not None:
            return Considered((served.answers[decision.match.answer], decision.match))
        return Considered(None, tuple(served.answers[i].question for i in decision.suggestions))

    def _load(self, previous: Served | None) -> Served:
        try:
            version = self.store.version()
            if previous is not None and previous.version == version:
                return previous
            answers = tuple(self.store.served())
        except ChatbotError as exc:
            log.warning("reviewed answers not refreshed (%s); serving the last set", exc)
            return previous or Served(-1, (), QuestionMatcher([], self.embedder, self.settings))
        matcher = QuestionMatcher([a.content.phrasings for a in answers if a.content], self.embedder, self.settings)
        log.info("serving %d reviewed answers (store version %d)", len(answers), version)
        return Served(version, answers, matcher)


__all__ = ["Considered", "ReviewedLibrary", "Served"]


def build_reviewed_answer(
    reviewed: ReviewedAnswer, match: Match, *, question: str, verdict, passages_of, retrieved=(), standalone: str = "",
    timings: dict[str, float] | None = None,
):
    """The client-facing ``Answer`` of a reviewed answer, or None when a quote is not in the live index
    (the corpus changed and the answer awaits review: the generated answer is safer).

    ``passages_of(article)`` returns the live index's chunks of an article. Sources in one passage
    share one citation, whose quoted sentences are highlighted; clinic statements cite nothing.
    """
    from chatbot.answering.model import Answer, AnswerSentence, Citation, ReviewedInfo
    from chatbot.guardrail.notes import with_unmentioned_note
    from chatbot.reviewed.model import quote_key

    content = reviewed.content
    assert content is not None
    chunks_by_article: dict[str, list] = {}
    where: dict[int, object] = {}
    for n, source in enumerate(content.sources, start=1):
        if source.clinic:
            continue
        chunks = chunks_by_article.setdefault(source.article, list(passages_of(source.article)))
        key = quote_key(source.quote)
        chunk = next((c for c in chunks if any(quote_key(s) == key for s in c.sentences)), None)
        if chunk is None:
            log.warning("reviewed answer to %r not served: a quote is no longer in %s", content.question, source.article)
            return None
        where[n] = chunk
    numbers: dict[str, int] = {}
    quoted: dict[str, list[str]] = {}
    sentences = []
    for s in content.sentences:
        cited = []
        for n in s.cited:
            chunk = where.get(n)
            if chunk is None:
                continue
            number = numbers.setdefault(chunk.id, len(numbers) + 1)
            quote = content.sources[n - 1].quote
            if quote not in quoted.setdefault(chunk.id, []):
                quoted[chunk.id].append(quote)
            if number not in cited:
                cited.append(number)
        clinic = not cited
        sentences.append(AnswerSentence(s.text, cited[0] if cited else None, tuple(cited[1:]), clinic=clinic))
    chunk_by_id = {c.id: c for c in where.values()}
    citations = [
        Citation(n=number, article=chunk_by_id[cid].article, title=chunk_by_id[cid].title, section=chunk_by_id[cid].section,
                 chunk_id=cid, text=chunk_by_id[cid].text, score=1.0, sentences=tuple(quoted[cid]))
        for cid, number in numbers.items()
    ]
    verdict = with_unmentioned_note(verdict, [c.text for c in chunk_by_id.values()])
    at = reviewed.reviewed_at.isoformat(timespec="seconds") if reviewed.reviewed_at else ""
    return Answer(
        question=question, sentences=tuple(sentences), citations=tuple(citations), guardrail=verdict,
        passages=tuple(retrieved), standalone_question=standalone, timings_ms=dict(timings or {}), generator="reviewed",
        reviewed=ReviewedInfo(content.question, reviewed.reviewed_by, at, match.phrasing),
    )
