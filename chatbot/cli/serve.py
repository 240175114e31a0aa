"""``chatbot serve``: the Streamlit app, with the answer engine loading from the moment it starts.

``streamlit run app.py`` only runs the app's code when the first visitor arrives, so the
first visitor would wait for the model to load. This starts the load in a background
thread of the server process first (``chatbot.engine.warmup.LOADER``), then hands the process
to Streamlit; the pages find the engine loading, or loaded, in the same loader.
"""

from __future__ import annotations

import sys
from pathlib import Path

from chatbot.settings import Settings

APP = Path(__file__).resolve().parents[2] / "app.py"


def streamlit_argv(app: Path, *, address: str, port: int, extra: list[str]) -> list[str]:
    """``streamlit run`` arguments: loopback unless told otherwise, headless, no usage statistics."""
    return [
        "streamlit", "run", str(app), "--server.address", address, "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false", *extra,
    ]


def serve(settings: Settings, *, address: str = "127.0.0.1", port: int = 8501, extra: list[str] | None = None) -> int:
    """Start loading the engine, then run Streamlit in this process until it is stopped."""
    from streamlit.web import cli as streamlit_cli

    from chatbot.engine.warmup import LOADER

    if not APP.is_file():
        from chatbot.errors import ChatbotError

        raise ChatbotError(f"the app is missing ({APP}); run `chatbot serve` from a clone of the project")
    from chatbot.store.retention import purge_at_start

    purge_at_start(settings)  # client records older than CHATBOT_RETENTION_DAYS go before the first visitor comes
    LOADER.start(settings)
    sys.argv = streamlit_argv(APP, address=address, port=port, extra=extra or [])
    try:
        streamlit_cli.main()
    except SystemExit as exc:  # click ends the process this way; keep its code
        return int(exc.code or 0)
    return 0
