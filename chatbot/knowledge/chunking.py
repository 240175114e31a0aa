"""Cut cleaned articles into cited passages ("chunks").

Chunks stay inside one section, end on sentence boundaries and carry the
section title, so a citation can say where in the article it comes from.
Near-duplicate chunks (the same section pasted twice) are collapsed once their
embeddings are known, so a question never gets the same passage twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from langchain_text_splitters import RecursiveCharacterTextSplitter

from chatbot.knowledge.corpus import CleanArticle
from chatbot.text.references import opens_with_reference
from chatbot.text.tokens import content_words, is_complete_sentence, split_sentences

INTRO_SECTION = "Introduction"
"""Section name for the text before an article's first heading."""


@dataclass(frozen=True)
class Chunk:
    """One citable passage. ``id`` is a content hash, stable across runs."""

    id: str
    article: str
    title: str
    section: str
    text: str
    sentences: tuple[str, ...]
    line: int
    position: int
    published: str | None = None
    duplicates: tuple[str, ...] = field(default=())
    """Where else the same passage appeared ("slug:line"), collapsed into this one."""
    context: int = 0
    """How many of ``sentences`` are repeated from the passage before, only so that the first of its own
    can be quoted with what it refers to. The passage is searched by its own text (``own_text``)."""

    @property
    def own_text(self) -> str:
        """The passage without its repeated context: what its search vector is made from, so that a
        repeated sentence does not make a passage rank for what the one before it is about."""
        return " ".join(self.sentences[self.context :]) if self.context else self.text


def chunk_id(article: str, section: str, text: str) -> str:
    return hashlib.sha1(f"{article}\n{section}\n{text}".encode()).hexdigest()[:20]


def chunk_article(clean: CleanArticle, *, max_chars: int = 700, min_chars: int = 200) -> list[Chunk]:
    """Pack each section's sentences into chunks of at most ``max_chars`` characters.

    A paragraph shorter than ``min_chars`` is joined with the next paragraph of the
    same section. A single sentence longer than ``max_chars`` (pasted junk, a huge
    list) is split on word boundaries by LangChain's recursive splitter.
    """
    article = clean.article
    splitter = RecursiveCharacterTextSplitter(chunk_size=max_chars, chunk_overlap=0, separators=["; ", ", ", " ", ""])
    sections: list[tuple[str, list[tuple[int, list[str]]]]] = [(INTRO_SECTION, [])]
    for block in clean.blocks:
        if block.kind == "heading":
            sections.append((block.text, []))
        else:
            sentences: list[str] = []
            for sentence in split_sentences(block.text):
                sentences.extend(splitter.split_text(sentence) if len(sentence) > max_chars else [sentence])
            sections[-1][1].append((block.line, sentences))

    chunks: list[Chunk] = []
    for section, paragraphs in sections:
        for line, sentences, context in _pack(paragraphs, max_chars=max_chars, min_chars=min_chars):
            text = " ".join(sentences)
            chunks.append(
                Chunk(
                    id=chunk_id(article.slug, section, text),
                    article=article.slug,
                    title=article.title,
                    section=section,
                    text=text,
                    sentences=tuple(sentences),
                    line=line,
                    position=len(chunks),
                    published=article.published,
                    context=context,
                )
            )
    return chunks


def _pack(paragraphs: Sequence[tuple[int, list[str]]], *, max_chars: int, min_chars: int) -> Iterable[tuple[int, list[str], int]]:
    """(line, sentences, how many of the first sentences are context repeated from before) per passage."""
    current: list[str] = []
    before: list[str] = []
    """The section's sentences so far."""
    start_line = context = 0
    for line, sentences in paragraphs:
        for sentence in sentences:
            if current and len(" ".join(current)) + 1 + len(sentence) > max_chars:
                yield start_line, current, context
                current = []
            if not current:
                start_line = line
                current = _context(sentence, before, max_chars=max_chars)
                context = len(current)
            current.append(sentence)
            before.append(sentence)
        if current and len(" ".join(current)) >= min_chars:
            yield start_line, current, context
            current = []
    if current:
        yield start_line, current, context


CONTEXT_SENTENCES = 2
"""Most sentences a passage repeats from the one before it so that its first sentence can be read."""


def _context(first: str, before: Sequence[str], *, max_chars: int) -> list[str]:
    """The sentences of the section before ``first`` that a passage starting with ``first`` repeats.

    A passage should not open with a sentence that refers back ("Additionally, microneedling is
    highly effective...", "Another important safety consideration is..."): quoted from there, it
    would refer to nothing. Such a passage starts with the sentences before it, back to one that
    reads on its own (at most ``CONTEXT_SENTENCES``, within ``max_chars``), so the answerer can quote
    them together; the passage's ``line`` stays where its new text starts. Empty when ``first``
    reads on its own or no such sentences fit.
    """
    context: list[str] = []
    if first.rstrip().endswith("?") or not is_complete_sentence(first):
        return context  # never quoted, so nothing needs its context
    current = first
    while opens_with_reference(current) and len(context) < CONTEXT_SENTENCES and len(context) < len(before):
        current = before[-1 - len(context)]
        context.insert(0, current)
    if not context or opens_with_reference(context[0]) or len(" ".join([*context, first])) > max_chars:
        return []
    return context


def word_overlap(a: str, b: str) -> float:
    """Jaccard overlap of the content words of two texts (0 to 1)."""
    x, y = content_words(a), content_words(b)
    return len(x & y) / len(x | y) if x and y else 0.0


def collapse_duplicates(
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    *,
    min_similarity: float,
    min_overlap: float,
) -> tuple[list[Chunk], list[int]]:
    """Drop chunks that repeat an earlier chunk, within or across articles.

    A repeat has both the same meaning (cosine of the unit-normalised ``vectors``
    at least ``min_similarity``) and largely the same words (Jaccard overlap at
    least ``min_overlap``). Meaning alone is not enough: every passage here is
    about microneedling and collagen, so unrelated sections score 0.85 too.
    Returns the kept chunks (each listing the "slug:line" places it absorbed) and
    their row indices into ``vectors``.
    """
    kept = np.zeros(len(chunks), dtype=bool)
    absorbed: dict[int, list[str]] = {}
    # Word sets are built once per chunk and similarities come from one matrix product per block
    # of chunks, so 20,000 chunks take seconds rather than the half hour of pair-by-pair work.
    words = [content_words(c.text) for c in chunks]
    for start in range(0, len(chunks), _COLLAPSE_BLOCK):
        stop = min(start + _COLLAPSE_BLOCK, len(chunks))
        block = vectors[start:stop] @ vectors[:stop].T
        for i in range(start, stop):
            sims = block[i - start, :i]
            close = np.flatnonzero((sims >= min_similarity) & kept[:i])
            by_similarity = close[np.argsort(-sims[close], kind="stable")]
            owner = next((int(j) for j in by_similarity if _jaccard(words[j], words[i]) >= min_overlap), None)
            if owner is None:
                kept[i] = True
            else:
                absorbed.setdefault(owner, []).append(f"{chunks[i].article}:{chunks[i].line}")
    rows = [int(i) for i in np.flatnonzero(kept)]
    return [replace(chunks[i], duplicates=tuple(absorbed.get(i, ()))) for i in rows], rows


_COLLAPSE_BLOCK = 512
"""Chunks compared per matrix product: 512 x 20,000 similarities is 40 MB."""


def _jaccard(x: set[str], y: set[str]) -> float:
    return len(x & y) / len(x | y) if x and y else 0.0
