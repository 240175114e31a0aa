"""``chatbot serve``: the chat pages, the public API and the website widget on one port, with the
answer engine loading from the moment the server starts.

``streamlit run app.py`` only runs the app's code when the first visitor arrives, so the
first visitor would wait for the model to load. This starts the load in a background
thread of the server process first (``chatbot.engine.warmup.LOADER``), then serves the
``st.App`` of ``chatbot.web.app`` (Streamlit's pages plus ``/api/v1``, ``/widget.js`` and
``/widget-demo``) in this process; the pages and the API find the engine loading, or loaded,
in the same loader.

It refuses to start with a ``CHATBOT_STAFF_PASSWORD`` that fails the password policy, gives
Streamlit an upload limit equal to ``batch_max_bytes`` (rounded up to whole MB), and closes two
doors Streamlit leaves open (``harden_streamlit``).
"""

from __future__ import annotations

import logging
import math
import sys
from pathlib import Path
from typing import Any

from chatbot.settings import Settings

log = logging.getLogger(__name__)

APP = Path(__file__).resolve().parents[2] / "app.py"


def upload_limit_mb(settings: Settings) -> int:
    """``server.maxUploadSize`` for these settings: the batch limit rounded up to whole MB (Streamlit's unit)."""
    return max(1, math.ceil(settings.batch_max_bytes / 1_000_000))


def harden_streamlit() -> None:
    """Close what Streamlit leaves open to any visitor; safe to call more than once.

    * The "Clear cache" message: any websocket client can send it, and it empties the caches of
      every session (the engine's, the staff pages'). Here it only clears the sender's own session.
    * The auto-discovered pages: until ``app.py`` has run once, Streamlit serves each file of the
      ``pages/`` folder as a page of its own (a first visit to ``/staff_login`` after a restart ran
      that module on its own). The app declares its pages with ``st.navigation`` only.
    """
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.pages_manager import PagesManager

    def clear_own_session(self: AppSession) -> None:
        log.warning("ignored a request to clear the app's caches from a browser session (only its own state is cleared)")
        self._session_state.clear()

    AppSession._handle_clear_cache_request = clear_own_session
    PagesManager.uses_pages_directory = False


def server_config(*, address: str, port: int, upload_mb: int = 1) -> dict[str, Any]:
    """Streamlit's server options: loopback unless told otherwise, headless, no usage statistics,
    uploads no larger than the batch limit."""
    return {
        "server.address": address, "server.port": port, "server.headless": True, "browser.gatherUsageStats": False,
        "server.maxUploadSize": upload_mb,
    }


def serve(settings: Settings, *, address: str = "127.0.0.1", port: int = 8501) -> int:
    """Start loading the engine, then serve the app in this process until it is stopped.

    Raises ``ChatbotError`` when the app is missing or a web setting (``CHATBOT_WIDGET_ORIGINS``) is malformed.
    """
    from chatbot.engine.warmup import LOADER
    from chatbot.store.passwords import check_shared_password
    from chatbot.store.retention import purge_at_start
    from chatbot.web.app import build_app

    if not APP.is_file():
        from chatbot.errors import ChatbotError

        raise ChatbotError(f"the app is missing ({APP}); run `chatbot serve` from a clone of the project")
    check_shared_password(settings.staff_password, min_chars=settings.staff_password_min_chars, min_score=settings.staff_password_min_score)
    purge_at_start(settings)  # client records older than CHATBOT_RETENTION_DAYS go before the first visitor comes
    app = build_app(settings, APP)
    harden_streamlit()
    LOADER.start(settings)
    # App.run reads the launcher's folder for .streamlit/config.toml (no file watcher, no usage statistics)
    sys.argv = [str(APP)]
    app.run(config=server_config(address=address, port=port, upload_mb=upload_limit_mb(settings)))
    return 0
