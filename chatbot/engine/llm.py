"""Optional LLM answers: a chat model writes from the numbered passages, verification checks it.

    turn (question, history, passages, verdict)
      -> GROUNDED_PROMPT | chat model      (streamed, with a time limit)
      -> verify each sentence vs its passage  (chatbot.answering.verification)
      -> GeneratedAnswer, or the extractive answer with a short note

``CHATBOT_LLM=openai`` talks to any OpenAI-compatible server (llama.cpp, vLLM, a
hosted API) through ``langchain-openai``; ``CHATBOT_LLM=ollama`` to Ollama through
``langchain-ollama``. Both are the optional ``.[llm]`` extra, imported only here and
only when asked for. From Python, ``Engine(settings, generator=any_chat_model)``
works with any LangChain chat model. Whatever goes wrong with the model (time
limit, no server, HTTP error, empty output, nothing verifiable) the reader gets
the extractive answer and a one-line note, never a traceback.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.prompts import ChatPromptTemplate

from chatbot.answering.verification import cite_verified, verify
from chatbot.engine.generator import GeneratedAnswer, GenerationContext
from chatbot.engine.turn import Turn
from chatbot.errors import SettingsError
from chatbot.guardrail.verdict import MEDICAL, URGENT
from chatbot.knowledge.passages import ScoredPassage
from chatbot.settings import Settings

log = logging.getLogger(__name__)

SYSTEM = """You are the assistant of a skin clinic. You answer clients' questions about microneedling \
using only the numbered passages from the clinic's articles that you are given.
Rules:
1. Use only facts stated in the passages. Add nothing from your own knowledge.
2. End every sentence with the number of the passage it comes from, in square brackets, like [2].
3. Write two to four short, plain sentences. No headings, no lists.
4. If the passages do not answer the question, say only: "Our articles don't answer this."
{guardrail}
Example of the form: Microneedling usually takes about an hour [2]. Mild redness can last a day or two [1]."""

HUMAN = """Passages:

{passages}

