"""The Chroma index: connect, build atomically and incrementally, read the live version.

Layout in Chroma (embedded folder or server, same code path):

* ``<base>__state``: an empty collection whose metadata names the live version.
* ``<base>-v<stamp>``: one version of the index, one record per unique chunk.
  The record's embedding is the chunk vector; its metadata holds the keys in
  ``CHUNK_METADATA_KEYS`` (the sentences and their vectors are packed so the
  answerer never re-embeds article text).
* ``<base>-v<stamp>-dups``: chunks collapsed as near-duplicates, kept so the
  next ingest does not embed them again and so the content team can see them.
* ``<base>-v<stamp>-e5``: the same chunks embedded by multilingual-e5-small (the
  chunk vector and its sentence vectors), what questions in other languages are
  searched and quoted with. Written before the pointer flips, so it switches with
  its version; absent when ``multilingual`` is off.

An ingest builds a new version next to the live one (copying the vectors of
unchanged chunks, embedding only new ones), then flips the state pointer and
drops the old version. Readers therefore see the old or the new index, never a
half-built one; a killed ingest leaves the old version live and its leftovers
are removed by the next run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chatbot.errors import ChromaUnavailableError, CorpusError, IndexCorruptError, IndexMissingError, IndexWriteError
from chatbot.knowledge.chunking import INTRO_SECTION, Chunk, chunk_article, collapse_duplicates
from chatbot.knowledge.corpus import SkippedFile, clean_article, load_corpus
from chatbot.knowledge.embeddings import Embedder, pack_vectors, unpack_vectors
from chatbot.knowledge.segments import remove_orphaned_segments
from chatbot.settings import Settings

log = logging.getLogger(__name__)

CHUNK_METADATA_KEYS = ("article", "title", "section", "line", "position", "published", "sentences", "sentence_vectors", "duplicates")
"""Metadata of every chunk record. ``sentences`` is a JSON list, ``sentence_vectors``
base64 float16 rows (one per sentence), ``duplicates`` a JSON list of "slug:line"."""

STATE_SUFFIX = "__state"
MULTILINGUAL_SUFFIX = "-e5"
"""Suffix of a version's multilingual vector set."""
INDEX_FORMAT = 4
"""Bumped whenever what is stored per chunk changes, so the next ingest rebuilds everything."""


# --- connecting ----------------------------------------------------------------


