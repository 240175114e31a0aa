"""The API's refusals: one JSON shape for every error, with a message a person can act on.

``{"error": {"code": "question_too_long", "message": "...", "field": "question"}}``; a refusal over a
limit adds ``retry_after`` (seconds) and the ``Retry-After`` header. No error ever carries a
traceback: unexpected failures are logged on the server and answered with a generic message.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from starlette.responses import JSONResponse


@dataclass
class ApiError(Exception):
    """Raised by a route's helpers; ``api.py`` turns it into ``response()``."""

    status: int
    code: str
    message: str
    field: str | None = None
    retry_after: int | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)

    def body(self) -> dict:
        error: dict = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        if self.retry_after is not None:
            error["retry_after"] = self.retry_after
        return {"error": error}

    def response(self) -> JSONResponse:
        headers = dict(self.headers)
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return JSONResponse(self.body(), status_code=self.status, headers=headers)


def unexpected() -> ApiError:
    """What the client reads when something failed that is not its fault (the details are in the server log)."""
    return ApiError(500, "internal", "Something went wrong on the server while answering. Please try again in a moment.")
