"""The question limits as the API applies them: who is asking, its conversation, and the 429 a visitor reads.

Every question counts against its visitor (the widget's random ``X-Visitor-Id``), its client
address and the installation's day (``chatbot.store.rate_limits``). Over a limit the API answers
429 with ``Retry-After`` and a message in the visitor's language (the request's ``language``, else
the browser's ``Accept-Language``). When the database cannot count (it is restarting) the
question is answered anyway and the failure logged: the limits protect the clinic from floods,
and a database hiccup is not one.
"""

from __future__ import annotations

import logging

from starlette.requests import Request

from chatbot.errors import FeedbackStoreError, RateLimitedError
from chatbot.languages.messages import MessageCatalogue
from chatbot.settings import Settings
from chatbot.store.conversations import ConversationStore, new_conversation_id
from chatbot.store.rate_limits import RateLimiter, question_limits
from chatbot.web.errors import ApiError
from chatbot.web.requests import AnswerRequest

log = logging.getLogger(__name__)


def client_address(request: Request) -> str | None:
    """The client's address. Behind a reverse proxy on this machine, uvicorn reads it from ``X-Forwarded-For``."""
    return request.client.host if request.client else None


def visitor_language(request: Request, language: str | None, messages: MessageCatalogue) -> str:
    """The language to refuse in: the request's ``language``, else the first of ``Accept-Language`` the catalogue has."""
    candidates = [language] if language else []
    for part in request.headers.get("accept-language", "").split(","):
        candidates.append(part.split(";")[0].split("-")[0].strip().lower())
    return next((c for c in candidates if c and messages.has("busy", c)), "en")


class QuestionGate:
    """Admits each API question: its conversation, the limits, and the question appended, in one transaction.

    One database write per question before it is answered (``ConversationStore.admit`` with
    ``RateLimiter.counter``): on a loaded machine each SQLite commit costs milliseconds, so they are not
    spent twice.
    """

    def __init__(self, settings: Settings, messages: MessageCatalogue) -> None:
        self.settings = settings
        self.messages = messages
        self.limiter = RateLimiter(settings)
        self.conversations = ConversationStore(settings)

    def admit(self, request: Request, ask: AnswerRequest, *, visitor: str | None, language: str) -> tuple[str, tuple[str, ...]]:
        """The conversation's id and its earlier questions (the latest ``max_history_turns``), the question counted.

        Raises ``ApiError``: 404 for an unknown conversation, 409 for a full one, 429 over a limit.
        Blocking: call it in a thread.
        """
        address = client_address(request)
        conversation_id = ask.conversation_id or new_conversation_id()
        count = self.limiter.counter(question_limits(self.settings, visitor=visitor, address=address))
        try:
            admission = self.conversations.admit(conversation_id, ask.question, new=ask.conversation_id is None, count=count,
                                                 max_questions=self.settings.max_conversation_questions)
        except RateLimitedError as exc:
            log.warning("question refused: %s (visitor %s, address %s)", exc, visitor or "-", address or "-")
            key = "daily_limit" if exc.limit == "day" else "busy"
            raise ApiError(429, f"rate_limited_{exc.limit}", self.messages.text(key, language, seconds=str(exc.retry_after)),
                           retry_after=exc.retry_after) from None
        except FeedbackStoreError as exc:  # answer, without the earlier questions, rather than not at all
            log.error("question not counted nor added to its conversation (answering anyway): %s", exc)
            return conversation_id, ()
        if admission.status == "unknown":
            raise ApiError(404, "conversation_not_found",
                           "This conversation is not known here (it may have expired); send conversation_id null to start a new one.",
                           "conversation_id")
        if admission.status == "full":
            raise ApiError(409, "conversation_full", self.messages.text("conversation_full", language), "conversation_id")
        return conversation_id, admission.history[-self.settings.max_history_turns:] if self.settings.max_history_turns else ()
