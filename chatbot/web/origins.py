"""Which websites may call the API from a browser: the ``CHATBOT_WIDGET_ORIGINS`` allow-list (CORS).

A browser sends ``Origin`` with every cross-site call and with same-site POSTs. The API answers a
call whose origin is this server itself or on the list, with the CORS headers that let the page
read the answer (``Access-Control-Allow-Origin`` names the origin; no cookies are ever allowed).
Any other origin gets 403 and a warning in the server log naming it. A call without ``Origin``
(curl, a server of the clinic) is not a browser page and is let through; the rate limits still
apply to it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from chatbot.errors import SettingsError
from chatbot.web.errors import ApiError

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "Content-Type, Accept, X-Visitor-Id"
PREFLIGHT_MAX_AGE = "600"
"""Seconds a browser may reuse a preflight answer: a visitor's questions then need one preflight per 10 minutes."""
ANY = "*"


def normalise_origin(text: str) -> str:
    """``scheme://host[:port]`` in lower case, without a default port or a trailing slash.

    Raises ``SettingsError`` for anything else (a path, no scheme, a wildcard inside a name).
    """
    value = text.strip().rstrip("/").lower()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query or "*" in value:
        raise SettingsError(
            f"CHATBOT_WIDGET_ORIGINS: {text.strip()!r} is not a site origin; write it as https://www.clinic.example "
            "(scheme and host, a port if it is not the default, no path), separated by commas"
        )
    try:
        port = parts.port
    except ValueError:
        raise SettingsError(f"CHATBOT_WIDGET_ORIGINS: {text.strip()!r} has a port that is not a number") from None
    default = {"http": 80, "https": 443}[parts.scheme]
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


@dataclass(frozen=True)
class OriginPolicy:
    """The allow-list, parsed once at start-up (a bad entry stops ``chatbot serve`` with its message)."""

    origins: frozenset[str]
    any_origin: bool = False

    @classmethod
    def parse(cls, setting: str) -> OriginPolicy:
        entries = [e for e in (part.strip() for part in setting.split(",")) if e]
        if ANY in entries:
            return cls(frozenset(), any_origin=True)
        return cls(frozenset(normalise_origin(e) for e in entries))

    def allows(self, origin: str, *, own: str) -> bool:
        """Whether a page at ``origin`` may call this server, whose own origin is ``own``."""
        if self.any_origin:
            return origin != "null"
        try:
            origin = normalise_origin(origin)
        except SettingsError:
            return False  # "null" (a sandboxed frame, a file) or garbage
        return origin == own or origin in self.origins


def own_origin(scope: Scope) -> str:
    """This server's origin as the browser sees it (behind a proxy: the scheme it forwarded)."""
    host = Headers(scope=scope).get("host", "")
    try:
        return normalise_origin(f"{scope.get('scheme', 'http')}://{host}")
    except SettingsError:
        return ""


class OriginMiddleware:
    """CORS for ``/api/``: preflights answered here, other origins refused with 403 and logged."""

    def __init__(self, app: ASGIApp, *, policy: OriginPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        if not self.policy.allows(origin, own=own_origin(scope)):
            log.warning(
                "refused %s %s from origin %s: not in CHATBOT_WIDGET_ORIGINS (add it there to let that site embed the widget)",
                scope["method"], scope["path"], origin,
            )
            refusal = ApiError(
                403, "origin_not_allowed",
                f"This chat is not enabled for {origin[:100]}. The clinic can add the site to CHATBOT_WIDGET_ORIGINS.",
                headers={"Vary": "Origin"},
            )
            await refusal.response()(scope, receive, send)
            return
        cors = [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin")]
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await _preflight(send, cors)
            return

        async def send_with_cors(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *cors,
                                                  (b"access-control-expose-headers", b"Retry-After")]}
            await send(message)

        await self.app(scope, receive, send_with_cors)


async def _preflight(send: Send, cors: list[tuple[bytes, bytes]]) -> None:
    headers = [*cors, (b"access-control-allow-methods", ALLOWED_METHODS.encode()),
               (b"access-control-allow-headers", ALLOWED_HEADERS.encode()),
               (b"access-control-max-age", PREFLIGHT_MAX_AGE.encode()), (b"content-length", b"0")]
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
