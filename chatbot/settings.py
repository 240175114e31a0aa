"""One settings object for the whole bot.

Values come, in order of precedence, from ``CHATBOT_*`` environment variables,
then an optional TOML file (``CHATBOT_CONFIG``, default ``chatbot.toml`` in the
working directory), then the defaults below, which work offline on a laptop.
Every threshold is a named field whose comment says why it has that value.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from chatbot.errors import SettingsError

ENV_PREFIX = "CHATBOT_"


@dataclass(frozen=True)
class Settings:
    # --- where things live -------------------------------------------------
    corpus_dir: Path = Path("corpus")
    """Folder of Markdown articles with YAML front matter."""
    index_dir: Path = Path("index")
    """Folder of the embedded Chroma index (ignored when a Chroma server is set)."""
    chroma_host: str | None = None
    """Chroma server host; with ``chroma_port`` it replaces the local folder."""
    chroma_port: int | None = None
    collection: str = "microneedling"
    """Base name of the Chroma collections; each build gets a versioned name."""
    common_questions_file: Path | None = None
    """Defaults to ``<corpus_dir>/common_questions.yaml``."""
    feedback_db: Path = Path("data/feedback.sqlite3")
    """SQLite file for feedback; put it on shared storage when several app instances run."""
    reports_dir: Path = Path("reports")
    staff_password: str | None = None
    """Unlocks the staff and content pages. Unset means they stay locked."""

    # --- embeddings ---------------------------------------------------------
    embedding_model: str | None = None
    """Path of a sentence-transformers model; defaults to the packaged all-MiniLM-L6-v2."""
    embed_batch_size: int = 64
    """Sentences per encode call: large enough to keep both cores busy, small enough for a smooth progress bar."""
    query_cache_size: int = 2048
    """Query embeddings kept in memory; common questions repeat a lot on a clinic site."""

    # --- ingestion ----------------------------------------------------------
    chunk_max_chars: int = 700
    """About one web paragraph: big enough to keep a thought together, small enough to cite precisely."""
    chunk_min_chars: int = 200
    """Shorter paragraphs join the next one in the same section so a chunk is never a lone fragment."""
    heading_max_words: int = 12
    """Plain lines up to this long without final punctuation are headings (articles here top out at 10 words)."""
    duplicate_similarity: float = 0.85
    """Cosine at or above which two chunks may be the same passage. Meaning alone is not
    enough here: every passage is about microneedling, so distinct sections score 0.80-0.95."""
    duplicate_overlap: float = 0.5
    """Jaccard overlap of content words at or above which a similar chunk is a repeat. The
    section pasted three times in the pore-size article overlaps 0.51-0.59; the next-closest
    pair of distinct passages overlaps 0.43."""
    chroma_batch_size: int = 5000
    """Records per Chroma add; Chroma rejects more than 5,461 in one call."""

    # --- retrieval ----------------------------------------------------------
    retrieval_k: int = 6
    """Passages handed to the answerer and shown to staff."""
    candidate_k: int = 30
    """Depth of each ranked list (dense, BM25) before fusion."""
    rrf_k: int = 60
    """Reciprocal-rank-fusion constant from Cormack et al. (2009); dampens the top ranks."""
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    index_refresh_seconds: float = 2.0
    """How often a running app checks whether a re-ingest switched the live collection."""

    # --- answers ------------------------------------------------------------
    answer_max_sentences: int = 4
    answer_min_sentences: int = 2
    sentence_min_relevance: float = 0.05
    """Centred cosine (topic direction removed) between question and sentence below which a
    sentence is not quoted at all: it shares nothing with the question but the topic."""
    sentence_relative_cutoff: float = 0.72
    """A sentence must score at least this share of the best sentence's score to be added."""
    sentence_duplicate_similarity: float = 0.80
    """Two sentences this similar say the same fact; only the better one is quoted."""
    conflict_similarity: float = 0.55
    """Passages at least this similar are about the same subject when looking for contradictions."""

    # --- guardrail ----------------------------------------------------------
    max_question_chars: int = 2000
    """Longer questions are refused with a message; real questions are a sentence or two."""
    max_history_turns: int = 6
    """Only the latest turns matter for follow-ups; older ones are ignored."""
    out_of_scope_similarity: float = 0.25
    """Best dense cosine below which the articles may not cover the question. Off-topic dev
    questions score 0.00-0.12; the lowest covered ones 0.26-0.37 (very short ones score lower)."""
    out_of_scope_word_coverage: float = 0.75
    """...and the question is out of scope only if fewer than this share of its words appear in the
    articles: "downtime?" embeds poorly (0.07) but every word of it is in the articles."""
    prototype_margin: float = 0.05
    """How far a guardrail prototype must beat the best 'general' prototype to decide the category."""
    urgent_prototype_similarity: float = 0.62
    medical_prototype_similarity: float = 0.58
    off_topic_prototype_similarity: float = 0.60

    # --- optional LLM answers ----------------------------------------------
    llm: str | None = None
    """Unset: extractive answers. ``openai`` or ``ollama``: a chat model writes the answer."""
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout_seconds: float = 20.0
    llm_max_tokens: int = 256
    llm_temperature: float = 0.0
    citation_support_similarity: float = 0.62
    """Cosine between a generated sentence and its cited passage's best sentence to count as supported."""
    citation_support_overlap: float = 0.5
    """Share of a generated sentence's content words that must appear in the cited passage."""
    llm_min_kept_sentences: int = 1
    """Fewer verified sentences than this and the extractive answer is used instead."""

    log_level: str = "WARNING"

    @property
    def chroma_server(self) -> tuple[str, int] | None:
        if self.chroma_host and self.chroma_port:
            return self.chroma_host, self.chroma_port
        return None

    @property
    def common_questions_path(self) -> Path:
        return self.common_questions_file or self.corpus_dir / "common_questions.yaml"

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _coerce(name: str, raw: Any, default: Any, annotation: str) -> Any:
    if raw is None or (isinstance(raw, str) and raw.strip() == "" and "None" in annotation):
        return None
    try:
        if "Path" in annotation:
            return Path(str(raw)).expanduser()
        if annotation.startswith("int"):
            return int(raw)
        if annotation.startswith("float"):
            return float(raw)
        if annotation.startswith("bool"):
            return str(raw).strip().lower() in {"1", "true", "yes", "on"}
        return str(raw)
    except ValueError as exc:
        raise SettingsError(
            f"setting {ENV_PREFIX}{name.upper()}={raw!r} is not a valid {annotation}; "
            f"fix or unset it (default: {default!r})"
        ) from exc


def load_settings(env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Build the settings from the environment, an optional TOML file and ``overrides``.

    Raises ``SettingsError`` with the offending variable when a value has the wrong type
    or the TOML file cannot be read.
    """
    env = dict(os.environ if env is None else env)
    file_values: dict[str, Any] = {}
    config_path = Path(env.get(f"{ENV_PREFIX}CONFIG", "chatbot.toml"))
    if config_path.is_file():
        try:
            file_values = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{config_path} is not valid TOML: {exc}") from exc
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = env.get(f"{ENV_PREFIX}{f.name.upper()}", file_values.get(f.name))
        if raw is not None:
            values[f.name] = _coerce(f.name, raw, f.default, str(f.type))
    values.update(overrides)
    return Settings(**values)


__all__ = ["Settings", "load_settings", "field"]
