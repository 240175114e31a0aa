"""The answer engine: loads the heavy parts once per process and wires them into the pipeline.

``Engine`` loads the model, the index, the guardrails, the reviewed answers and (when
``multilingual`` is on) e5, builds the two language paths and the ``Pipeline``
(``chatbot.engine.pipeline``, where the steps are), and is safe to share between threads.
``Engine.chain`` is that pipeline as a LangChain Runnable taking ``{"question": str, "history": [str, ...]}``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from langchain_core.runnables import Runnable

from chatbot.answering.model import Answer, AnswerSentence, Citation, Scoring
from chatbot.engine.compose import ArticlePassages, RelatedQuestions
from chatbot.engine.english import EnglishPath
from chatbot.engine.generator import Generator
from chatbot.engine.multilingual import MultilingualPath
from chatbot.engine.path import Vocabulary, scoring
from chatbot.engine.pipeline import Pipeline
from chatbot.engine.startup import startup_vectors
from chatbot.engine.turn import Turn
from chatbot.guardrail.classifier import Guardrail
from chatbot.guardrail.multilingual import MultilingualGuardrail
from chatbot.knowledge.corpus import CommonQuestion, load_common_questions
from chatbot.knowledge.embeddings import Embedder, multilingual_embedder
from chatbot.knowledge.live import LiveIndex
from chatbot.knowledge.passages import ScoredPassage, StoredChunk
from chatbot.knowledge.search import HybridRetriever, Mode, search
from chatbot.languages.detection import LanguageDetector
from chatbot.languages.messages import load_messages
from chatbot.reviewed.library import ReviewedLibrary
from chatbot.settings import Settings, load_settings


class Engine:
    """The answer engine. Build it once (it loads the model and the index) and share it."""

    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None, generator: Generator | None = None) -> None:
        self.settings = settings or load_settings()
        if generator is not None or self.settings.llm:
            from chatbot.engine.llm import resolve_generator  # LLM mode only: the default install never imports the LLM extra

            generator = resolve_generator(self.settings, generator)  # fails fast, before the model loads
        self.embedder = embedder or Embedder(
            self.settings.embedding_model, batch_size=self.settings.embed_batch_size, cache_size=self.settings.query_cache_size,
            threads=self.settings.query_threads,
        )
        self.index = LiveIndex(self.settings, dimension=self.embedder.dimension)
        self.common_questions: list[CommonQuestion] = load_common_questions(self.settings.common_questions_path)
        cache = startup_vectors(self.settings, self.embedder)
        common_vectors = self.embedder.embed_stored([q.question for q in self.common_questions], cache)
        self.guardrail = Guardrail(self.settings, self.embedder, extra_general=[q.question for q in self.common_questions], cache=cache)
        self.generator = generator
        self.reviewed = ReviewedLibrary(self.settings, self.embedder)
        self._passages_of = ArticlePassages(self.index, self.embedder.dimension)
        self.messages = load_messages(self.settings.messages_file)  # a malformed catalogue fails here, naming the entry
        self.detector = LanguageDetector(self.settings, article_words=self._article_words)
        vocabulary = Vocabulary(self.index)
        self._english = EnglishPath(self.settings, self.embedder, self.index, self.guardrail, vocabulary)
        self._multilingual: MultilingualPath | None = None
        self.e5 = None
        common_vectors_e5 = None
        if self.settings.multilingual:
            self.e5 = multilingual_embedder(threads=self.settings.query_threads)
            cache_e5 = startup_vectors(self.settings, self.e5)
            self.guardrail_i18n = MultilingualGuardrail(self.settings, self.e5, self.messages, cache=cache_e5)
            common_vectors_e5 = self.e5.embed_queries_stored([q.question for q in self.common_questions], cache_e5)
            self._multilingual = MultilingualPath(self.settings, self.e5, self.index, self.guardrail_i18n, self.detector, vocabulary)
        self._related = RelatedQuestions(self.common_questions, common_vectors, common_vectors_e5)
        self._pipeline = Pipeline(
            settings=self.settings, detector=self.detector, english=self._english, multilingual=self._multilingual,
            reviewed=self.reviewed, generator=self.generator, context=self, messages=self.messages,
            related=self._related, passages_of=self._passages_of,
        )
        self.chain: Runnable = self._pipeline.chain()

    def ask(self, question: str, history: Sequence[str] = (), *, reviewed: bool = True) -> Answer:
        """Answer one question. Raises ``InvalidQuestionError`` for empty or over-long input,
        and the index errors when the index is missing or unreachable. ``reviewed=False`` gives the
        generated answer even when a reviewed one matches (what the review desk shows staff)."""
        return self.chain.invoke({"question": question, "history": list(history), "reviewed": reviewed})

    def stream(self, question: str, history: Sequence[str] = ()) -> Iterator[str | Answer]:
        """Yield the answer text in pieces as it is produced, then the final ``Answer``.

        The chat page shows the pieces as they come (``st.write_stream``) and then
        replaces them with the final, verified text. With the extractive answerer
        the pieces are its words; with an LLM generator they are the model's tokens.
        Raises what ``ask`` raises, before the first piece.
        """
        yield from self._pipeline.stream({"question": question, "history": list(history)})

    def retriever(self, *, k: int | None = None, mode: Mode = "hybrid") -> HybridRetriever:
        return HybridRetriever(index=self.index, embedder=self.embedder, settings=self.settings, k=k or self.settings.retrieval_k, mode=mode)

    def search(self, query: str, *, k: int | None = None, mode: Mode = "hybrid") -> list[ScoredPassage]:
        return search(self.index, self.settings, query, self.query_vector(query), k=k, mode=mode)

    def search_multilingual(self, question: str, *, k: int | None = None) -> list[ScoredPassage]:
        """The passages a question in another language is answered from (its e5 embedding, the
        glossary's English terms added when ``multilingual_glossary`` is on)."""
        if self._multilingual is None:
            return []
        return self._multilingual.search(question, k=k)

    def query_vector(self, text: str) -> np.ndarray:
        """The embedding an English question is searched with (see ``EnglishPath.query_vector``)."""
        return self._english.query_vector(text)

    def _article_words(self) -> frozenset[str]:
        """The words the articles use (English, whatever else they are): the language detector's help."""
        return self.index.snapshot().keywords.surface_words

    def related_questions(self, vector: np.ndarray, *, limit: int = 3, multilingual: bool = False) -> list[str]:
        """Common questions closest to ``vector``: what to offer when a question is out of scope.
        ``multilingual``: ``vector`` is an e5 embedding (a question in another language); the
        questions offered stay in English."""
        return self._related.closest(vector, limit=limit, multilingual=multilingual)

    def passages_of(self, article: str) -> list[StoredChunk]:
        """Every passage of ``article`` in the live index (``StoredChunk``s), cached per index version."""
        return self._passages_of(article)

    def quote(self, turn: Turn) -> tuple[list[AnswerSentence], list[Citation], tuple[str, ...]]:
        """The extractive answer for ``turn``: what the LLM mode falls back to as well.
        A medical question's sentences are also matched on its situation's glossary terms, and a
        follow-up's on the follow-up itself."""
        return self._pipeline.quote(turn)

    def scoring(self) -> Scoring:
        return scoring(self.index, self.embedder.known_words)
