"""Cutting the cleaned articles into citable passages (chatbot/knowledge/chunking.py) and collapsing repeats."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import CORPUS, ROOT

from chatbot.knowledge.chroma import active_version, connect, open_collection
from chatbot.knowledge.chunking import INTRO_SECTION, chunk_article, chunk_id, word_overlap
from chatbot.knowledge.corpus import clean_article, load_corpus
from chatbot.text.tokens import is_complete_sentence

REPEATED = "Understanding Microneedling and Its Effects on Pores"


@pytest.fixture(scope="module")
def chunked(built_settings):
    """{slug: (cleaned article, chunks)} with the settings the index uses."""
    articles, _ = load_corpus(CORPUS)
    s = built_settings
    out = {}
    for article in articles:
        clean = clean_article(article, heading_max_words=s.heading_max_words)
        out[article.slug] = (clean, chunk_article(clean, max_chars=s.chunk_max_chars, min_chars=s.chunk_min_chars))
    return out


@pytest.fixture(scope="module")
def stored(built_settings):
    """Every record of the live index and of its collapsed-duplicates collection."""
    client = connect(built_settings)
    version = active_version(client, built_settings)
    live = open_collection(client, version).get(include=["documents", "metadatas"])
    dups = open_collection(client, f"{version}-dups").get(include=["documents", "metadatas"])
    return live, dups


def _sections(clean) -> dict[str, list[str]]:
    """Section title -> the section's paragraph texts, in order (a title can repeat)."""
    sections: list[tuple[str, list[str]]] = [(INTRO_SECTION, [])]
    for block in clean.blocks:
        if block.kind == "heading":
            sections.append((block.text, []))
        else:
            sections[-1][1].append(block.text)
    merged: dict[str, list[str]] = {}
    for title, paragraphs in sections:
        merged.setdefault(title, []).append(" ".join(paragraphs))
    return merged


def test_every_chunk_lies_inside_one_section_of_its_article(chunked):
    for clean, chunks in chunked.values():
        sections = _sections(clean)
        for chunk in chunks:
            assert chunk.section in sections, chunk
            assert any(chunk.text in text for text in sections[chunk.section]), (
                f"{chunk.article} chunk {chunk.id} is not a stretch of section {chunk.section!r}"
            )


def test_chunks_end_on_sentence_boundaries(chunked):
    for _, chunks in chunked.values():
        for chunk in chunks:
            assert chunk.text[0].isupper() or chunk.text[0] in "\"'“‘", chunk.text[:40]
            assert is_complete_sentence(chunk.text), chunk.text[-60:]
            assert all(is_complete_sentence(s) for s in chunk.sentences), chunk.sentences
            assert " ".join(chunk.sentences) == chunk.text


def test_chunks_respect_the_size_limits(chunked, built_settings):
    for clean, chunks in chunked.values():
        assert chunks, clean.article.slug
        for chunk in chunks:
            assert len(chunk.text) <= built_settings.chunk_max_chars, (chunk.article, len(chunk.text))


def test_cut_off_text_never_reaches_a_chunk(chunked):
    texts = " ".join(c.text for _, chunks in chunked.values() for c in chunks)
    for fragment in ("or merely", "various dermatological", "makes microneed", "The mic ", "excess melanin", "aid in the recovery"):
        assert fragment not in texts


def test_chunk_ids_are_content_hashes(chunked):
    for _, chunks in chunked.values():
        for chunk in chunks:
            assert chunk.id == chunk_id(chunk.article, chunk.section, chunk.text)
    ids = [c.id for _, chunks in chunked.values() for c in chunks]
    assert len(ids) == len(set(ids))


