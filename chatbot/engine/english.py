"""The English path: a question read with the conversation, searched with MiniLM and BM25.

Typos are corrected against the index's words, a follow-up is searched together with the earlier
question, a medical question also reads what the articles say about risks, and an earlier urgent or
medical situation carries over to a follow-up. Questions in other languages take
``chatbot.engine.multilingual`` instead.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from chatbot.answering.conversation import is_follow_up, points_back, standalone_query
from chatbot.answering.extractive import extractive_answer
from chatbot.answering.model import AnswerSentence, Citation
from chatbot.engine.lead import lead_with
from chatbot.engine.path import SAFETY_QUERY, scoring
from chatbot.engine.turn import Turn
from chatbot.guardrail.classifier import Guardrail
from chatbot.guardrail.notes import medical_terms
from chatbot.guardrail.verdict import MEDICAL, GuardrailVerdict
from chatbot.knowledge.embeddings import Embedder
from chatbot.knowledge.live import LiveIndex
from chatbot.knowledge.passages import ScoredPassage
from chatbot.knowledge.search import reciprocal_rank_fusion, search
from chatbot.settings import Settings
from chatbot.text.glossary import expand
from chatbot.text.tokens import correct_spelling


class EnglishPath:
    """The ``LanguagePath`` for questions in English."""

    def __init__(
        self, settings: Settings, embedder: Embedder, index: LiveIndex, guardrail: Guardrail, vocabulary: Callable[[], frozenset[str]]
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.index = index
        self.guardrail = guardrail
        self._vocabulary = vocabulary

    def prepare(self, turn: Turn) -> Turn:
        s = self.settings
        question, history = turn.question, turn.history
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

    def query_vector(self, text: str) -> np.ndarray:
        """The embedding a question is searched with. When it uses lay words ("zits", "saggy"),
        the embedding of the question with their article terms is mixed in, at ``lay_term_weight``."""
        expanded = expand(text)
        if expanded == text or not self.settings.lay_term_weight:
            return self.embedder.embed_one(text)
        vector, lay = self.embedder.embed_cached([text, expanded])
        mixed = vector + self.settings.lay_term_weight * lay
        return (mixed / np.linalg.norm(mixed)).astype(np.float32)

    def retrieve(self, turn: Turn) -> Turn:
        turn.passages = search(self.index, self.settings, turn.query, turn.vector)
        return turn

    def guard(self, turn: Turn) -> Turn:
        best = max((p.dense_score for p in turn.passages), default=0.0)
        history_verdicts = []
        if turn.follow_up:
            # A follow-up inherits an urgent or medical situation stated earlier ("I'm pregnant" ... "does it hurt?").
            history_verdicts = [self._classify_alone(h) for h in turn.history[-2:]]
        turn.verdict = self.guardrail.classify(
            turn.question, self.embedder.embed_one(turn.question), best_passage_similarity=best,
            vocabulary=self._vocabulary(), history_verdicts=history_verdicts, is_follow_up=turn.follow_up,
            corrected=turn.corrected, conditions=self.index.snapshot().conditions,
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
        lead = turn.verdict.lead
        if lead and not any(lead in by_id[cid].chunk.sentences for cid in chosen):
            # The passage that lists the asker's condition as a reason not to have it is always read.
            listing = next((p for p in search(self.index, self.settings, lead, turn.vector, mode="bm25") if lead in p.chunk.sentences), None)
            if listing is not None:
                by_id[listing.chunk.id] = listing
                chosen.insert(0, listing.chunk.id)
                chosen = chosen[: self.settings.retrieval_k]
        return [by_id[cid] for cid in chosen]

    def _classify_alone(self, text: str) -> GuardrailVerdict:
        # Earlier turns are classified on their own words only: their retrieval is not repeated.
        return self.guardrail.classify(text, self.embedder.embed_one(text), best_passage_similarity=1.0, vocabulary=self._vocabulary())

    def quote(self, turn: Turn) -> tuple[list[AnswerSentence], list[Citation], tuple[str, ...]]:
        """A medical question's sentences are also matched on its situation's glossary terms, and a
        follow-up's on the follow-up itself."""
        verdict = turn.verdict
        query = f"{turn.query} {medical_terms(verdict)}".strip() if verdict.category == MEDICAL else turn.query
        # The conversation chose the passages (its subject); the sentences must answer what is
        # asked now: "how many sessions?" after "acne scars?" (dev fact recall 0.779 -> 0.791).
        # Unless the follow-up names its subject only as "they" or "that": then "how long do they
        # last?" alone is about results, and the earlier "what are the side effects?" says what lasts.
        alone = turn.follow_up and not points_back(turn.corrected or turn.question)
        vector = self.query_vector(turn.corrected or turn.question) if alone else turn.vector
        sentences, citations, notes = extractive_answer(query, vector, turn.passages, verdict, scoring(self.index, self.embedder.known_words), self.settings)
        if verdict.lead and sentences:
            # The articles list the asker's condition as a reason not to have it: that is read first.
            sentences, citations = lead_with(verdict.lead, sentences, citations, turn.passages)
        return sentences, citations, notes
