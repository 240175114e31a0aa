"""The question limits as the API applies them: who is asking, and the 429 a visitor reads.

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
from chatbot.store.rate_limits import RateLimiter, question_limits
from chatbot.web.errors import ApiError

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
    """Counts each API question against the limits; one per app (``chatbot.web.api.AnswersApi``)."""

    def __init__(self, settings: Settings, messages: MessageCatalogue) -> None:
        self.settings = settings
        self.messages = messages
        self.limiter = RateLimiter(settings)

    def take(self, request: Request, *, visitor: str | None, language: str) -> None:
        """Count one question, or raise the 429 ``ApiError`` a visitor over a limit gets (blocking: call it in a thread)."""
        address = client_address(request)
        try:
            self.limiter.take(question_limits(self.settings, visitor=visitor, address=address))
        except RateLimitedError as exc:
            log.warning("question refused: %s (visitor %s, address %s)", exc, visitor or "-", address or "-")
            key = "daily_limit" if exc.limit == "day" else "busy"
            raise ApiError(429, f"rate_limited_{exc.limit}", self.messages.text(key, language, seconds=str(exc.retry_after)),
                           retry_after=exc.retry_after) from None
        except FeedbackStoreError as exc:
            log.error("question limits not counted (answering anyway): %s", exc)