def connect(settings: Settings, *, create: bool = False):
    """Open the Chroma client: the server when host and port are set, else the local folder.

    Raises ``ChromaUnavailableError`` when the server does not answer,
    ``IndexMissingError`` when the folder does not exist and ``create`` is false,
    and ``IndexWriteError`` when the folder cannot be created or written.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    server = settings.chroma_server
    if server:
        host, port = server
        try:
            client = chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
            client.heartbeat()
        except Exception as exc:  # chromadb raises several transport errors
            raise ChromaUnavailableError(
                f"Chroma server at {host}:{port} is not reachable ({type(exc).__name__}); "
                "start it with `chroma run --host 127.0.0.1 --port PORT --path DIR` or unset CHATBOT_CHROMA_HOST"
            ) from exc
        return client
    folder = Path(settings.index_dir)
    if not create and not (folder / "chroma.sqlite3").exists():
        raise IndexMissingError(f"index not built yet in {folder}: run `chatbot ingest` (or `make setup`)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Chroma writes its log even to answer, so a read-only folder fails either way: say so up front.
        if not os.access(folder, os.W_OK):
            raise PermissionError(f"{folder} is read-only")
    except OSError as exc:  # permissions, a read-only disk, a file where the folder should be
        raise IndexWriteError(f"cannot write the index folder {folder}: {exc}; fix its permissions or set CHATBOT_INDEX_DIR") from exc
    try:
        return chromadb.PersistentClient(path=str(folder), settings=chroma_settings)
    except Exception as exc:
        raise IndexCorruptError(
            f"index in {folder} cannot be opened ({type(exc).__name__}: {exc}); delete the folder and run `chatbot ingest`"
        ) from exc


def _state_name(settings: Settings) -> str:
    return f"{settings.collection}{STATE_SUFFIX}"


def index_state(client, settings: Settings) -> dict[str, Any]:
    """Metadata of the live version: ``active`` (collection name), ``fingerprint``, ``chunks``,
    ``built_at``, ``format`` and ``model``. Empty when nothing was built.

    Raises ``ChromaUnavailableError`` when Chroma cannot be asked (a server that went down),
    so an outage is never mistaken for a missing index.
    """
    from chromadb.errors import NotFoundError

    try:
        state = client.get_collection(_state_name(settings), embedding_function=None)
    except NotFoundError:
        return {}
    except Exception as exc:
        raise _unavailable(settings, exc) from exc
    return dict(state.metadata or {})


def _unavailable(settings: Settings, exc: Exception) -> ChromaUnavailableError:
    if settings.chroma_server:
        host, port = settings.chroma_server
        return ChromaUnavailableError(
            f"the Chroma server at {host}:{port} stopped answering ({type(exc).__name__}); "
            "answers resume by themselves once it is back (`chroma run --host 127.0.0.1 --port PORT --path DIR`)"
        )
    return ChromaUnavailableError(
        f"the index in {settings.index_dir} cannot be read ({type(exc).__name__}: {exc}); check the folder or run `chatbot ingest`"
    )


def active_version(client, settings: Settings) -> str | None:
    """Name of the live collection, or None when nothing was built yet."""
    return index_state(client, settings).get("active")


def _version_collections(client, settings: Settings) -> list[str]:
    prefix = f"{settings.collection}-v"
    names = [c if isinstance(c, str) else c.name for c in client.list_collections()]
    return [n for n in names if n.startswith(prefix)]


def open_collection(client, name: str):
    return client.get_collection(name, embedding_function=None)


# --- records -------------------------------------------------------------------


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


# --- building ------------------------------------------------------------------


@dataclass
class IngestReport:
    articles: int = 0
    chunks: int = 0
    duplicates: int = 0
    embedded: int = 0
    embedded_multilingual: int = 0
    """Texts embedded by the multilingual model (the same chunks and sentences, when they are new)."""
    reused: int = 0
    added: int = 0
    removed: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    version: str | None = None
    unchanged: bool = False
    seconds: float = 0.0
    needs_review: list[str] = field(default_factory=list)
    """Reviewed answers this ingest marked needs review: a sentence they quote is no longer in its article."""

    def summary(self) -> str:
        if self.unchanged:
            head = f"index up to date: {self.chunks} passages from {self.articles} articles, nothing embedded"
        else:
            head = (
                f"indexed {self.articles} articles into {self.chunks} passages "
                f"({self.duplicates} near-duplicates collapsed): {self.added} new, {self.removed} removed, "
                f"{self.reused} reused, {self.embedded} sentences embedded"
                + (f" (and {self.embedded_multilingual} by the multilingual model)" if self.embedded_multilingual else "")
                + f" in {self.seconds:.1f} s"
            )
        lines = [head]
        lines += [f"skipped {s.path.name}: {s.reason}" for s in self.skipped]
        if self.needs_review:
            lines.append(
                f"{len(self.needs_review)} reviewed answer(s) now need review (a quoted sentence changed) and are no longer served: "
                + "; ".join(self.needs_review) + " — see the staff page or `chatbot answers check`"
            )
        return "\n".join(lines)


def _fingerprint(chunks: Sequence[Chunk], embedder: Embedder, settings: Settings) -> str:
    h = hashlib.sha1()
    for value in (embedder.model_path, settings.duplicate_similarity, settings.duplicate_overlap, INDEX_FORMAT, settings.multilingual):
        h.update(repr(value).encode())
    for chunk in chunks:
        h.update(chunk.id.encode())
    return h.hexdigest()


def embed_chunks(chunks: Sequence[Chunk], embedder, progress) -> tuple[np.ndarray, list[np.ndarray]]:
    """Embed each chunk's text (what dense search compares) and each of its sentences
    (what the answerer ranks), in one batched pass.

    Measured on the dev questions, whole-passage embeddings retrieve better than
    averaged sentence embeddings (hit@3 1.00 vs 0.82), so both are stored.
    """
    texts = [c.own_text for c in chunks]
    sentences = [s for c in chunks for s in c.sentences]
    everything = texts + sentences
    # Encoded shortest first: a batch of similar lengths pads least (the model pads each batch to its longest text).
    order = np.argsort([len(t) for t in everything], kind="stable")
    vectors = np.empty((len(everything), embedder.dimension), dtype=np.float32)
    vectors[order] = embedder.embed([everything[i] for i in order], progress=progress)
    chunk_vecs, sentence_vecs = vectors[: len(texts)], vectors[len(texts) :]
    per_chunk, start = [], 0
    for chunk in chunks:
        per_chunk.append(sentence_vecs[start : start + len(chunk.sentences)])
        start += len(chunk.sentences)
    return chunk_vecs.reshape(-1, embedder.dimension), per_chunk


def _read_existing(client, names: Iterable[str], ids: set[str], dimension: int, batch: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Vectors already in the live version for ``ids``: {id: (chunk_vector, sentence_vectors)}."""
    found: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    wanted = sorted(ids)
    for name in names:
        try:
            collection = open_collection(client, name)
        except Exception:
            continue
        for start in range(0, len(wanted), batch):
            part = [i for i in wanted[start : start + batch] if i not in found]
            if not part:
                continue
            got = collection.get(ids=part, include=["embeddings", "metadatas"])
            for cid, emb, meta in zip(got["ids"], got["embeddings"], got["metadatas"]):
                found[cid] = (np.asarray(emb, dtype=np.float32), unpack_vectors(meta["sentence_vectors"], dimension))
    return found


