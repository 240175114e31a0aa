"""A ``chroma run`` server for ``make bench-scale``: the same index folder, served on a loopback port,
so answers are also timed through a Chroma server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chatbot.bench.processes import free_port, stop_process

SERVER_START_SECONDS = 120


@contextmanager
def chroma_server(path: Path) -> Iterator[int]:
    """A ``chroma run`` on a free 127.0.0.1 port serving ``path``; yields the port."""
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen(
        [str(chroma), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"`chroma run` did not start on port {port}")
            time.sleep(0.2)
        yield port
    finally:
        stop_process(proc, timeout=20)
