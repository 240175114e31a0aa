"""How a question becomes an answer.

    question + history
      -> prepare   (validate, read it with the conversation, embed once)
      -> retrieve  (hybrid dense + BM25 search over the live index)
      -> guard     (urgent / medical / out_of_scope / general, with the reason)
      -> review    (does it mean the same as a question the clinic reviewed? chatbot/reviewed/matching.py)
      -> compose   (the reviewed answer, or quote and cite the passages, or refuse politely)
      -> Answer

``Engine`` loads the heavy parts once per process (model, index, guardrail) and
is safe to share between threads; ``Engine.chain`` is the same pipeline as a
LangChain Runnable taking ``{"question": str, "history": [str, ...]}``.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from langchain_core.runnables import Runnable, RunnableLambda

from chatbot.answering.conversation import is_follow_up, points_back, standalone_query
from chatbot.answering.extractive import extractive_answer
from chatbot.answering.model import Answer, AnswerSentence, Citation, Scoring
from chatbot.engine.generator import GeneratedAnswer
from chatbot.engine.startup import startup_vectors
from chatbot.engine.turn import Turn, clean_history, clean_question
from chatbot.guardrail.classifier import (
    GENERAL,
    MEDICAL,
    OUT_OF_SCOPE,
    OUT_OF_SCOPE_MESSAGE,
    Guardrail,
    GuardrailVerdict,
    medical_terms,
    with_unmentioned_note,
)
from chatbot.guardrail.multilingual import MultilingualGuardrail
from chatbot.knowledge.corpus import CommonQuestion, load_common_questions
from chatbot.knowledge.embeddings import Embedder, multilingual_embedder
from chatbot.knowledge.search import (
    HybridRetriever,
    LiveIndex,
    Mode,
    ScoredPassage,
    reciprocal_rank_fusion,
    search,
    search_multilingual,
)
from chatbot.languages.detection import LanguageDetector
from chatbot.languages.glossary import english_terms
from chatbot.languages.messages import load_messages
from chatbot.reviewed.library import ReviewedLibrary, build_reviewed_answer
from chatbot.settings import Settings, load_settings
from chatbot.text.glossary import expand
from chatbot.text.tokens import correct_spelling

log = logging.getLogger(__name__)

SAFETY_QUERY = "Is microneedling safe for people with this condition? Risks and who should not have microneedling."
"""Added to a medical question's search, so the safety and contraindication passages are found too."""




