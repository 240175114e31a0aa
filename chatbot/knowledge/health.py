"""Corpus health: what in the articles themselves needs fixing (``chatbot lint-corpus``).

Each problem is a ``Finding`` pointing at a 1-based line of a corpus ``.md`` file:

* ``duplicate``: a passage that repeats another one, within or across articles.
  The same test as ingestion (``chunking.collapse_duplicates``), so what is listed
  here is exactly what the index collapses.
* ``truncated``: a paragraph that stops mid-sentence; ``furniture``: page leftovers.
  Both are what ``corpus.clean_article`` already drops while cleaning.
* ``conflict``: two statements about the same subject that disagree. Candidates
  come from embedding similarity; a candidate is only reported when a check
  confirms it: one side negates the very word the other asserts ("pores cannot
  shrink" / "Shrinking pore size"), or a condition listed as a reason not to have
  microneedling is also listed as something it treats ("Uneven skin tone" /
  "Reducing imbalance in skin tone").
* ``unsupported``: a medical claim stated without any hedge, for a clinician to review.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from chatbot.errors import CorpusError
from chatbot.knowledge.chunking import Chunk, chunk_article, collapse_duplicates
from chatbot.knowledge.corpus import CleanArticle, SkippedFile, clean_article, load_corpus
from chatbot.knowledge.embeddings import TextEmbedder
from chatbot.knowledge.index import embed_chunks
from chatbot.settings import Settings
from chatbot.text.negation import negations, subject_words
from chatbot.text.tokens import normalize, split_sentences

KINDS = ("duplicate", "truncated", "furniture", "conflict", "unsupported")

_CONTRAINDICATION = re.compile(
    r"\b(cannot|can't|should not|shouldn't|must not) (do|have|undergo|get|receive)\b|\bnot (be )?suitable\b|"
    r"\bnot a good candidate\b|\bcontraindicat\w*|\bavoid (microneedling|this treatment|the treatment)\b",
    re.IGNORECASE,
)
_BENEFIT_INTRO = re.compile(r"\bbenefits?\b|\badvantages?\b|\bcan (help|improve|treat)\b", re.IGNORECASE)
_BENEFIT_VERB = re.compile(
    r"^(reduc|shrink|minimi[sz]|improv|enhanc|promot|treat|smooth|diminish|fad|tighten|even)\w*\s+(?:(?:the|of|out)\s+)*"
    r"(?:(?:visibility|looks?|appearance)\s+of\s+)?(?:the\s+)?",
    re.IGNORECASE,
)
_CLAIM = re.compile(r"\b(safe and effective|highly effective|cures?|guarantee[sd]?|proven|permanently (remove|eliminate)s?|risk-free)\b", re.IGNORECASE)
_HEDGE = re.compile(
    r"\b(may|might|can|could|often|usually|generally|typically|some|rare|rarely|possible|relatively|most|many|several|"
    r"studies|study|found|research|researchers|consult)\b",
    re.IGNORECASE,
)
_NOT_A_CLAIM = re.compile(r"\?$|^(in this|we aim|whether)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    """One problem in the corpus. Lines are 1-based lines of the article's ``.md`` file."""

    kind: str
    """One of ``KINDS``."""
    article: str
    line: int
    text: str
    other_article: str | None = None
    """For duplicates and conflicts: where the other side is."""
    other_line: int | None = None
    detail: str = ""
    """Why it was reported, in words a content editor can act on."""

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Statement:
    """A sentence or a list item of an article, the unit compared when looking for conflicts."""

    article: str
    line: int
    text: str
    intro: str = ""
    """For a list item: the line that introduces the list ("Benefits of microneedling include:")."""
    paragraph: int = 0
    """Line of the paragraph (or list) the statement belongs to: statements of one paragraph are never
    compared, since "you may have heard X. The answer is no" is rhetoric, not a contradiction."""


# --- the whole lint -----------------------------------------------------------------------


@dataclass(frozen=True)
class CorpusHealth:
    """The result of a lint: the articles checked, what was found, and files that could not be read."""

    articles: tuple[str, ...]
    findings: tuple[Finding, ...]
    skipped: tuple[SkippedFile, ...] = ()

    def summary(self) -> dict[str, dict[str, int]]:
        """Findings per kind for every article checked (zero counts included)."""
        return summary_by_article(self.findings, self.articles)


def lint_corpus(settings: Settings, embedder: TextEmbedder) -> CorpusHealth:
    """Check the articles in ``settings.corpus_dir``; findings are sorted by article and line.

    ``embedder`` is a ``chatbot.knowledge.embeddings.Embedder`` (the one the index uses).
    Unreadable files are listed in ``skipped``. Raises ``CorpusError`` when the folder
    is missing or holds no readable article.
    """
    cleaned, skipped = load_clean_articles(settings)
    return lint_articles(cleaned, skipped, settings, embedder)


