"""Reading the API's request bodies: size, content type, JSON, and each field, with a clear refusal.

Every check raises ``ApiError`` naming the field and what would be accepted, so a developer
calling the API (or the widget showing the message) knows what to change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from chatbot.settings import Settings
from chatbot.store.conversations import is_conversation_id
from chatbot.web.errors import ApiError

RATINGS = {"up": 1, "down": 0}
"""The API's ratings and the feedback store's values for them (``HELPFUL``, ``NOT_HELPFUL``)."""
MAX_LANGUAGE_CHARS = 35
"""Longest language tag accepted (BCP 47 tags such as ``zh-Hant-TW`` are far shorter)."""
MAX_VISITOR_CHARS = 64


@dataclass(frozen=True)
class AnswerRequest:
    question: str
    conversation_id: str | None
    language: str | None


@dataclass(frozen=True)
class FeedbackRequest:
    answer_id: str
    rating: int
    comment: str


async def read_json(request: Request, settings: Settings) -> dict[str, Any]:
    """The body as a JSON object, at most ``max_body_bytes`` long."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as JSON with the header Content-Type: application/json.")
    limit = settings.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "body_too_large", f"The request body is larger than {limit} bytes; send a shorter question.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(413, "body_too_large", f"The request body is larger than {limit} bytes; send a shorter question.")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ApiError(400, "invalid_json", f"The body is not valid UTF-8 JSON ({str(exc)[:120]}).") from None
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_body", f"The body must be a JSON object, not {_json_type(data)}.")
    return data


def answer_request(data: dict[str, Any], settings: Settings) -> AnswerRequest:
    _only(data, {"question", "conversation_id", "language"})
    question = data.get("question")
    if not isinstance(question, str):
        raise ApiError(422, "invalid_question", f"'question' is required and must be a string, not {_json_type(question)}.", "question")
    question = question.strip()
    if not question:
        raise ApiError(422, "invalid_question", "'question' is empty; type a question about microneedling.", "question")
    if len(question) > settings.max_question_chars:
        raise ApiError(
            422, "question_too_long",
            f"The question is {len(question)} characters long; ask in at most {settings.max_question_chars}.", "question",
        )
    conversation_id = data.get("conversation_id")
    if conversation_id is not None and not (isinstance(conversation_id, str) and is_conversation_id(conversation_id)):
        raise ApiError(
            422, "invalid_conversation_id",
            "'conversation_id' must be null (a new conversation) or the 32 hex digits a previous answer returned.", "conversation_id",
        )
    return AnswerRequest(question, conversation_id, _language(data.get("language")))


def feedback_request(data: dict[str, Any], settings: Settings) -> FeedbackRequest:
    _only(data, {"answer_id", "rating", "comment"})
    answer_id = data.get("answer_id")
    if not (isinstance(answer_id, str) and is_conversation_id(answer_id)):
        raise ApiError(422, "invalid_answer_id", "'answer_id' must be the 32 hex digits an answer returned.", "answer_id")
    rating = data.get("rating")
    if not isinstance(rating, str) or rating not in RATINGS:
        raise ApiError(422, "invalid_rating", "'rating' must be \"up\" or \"down\".", "rating")
    comment = data.get("comment")
    if comment is None:
        comment = ""
    if not isinstance(comment, str):
        raise ApiError(422, "invalid_comment", f"'comment' must be a string or null, not {_json_type(comment)}.", "comment")
    if len(comment) > settings.max_question_chars:
        raise ApiError(422, "comment_too_long", f"The comment is {len(comment)} characters long; write at most {settings.max_question_chars}.",
                       "comment")
    return FeedbackRequest(answer_id, RATINGS[rating], comment.strip())


def visitor_id(request: Request) -> str | None:
    """The widget's random visitor id (``X-Visitor-Id``: letters, digits, ``-`` and ``_``), or None."""
    value = request.headers.get("x-visitor-id", "").strip()
    if not value:
        return None
    if len(value) > MAX_VISITOR_CHARS or not all(c.isascii() and (c.isalnum() or c in "-_") for c in value):
        raise ApiError(400, "invalid_visitor_id", f"X-Visitor-Id must be up to {MAX_VISITOR_CHARS} letters, digits, '-' or '_'.")
    return value


def _language(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_LANGUAGE_CHARS:
        raise ApiError(422, "invalid_language", "'language' must be null or a language code such as \"en\" or \"es-ES\".", "language")
    return value.split("-")[0].split("_")[0].strip().lower() or None


def _only(data: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ApiError(
            422, "unknown_field", f"Unknown field {unknown[0][:60]!r}; the body takes {', '.join(sorted(allowed))}.", unknown[0][:60],
        )


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array", dict: "an object"}.get(
        type(value), type(value).__name__
    )