def test_chunk_ids_are_stable_across_processes(chunked):
    """A fresh interpreter (different hash seed) cuts the corpus into the same ids."""
    script = (
        "from pathlib import Path\n"
        "from chatbot.knowledge.corpus import load_corpus, clean_article\n"
        "from chatbot.knowledge.chunking import chunk_article\n"
        f"articles, _ = load_corpus(Path({str(CORPUS)!r}))\n"
        "print('\\n'.join(c.id for a in articles for c in chunk_article(clean_article(a))))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={"PYTHONHASHSEED": "12345", "PATH": ""})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [c.id for _, chunks in chunked.values() for c in chunks]


def test_editing_one_paragraph_changes_only_that_chunk_id(chunked):
    from dataclasses import replace

    clean, chunks = chunked["treat-large-pores"]
    blocks = list(clean.blocks)
    target = next(i for i, b in enumerate(blocks) if b.text.startswith("Another thing to consider"))
    blocks[target] = replace(blocks[target], text=blocks[target].text + " Ask us which suits you.")
    edited = chunk_article(replace(clean, blocks=tuple(blocks)))
    before, after = [c.id for c in chunks], [c.id for c in edited]
    assert len(before) == len(after)
    assert sum(a != b for a, b in zip(before, after, strict=True)) == 1


def test_index_metadata_carries_the_section_and_article(stored, chunked):
    live, dups = stored
    expected = {c.id: c for _, chunks in chunked.values() for c in chunks}
    for cid, doc, meta in zip(live["ids"] + dups["ids"], live["documents"] + dups["documents"], live["metadatas"] + dups["metadatas"], strict=True):
        chunk = expected[cid]  # ids written by the session build match a fresh chunking
        assert meta["section"] == chunk.section
        assert meta["article"] == chunk.article
        assert meta["title"] == chunk.title
        assert doc == chunk.text
    assert set(live["ids"]) | set(dups["ids"]) == set(expected)


def test_repeated_section_is_stored_once(stored):
    live, dups = stored
    pore_sections = [m["section"] for m in live["metadatas"] if m["article"] == "microneedling-pore-size"]
    # The article pastes the "Understanding ... Pores" section three times (once as "... Pore Size").
    assert pore_sections.count(REPEATED) == 1
    assert "Understanding Microneedling and Its Effects on Pore Size" not in pore_sections
    kept = next(m for m in live["metadatas"] if m["section"] == REPEATED)
    assert len(json.loads(kept["duplicates"])) == 2
    assert {m["section"] for m in dups["metadatas"]} == {REPEATED, "Understanding Microneedling and Its Effects on Pore Size"}


def test_distinct_sections_are_not_collapsed(stored, chunked):
    """Collapsing must only remove the pasted repeats, not sections that merely share the topic."""
    live, dups = stored
    assert len(dups["ids"]) == 2
    n_chunks = sum(len(chunks) for _, chunks in chunked.values())
    assert len(live["ids"]) == n_chunks - 2


@pytest.mark.parametrize(
    "question",
    [
        "How does microneedling affect my pores?",
        "Is the pore reduction from microneedling permanent?",
        "What does microneedling do to collagen and elastin?",
        "micro-injuries and the healing response",
    ],
)
def test_a_question_never_gets_the_same_passage_twice(engine, question):
    passages = engine.search(question, k=10)
    vectors = [p.chunk.sentence_vectors.mean(axis=0) for p in passages]
    for i in range(len(passages)):
        for j in range(i + 1, len(passages)):
            a, b = passages[i].chunk, passages[j].chunk
            assert a.text != b.text
            cosine = float(vectors[i] @ vectors[j] / (np.linalg.norm(vectors[i]) * np.linalg.norm(vectors[j])))
            assert not (cosine > 0.9 and word_overlap(a.text, b.text) >= 0.5), (
                f"near-identical passages for {question!r}:\n{a.text[:100]}\n{b.text[:100]}"
            )
    answer = engine.ask(question)
    assert len({c.chunk_id for c in answer.citations}) == len(answer.citations)
    quoted = [s.text for s in answer.sentences]
    assert len(quoted) == len(set(quoted))