def build_index(settings: Settings, embedder: Embedder, *, show_progress: bool = True) -> IngestReport:
    """Bring the index in line with the corpus folder.

    Unchanged corpus: nothing is embedded or written. Otherwise a new version is
    built (new chunks embedded, unchanged ones copied), made live in one step,
    and the old version removed. Raises the connection errors of ``connect``.
    """
    from tqdm.auto import tqdm

    started = time.perf_counter()
    articles, skipped = load_corpus(Path(settings.corpus_dir))
    chunks = [
        c
        for a in articles
        for c in chunk_article(
            clean_article(a, heading_max_words=settings.heading_max_words),
            max_chars=settings.chunk_max_chars,
            min_chars=settings.chunk_min_chars,
        )
    ]
    report = IngestReport(articles=len(articles), skipped=skipped)
    if not articles:  # an emptied or unmounted corpus folder must not wipe the live index
        raise CorpusError(f"no readable article in {settings.corpus_dir}; the index was left as it was")
    client = connect(settings, create=True)
    live = active_version(client, settings)
    fingerprint = _fingerprint(chunks, embedder, settings)
    state = _state_collection(client, settings)
    if live and (state.metadata or {}).get("fingerprint") == fingerprint:
        report.unchanged, report.version = True, live
        report.chunks = int((state.metadata or {}).get("chunks", 0))
        _drop_leftovers(client, settings, keep=live)
        return report

    _drop_leftovers(client, settings, keep=live)
    reusable = live and (state.metadata or {}).get("format") == INDEX_FORMAT and (state.metadata or {}).get("model") == embedder.model_path
    existing = (
        _read_existing(client, [live, f"{live}-dups"], {c.id for c in chunks}, embedder.dimension, settings.chroma_batch_size)
        if reusable
        else {}
    )
    fresh = [c for c in chunks if c.id not in existing]
    n_sentences = sum(len(c.sentences) + 1 for c in fresh)
    with tqdm(total=n_sentences, desc="Embedding", unit="sent", disable=not show_progress or not n_sentences) as bar:
        fresh_vecs, fresh_sent = embed_chunks(fresh, embedder, bar.update)
    report.embedded = n_sentences
    vectors: dict[str, tuple[np.ndarray, np.ndarray]] = dict(existing)
    vectors.update({c.id: (fresh_vecs[i], fresh_sent[i]) for i, c in enumerate(fresh)})
    matrix = np.asarray([vectors[c.id][0] for c in chunks], dtype=np.float32).reshape(-1, embedder.dimension)
    unique, kept_rows = collapse_duplicates(
        chunks, matrix, min_similarity=settings.duplicate_similarity, min_overlap=settings.duplicate_overlap
    )
    kept_ids = {c.id for c in unique}
    # A paragraph pasted three times in one section gives the same id twice here; Chroma rejects repeated ids.
    dups = list({c.id: c for c in chunks if c.id not in kept_ids}.values())

    multilingual_vectors = (
        _multilingual_vectors(client, live if reusable else None, unique, settings, show_progress, report) if settings.multilingual else None
    )

    version = f"{settings.collection}-v{time.strftime('%Y%m%d%H%M%S')}{int(time.time_ns() % 1_000_000):06d}"
    old_ids = set(_all_ids(client, live)) if live else set()
    try:
        _write(client, version, unique, vectors, settings, show_progress)
        _write(client, f"{version}-dups", dups, vectors, settings, show_progress=False)
        if multilingual_vectors is not None:
            _write(client, f"{version}{MULTILINGUAL_SUFFIX}", unique, multilingual_vectors, settings, show_progress=False)
        state.modify(metadata={
            "active": version, "fingerprint": fingerprint, "chunks": len(unique), "built_at": time.time(),
            "format": INDEX_FORMAT, "model": embedder.model_path,
            "multilingual_model": _multilingual_model_name() if settings.multilingual else "",
        })
    except Exception as exc:  # full disk, a server that went away: the pointer was not flipped
        with contextlib.suppress(Exception):
            _drop_leftovers(client, settings, keep=live)
        raise IndexWriteError(
            f"writing the new index failed ({type(exc).__name__}: {exc}); the previous index is still answering, "
            "fix the cause and run `chatbot ingest` again"
        ) from exc
    _drop_leftovers(client, settings, keep=version)

    report.version = version
    report.chunks = len(unique)
    report.duplicates = len(dups)
    report.reused = len(existing)
    report.added = len(kept_ids - old_ids)
    report.removed = len(old_ids - kept_ids)
    report.seconds = time.perf_counter() - started
    return report


