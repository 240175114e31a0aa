"""The synthetic corpus of ``make bench-scale``: deterministic articles made of the real articles' sentences.

Seeded recombination under the real headings, with unique slugs, so the clinic's questions still
have answers in it: 1,000 articles give about 20,000 passages.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path

from chatbot.errors import CorpusError
from chatbot.knowledge.corpus import Article, clean_article, load_corpus
from chatbot.text.tokens import split_sentences

SEED = 6
PARAGRAPHS_PER_ARTICLE = 20
"""One paragraph becomes one passage, so 1,000 articles give about 20,000 passages."""
PARAGRAPH_CHARS = (380, 690)
"""Inside chunk_min_chars..chunk_max_chars (200..700), so a paragraph is neither joined nor split,
and long (3-5 sentences) so that two paragraphs sharing a sentence are still different passages."""
SECTION_SHARE = 0.3
"""Share of a paragraph's sentences drawn from the section it sits under; the rest come from
anywhere in the corpus (no sentence twice in one article), so paragraphs differ enough not to
be collapsed as near-duplicates."""
SYNTHETIC_DUPLICATE_OVERLAP = 0.8
"""Near-duplicate word overlap for the synthetic corpus only. It recombines ~200 real sentences, so
its passages share words far more than real articles do (half of 20,000 overlap another by 0.5,
the real corpus's setting); collapsing only near-exact repeats keeps about 20 passages per article.
The collapse step still compares every passage, so its cost is part of the ingest time."""


def _sections(article: Article, heading_max_words: int) -> list[tuple[str | None, list[str]]]:
    """The article as (heading or None for the introduction, sentences) pairs."""
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for block in clean_article(article, heading_max_words=heading_max_words).blocks:
        if block.kind == "heading":
            sections.append((block.text, []))
        else:
            sections[-1][1].extend(split_sentences(block.text))
    return [(h, s) for h, s in sections if s]


def _paragraph(rng: random.Random, local: Sequence[str], pool: Sequence[str], used: set[str]) -> str:
    """Sentences not yet used in this article (``used``), some from the section, until the paragraph is long enough."""
    low, high = PARAGRAPH_CHARS
    chosen: list[str] = []
    for _ in range(200):  # bounded: a tiny source corpus may run out of unused sentences
        if len(" ".join(chosen)) >= low:
            break
        sentence = rng.choice(local if rng.random() < SECTION_SHARE else pool)
        if sentence in used:
            continue
        if chosen and len(" ".join(chosen)) + 1 + len(sentence) > high:
            continue
        chosen.append(sentence)
        used.add(sentence)
    return " ".join(chosen)


def generate_corpus(corpus_dir: Path, out_dir: Path, articles: int, *, seed: int = SEED, heading_max_words: int = 12) -> int:
    """Write ``articles`` synthetic Markdown articles into ``out_dir``; returns how many.

    The same ``seed`` and source corpus always give the same files. Raises ``CorpusError``
    when the source corpus has no readable article.
    """
    sources, _ = load_corpus(corpus_dir)
    if not sources:
        raise CorpusError(f"no readable article in {corpus_dir} to build the synthetic corpus from")
    structure = [(a, _sections(a, heading_max_words)) for a in sources]
    pool = sorted({s for _, sections in structure for _, sentences in sections for s in sentences})
    out_dir.mkdir(parents=True, exist_ok=True)
    for i in range(articles):
        rng = random.Random(f"{seed}:{i}")
        base, sections = structure[i % len(structure)]
        lines = [
            "---",
            f"slug: {base.slug}-{i + 1:05d}",
            f"title: {json.dumps(f'{base.title} (part {i + 1})')}",
            f"published: {base.published or '2024-01-01'}",
            f"source: synthetic/{seed}/{base.slug}",
            "---",
        ]
        used: set[str] = set()
        for n in range(PARAGRAPHS_PER_ARTICLE):
            heading, local = sections[n * len(sections) // PARAGRAPHS_PER_ARTICLE]
            if heading and (n == 0 or sections[(n - 1) * len(sections) // PARAGRAPHS_PER_ARTICLE][0] != heading):
                lines += ["", f"### {heading}"]
            lines += ["", _paragraph(rng, local, pool, used)]
        (out_dir / f"{base.slug}-{i + 1:05d}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return articles
