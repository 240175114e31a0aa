"""What a passage is once indexed: the chunk record stored in Chroma and the scored passage a search returns.

The types every layer above reads (answering, reviewed answers, the engine, the evaluation),
kept apart from the code that builds the index and searches it. ``chunk_metadata`` writes a
chunk record and ``StoredChunk.from_record`` reads one back, so the record layout lives in
one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chatbot.knowledge.chunking import INTRO_SECTION, Chunk
from chatbot.knowledge.embeddings import pack_vectors, unpack_vectors

CHUNK_METADATA_KEYS = ("article", "title", "section", "line", "position", "published", "sentences", "sentence_vectors", "duplicates")
"""Metadata of every chunk record. ``sentences`` is a JSON list, ``sentence_vectors``
base64 float16 rows (one per sentence), ``duplicates`` a JSON list of "slug:line"."""


def chunk_metadata(chunk: Chunk, sentence_vectors: np.ndarray) -> dict[str, Any]:
    return {
        "article": chunk.article,
        "title": chunk.title,
        "section": chunk.section,
        "line": chunk.line,
        "position": chunk.position,
        "published": chunk.published or "",
        "sentences": json.dumps(list(chunk.sentences), ensure_ascii=False),
        "sentence_vectors": pack_vectors(sentence_vectors),
        "duplicates": json.dumps(list(chunk.duplicates)),
    }


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as read back from the index, with its sentence vectors."""

    id: str
    article: str
    title: str
    section: str
    text: str
    sentences: tuple[str, ...]
    sentence_vectors: np.ndarray = field(repr=False, compare=False)
    line: int = 0
    published: str = ""

    @classmethod
    def from_record(cls, chunk_id: str, text: str, meta: dict[str, Any], dimension: int) -> StoredChunk:
        return cls(
            id=chunk_id,
            article=str(meta["article"]),
            title=str(meta["title"]),
            section=str(meta.get("section") or INTRO_SECTION),
            text=text,
            sentences=tuple(json.loads(meta["sentences"])),
            sentence_vectors=unpack_vectors(meta["sentence_vectors"], dimension),
            line=int(meta.get("line") or 0),
            published=str(meta.get("published") or ""),
        )


@dataclass(frozen=True)
class ScoredPassage:
    """A retrieved chunk with every score that ranked it. Ranks are 1-based; 0 means absent."""

    chunk: StoredChunk
    score: float
    dense_score: float
    bm25_score: float
    dense_rank: int
    bm25_rank: int