class Engine:
    """The answer engine. Build it once (it loads the model and the index) and share it."""

    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None, generator=None) -> None:
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
        self._common_vectors = self.embedder.embed_stored([q.question for q in self.common_questions], cache)
        self.guardrail = Guardrail(self.settings, self.embedder, extra_general=[q.question for q in self.common_questions], cache=cache)
        self.generator = generator
        self.reviewed = ReviewedLibrary(self.settings, self.embedder)
        self._passages_cache: dict[tuple[str | None, str], list] = {}
        self.messages = load_messages(self.settings.messages_file)  # a malformed catalogue fails here, naming the entry
        self.detector = LanguageDetector(self.settings)
        self.e5 = None
        if self.settings.multilingual:
            self.e5 = multilingual_embedder(threads=self.settings.query_threads)
            cache_e5 = startup_vectors(self.settings, self.e5)
            self.guardrail_i18n = MultilingualGuardrail(self.settings, self.e5, self.messages, cache=cache_e5)
            self._common_vectors_e5 = self.e5.embed_queries_stored([q.question for q in self.common_questions], cache_e5)
            # e5 cosines are compressed: two sentences of one passage score about 0.85 whatever they say.
            # The reader's weights were fitted on MiniLM cosines and English question forms: other languages keep the composer's order.
            self._e5_settings = self.settings.replace(
                sentence_duplicate_similarity=self.settings.multilingual_sentence_duplicate_similarity, reader=False
            )
        self._vocab_lock = threading.Lock()
        self._vocab: tuple[str | None, frozenset[str]] = (None, frozenset())
        self.chain: Runnable = (
            RunnableLambda(self._prepare, name="prepare")
            | RunnableLambda(self._retrieve, name="retrieve")
            | RunnableLambda(self._guard, name="guard")
            | RunnableLambda(self._review, name="review")
            | RunnableLambda(self._compose, name="compose")
        ).with_config(run_name="microneedling_faq")

    # --- public API ---------------------------------------------------------------

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
        turn = self._review(self._guard(self._retrieve(self._prepare({"question": question, "history": list(history)}))))
        generator = self.generator
        reviewed = self._serve_reviewed(turn)
        if reviewed is not None:
            yield from re.findall(r"\S+\s*", reviewed.text)
            yield reviewed
            return
        if generator is not None and hasattr(generator, "stream") and turn.verdict.category not in (OUT_OF_SCOPE, "urgent") and not turn.foreign:
            result = None
            for piece in generator.stream(turn, self):
                if isinstance(piece, str):
                    yield piece
                else:
                    result = piece
            yield self._finish(turn, result)
            return
        answer = self._compose(turn)
        yield from re.findall(r"\S+\s*", answer.text)
        yield answer

    def retriever(self, *, k: int | None = None, mode: Mode = "hybrid") -> HybridRetriever:
        return HybridRetriever(index=self.index, embedder=self.embedder, settings=self.settings, k=k or self.settings.retrieval_k, mode=mode)

    def search(self, query: str, *, k: int | None = None, mode: Mode = "hybrid") -> list[ScoredPassage]:
        return search(self.index, self.settings, query, self.query_vector(query), k=k, mode=mode)

    def search_multilingual(self, question: str, *, k: int | None = None) -> list[ScoredPassage]:
        """The passages a question in another language is answered from (its e5 embedding, the
        glossary's English terms added when ``multilingual_glossary`` is on)."""
        if self.e5 is None:
            return []
        language = self.detector.detect(question).language
        vector = self.e5.embed_one(self._multilingual_query(question, language))
        return search_multilingual(
            self.index, self.settings, vector, dimension=self.e5.dimension, k=k, keywords=self._glossary_keywords(question, language)
        ) or []

    def _multilingual_query(self, question: str, language: str) -> str:
        """What a question in another language is embedded as: itself, followed by the English names of
        the articles' key terms it uses ("duele" -> "(pain)") when the glossary is on."""
        terms = english_terms(question, language) if self.settings.multilingual_glossary else ""
        return f"{question} ({terms})" if terms else question

    def _glossary_keywords(self, question: str, language: str) -> str:
        """The glossary's English terms for BM25 (``multilingual_glossary_keywords``), or ""."""
        if not (self.settings.multilingual_glossary and self.settings.multilingual_glossary_keywords):
            return ""
        return english_terms(question, language).replace(",", "")

    def query_vector(self, text: str) -> np.ndarray:
        """The embedding a question is searched with. When it uses lay words ("zits", "saggy"),
        the embedding of the question with their article terms is mixed in, at ``lay_term_weight``."""
        expanded = expand(text)
        if expanded == text or not self.settings.lay_term_weight:
            return self.embedder.embed_one(text)
        vector, lay = self.embedder.embed_cached([text, expanded])
        mixed = vector + self.settings.lay_term_weight * lay
        return (mixed / np.linalg.norm(mixed)).astype(np.float32)

    def related_questions(self, vector: np.ndarray, *, limit: int = 3, multilingual: bool = False) -> list[str]:
        """Common questions closest to ``vector``: what to offer when a question is out of scope.
        ``multilingual``: ``vector`` is an e5 embedding (a question in another language); the
        questions offered stay in English."""
        if not self.common_questions:
            return []
        matrix = self._common_vectors_e5 if multilingual else self._common_vectors
        order = np.argsort(-(matrix @ vector))[:limit]
        return [self.common_questions[i].question for i in order]

    # --- pipeline steps ------------------------------------------------------------

    def _prepare(self, data: dict[str, Any]) -> Turn:
        s = self.settings
        question = clean_question(data.get("question"), max_chars=s.max_question_chars)
        history = clean_history(data.get("history") or [], max_chars=s.max_question_chars, max_turns=s.max_history_turns)
        turn = Turn(question=question, history=history, use_reviewed=data.get("reviewed", True) is not False)
        turn.detection = self.detector.detect(question)
        if turn.foreign and self.e5 is not None:
            # The spelling corrector and the follow-up rules know English only: the question is searched as asked.
            turn.query = turn.corrected = question
            turn.vector = self.e5.embed_one(self._multilingual_query(question, turn.language))
            return turn
        vocabulary = self._vocabulary()
        spelled = self.index.snapshot().keywords.surface_words
        known = self.embedder.known_words
        searchable = correct_spelling(question, spelled, known=known)  # "actualy", "micro needling": typos cost both retrievers
        earlier = [correct_spelling(h, spelled, known=known) for h in history]
        turn.follow_up = is_follow_up(searchable, earlier, vocabulary=vocabulary)
        turn.query = standalone_query(searchable, earlier, max_turns=s.max_history_turns, vocabulary=vocabulary)
        turn.corrected = searchable
        turn.vector = self.query_vector(searchable)
        if turn.follow_up:
            # The follow-up leads, the earlier question supplies the subject: "how many sessions?"
            # after "does it work for acne scars?" must find sessions, in the acne-scar article.
            mixed = turn.vector + s.follow_up_context_weight * self.embedder.embed_one(earlier[-1])
            turn.vector = (mixed / np.linalg.norm(mixed)).astype(np.float32)
        return turn

    def _retrieve(self, turn: Turn) -> Turn:
        if turn.foreign and self.e5 is not None:
            found = None
            if turn.detection.supported:  # an unsupported language is never quoted
                found = search_multilingual(
                    self.index, self.settings, turn.vector, dimension=self.e5.dimension, keywords=self._glossary_keywords(turn.question, turn.language)
                )
                if found is None:
                    log.warning("no multilingual vectors in the index; run `chatbot ingest`")
            turn.passages = found or []
            turn.timings["retrieve"] = (time.perf_counter() - turn.started) * 1000
            return turn
        turn.passages = search(self.index, self.settings, turn.query, turn.vector)
        turn.timings["retrieve"] = (time.perf_counter() - turn.started) * 1000
        return turn

    def _guard(self, turn: Turn) -> Turn:
        best = max((p.dense_score for p in turn.passages), default=0.0)
        if turn.foreign and self.e5 is not None:
            if not turn.detection.supported:
                turn.verdict = self.guardrail_i18n.unsupported(turn.question, turn.vector, turn.language)
                return turn
            turn.verdict = self.guardrail_i18n.classify(
                turn.question, turn.language, turn.vector, best_passage_similarity=best, vocabulary=self._vocabulary()
            )
            if turn.verdict.category == MEDICAL and turn.passages:
                # As in English: a personal health question also reads what the articles say about risks.
                safety = search_multilingual(self.index, self.settings, self.e5.embed_one(SAFETY_QUERY), dimension=self.e5.dimension) or []
                rankings = [turn.passages, safety]
                fused = reciprocal_rank_fusion([[p.chunk.id for p in r] for r in rankings], [1.0, 1.0], k=self.settings.rrf_k)
                by_id = {p.chunk.id: p for r in reversed(rankings) for p in r}
                turn.passages = [by_id[c] for c in sorted(fused, key=lambda c: -fused[c])[: self.settings.retrieval_k]]
            return turn
        history_verdicts = []
        if turn.follow_up:
            # A follow-up inherits an urgent or medical situation stated earlier ("I'm pregnant" ... "does it hurt?").
            history_verdicts = [self._classify_alone(h) for h in turn.history[-2:]]
        turn.verdict = self.guardrail.classify(
            turn.question, self.embedder.embed_one(turn.question), best_passage_similarity=best,
            vocabulary=self._vocabulary(), history_verdicts=history_verdicts, is_follow_up=turn.follow_up,
            corrected=turn.corrected,
        )
        if turn.verdict.category == MEDICAL:
            turn.passages = self._with_safety_passages(turn)
        return turn

    def _with_safety_passages(self, turn: Turn) -> list[ScoredPassage]:
        """A personal health question is implicitly "is it safe for me?": also search for what the
        articles say about risks and who should not have microneedling, and for the situation itself
        under the names articles use for it (keywords: "warfarin" is found as "blood-thinning
        medications"), and merge the rankings."""
        terms = medical_terms(turn.verdict)
        query = f"{turn.query} {terms} {SAFETY_QUERY}"
        rankings = [turn.passages, search(self.index, self.settings, query, self.embedder.embed_one(query))]
        if terms:
            # Keywords only: the situation's names matter here, not the question's meaning.
            situation = f"{turn.query} {terms}"
            rankings.append(search(self.index, self.settings, situation, turn.vector, mode="bm25"))
        fused = reciprocal_rank_fusion([[p.chunk.id for p in r] for r in rankings], [1.0] * len(rankings), k=self.settings.rrf_k)
        by_id = {p.chunk.id: p for r in reversed(rankings) for p in r}
        chosen = sorted(fused, key=lambda c: -fused[c])[: self.settings.retrieval_k]
        if terms and rankings[-1] and rankings[-1][0].chunk.id not in chosen:
            chosen[-1] = rankings[-1][0].chunk.id  # the passage naming the situation is always read
        return [by_id[cid] for cid in chosen]

    def _classify_alone(self, text: str) -> GuardrailVerdict:
        # Earlier turns are classified on their own words only: their retrieval is not repeated.
        return self.guardrail.classify(text, self.embedder.embed_one(text), best_passage_similarity=1.0, vocabulary=self._vocabulary())

    def _review(self, turn: Turn) -> Turn:
        """Find the reviewed answer the question asks for. Never for urgent or out-of-scope questions
        (the guardrail's answer stands), nor for a follow-up that names its subject only as "they" or
        "that": read alone its words could match a reviewed question the conversation is not about.
        The conversation's subjects count: "does it hurt?" after "I'm pregnant" keeps the pregnancy.
        Nor for a question in another language: the matcher's subject lists and its measured
        precision are English only."""
        if not (self.settings.reviewed_answers and turn.use_reviewed) or turn.verdict.category not in (GENERAL, MEDICAL):
            return turn
        if turn.foreign:
            return turn
        if turn.follow_up and points_back(turn.corrected or turn.question):
            return turn
        context = turn.history[-2:]
        turn.reviewed = self.reviewed.find(turn.corrected or turn.question, context=context)
        return turn

    def _serve_reviewed(self, turn: Turn) -> Answer | None:
        if turn.reviewed is None:
            return None
        reviewed, match = turn.reviewed
        turn.timings["answer"] = 0.0  # a stored answer: nothing is composed
        turn.timings["total"] = (time.perf_counter() - turn.started) * 1000
        return build_reviewed_answer(
            reviewed, match, question=turn.question, verdict=turn.verdict, passages_of=self.passages_of,
            retrieved=turn.passages, standalone=turn.query, timings=turn.timings,
        )

    def passages_of(self, article: str) -> list:
        """Every passage of ``article`` in the live index (``StoredChunk``s), cached per index version."""
        from chatbot.knowledge.index import StoredChunk

        def read(snap) -> list:
            got = snap.collection.get(where={"article": article}, include=["documents", "metadatas"])
            return [StoredChunk.from_record(i, d, m, self.embedder.dimension) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]

        version = self.index.version
        cache = self._passages_cache
        if (version, article) not in cache:
            if len(cache) > 64:
                cache.clear()
            cache[(version, article)] = self.index.run(read)
        return cache[(version, article)]

    def _compose(self, turn: Turn) -> Answer:
        reviewed = self._serve_reviewed(turn)
        if reviewed is not None:
            return reviewed
        result = None
        if self.generator is not None and turn.verdict.category not in (OUT_OF_SCOPE, "urgent") and not turn.foreign:
            result = self.generator.generate(turn, self)
        return self._finish(turn, result)

    def _finish(self, turn: Turn, result: GeneratedAnswer | None) -> Answer:
        """Assemble the ``Answer`` from a generator's result, or quote the passages when there is none."""
        answer_started = time.perf_counter()
        verdict = turn.verdict
        assert verdict is not None and turn.vector is not None
        notes: tuple[str, ...] = ()
        extra: dict[str, Any] = {}
        generator_name = "extractive"
        if result is not None:
            sentences, citations = list(result.sentences), list(result.citations)
            notes, extra, generator_name = tuple(result.notes), dict(result.verification), result.name
        else:
            sentences, citations, notes = self.quote(turn)
        language = turn.language
        if not turn.foreign:
            verdict = with_unmentioned_note(verdict, [p.chunk.text for p in turn.passages])
        if verdict.category == GENERAL and not sentences:
            message = self.messages.text("out_of_scope", language) if turn.foreign else OUT_OF_SCOPE_MESSAGE
            verdict = GuardrailVerdict(OUT_OF_SCOPE, "no passage sentence answers it closely enough", message, "no-answer")
        supported = turn.detection is None or turn.detection.supported
        related = (
            tuple(self.related_questions(turn.vector, multilingual=turn.foreign and self.e5 is not None))
            if verdict.category == OUT_OF_SCOPE and supported else ()
        )
        done = time.perf_counter()
        turn.timings["answer"] = (done - answer_started) * 1000
        turn.timings["total"] = (done - turn.started) * 1000
        return Answer(
            question=turn.question,
            sentences=tuple(sentences) if verdict.category != OUT_OF_SCOPE else (),
            citations=tuple(citations) if verdict.category != OUT_OF_SCOPE else (),
            guardrail=verdict,
            passages=tuple(turn.passages),
            related_questions=related,
            notes=notes,
            standalone_question=turn.query,
            timings_ms=dict(turn.timings),
            generator=generator_name,
            verification=extra,
            language=language,
            intro=self.messages.text("note", language) if turn.foreign and supported else "",
            disclaimer=self.messages.text("disclaimer", language) if supported else self.messages.text("disclaimer"),
        )

    def quote(self, turn: Turn) -> tuple[list[AnswerSentence], list[Citation], tuple[str, ...]]:
        """The extractive answer for ``turn``: what the LLM mode falls back to as well.
        A medical question's sentences are also matched on its situation's glossary terms, and a
        follow-up's on the follow-up itself."""
        verdict = turn.verdict
        if turn.foreign and self.e5 is not None:
            # The passages carry their e5 sentence vectors: sentences are ranked in the question's space.
            return extractive_answer(turn.query, turn.vector, turn.passages, verdict, self.scoring(), self._e5_settings)
        query = f"{turn.query} {medical_terms(verdict)}".strip() if verdict.category == MEDICAL else turn.query
        # The conversation chose the passages (its subject); the sentences must answer what is
        # asked now: "how many sessions?" after "acne scars?" (dev fact recall 0.779 -> 0.791).
        # Unless the follow-up names its subject only as "they" or "that": then "how long do they
        # last?" alone is about results, and the earlier "what are the side effects?" says what lasts.
        alone = turn.follow_up and not points_back(turn.corrected or turn.question)
        vector = self.query_vector(turn.corrected or turn.question) if alone else turn.vector
        return extractive_answer(query, vector, turn.passages, verdict, self.scoring(), self.settings)

    def scoring(self) -> Scoring:
        snap = self.index.snapshot()
        return Scoring(idf=snap.keywords.idf, vocabulary=snap.keywords.vocabulary, common_words=self.embedder.known_words)

    def _vocabulary(self) -> frozenset[str]:
        snap = self.index.snapshot()
        with self._vocab_lock:
            if self._vocab[0] != snap.version:
                self._vocab = (snap.version, snap.keywords.vocabulary)
            return self._vocab[1]


__all__ = ["Engine", "Answer", "AnswerSentence", "Citation", "clean_question", "clean_history", "replace"]