def load_clean_articles(settings: Settings) -> tuple[list[CleanArticle], list[SkippedFile]]:
    """The cleaned articles (and unreadable files) of the corpus; cheap, so callers check it
    before loading the model. Raises ``CorpusError`` when there is no readable article."""
    articles, skipped = load_corpus(Path(settings.corpus_dir))
    if not articles:
        reasons = "; ".join(f"{s.path.name}: {s.reason}" for s in skipped) or "no *.md files"
        raise CorpusError(f"no readable article in {settings.corpus_dir} ({reasons}); set CHATBOT_CORPUS_DIR to the articles folder")
    return [clean_article(a, heading_max_words=settings.heading_max_words) for a in articles], skipped


def lint_articles(cleaned: Sequence[CleanArticle], skipped: Sequence[SkippedFile], settings: Settings, embedder: TextEmbedder) -> CorpusHealth:
    """Every finding for already cleaned articles (see ``lint_corpus``)."""
    statements = [s for c in cleaned for s in article_statements(c)]
    vectors = embedder.embed([s.text for s in statements])
    findings = [
        *removal_findings(cleaned),
        *duplicate_findings(cleaned, embedder, settings),
        *negation_conflicts(statements, vectors, min_similarity=settings.lint_conflict_similarity),
        *contraindication_conflicts(statements, embedder, min_similarity=settings.lint_condition_similarity),
        *unsupported_findings(statements),
    ]
    findings.sort(key=lambda f: (f.article, f.line, KINDS.index(f.kind)))
    return CorpusHealth(tuple(c.article.slug for c in cleaned), tuple(findings), tuple(skipped))


def removal_findings(cleaned: Iterable[CleanArticle]) -> list[Finding]:
    """Truncated paragraphs and page furniture, as recorded by ``clean_article``."""
    return [
        Finding(r.kind, c.article.slug, r.line, r.text, detail=r.reason)
        for c in cleaned
        for r in c.removals
    ]


def duplicate_findings(cleaned: Sequence[CleanArticle], embedder: TextEmbedder, settings: Settings) -> list[Finding]:
    """Passages the index collapses as repeats, each pointing at the passage it repeats."""
    chunks: list[Chunk] = [
        chunk for c in cleaned for chunk in chunk_article(c, max_chars=settings.chunk_max_chars, min_chars=settings.chunk_min_chars)
    ]
    if not chunks:
        return []
    vectors, _ = embed_chunks(chunks, embedder, None)  # the index's own chunk vectors, so both agree on what repeats
    kept, _ = collapse_duplicates(chunks, vectors, min_similarity=settings.duplicate_similarity, min_overlap=settings.duplicate_overlap)
    by_place = {f"{c.article}:{c.line}": c for c in chunks}
    findings = []
    for owner in kept:
        for place in owner.duplicates:
            repeat = by_place[place]
            findings.append(Finding(
                "duplicate", repeat.article, repeat.line, repeat.text, owner.article, owner.line,
                f"repeats the passage at {owner.article}:{owner.line} (section {owner.section!r}); the index keeps only that one",
            ))
    return findings


# --- statements ---------------------------------------------------------------------------


def article_statements(clean: CleanArticle) -> list[Statement]:
    """Sentences of each paragraph, and each item of each list with its own line.

    ``clean_article`` joins a list to its introducing line ("intro: item; item."); the
    items are split again here and found on their own lines of the file.
    """
    lines = [normalize(line) for line in clean.article.body.splitlines()]
    first = clean.article.body_line
    out: list[Statement] = []
    for block in clean.blocks:
        if block.kind != "paragraph":
            continue
        intro = lines[block.line - first].rstrip()
        if intro.endswith(":") and len(normalize(block.text)) > len(intro):
            items = normalize(block.text)[len(intro):].strip().rstrip(".").split("; ")
            out.append(Statement(clean.article.slug, block.line, intro, paragraph=block.line))
            for item, at in zip(items, _item_lines(items, lines, block.line - first), strict=True):
                out.append(Statement(clean.article.slug, at + first, item, intro, block.line))
            continue
        out.extend(Statement(clean.article.slug, block.line, s, paragraph=block.line) for s in split_sentences(block.text))
    return out


def _item_lines(items: Sequence[str], lines: Sequence[str], start: int) -> list[int]:
    """Indices of the lines holding ``items``, searched in order after line ``start``."""
    found, at = [], start
    for item in items:
        match = next((i for i in range(at + 1, len(lines)) if item in lines[i]), at)
        found.append(match)
        at = match
    return found