{conversation}Question: {question}"""

GROUNDED_PROMPT = ChatPromptTemplate.from_messages([("system", SYSTEM), ("human", HUMAN)])
"""User text fills the variables and is never parsed as a template, so braces in a question are harmless."""

GUARDRAIL_INSTRUCTIONS = {
    MEDICAL: "5. The answer depends on the client's own health: give only the general facts from the passages "
    "and tell them to consult a dermatologist. Never give personal medical advice.",
    URGENT: "5. The client may need prompt medical care: first tell them to contact a doctor now, then add at most "
    "one fact from the passages.",
}

NOTES = {
    "timeout": "The language model did not answer in time, so this answer quotes the articles directly.",
    "connection": "The language model could not be reached, so this answer quotes the articles directly.",
    "error": "The language model returned an error, so this answer quotes the articles directly.",
    "empty": "The language model returned nothing, so this answer quotes the articles directly.",
    "unverified": "The generated answer could not be checked against the articles, so this answer quotes them directly.",
    "no_answer": "The language model found no answer in the articles; these are the closest passages.",
}
REMOVED_NOTE = "{n} generated sentence(s) that the articles do not support were removed."
_MISSING_EXTRA = "CHATBOT_LLM={kind} needs the optional package {package}: run `pip install '.[llm]'`, or unset CHATBOT_LLM"


# --- the prompt ----------------------------------------------------------------------

def format_passages(passages: Sequence[ScoredPassage]) -> str:
    """Number the passages [1]..[k] with their title and section, as the model must cite them."""
    return "\n\n".join(
        f"[{i}] {p.chunk.title} — {p.chunk.section}\n{p.chunk.text}" for i, p in enumerate(passages, start=1)
    )


def format_conversation(turn: Turn) -> str:
    """The earlier questions, so a follow-up ("does it hurt?") is read in context; empty for a first question."""
    if not turn.history:
        return ""
    lines = ["Earlier questions in this conversation, oldest first:", *(f"- {h}" for h in turn.history)]
    if turn.follow_up and turn.query and turn.query != turn.question:
        lines.append(f"Read with them, the question below asks: {turn.query}")
    return "\n".join(lines) + "\n\n"


def prompt_inputs(turn: Turn) -> dict[str, str]:
    """The variables of ``GROUNDED_PROMPT`` for one turn."""
    category = turn.verdict.category if turn.verdict is not None else ""
    return {
        "passages": format_passages(turn.passages),
        "conversation": format_conversation(turn),
        "question": turn.question,
        "guardrail": GUARDRAIL_INSTRUCTIONS.get(category, ""),
    }


# --- choosing the model ----------------------------------------------------------------

def chat_model_from_settings(settings: Settings) -> BaseChatModel:
    """The chat model ``settings.llm`` names. Raises ``SettingsError`` saying what to set or install."""
    kind = (settings.llm or "").strip().lower()
    if kind == "openai":
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            raise SettingsError(_MISSING_EXTRA.format(kind=kind, package="langchain-openai")) from exc
        if not settings.llm_base_url and not settings.llm_api_key:
            raise SettingsError(
                "CHATBOT_LLM=openai needs CHATBOT_LLM_BASE_URL (an OpenAI-compatible server, e.g. "
                "http://127.0.0.1:8080/v1) or CHATBOT_LLM_API_KEY for api.openai.com"
            )
        return ChatOpenAI(
            base_url=settings.llm_base_url,
            model=settings.llm_model or "local-model",  # llama.cpp's server answers to any name
            api_key=settings.llm_api_key or "not-needed",
            timeout=settings.llm_timeout_seconds,
            max_retries=0,  # a retry would double the wait; the extractive answer is the fallback
            temperature=settings.llm_temperature,
            # llama.cpp's server ignores max_completion_tokens, which ChatOpenAI sends; every server reads max_tokens.
            extra_body={"max_tokens": settings.llm_max_tokens},
            streaming=True,
        )
    if kind == "ollama":
        try:
            from langchain_ollama import ChatOllama
        except ImportError as exc:
            raise SettingsError(_MISSING_EXTRA.format(kind=kind, package="langchain-ollama")) from exc
        if not settings.llm_model:
            raise SettingsError("CHATBOT_LLM=ollama needs CHATBOT_LLM_MODEL, a model you have pulled (see `ollama list`)")
        return ChatOllama(
            model=settings.llm_model,
            base_url=settings.llm_base_url,  # None: Ollama's default, http://127.0.0.1:11434
            temperature=settings.llm_temperature,
            num_predict=settings.llm_max_tokens,
            client_kwargs={"timeout": settings.llm_timeout_seconds},
        )
    raise SettingsError(f"CHATBOT_LLM={settings.llm!r} is not supported: use openai or ollama, or unset it for quoted answers")


def generator_from_settings(settings: Settings) -> LLMGenerator | None:
    """An ``LLMGenerator`` when ``settings.llm`` is set, else None (extractive answers)."""
    if not settings.llm:
        return None
    return LLMGenerator(chat_model_from_settings(settings))


def resolve_generator(settings: Settings, generator: Any = None) -> Any:
    """What ``Engine`` uses: ``generator`` as given, a LangChain chat model wrapped in an
    ``LLMGenerator``, or the model ``settings.llm`` names; None means extractive."""
    if isinstance(generator, BaseChatModel):
        return LLMGenerator(generator)
    if generator is not None:
        return generator
    return generator_from_settings(settings)


# --- the generator ---------------------------------------------------------------------

class LLMGenerator:
    """Answers with a LangChain chat model, keeping only the sentences the passages support."""

    name = "llm"

    def __init__(self, model: BaseChatModel) -> None:
        self.model = model
        self.model_name = str(getattr(model, "model_name", None) or getattr(model, "model", None) or type(model).__name__)

    def generate(self, turn: Turn, context: GenerationContext) -> GeneratedAnswer:
        """The verified answer for ``turn`` (see ``stream``)."""
        result = None
        for piece in self.stream(turn, context):
            if isinstance(piece, GeneratedAnswer):
                result = piece
        assert result is not None  # stream always ends with one
        return result

    def stream(self, turn: Turn, context: GenerationContext) -> Iterator[str | GeneratedAnswer]:
        """Yield the model's text as it arrives, then the verified ``GeneratedAnswer``.

        The whole generation must finish within ``llm_timeout_seconds`` (checked between
        tokens; the HTTP client's own timeout covers a server that stops sending). Any
        failure ends in the extractive answer with a note; nothing is raised.
        """
        started = time.perf_counter()
        deadline = started + context.settings.llm_timeout_seconds
        pieces: list[str] = []
        failure: str | None = None
        chunks = None
        try:
            chunks = self.model.stream(GROUNDED_PROMPT.format_messages(**prompt_inputs(turn)))
            for chunk in chunks:
                if chunk.text:
                    pieces.append(chunk.text)
                    yield chunk.text
                if time.perf_counter() > deadline:
                    failure = "timeout"
                    break
        except Exception as exc:  # providers raise their own classes; the reader must still get an answer
            failure = failure_kind(exc)
            log.warning("language model failed (%s): %s: %s", failure, type(exc).__name__, exc)
        finally:
            if chunks is not None and hasattr(chunks, "close"):
                chunks.close()  # stop reading the HTTP stream after a timeout
        elapsed_ms = (time.perf_counter() - started) * 1000
        yield self.finish(turn, context, "".join(pieces), failure=failure, elapsed_ms=elapsed_ms)

    def finish(self, turn: Turn, context: GenerationContext, text: str, *, failure: str | None = None, elapsed_ms: float = 0.0) -> GeneratedAnswer:
        """Verify ``text`` for ``turn``; fall back to quoting when it failed or too little survives."""
        settings = context.settings
        record: dict[str, Any] = {
            "model": self.model_name,
            "generated": text,
            "latency_ms": round(elapsed_ms, 1),
            "passages": [p.chunk.id for p in turn.passages],
        }
        if failure is None and not text.strip():
            failure = "empty"
        if failure is None:
            checked = verify(text, turn.passages, context.embedder, settings, idf=context.scoring().idf)
            record |= checked.to_dict()
            if len(checked.kept) >= settings.llm_min_kept_sentences:
                sentences, citations = cite_verified(checked.kept, turn.passages)
                numbers = {c.chunk_id: c.n for c in citations}
                for item in record["corrected"]:  # the number the reader sees in the sources list
                    item["to"] = numbers[turn.passages[item["passage"] - 1].chunk.id]
                notes = (REMOVED_NOTE.format(n=len(checked.dropped)),) if checked.dropped else ()
                return GeneratedAnswer(sentences, citations, name=self.name, notes=notes, verification=record | {"fallback": False})
            failure = "no_answer" if checked.found_no_answer else "unverified"
        sentences, citations, notes = context.quote(turn)
        record |= {"fallback": True, "fallback_reason": failure}
        return GeneratedAnswer(sentences, citations, name="extractive", notes=(NOTES[failure], *notes), verification=record)


def failure_kind(exc: BaseException) -> str:
    """``timeout``, ``connection`` or ``error``, read from the exception's class names so that
    OpenAI, httpx and Ollama errors all map without importing those packages."""
    names = " ".join(cls.__name__.lower() for cls in type(exc).__mro__)
    if "timeout" in names:
        return "timeout"
    if "connect" in names:
        return "connection"
    return "error"


__all__ = [
    "GROUNDED_PROMPT", "LLMGenerator", "chat_model_from_settings", "failure_kind", "format_passages",
    "generator_from_settings", "prompt_inputs", "resolve_generator",
]
