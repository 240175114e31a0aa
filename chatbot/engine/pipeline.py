"""How a question becomes an answer.

    question + history
      -> prepare   (validate, read it with the conversation, embed once)
      -> retrieve  (hybrid dense + BM25 search over the live index)
      -> guard     (urgent / medical / out_of_scope / general, with the reason)
      -> review    (does it mean the same as a question the clinic reviewed? chatbot/reviewed/matching.py)
      -> compose   (the reviewed answer, or quote and cite the passages, or refuse politely)
      -> Answer

Each step is a method of ``Pipeline``, in that order below. Prepare, retrieve and guard (and the
quoting in compose) have two variants behind one interface, ``LanguagePath``
(``chatbot.engine.path``): the English path (``chatbot.engine.english``) and, for a question in
another language, the multilingual path (``chatbot.engine.multilingual``); ``Pipeline.path``
picks one per question. ``Pipeline.chain`` is the pipeline as a LangChain Runnable taking
``{"question": str, "history": [str, ...]}``. ``chatbot.engine.engine.Engine`` loads the parts
(model, index, guardrail) once per process and wires them into a ``Pipeline``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

from chatbot.answering.conversation import points_back
from chatbot.answering.model import Answer, AnswerSentence, Citation
from chatbot.engine.compose import RelatedQuestions, finish, serve_reviewed
from chatbot.engine.generator import GeneratedAnswer, GenerationContext, Generator
from chatbot.engine.path import LanguagePath
from chatbot.engine.turn import Turn, clean_history, clean_question
from chatbot.guardrail.verdict import GENERAL, MEDICAL, OUT_OF_SCOPE
from chatbot.languages.detection import LanguageDetector
from chatbot.languages.messages import MessageCatalogue
from chatbot.reviewed.library import ReviewedLibrary
from chatbot.settings import Settings


@dataclass(frozen=True)
class Pipeline:
    """The steps of one answer and the parts they use; safe to share between threads."""

    settings: Settings
    detector: LanguageDetector
    english: LanguagePath
    multilingual: LanguagePath | None
    """None when ``multilingual`` is off."""
    reviewed: ReviewedLibrary
    generator: Generator | None
    context: GenerationContext
    """What the generator is given besides the turn (the engine)."""
    messages: MessageCatalogue
    related: RelatedQuestions
    passages_of: Callable[[str], list]

    def chain(self) -> Runnable:
        """The pipeline as a LangChain Runnable taking ``{"question", "history", "reviewed"}``."""
        return (
            RunnableLambda(self.prepare, name="prepare")
            | RunnableLambda(self.retrieve, name="retrieve")
            | RunnableLambda(self.guard, name="guard")
            | RunnableLambda(self.review, name="review")
            | RunnableLambda(self.compose, name="compose")
        ).with_config(run_name="microneedling_faq")

    def path(self, turn: Turn) -> LanguagePath:
        """The multilingual path for a question not in English, when it is on; the English path otherwise."""
        if turn.foreign and self.multilingual is not None:
            return self.multilingual
        return self.english

    def quote(self, turn: Turn) -> tuple[list[AnswerSentence], list[Citation], tuple[str, ...]]:
        """The extractive answer for ``turn``: what the LLM mode falls back to as well."""
        return self.path(turn).quote(turn)

    # --- the steps -------------------------------------------------------------------

    def prepare(self, data: dict[str, Any]) -> Turn:
        s = self.settings
        question = clean_question(data.get("question"), max_chars=s.max_question_chars)
        history = clean_history(data.get("history") or [], max_chars=s.max_question_chars, max_turns=s.max_history_turns)
        turn = Turn(question=question, history=history, use_reviewed=data.get("reviewed", True) is not False)
        turn.detection = self.detector.detect(question)
        return self.path(turn).prepare(turn)

    def retrieve(self, turn: Turn) -> Turn:
        turn = self.path(turn).retrieve(turn)
        turn.timings["retrieve"] = (time.perf_counter() - turn.started) * 1000
        return turn

    def guard(self, turn: Turn) -> Turn:
        return self.path(turn).guard(turn)

    def review(self, turn: Turn) -> Turn:
        """Find the reviewed answer the question asks for. Never for urgent or out-of-scope questions
        (the guardrail's answer stands), nor for a follow-up that names its subject only as "they" or
        "that": read alone its words could match a reviewed question the conversation is not about.
        The conversation's subjects count: "does it hurt?" after "I'm pregnant" keeps the pregnancy.
        Nor for a question in another language: the matcher's subject lists and its measured
        precision are English only.

        A general question that only nearly asks a reviewed question (another premise, how it works
        rather than what happens...) keeps its generated answer and is offered the reviewed question
        as "Did you mean: ...?". A medical one is not: its dermatologist advice comes first."""
        if not (self.settings.reviewed_answers and turn.use_reviewed) or turn.verdict.category not in (GENERAL, MEDICAL):
            return turn
        if turn.foreign:
            return turn
        if turn.follow_up and points_back(turn.corrected or turn.question):
            return turn
        context = turn.history[-2:]
        considered = self.reviewed.consider(turn.corrected or turn.question, context=context)
        turn.reviewed = considered.served
        if turn.verdict.category == GENERAL:
            turn.suggestions = considered.suggestions
        return turn

    def compose(self, turn: Turn) -> Answer:
        reviewed = serve_reviewed(turn, self.passages_of)
        if reviewed is not None:
            return reviewed
        result = None
        if self.generator is not None and turn.verdict.category not in (OUT_OF_SCOPE, "urgent") and not turn.foreign:
            result = self.generator.generate(turn, self.context)
        return self.finish(turn, result)

    def finish(self, turn: Turn, result: GeneratedAnswer | None) -> Answer:
        """Assemble the ``Answer`` from a generator's result, or quote the passages when there is none."""
        path = self.path(turn)
        return finish(
            turn, result, quote=path.quote, messages=self.messages, related=self.related, multilingual=path is self.multilingual
        )

    # --- streaming: the same steps, the answer text in pieces ------------------------------

    def stream(self, data: dict[str, Any]) -> Iterator[str | Answer]:
        """Yield the answer text in pieces as it is produced, then the final ``Answer``
        (see ``Engine.stream``)."""
        turn = self.review(self.guard(self.retrieve(self.prepare(data))))
        generator = self.generator
        reviewed = serve_reviewed(turn, self.passages_of)
        if reviewed is not None:
            yield from re.findall(r"\S+\s*", reviewed.text)
            yield reviewed
            return
        if generator is not None and hasattr(generator, "stream") and turn.verdict.category not in (OUT_OF_SCOPE, "urgent") and not turn.foreign:
            result = None
            for piece in generator.stream(turn, self.context):
                if isinstance(piece, str):
                    yield piece
                else:
                    result = piece
            yield self.finish(turn, result)
            return
        answer = self.compose(turn)
        yield from re.findall(r"\S+\s*", answer.text)
        yield answer