def _state_collection(client, settings: Settings):
    return client.get_or_create_collection(_state_name(settings), embedding_function=None)


def _write(client, name: str, chunks: Sequence[Chunk], vectors, settings: Settings, show_progress: bool) -> None:
    from tqdm.auto import tqdm

    collection = client.create_collection(name, metadata={"hnsw:space": "cosine"}, embedding_function=None)
    batch = settings.chroma_batch_size
    with tqdm(total=len(chunks), desc="Writing index", unit="chunk", disable=not show_progress or len(chunks) < batch) as bar:
        for start in range(0, len(chunks), batch):
            part = chunks[start : start + batch]
            collection.add(
                ids=[c.id for c in part],
                embeddings=np.asarray([vectors[c.id][0] for c in part], dtype=np.float32),
                documents=[c.text for c in part],
                metadatas=[chunk_metadata(c, vectors[c.id][1]) for c in part],
            )
            bar.update(len(part))


def _all_ids(client, name: str) -> list[str]:
    try:
        return list(open_collection(client, name).get(include=[])["ids"])
    except Exception:
        return []


def _drop_leftovers(client, settings: Settings, *, keep: str | None) -> None:
    """Delete versions that are not live: old ones and those a crashed ingest left behind."""
    for name in _version_collections(client, settings):
        if keep and name in (keep, f"{keep}-dups", f"{keep}{MULTILINGUAL_SUFFIX}"):
            continue
        try:
            client.delete_collection(name)
        except Exception as exc:  # a concurrent reader or another ingest may have removed it
            log.info("could not remove old index version %s: %s", name, exc)
    if not settings.chroma_server:
        remove_orphaned_segments(Path(settings.index_dir))


def _multilingual_model_name() -> str:
    from chatbot.knowledge.embeddings import MultilingualEmbedder

    return MultilingualEmbedder.model_path


def _multilingual_vectors(
    client, live: str | None, chunks: Sequence[Chunk], settings: Settings, show_progress: bool, report: IngestReport
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The e5 vectors of ``chunks``: copied from the live version's multilingual set when a chunk
    (same content hash) is already there, embedded otherwise."""
    from tqdm.auto import tqdm

    from chatbot.knowledge.embeddings import multilingual_embedder

    e5 = multilingual_embedder(threads=settings.query_threads)  # one setting per process, and answering decides it
    existing = (
        _read_existing(client, [f"{live}{MULTILINGUAL_SUFFIX}"], {c.id for c in chunks}, e5.dimension, settings.chroma_batch_size)
        if live
        else {}
    )
    fresh = [c for c in chunks if c.id not in existing]
    n_texts = sum(len(c.sentences) + 1 for c in fresh)
    with tqdm(total=n_texts, desc="Embedding (multilingual)", unit="sent", disable=not show_progress or not n_texts) as bar:
        fresh_vecs, fresh_sent = embed_chunks(fresh, e5, bar.update)
    vectors = dict(existing)
    vectors.update({c.id: (fresh_vecs[i], fresh_sent[i]) for i, c in enumerate(fresh)})
    report.embedded_multilingual = n_texts
    return vectors
