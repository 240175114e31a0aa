"""What the review desk does besides storing: check an edited answer, and turn a generated one into a draft.

``check_support`` verifies every sentence of an answer against the article sentences it cites,
with the same test as the LLM answers (``chatbot.answering.verification.support``: meaning, IDF-weighted
word overlap, numbers, negation). A sentence citing only ``{clinic: true}`` is a clinic
statement: not checked, labelled "From the clinic". ``approval_problems`` is what stops an
approval: a broken shape (``chatbot.reviewed.model.content_problems``) or an unsupported sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from chatbot.answering.model import Answer
from chatbot.answering.verification import support
from chatbot.knowledge.embeddings import TextEmbedder
from chatbot.knowledge.passages import ScoredPassage, StoredChunk
from chatbot.reviewed.model import AnswerContent, ArticleSentences, Source, content_problems
from chatbot.settings import Settings


@dataclass(frozen=True)
class SentenceCheck:
    """One sentence of an answer and whether what it cites supports it."""

    text: str
    cited: tuple[int, ...]
    clinic: bool
    supported: bool
    reason: str = ""
    """Why it is not supported (empty when it is, or for a clinic statement)."""


def check_support(content: AnswerContent, embedder: TextEmbedder, settings: Settings, idf) -> list[SentenceCheck]:
    """Each sentence of ``content`` checked against the quotes it cites (``idf``: the corpus word weights)."""
    sentences = content.sentences
    if not sentences:
        return []
    vectors = embedder.embed([s.text for s in sentences])
    out: list[SentenceCheck] = []
    for s, vector in zip(sentences, vectors, strict=True):
        sources = [content.sources[n - 1] for n in s.cited if 1 <= n <= len(content.sources)]
        quotes = [src for src in sources if not src.clinic]
        if sources and not quotes:
            out.append(SentenceCheck(s.text, s.cited, True, True))
            continue
        if not quotes:
            out.append(SentenceCheck(s.text, s.cited, False, False, "cites no article sentence: add a [n] marker"))
            continue
        check = support(s.text, vector, _quoted_passage(quotes, embedder), 0, settings, idf)
        out.append(SentenceCheck(s.text, s.cited, False, check.problem is None, check.problem or ""))
    return out


def _quoted_passage(quotes: Sequence[Source], embedder: TextEmbedder) -> ScoredPassage:
    """The quoted sentences as one passage: what a sentence is checked against is only what it cites."""
    texts = [q.quote for q in quotes]
    chunk = StoredChunk(
        id="quoted", article=quotes[0].article, title="", section="", text=" ".join(texts), sentences=tuple(texts),
        sentence_vectors=np.asarray(embedder.embed(texts), dtype=np.float32),
    )
    return ScoredPassage(chunk=chunk, score=1.0, dense_score=1.0, bm25_score=0.0, dense_rank=1, bm25_rank=1)


def approval_problems(content: AnswerContent, articles: ArticleSentences, checks: Sequence[SentenceCheck]) -> list[str]:
    """Why ``content`` cannot be approved yet (empty when it can)."""
    problems = content_problems(content, articles)
    for c in checks:
        if not c.supported:
            problems.append(f'"{c.text}" is not supported by what it cites ({c.reason}); rewrite it, cite another sentence, or mark it a clinic statement')
    return problems


def draft_from_answer(question: str, answer: Answer, articles: ArticleSentences) -> AnswerContent:
    """The generated ``answer`` as a draft: each quoted sentence cites itself in its article.

    An extractive answer quotes article sentences word for word, so approving it "as it stands"
    freezes exactly those sentences. A sentence that is not an article sentence (an LLM's words)
    cites the sentence of its source it was verified against.
    """
    sources: list[Source] = []
    parts: list[str] = []
    by_n = {c.n: c for c in answer.citations}
    for s in answer.sentences:
        citation = by_n.get(s.citation) if s.citation else None
        if citation is None:
            continue
        found = [held for t in (s.text, *citation.sentences) if (held := articles.holding(citation.article, t)) is not None]
        if not found:
            continue
        source = Source(citation.article, found[0])
        if source not in sources:
            sources.append(source)
        parts.append(f"{s.text} [{sources.index(source) + 1}]")
    return AnswerContent(question, " ".join(parts), tuple(sources))


def corpus_idf(settings: Settings):
    """The word weights of the articles' passages, for checking without a running engine (the CLI import)."""
    from chatbot.knowledge.chunking import chunk_article
    from chatbot.knowledge.corpus import clean_article, load_corpus
    from chatbot.knowledge.keywords import KeywordIndex

    articles, _ = load_corpus(settings.corpus_dir)
    texts = [
        c.text for a in articles
        for c in chunk_article(clean_article(a, heading_max_words=settings.heading_max_words), max_chars=settings.chunk_max_chars, min_chars=settings.chunk_min_chars)
    ]
    return KeywordIndex(texts).idf


def verify_entries(entries, embedder: TextEmbedder, settings: Settings, idf) -> None:
    """Raise ``ReviewedAnswersError`` naming the first entry with a sentence its sources don't support."""
    from chatbot.errors import ReviewedAnswersError

    for i, entry in enumerate(entries, start=1):
        for c in check_support(entry.content, embedder, settings, idf):
            if not c.supported:
                raise ReviewedAnswersError(
                    f"entry {i} ({entry.content.question!r}): the sentence \"{c.text}\" is not supported by what it cites ({c.reason}); "
                    "rewrite it closer to the quoted sentence, cite another one, or cite a {clinic: true} source"
                )


__all__ = ["SentenceCheck", "corpus_idf", "verify_entries", "approval_problems", "check_support", "draft_from_answer"]
