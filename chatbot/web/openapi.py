"""The API's OpenAPI 3.1 description (``GET /api/v1/openapi.json``), with its request and response schemas.

The schemas are JSON Schema 2020-12 (what OpenAPI 3.1 uses), so a client can validate against them
directly; ``tests/test_web_api.py`` checks every response the server gives against them and
fuzzes the routes from them. Limits in the schemas (question length, body size) come from the
settings the server runs with.
"""

from __future__ import annotations

from typing import Any

from chatbot.settings import Settings

HEX_ID = {"type": "string", "pattern": "^[0-9a-f]{32}$"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str, *, retry_after: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if retry_after:
        response["headers"] = {"Retry-After": {"description": "Seconds to wait before asking again.", "schema": {"type": "integer"}}}
    return response


def _errors(*statuses: int) -> dict[str, Any]:
    texts = {
        400: "The body is not valid JSON, or X-Visitor-Id is malformed.",
        403: "The calling page's origin is not in CHATBOT_WIDGET_ORIGINS.",
        404: "The conversation or answer is not known here.",
        405: "Wrong HTTP method.",
        409: "The conversation holds as many questions as it may; start a new one.",
        413: "The body is larger than the server accepts.",
        415: "The body is not sent as application/json.",
        422: "A field is missing, of the wrong type, or too long (``error.field`` names it).",
        429: "Over a limit: per visitor or per address per minute, or the installation's questions per day.",
        503: "The answer engine is starting (or cannot answer); ask again after Retry-After seconds.",
    }
    return {str(s): _json(_ref("Error"), texts[s], retry_after=s in (429, 503)) for s in statuses}


def schemas(settings: Settings) -> dict[str, Any]:
    citation = {
        "type": "object",
        "required": ["n", "article", "title", "section", "chunk_id", "text", "score"],
        "properties": {
            "n": {"type": "integer", "minimum": 1, "description": "The number the answer's [n] markers use."},
            "article": {"type": "string", "description": "The article's slug."},
            "title": {"type": "string"}, "section": {"type": "string"}, "chunk_id": {"type": "string"},
            "text": {"type": "string", "description": "The whole quoted passage (plain text, never HTML)."},
            "score": {"type": "number"},
        },
    }
    answer_properties = {
        "question": {"type": "string"},
        "answer": {"type": "string", "description": "Plain text: the guardrail's notice first (urgent, not covered), the cited "
                   "sentences with [n] markers, notes, the dermatologist advice last; paragraphs separated by a blank line."},
        "citations": {"type": "array", "items": _ref("Citation")},
        "guardrail": {
            "type": "object", "required": ["category", "reason", "message"],
            "properties": {"category": {"enum": ["urgent", "medical", "out_of_scope", "general"]},
                           "reason": {"type": "string"}, "message": {"type": "string"}},
        },
        "timings_ms": {"type": "object", "additionalProperties": {"type": "number"}},
        "disclaimer": {"type": "string"},
        "related_questions": {"type": "array", "items": {"type": "string"},
                              "description": "Questions the articles do answer (\"Did you mean\"), for an out-of-scope question."},
        "more_from_the_articles": {"type": "string", "description": "Further cited sentences after the short answer "
                                   "(shown collapsed), with [n] markers into the same citations; \"\" when there are none."},
        "suggestions": {"type": "array", "items": {"type": "object", "required": ["question"], "properties": {"question": {"type": "string"}}},
                        "description": "Reviewed questions this one nearly asks (\"Did you mean\"): asking one gets the clinic's reviewed answer."},
        "generator": {"type": "string", "description": "extractive, reviewed, or the language model's name."},
        "reviewed": {"oneOf": [{"type": "null"}, {
            "type": "object", "required": ["question", "reviewed_by", "reviewed_at"],
            "properties": {"question": {"type": "string"}, "reviewed_by": {"type": "string"}, "reviewed_at": {"type": "string"}},
        }]},
        "language": {"type": "string", "description": "ISO 639-1 code of the question's language."},
        "verification": {"type": "object", "description": "Only with a language model: what citation checking dropped or corrected."},
        "conversation_id": {**HEX_ID, "description": "Send it with the next question to ask a follow-up."},
        "answer_id": {"oneOf": [{"type": "null"}, HEX_ID], "description": "Rate the answer with it (null if it could not be logged)."},
    }
    return {
        "AnswerRequest": {
            "type": "object", "required": ["question"], "additionalProperties": False,
            "properties": {
                "question": {"type": "string", "minLength": 1, "maxLength": settings.max_question_chars},
                "conversation_id": {"oneOf": [{"type": "null"}, HEX_ID],
                                    "description": "null (or left out) starts a conversation; the id an answer returned continues it."},
                "language": {"type": ["string", "null"], "maxLength": 35,
                             "description": "The visitor's language (\"es\"), for refusals; answers follow the question's language."},
            },
        },
        "Citation": citation,
        "Answer": {
            "type": "object", "properties": answer_properties,
            "required": ["question", "answer", "citations", "guardrail", "timings_ms", "disclaimer", "related_questions", "generator",
                         "reviewed", "language", "more_from_the_articles", "suggestions", "conversation_id", "answer_id"],
        },
        "FeedbackRequest": {
            "type": "object", "required": ["answer_id", "rating"], "additionalProperties": False,
            "properties": {"answer_id": HEX_ID, "rating": {"enum": ["up", "down"]},
                           "comment": {"type": ["string", "null"], "maxLength": settings.max_question_chars}},
        },
        "FeedbackReply": {"type": "object", "required": ["answer_id", "saved"],
                          "properties": {"answer_id": HEX_ID, "saved": {"const": True}}},
        "StarterQuestions": {"type": "object", "required": ["questions"],
                             "properties": {"questions": {"type": "array", "items": {"type": "string"}}}},
        "Health": {"type": "object", "required": ["status", "engine"],
                   "properties": {"status": {"enum": ["ready", "starting", "unavailable"]},
                                  "engine": {"enum": ["absent", "loading", "ready", "failed"]}}},
        "Error": {
            "type": "object", "required": ["error"],
            "properties": {"error": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string", "description": "For a person: what to do."},
                               "field": {"type": "string"}, "retry_after": {"type": "integer"}},
            }},
        },
    }


