"""The multilingual path: a question in another language searched and quoted with e5.

The spelling corrector, the follow-up rules and the reviewed-answer matcher know English only, so a
question in another language is searched as asked, with the glossary's English names of the
articles' key terms added when ``multilingual_glossary`` is on. A language that is not supported is
never quoted: the multilingual guardrail says so. English questions take ``chatbot.engine.english``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from chatbot.answering.extractive import extractive_answer
from chatbot.answering.model import AnswerSentence, Citation
from chatbot.engine.path import SAFETY_QUERY, scoring
from chatbot.engine.turn import Turn
from chatbot.guardrail.multilingual import MultilingualGuardrail
from chatbot.guardrail.verdict import MEDICAL
from chatbot.knowledge.embeddings import MultilingualEmbedder
from chatbot.knowledge.live import LiveIndex
from chatbot.knowledge.passages import ScoredPassage
from chatbot.knowledge.search import reciprocal_rank_fusion, search_multilingual
from chatbot.languages.detection import LanguageDetector
from chatbot.languages.glossary import english_terms
from chatbot.settings import Settings

log = logging.getLogger(__name__)


class MultilingualPath:
    """The ``LanguagePath`` for questions in other languages (``multilingual`` on)."""

    def __init__(
        self, settings: Settings, e5: MultilingualEmbedder, index: LiveIndex, guardrail: MultilingualGuardrail,
        detector: LanguageDetector, vocabulary: Callable[[], frozenset[str]],
    ) -> None:
        self.settings = settings
        self.e5 = e5
        self.index = index
        self.guardrail = guardrail
        self.detector = detector
        self._vocabulary = vocabulary
        # e5 cosines are compressed: two sentences of one passage score about 0.85 whatever they say.
        # The reader's weights were fitted on MiniLM cosines and English question forms: other languages keep the composer's order.
        self._e5_settings = settings.replace(sentence_duplicate_similarity=settings.multilingual_sentence_duplicate_similarity, reader=False)

    def search(self, question: str, *, k: int | None = None) -> list[ScoredPassage]:
        """The passages a question in another language is answered from (its e5 embedding, the
        glossary's English terms added when ``multilingual_glossary`` is on)."""
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

    def prepare(self, turn: Turn) -> Turn:
        # The spelling corrector and the follow-up rules know English only: the question is searched as asked.
        turn.query = turn.corrected = turn.question
        turn.vector = self.e5.embed_one(self._multilingual_query(turn.question, turn.language))
        return turn

    def retrieve(self, turn: Turn) -> Turn:
        found = None
        if turn.detection.supported:  # an unsupported language is never quoted
            found = search_multilingual(
                self.index, self.settings, turn.vector, dimension=self.e5.dimension, keywords=self._glossary_keywords(turn.question, turn.language)
            )
            if found is None:
                log.warning("no multilingual vectors in the index; run `chatbot ingest`")
        turn.passages = found or []
        return turn

    def guard(self, turn: Turn) -> Turn:
        best = max((p.dense_score for p in turn.passages), default=0.0)
        if not turn.detection.supported:
            turn.verdict = self.guardrail.unsupported(turn.question, turn.vector, turn.language)
            return turn
        turn.verdict = self.guardrail.classify(
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

    def quote(self, turn: Turn) -> tuple[list[AnswerSentence], list[Citation], tuple[str, ...]]:
        # The passages carry their e5 sentence vectors: sentences are ranked in the question's space.
        return extractive_answer(turn.query, turn.vector, turn.passages, turn.verdict, scoring(self.index), self._e5_settings)