def negation_conflicts(statements: Sequence[Statement], vectors: np.ndarray, *, min_similarity: float) -> list[Finding]:
    """Pairs of similar statements where one denies what the other asserts.

    ``vectors`` are the unit-normalised embeddings of the statements' texts. A pair
    is confirmed when one statement says "<subject> cannot <predicate>" and the other
    uses both words without denying them. A pair from the same paragraph is
    skipped (a myth and its correction).
    """
    sims = vectors @ vectors.T
    denied = [negations(s.text) for s in statements]
    words = [subject_words(s.text) for s in statements]
    findings: list[Finding] = []
    for i, j in zip(*np.nonzero(sims >= min_similarity), strict=True):
        a, b = statements[i], statements[j]
        if i == j or (a.article, a.paragraph) == (b.article, b.paragraph):
            continue
        denied_there = {predicate for _, predicate in denied[j]}
        clash = sorted(
            (subject, predicate) for subject, predicate in denied[i]
            if subject and {subject, predicate} <= words[j] and predicate not in denied_there
        )
        if not clash:
            continue
        findings.append(Finding(
            "conflict", a.article, a.line, a.text, b.article, b.line,
            f"negates what {b.article}:{b.line} asserts: {_quote(b)} (similarity {sims[i, j]:.2f})",
        ))
    return findings


def contraindication_conflicts(statements: Sequence[Statement], embedder: TextEmbedder, *, min_similarity: float) -> list[Finding]:
    """Conditions listed as a reason not to have microneedling that are also listed as something it treats."""
    conditions = [s for s in statements if s.intro and _CONTRAINDICATION.search(s.intro)]
    benefits = [s for s in statements if s.intro and _BENEFIT_INTRO.search(s.intro) and not _CONTRAINDICATION.search(s.intro)]
    if not conditions or not benefits:
        return []
    targets = [benefit_target(b.text) for b in benefits]
    sims = embedder.embed([c.text for c in conditions]) @ embedder.embed(targets).T
    findings = []
    for i, condition in enumerate(conditions):
        for j, benefit in enumerate(benefits):
            shared = subject_words(condition.text) & subject_words(targets[j])
            if sims[i, j] >= min_similarity and shared:
                findings.append(Finding(
                    "conflict", condition.article, condition.line, condition.text, benefit.article, benefit.line,
                    f"listed under {condition.intro!r} but {benefit.article}:{benefit.line} lists {_quote(benefit)} as a benefit "
                    f"(similarity {sims[i, j]:.2f})",
                ))
    return findings


def benefit_target(item: str) -> str:
    """What a benefit item treats: "Reducing the visibility of scars" -> "scars"."""
    target = _BENEFIT_VERB.sub("", item.strip()).strip()
    return target or item


def unsupported_findings(statements: Sequence[Statement]) -> list[Finding]:
    """Strong medical claims ("safe and effective", "cures") stated without any hedge."""
    findings = []
    for s in statements:
        if _NOT_A_CLAIM.search(s.text) or s.intro:
            continue
        claim = _CLAIM.search(s.text)
        if claim and not _HEDGE.search(s.text) and not negations(s.text):
            findings.append(Finding(
                "unsupported", s.article, s.line, s.text,
                detail=f"claims {claim.group(0)!r} with no hedge or source; worth a clinician's review",
            ))
    return findings


def _quote(s: Statement) -> str:
    text = s.text if len(s.text) <= 90 else s.text[:87] + "..."
    return f"\"{text}\""


# --- output -------------------------------------------------------------------------------


def summary_by_article(findings: Iterable[Finding], articles: Iterable[str] = ()) -> dict[str, dict[str, int]]:
    """Count of findings per kind for each article (articles without findings included when given)."""
    table = {a: dict.fromkeys(KINDS, 0) for a in articles}
    for f in findings:
        table.setdefault(f.article, dict.fromkeys(KINDS, 0))[f.kind] += 1
    return dict(sorted(table.items()))


def format_health(health: CorpusHealth, *, width: int = 100) -> str:
    """Human-readable report: one entry per finding, grouped by article, then a summary per article."""
    out: list[str] = []
    current = None
    for f in health.findings:
        if f.article != current:
            current = f.article
            out += ["", f"{f.article}.md"]
        text = f.text if len(f.text) <= width else f.text[: width - 3] + "..."
        out.append(f"  line {f.line:>3}  {f.kind:<11} {text}")
        out.append(f"  {'':<9} {'':<11} {f.detail}")
    for s in health.skipped:
        out.append(f"not checked: {s.path.name}: {s.reason}")
    out += ["", "Summary per article", f"  {'article':<42}" + "".join(f"{k:>12}" for k in KINDS) + f"{'total':>8}"]
    for article, counts in health.summary().items():
        out.append(f"  {article:<42}" + "".join(f"{counts[k]:>12}" for k in KINDS) + f"{sum(counts.values()):>8}")
    if not health.findings:
        out.insert(0, "No problems found.")
    return "\n".join(out).lstrip("\n")
