"""Load the curated articles and clean web-page leftovers out of them.

An article is a Markdown file in the corpus folder with YAML front matter::

    ---
    slug: microneedling-pore-size
    title: "Can Microneedling Reduce Pore Size?"
    published: 2020-04-26      # optional
    source: seed-articles/000_680f03eed667e98d.txt
    ---
    body text, unchanged from the web copy

Cleaning never edits the files: it turns a body into headings and paragraphs
and records what it dropped, so ``chatbot lint-corpus`` can show it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from chatbot.errors import CorpusError
from chatbot.text.structured import InputLimits, StructuredInputError, load_yaml
from chatbot.text.tokens import is_complete_sentence, split_sentences

log = logging.getLogger(__name__)

MAX_ARTICLE_BYTES = 5_000_000
"""Real articles are a few kB; anything this big is a mistaken upload, not an article."""

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


@dataclass(frozen=True)
class Article:
    slug: str
    title: str
    body: str
    path: Path
    source: str = ""
    published: str | None = None
    body_line: int = 1
    """Line number in the file where the body starts, so findings point at real lines."""


@dataclass(frozen=True)
class Block:
    """A heading or a paragraph of a cleaned article. ``line`` is 1-based in the file."""

    kind: str  # "heading" | "paragraph"
    text: str
    line: int


@dataclass(frozen=True)
class Removal:
    """Something cleaning dropped: page furniture or a cut-off sentence."""

    kind: str  # "furniture" | "truncated"
    text: str
    line: int
    reason: str


@dataclass(frozen=True)
class CleanArticle:
    article: Article
    blocks: tuple[Block, ...]
    removals: tuple[Removal, ...] = field(default=())


@dataclass(frozen=True)
class SkippedFile:
    path: Path
    reason: str


# --- loading -----------------------------------------------------------------


def parse_article(path: Path, *, raw: bytes | None = None) -> Article:
    """Parse one article file. Raises ``CorpusError`` naming the file and the reason."""
    raw = path.read_bytes() if raw is None else raw
    if len(raw) > MAX_ARTICLE_BYTES:
        raise CorpusError(f"{path.name}: file is {len(raw) // 1_000_000} MB, over the 5 MB article limit")
    if b"\x00" in raw:
        raise CorpusError(f"{path.name}: looks like a binary file, not a Markdown article")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path.name}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc
    if not text.strip():
        raise CorpusError(f"{path.name}: file is empty")
    meta, body, body_line = _split_front_matter(path, text)
    slug = str(meta.get("slug") or "").strip()
    title = str(meta.get("title") or "").strip()
    if not SLUG_RE.match(slug):
        raise CorpusError(f"{path.name}: front matter needs `slug:` in lowercase-with-dashes (got {slug!r})")
    if not title:
        raise CorpusError(f"{path.name}: front matter needs a `title:`")
    if not body.strip():
        raise CorpusError(f"{path.name}: article has front matter but no text")
    published = meta.get("published")
    return Article(
        slug=slug,
        title=title,
        body=body,
        path=path,
        source=str(meta.get("source") or ""),
        published=str(published) if published else None,
        body_line=body_line,
    )


def _split_front_matter(path: Path, text: str) -> tuple[dict, str, int]:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise CorpusError(f"{path.name}: missing YAML front matter (the file must start with a `---` line)")
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            break
    else:
        raise CorpusError(f"{path.name}: front matter is not closed by a `---` line")
    try:
        meta = load_yaml("".join(lines[1:end]), InputLimits()) or {}
    except StructuredInputError as exc:
        raise CorpusError(f"{path.name}: front matter cannot be read: {exc}") from None
    if not isinstance(meta, dict):
        raise CorpusError(f"{path.name}: front matter must be `key: value` lines")
    return meta, "".join(lines[end + 1 :]), end + 2


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def iter_article_files(corpus_dir: Path) -> Iterator[Path]:
    yield from sorted(p for p in corpus_dir.glob("*.md") if p.is_file())


def load_corpus(corpus_dir: Path) -> tuple[list[Article], list[SkippedFile]]:
    """Read every ``*.md`` article in ``corpus_dir``.

    Unreadable files and duplicate slugs are skipped with a logged warning and
    returned in the second list; the rest is loaded. Raises ``CorpusError`` when
    the folder is missing.
    """
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder {corpus_dir} not found: set CHATBOT_CORPUS_DIR or create it")
    articles: list[Article] = []
    skipped: list[SkippedFile] = []
    seen: dict[str, Path] = {}
    for path in iter_article_files(corpus_dir):
        try:
            article = parse_article(path)
        except (CorpusError, OSError) as exc:
            reason = str(exc).split(": ", 1)[-1] if isinstance(exc, CorpusError) else f"cannot read ({exc})"
            skipped.append(SkippedFile(path, reason))
            log.warning("skipping %s: %s", path.name, reason)
            continue
        if article.slug in seen:
            reason = f"slug {article.slug!r} is already used by {seen[article.slug].name}; give it its own slug"
            skipped.append(SkippedFile(path, reason))
            log.warning("skipping %s: %s", path.name, reason)
            continue
        seen[article.slug] = path
        articles.append(article)
    return articles, skipped


# --- cleaning ----------------------------------------------------------------

_FURNITURE = [
    (re.compile(r"^@\w+.*(#\w+|♬)"), "social-media embed"),
    (re.compile(r"^get updated\b", re.I), "newsletter prompt"),
    (re.compile(r"^(was this (article |page )?helpful\??|share this( article)?:?|subscribe( to our newsletter)?\.?)$", re.I), "page prompt"),
    (re.compile(r"^(read more|related (articles|posts)|advertisement)\b.{0,40}$", re.I), "page prompt"),
]
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_GLUED_DATE = re.compile(rf"^(?:{_MONTHS})\s+\d{{1,2}},\s*\d{{4}}(?=\S)")
_BULLET = re.compile(r"^\s*(?:[•·▪◦*-]|\d+[.)])\s+")
_TERMINAL = ('.', '!', '?', '"', "”", "’", ")", ":")


def furniture_reason(line: str) -> str | None:
    """Why ``line`` is page furniture, or None when it is article text."""
    stripped = line.strip()
    for pattern, reason in _FURNITURE:
        if pattern.search(stripped):
            return reason
    return None


def _norm_title(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def is_heading(line: str, *, max_words: int) -> bool:
    """Headings are ``###`` lines and short plain lines without final punctuation.

    Short questions on a line of their own ("What is Microneedling?") are headings too:
    web copies lose the heading markup but keep the question.
    """
    s = line.strip()
    if s.startswith("#"):
        return True
    if not s or _BULLET.match(s) or len(s.split()) > max_words:
        return False
    if s.endswith("?"):
        return True
    return not s.endswith(_TERMINAL[:-1] + (",", ";", ":"))


def clean_article(article: Article, *, heading_max_words: int = 12) -> CleanArticle:
    """Split an article body into headings and paragraphs, dropping page furniture.

    Bulleted lists are joined to the line that introduces them as one
    ``"intro: item; item; item."`` paragraph so that a list can be quoted whole.
    """
    blocks: list[Block] = []
    removals: list[Removal] = []
    title_key = _norm_title(article.title)
    lines = article.body.splitlines()
    for offset, raw_line in enumerate(lines):
        line_no = article.body_line + offset
        line = raw_line.replace("\u00a0", " ").strip()
        if not line:
            continue
        reason = furniture_reason(line)
        if reason:
            removals.append(Removal("furniture", line, line_no, reason))
            continue
        glued = _GLUED_DATE.match(line)
        if glued:
            removals.append(Removal("furniture", glued.group(0), line_no, "date glued to the title"))
            line = line[glued.end() :].strip()
        if _norm_title(line) == title_key:
            removals.append(Removal("furniture", line, line_no, "repeats the article title"))
            continue
        if _BULLET.match(line) and blocks and blocks[-1].kind == "paragraph":
            item = _BULLET.sub("", line).rstrip(" .;")
            prev = blocks[-1]
            joiner = " " if prev.text.endswith(":") else "; "
            blocks[-1] = Block("paragraph", prev.text.rstrip(".") + joiner + item + ".", prev.line)
            continue
        if is_heading(line, max_words=heading_max_words):
            blocks.append(Block("heading", line.lstrip("#").strip(), line_no))
        else:
            blocks.append(Block("paragraph", _BULLET.sub("", line), line_no))
    blocks = _drop_fragments(blocks, removals, raw_lines=lines, first_line=article.body_line)
    return CleanArticle(article, tuple(blocks), tuple(sorted(removals, key=lambda r: r.line)))


def _drop_fragments(blocks: list[Block], removals: list[Removal], *, raw_lines: list[str], first_line: int) -> list[Block]:
    """Remove text cut off mid-sentence: a paragraph's unfinished last sentence, and a
    stray fragment line between two headings ("### Process" / "The mic" / next heading)."""
    kept: list[Block] = []
    for i, block in enumerate(blocks):
        if block.kind == "heading":
            raw = raw_lines[block.line - first_line].strip()
            between_headings = (
                i > 0
                and blocks[i - 1].kind == "heading"
                and (i + 1 == len(blocks) or blocks[i + 1].kind == "heading")
            )
            if between_headings and not raw.startswith("#") and not raw.endswith("?"):
                removals.append(Removal("truncated", block.text, block.line, "fragment between two headings"))
                continue
            kept.append(block)
            continue
        sentences = split_sentences(block.text)
        if sentences and not is_complete_sentence(sentences[-1]):
            removals.append(Removal("truncated", sentences[-1], block.line, "paragraph stops mid-sentence"))
            sentences = sentences[:-1]
        if sentences:
            kept.append(Block("paragraph", " ".join(sentences), block.line))
    return kept


# --- common questions -----------------------------------------------------------


@dataclass(frozen=True)
class CommonQuestion:
    question: str
    topic: str = "General"


def load_common_questions(path: Path) -> list[CommonQuestion]:
    """The clinic's common questions (``corpus/common_questions.yaml``), maintained by the content team.

    A missing file gives an empty list; a malformed one raises ``CorpusError`` naming the problem.
    """
    if not path.is_file():
        return []
    try:
        data = load_yaml(path.read_text(encoding="utf-8"), InputLimits()) or {}
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path.name}: not valid YAML ({_first_line(exc)})") from exc
    except StructuredInputError as exc:
        raise CorpusError(f"{path.name}: cannot be read: {exc}") from None
    entries = data.get("questions", []) if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise CorpusError(f"{path.name}: expected a `questions:` list")
    out: list[CommonQuestion] = []
    for i, entry in enumerate(entries, start=1):
        if isinstance(entry, str):
            entry = {"question": entry}
        if not isinstance(entry, dict) or not str(entry.get("question", "")).strip():
            raise CorpusError(f"{path.name}: entry {i} needs a `question:`")
        out.append(CommonQuestion(str(entry["question"]).strip(), str(entry.get("topic") or "General")))
    return out
