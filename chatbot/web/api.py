"""The public answers API (``/api/v1/...``): what the widget and any other system of the clinic call.

Routes (described in full by ``GET /api/v1/openapi.json``, ``chatbot.web.openapi``):

* ``POST /api/v1/answers``: ``{"question", "conversation_id", "language"}`` -> the ``chatbot ask --json``
  answer plus ``conversation_id`` and ``answer_id``; with ``Accept: text/event-stream`` the text as
  Server-Sent Events (``delta`` events, then one ``answer`` event with the full JSON);
* ``POST /api/v1/feedback``: ``{"answer_id", "rating": "up" | "down", "comment"}``, stored like the chat page's;
* ``GET /api/v1/starter-questions``, ``GET /api/v1/health``, ``GET /api/v1/openapi.json``.

Every question is counted against the limits (``chatbot.web.limits``) and logged to the feedback
table, redacted, like the chat page's. The answer engine is the process's ``LOADER`` engine, the
one the chat pages use; answering runs on ``api_answer_threads`` threads, never on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chatbot.answering.model import Answer
from chatbot.engine.interface import AnswerEngine
from chatbot.engine.warmup import LOADER, EngineLoader
from chatbot.errors import ChatbotError, FeedbackStoreError, InvalidQuestionError
from chatbot.knowledge.corpus import load_common_questions
from chatbot.languages.messages import load_messages
from chatbot.settings import Settings
from chatbot.store.feedback import FeedbackStore
from chatbot.web.errors import ApiError, unexpected
from chatbot.web.limits import QuestionGate, visitor_language
from chatbot.web.openapi import openapi_document
from chatbot.web.requests import AnswerRequest, answer_request, feedback_request, read_json, visitor_id
from chatbot.web.sse import event_stream

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
RETRY_WHILE_STARTING = 5
"""Seconds a client is told to wait (``Retry-After``) while the answer engine loads."""
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
Handler = Callable[[Request], Awaitable[Response]]


class AnswersApi:
    """The API's routes over one settings object; ``routes()`` are mounted by ``chatbot.web.app``."""

    def __init__(self, settings: Settings, *, loader: EngineLoader = LOADER) -> None:
        self.settings = settings
        self.loader = loader
        self.messages = load_messages(settings.messages_file)
        self.gate = QuestionGate(settings, self.messages)
        self.answer_log = FeedbackStore(settings, background=True)
        """Answers are logged off the answer path (a writer thread), as the chat does on PostgreSQL."""
        self.ratings = FeedbackStore(settings, background=False)
        """Ratings are written before the reply, so an unknown ``answer_id`` gets 404 (they are rare)."""
        self.pool = ThreadPoolExecutor(max_workers=max(1, settings.api_answer_threads), thread_name_prefix="api-answer")

    def routes(self) -> list[Route]:
        """Every method reaches the handlers, which refuse the wrong ones with a JSON 405 (Starlette's is plain text)."""
        routes = [
            (f"{PREFIX}/answers", self.answers, "POST"),
            (f"{PREFIX}/feedback", self.rate, "POST"),
            (f"{PREFIX}/starter-questions", self.starters, "GET"),
            (f"{PREFIX}/health", self.health, "GET"),
            (f"{PREFIX}/openapi.json", self.openapi, "GET"),
        ]
        return [Route(path, _guard(handler, method), methods=ALL_METHODS) for path, handler, method in routes] + [
            Route("/api/{rest:path}", _guard(_not_found, *ALL_METHODS), methods=ALL_METHODS),
        ]

    # --- routes ----------------------------------------------------------------------

    async def answers(self, request: Request) -> Response:
        ask = answer_request(await read_json(request, self.settings), self.settings)
        visitor = visitor_id(request)
        language = visitor_language(request, ask.language, self.messages)
        engine = await self._engine(language)
        if "text/event-stream" in request.headers.get("accept", ""):
            conversation_id, history = await self._in_pool(self.gate.admit, request, ask, visitor=visitor, language=language)
            return await event_stream(self.pool, lambda: self._stream(engine, ask, conversation_id, history), self._refusal)
        try:
            return JSONResponse(await self._in_pool(self._answer, engine, request, ask, visitor, language))
        except Exception as exc:  # noqa: BLE001 - each kind becomes its own refusal
            raise self._refusal(exc) from None

    async def rate(self, request: Request) -> Response:
        rating = feedback_request(await read_json(request, self.settings), self.settings)
        try:
            await self._in_pool(self._rate, rating.answer_id, rating.rating, rating.comment)
        except FeedbackStoreError as exc:
            if "does not exist" in str(exc):
                raise ApiError(404, "answer_not_found", "No answer has this answer_id; rate an answer this server returned.", "answer_id") from None
            log.error("rating not saved: %s", exc)
            raise ApiError(503, "feedback_unavailable", "Your rating could not be saved right now. Please try again in a moment.",
                           retry_after=RETRY_WHILE_STARTING) from None
        return JSONResponse({"answer_id": rating.answer_id, "saved": True})

    async def starters(self, request: Request) -> Response:
        questions = await asyncio.to_thread(self._starter_questions)
        return JSONResponse({"questions": questions})

    async def health(self, request: Request) -> Response:
        state = self.loader.state(self.settings)
        status = {"ready": "ready", "failed": "unavailable"}.get(state, "starting")
        body = {"status": status, "engine": state}
        if status == "ready":
            return JSONResponse(body)
        return JSONResponse(body, status_code=503, headers={"Retry-After": str(RETRY_WHILE_STARTING)})

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(openapi_document(self.settings))

    # --- steps -----------------------------------------------------------------------

    def _answer(self, engine: AnswerEngine, request: Request, ask: AnswerRequest, visitor: str | None, language: str) -> dict[str, Any]:
        """Admit, answer and log one question on an answer thread (one hop from the event loop)."""
        conversation_id, history = self.gate.admit(request, ask, visitor=visitor, language=language)
        return self._finish(engine.ask(ask.question, history), ask, conversation_id, history)

    def _rate(self, answer_id: str, rating: int, comment: str) -> None:
        self.answer_log.flush(timeout=10)  # the answer's own log entry first
        self.ratings.rate(answer_id, rating, comment)

    async def _engine(self, language: str) -> AnswerEngine:
        engine = self.loader.ready(self.settings)
        if engine is not None:
            return engine
        try:
            return await asyncio.to_thread(self.loader.wait, self.settings, timeout=self.settings.api_engine_wait_seconds)
        except TimeoutError:
            raise ApiError(503, "starting", self.messages.text("getting_ready", language), retry_after=RETRY_WHILE_STARTING) from None
        except Exception as exc:  # noqa: BLE001 - the reason goes to the log, the visitor gets a plain message
            log.error("the API cannot answer: the answer engine did not start: %s", exc)
            raise _unavailable() from None

    def _stream(self, engine: AnswerEngine, ask: AnswerRequest, conversation_id: str, history: tuple[str, ...]):
        """The answer's text pieces, then its full JSON (a dict); runs on an answer thread."""
        for piece in engine.stream(ask.question, history):
            yield piece if isinstance(piece, str) else self._finish(piece, ask, conversation_id, history)

    def _finish(self, answer: Answer, ask: AnswerRequest, conversation_id: str, history: tuple[str, ...]) -> dict[str, Any]:
        """Queue the answer's log entry; the reply's JSON."""
        answer_id = None
        try:
            answer_id = self.answer_log.log_answer(session_id=conversation_id, question=ask.question, history=history, answer=answer)
        except FeedbackStoreError as exc:
            log.error("question not logged: %s", exc)
        return answer.to_json() | {"conversation_id": conversation_id, "answer_id": answer_id}

    def _refusal(self, exc: BaseException) -> ApiError:
        """What the client reads when answering raised ``exc``."""
        if isinstance(exc, ApiError):
            return exc
        if isinstance(exc, InvalidQuestionError):
            return ApiError(422, "invalid_question", f"The question cannot be answered as written: {exc}.", "question")
        if isinstance(exc, ChatbotError):
            log.error("the API cannot answer: %s", exc)
            return _unavailable()
        log.error("answering failed", exc_info=exc)
        return unexpected()

    def _starter_questions(self) -> list[str]:
        """One common question per topic first, to show the range (as the chat page does)."""
        try:
            questions = load_common_questions(self.settings.common_questions_path)
        except ChatbotError as exc:
            log.warning("no starter questions: %s", exc)
            return []
        picks, topics = [], set()
        for q in questions:
            if q.topic not in topics:
                picks.append(q)
                topics.add(q.topic)
        picks += [q for q in questions if q not in picks]
        return [q.question for q in picks[: self.settings.starter_questions]]

    async def _in_pool(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.wrap_future(self.pool.submit(function, *args, **kwargs))


def _unavailable() -> ApiError:
    return ApiError(503, "unavailable", "The chat is not available right now. Please try again later, or contact the clinic directly.",
                    retry_after=60)


async def _not_found(request: Request) -> Response:
    raise ApiError(404, "not_found", f"There is no API route {request.url.path[:200]}; see /api/v1/openapi.json for the routes.")


def _guard(handler: Handler, *methods: str) -> Handler:
    """``handler`` with the API's error handling: a refusal as JSON, never a traceback; wrong methods get 405."""

    async def route(request: Request) -> Response:
        if request.method not in methods:
            allowed = ", ".join(methods)
            return ApiError(405, "method_not_allowed", f"{request.method} is not allowed here; use {allowed}.",
                            headers={"Allow": allowed}).response()
        try:
            return await handler(request)
        except ApiError as exc:
            return exc.response()
        except Exception:
            log.exception("API request failed: %s %s", request.method, request.url.path)
            return unexpected().response()

    return route
