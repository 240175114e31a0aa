"""One ASGI application for the chat pages, the API and the widget: Streamlit's ``st.App`` with extra routes.

Streamlit 1.67's ``st.App(script, routes=..., middleware=...)`` is a Starlette application. Its own
routes (the pages, ``/_stcore/...``, ``/static/...``) come after ours, so ``/api/v1/...``,
``/widget.js`` and ``/widget-demo`` are answered by this package and everything else by Streamlit,
on one port, in one process that shares one answer engine (``chatbot.engine.warmup.LOADER``).
``chatbot serve`` runs it with ``App.run`` (uvicorn, as ``streamlit run`` does for an ``st.App``).
"""

from __future__ import annotations

from pathlib import Path

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from chatbot.settings import Settings
from chatbot.web.api import AnswersApi
from chatbot.web.origins import OriginMiddleware, OriginPolicy

STATIC = Path(__file__).with_name("static")
WIDGET = STATIC / "widget.js"
DEMO = STATIC / "widget-demo.html"
WIDGET_CACHE_SECONDS = 300
"""How long browsers keep widget.js: a new release reaches every visitor within five minutes."""


def web_routes(settings: Settings) -> list[Route]:
    """The API's routes plus the widget script and its demo page."""
    return [*AnswersApi(settings).routes(), Route("/widget.js", widget_script), Route("/widget-demo", widget_demo)]


def web_middleware(settings: Settings) -> list[Middleware]:
    """The origin allow-list (CORS) for ``/api/``; raises ``SettingsError`` for a malformed ``CHATBOT_WIDGET_ORIGINS``."""
    return [Middleware(OriginMiddleware, policy=OriginPolicy.parse(settings.widget_origins))]


def build_app(settings: Settings, script: Path):
    """The ``st.App`` running the Streamlit ``script`` (``app.py``) with the API and the widget beside it."""
    import streamlit as st

    return st.App(str(script), routes=web_routes(settings), middleware=web_middleware(settings))


async def widget_script(request: Request) -> Response:
    """``/widget.js``: any site may load the script itself; what it may call is decided by the API's allow-list."""
    return FileResponse(WIDGET, media_type="text/javascript; charset=utf-8", headers={
        "Cache-Control": f"public, max-age={WIDGET_CACHE_SECONDS}",
        "Cross-Origin-Resource-Policy": "cross-origin",
        "X-Content-Type-Options": "nosniff",
    })


async def widget_demo(request: Request) -> Response:
    """``/widget-demo``: a made-up clinic page with the widget's one tag, on this server's own origin."""
    return FileResponse(DEMO, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})