def openapi_document(settings: Settings) -> dict[str, Any]:
    visitor = {"name": "X-Visitor-Id", "in": "header", "required": False, "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
               "description": "A random id per visitor (the widget keeps one per browser tab); limits count per visitor and per address."}
    stream = ("With `Accept: text/event-stream` the reply is Server-Sent Events: `delta` events ({\"text\": ...}) as the answer is "
              "written, then one `answer` event with the full JSON (or an `error` event with the Error JSON).")
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Microneedling FAQ chatbot API", "version": "1",
            "description": "Cited answers from the clinic's articles. Browsers may call it from the sites in CHATBOT_WIDGET_ORIGINS. "
                           f"Limits: {settings.visitor_questions_per_minute} questions a minute per visitor and "
                           f"{settings.ip_questions_per_minute} per address, {settings.questions_per_day} a day in all, "
                           f"bodies up to {settings.max_body_bytes} bytes.",
        },
        "paths": {
            "/api/v1/answers": {"post": {
                "summary": "Answer a question (a follow-up when conversation_id is given)", "description": stream,
                "parameters": [visitor],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("AnswerRequest")}}},
                "responses": {
                    "200": {"description": "The answer: the `chatbot ask --json` JSON plus conversation_id and answer_id.",
                            "content": {"application/json": {"schema": _ref("Answer")},
                                        "text/event-stream": {"schema": {"type": "string"}}}},
                    **_errors(400, 403, 404, 405, 409, 413, 415, 422, 429, 503),
                },
            }},
            "/api/v1/feedback": {"post": {
                "summary": "Rate an answer, optionally with a comment (stored redacted, like the chat page's)",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("FeedbackRequest")}}},
                "responses": {"200": _json(_ref("FeedbackReply"), "Saved."), **_errors(400, 403, 404, 405, 413, 415, 422, 503)},
            }},
            "/api/v1/starter-questions": {"get": {
                "summary": "Questions to offer on an empty chat",
                "responses": {"200": _json(_ref("StarterQuestions"), "The questions."), **_errors(403, 405)},
            }},
            "/api/v1/health": {"get": {
                "summary": "Whether the server answers questions yet",
                "responses": {"200": _json(_ref("Health"), "Ready."),
                              "503": _json(_ref("Health"), "Starting or unavailable.", retry_after=True), **_errors(403, 405)},
            }},
            "/api/v1/openapi.json": {"get": {
                "summary": "This description",
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}},
                              **_errors(403, 405)},
            }},
        },
        "components": {"schemas": schemas(settings)},
    }
