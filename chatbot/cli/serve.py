"""``chatbot serve``: the chat pages, the public API and the website widget on one port, with the
answer engine loading from the moment the server starts.

``streamlit run app.py`` only runs the app's code when the first visitor arrives, so the
first visitor would wait for the model to load. This starts the load in a background
thread of the server process first (``chatbot.engine.warmup.LOADER``), then serves the
``st.App`` of ``chatbot.web.app`` (Streamlit's pages plus ``/api/v1``, ``/widget.js`` and
``/widget-demo``) in this process; the pages and the API find the engine loading, or loaded,
in the same loader.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from chatbot.settings import Settings

APP = Path(__file__).resolve().parents[2] / "app.py"


def server_config(*, address: str, port: int) -> dict[str, Any]:
    """Streamlit's server options: loopback unless told otherwise, headless, no usage statistics."""
    return {"server.address": address, "server.port": port, "server.headless": True, "browser.gatherUsageStats": False}


def serve(settings: Settings, *, address: str = "127.0.0.1", port: int = 8501) -> int:
    """Start loading the engine, then serve the app in this process until it is stopped.

    Raises ``ChatbotError`` when the app is missing or a web setting (``CHATBOT_WIDGET_ORIGINS``) is malformed.
    """
    from chatbot.engine.warmup import LOADER
    from chatbot.web.app import build_app

    if not APP.is_file():
        from chatbot.errors import ChatbotError

        raise ChatbotError(f"the app is missing ({APP}); run `chatbot serve` from a clone of the project")
    app = build_app(settings, APP)
    LOADER.start(settings)
    # App.run reads the launcher's folder for .streamlit/config.toml (no file watcher, no usage statistics)
    sys.argv = [str(APP)]
    app.run(config=server_config(address=address, port=port))
    return 0
