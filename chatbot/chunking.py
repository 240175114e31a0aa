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

from chatbot.corpus import CleanArticle
from chatbot.text import content_words, split_sentences

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
        for line, sentences in _pack(paragraphs, max_chars=max_chars, min_chars=min_chars):
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
                )
            )
    return chunks


def _pack(paragraphs: Sequence[tuple[int, list[str]]], *, max_chars: int, min_chars: int) -> Iterable[tuple[int, list[str]]]:
    current: list[str] = []
    start_line = 0
    for line, sentences in paragraphs:
        for sentence in sentences:
            if current and len(" ".join(current)) + 1 + len(sentence) > max_chars:
                yield start_line, current
                current = []
            if not current:
                start_line = line
            current.append(sentence)
        if current and len(" ".join(current)) >= min_chars:
            yield start_line, current
            current = []
    if current:
        yield start_line, current


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
    kept: list[int] = []
    absorbed: dict[int, list[str]] = {}
    for i, chunk in enumerate(chunks):
        owner = _repeat_of(chunks, vectors, kept, i, min_similarity=min_similarity, min_overlap=min_overlap)
        if owner is None:
            kept.append(i)
        else:
            absorbed.setdefault(owner, []).append(f"{chunk.article}:{chunk.line}")
    return [replace(chunks[i], duplicates=tuple(absorbed.get(i, ()))) for i in kept], kept


def _repeat_of(chunks, vectors, kept: list[int], i: int, *, min_similarity: float, min_overlap: float) -> int | None:
    if not kept:
        return None
    sims = vectors[kept] @ vectors[i]
    for j in np.argsort(-sims):
        if sims[j] < min_similarity:
            return None
        if word_overlap(chunks[kept[j]].text, chunks[i].text) >= min_overlap:
            return kept[j]
    return None
