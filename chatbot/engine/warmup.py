"""Load the answer engine in the background, so a server is usable before the model is.

Loading the engine (the embedding model, the index, the guardrail) takes seconds. The chat
page must not sit blank behind a spinner meanwhile: ``chatbot serve`` starts the load when
the server starts, pages render at once, and a question asked before the engine is ready
waits for it (``EngineLoader.wait``) with a visible "getting ready" message.

One ``EngineLoader`` per process (``LOADER``), shared by every session and page. Each
distinct engine configuration (``engine_key``) is loaded once, by one thread; a load that
failed is forgotten, so the next request tries again (for example after the index is built).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from chatbot.settings import Settings

log = logging.getLogger(__name__)

State = Literal["absent", "loading", "ready", "failed"]


def engine_key(settings: Settings) -> str:
    """The engine cache key: every setting the engine reads, but not the app-only ones.

    Two sessions (or two tests) with different indexes get different engines; a different
    feedback database or staff setting (password, lockout, idle time) does not reload the model.
    """
    staff = {f.name: f.default for f in dataclasses.fields(settings) if f.name.startswith("staff_")}
    return repr(settings.replace(feedback_db=None, database_url="-", reports_dir=Path("-"), **staff))


def _default_factory(settings: Settings):
    from chatbot.engine.engine import Engine  # imported here: importing the chain pulls in torch (seconds)

    return Engine(settings)


@dataclass
class _Load:
    future: Future
    started: float
    finished: float | None = None


class EngineLoader:
    """Loads engines in background threads, once per ``engine_key``; thread-safe.

    ``factory(settings)`` builds an engine (``chatbot.engine.engine.Engine`` by default). At most
    ``max_entries`` engines are kept; the least recently used one is dropped beyond that.
    """

    def __init__(self, factory: Callable[[Settings], object] = _default_factory, *, max_entries: int = 4) -> None:
        self._factory = factory
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self._loads: OrderedDict[str, _Load] = OrderedDict()

    def start(self, settings: Settings) -> Future:
        """Start loading the engine for ``settings`` unless it is loading or loaded; returns its future."""
        key = engine_key(settings)
        with self._lock:
            load = self._loads.get(key)
            if load is not None and not (load.future.done() and load.future.exception() is not None):
                self._loads.move_to_end(key)
                return load.future
            load = _Load(Future(), time.perf_counter())
            self._loads[key] = load
            while len(self._loads) > self._max_entries:
                self._loads.popitem(last=False)
        thread = threading.Thread(target=self._run, args=(load, settings), name="engine-loader", daemon=True)
        thread.start()
        return load.future

    def _run(self, load: _Load, settings: Settings) -> None:
        if not load.future.set_running_or_notify_cancel():
            return
        try:
            engine = self._factory(settings)
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits, who shows it
            load.finished = time.perf_counter()
            log.warning("the answer engine could not start: %s", exc)
            load.future.set_exception(exc)
        else:
            load.finished = time.perf_counter()
            log.info("answer engine ready in %.1f s", load.finished - load.started)
            load.future.set_result(engine)

    def state(self, settings: Settings) -> State:
        with self._lock:
            load = self._loads.get(engine_key(settings))
        if load is None:
            return "absent"
        if not load.future.done():
            return "loading"
        return "failed" if load.future.exception() is not None else "ready"

    def ready(self, settings: Settings):
        """The engine when it is loaded, else None (never waits, never raises)."""
        return self.start(settings).result() if self.state(settings) == "ready" else None

    def wait(self, settings: Settings, *, timeout: float | None = None):
        """The engine for ``settings``, starting its load if needed and waiting up to ``timeout``
        seconds. Raises what loading raised (``IndexMissingError``...), or ``TimeoutError``."""
        future = self.start(settings)
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            raise TimeoutError(f"the answer engine was not ready after {timeout:.0f} s") from None

    def seconds_loading(self, settings: Settings) -> float:
        """How long the current load has been running (0 when there is none)."""
        with self._lock:
            load = self._loads.get(engine_key(settings))
        if load is None:
            return 0.0
        return (load.finished or time.perf_counter()) - load.started


LOADER = EngineLoader()
"""The process's loader: ``chatbot serve`` starts it with the server, the pages wait on it."""
