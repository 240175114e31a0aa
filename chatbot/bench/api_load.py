"""`make bench`: the public API under load, beside the bound one query embedding per core sets.

A real ``chatbot serve`` (the app as ``make run`` starts it) answers ``POST /api/v1/answers`` while
this process drives it with 1, 8 and 32 concurrent clients: a bounded loop over distinct questions
(the evaluation set's), with the query-embedding cache off on the server, so every answer embeds
its question. Each level reports answers per second and the p50 and p95 latency a client saw.

The bound: an answer embeds its question once, and one bare query embedding (``model.encode`` of
one question, one torch thread) takes ``t`` seconds, so a machine with ``cores`` cores answers at
most ``cores / t`` questions a second. Target (the website issue): at 8 clients at least 60% of that
bound, with p95 under 250 ms. The client runs on the same cores as the server, so it costs the
server some of them; the table says so. This is a measurement: nothing here asserts a time.

``python -m chatbot.bench.api_load`` runs it alone (it builds a fresh index in a temporary folder).
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from chatbot.bench.processes import free_port, stop_process
from chatbot.settings import Settings, load_settings

LEVELS = (1, 8, 32)
"""Concurrent clients per run: one visitor, a busy clinic site, a flood."""
REQUESTS_PER_LEVEL = {1: 100, 8: 320, 32: 640}
"""Answers per level: enough for a stable p95, bounded so the run ends in about a minute."""
WARMUP_REQUESTS = 20
TARGET_SHARE = 0.60
TARGET_P95_MS = 250.0
START_TIMEOUT_SECONDS = 600
EMBED_SAMPLES = 60


@dataclass(frozen=True)
class LoadRow:
    clients: int
    answers: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float

    @property
    def per_second(self) -> float:
        return self.answers / self.seconds if self.seconds else 0.0


def _env(settings: Settings, folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATBOT_")}
    env.update(
        HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false", ANONYMIZED_TELEMETRY="False",
        CHATBOT_CONFIG=str(folder / "no-config.toml"), CHATBOT_CORPUS_DIR=str(Path(settings.corpus_dir).resolve()),
        CHATBOT_INDEX_DIR=str(Path(settings.index_dir).resolve()), CHATBOT_COMMON_QUESTIONS_FILE=str(settings.common_questions_path.resolve()),
        CHATBOT_DATABASE_URL=f"sqlite:///{folder / 'api-load.sqlite3'}",
        CHATBOT_QUERY_CACHE_SIZE="0",  # every answer embeds its question
        CHATBOT_VISITOR_QUESTIONS_PER_MINUTE="1000000", CHATBOT_IP_QUESTIONS_PER_MINUTE="1000000", CHATBOT_QUESTIONS_PER_DAY="1000000",
    )
    return env


@contextlib.contextmanager
def running_server(settings: Settings, folder: Path) -> Iterator[str]:
    """``chatbot serve`` on a free loopback port, ready to answer; yields its URL."""
    import httpx

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (folder / "serve.log").open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "chatbot.cli", "serve", "--port", str(port)], env=_env(settings, folder),
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"`chatbot serve` did not become ready; see {folder / 'serve.log'}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                    break
            time.sleep(0.2)
        yield url
    finally:
        stop_process(proc, timeout=15)


def drive(url: str, questions: Sequence[str], *, clients: int, requests: int) -> LoadRow:
    """``requests`` answers from ``clients`` threads, each asking its next question as soon as it has an answer."""
    import httpx

    lock = threading.Lock()
    todo = iter(range(requests))
    latencies: list[float] = []
    errors = [0]

    def client() -> None:
        visitor = uuid.uuid4().hex
        with httpx.Client(timeout=60, headers={"X-Visitor-Id": visitor}) as http:
            while True:
                with lock:
                    i = next(todo, None)
                if i is None:
                    return
                started = time.perf_counter()
                response = http.post(f"{url}/api/v1/answers", json={"question": questions[i % len(questions)]})
                elapsed = time.perf_counter() - started
                with lock:
                    if response.status_code == 200:
                        latencies.append(elapsed)
                    else:
                        errors[0] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    seconds = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]
    return LoadRow(clients, len(latencies), errors[0], seconds, 1000 * statistics.median(ordered),
                   1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))])


def embedding_seconds(settings: Settings, questions: Sequence[str]) -> float:
    """Median seconds of one bare query embedding (one question, one torch thread), as the server does it."""
    from chatbot.knowledge.embeddings import Embedder

    embedder = Embedder(settings.embedding_model, cache_size=0, threads=settings.query_threads)
    model = embedder.model
    for q in questions[:5]:
        model.encode([q])
    times = []
    for q in questions[:EMBED_SAMPLES]:
        started = time.perf_counter()
        model.encode([q])
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure_api_load(settings: Settings, questions: Sequence[str]) -> tuple[list[LoadRow], float]:
    """Every level's row, and the bound (answers per second) from one embedding per core."""
    distinct = list(dict.fromkeys(questions))
    bound = (os.cpu_count() or 1) / embedding_seconds(settings, distinct)
    with tempfile.TemporaryDirectory(prefix="chatbot-api-load-") as tmp, running_server(settings, Path(tmp)) as url:
        drive(url, distinct, clients=1, requests=WARMUP_REQUESTS)
        rows = [drive(url, distinct, clients=c, requests=REQUESTS_PER_LEVEL[c]) for c in LEVELS]
    return rows, bound


def format_load(rows: Sequence[LoadRow], bound: float) -> str:
    lines = [
        f"API load (POST /api/v1/answers, distinct questions, query cache off; bound: {os.cpu_count()} cores / one bare query "
        f"embedding = {bound:.0f} answers/s)",
        "| clients | answers | answers/s | share of bound | p50 ms | p95 ms | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [f"| {r.clients} | {r.answers} | {r.per_second:.1f} | {r.per_second / bound:.0%} | {r.p50_ms:.1f} | {r.p95_ms:.1f} | {r.errors} |"
              for r in rows]
    eight = next((r for r in rows if r.clients == 8), None)
    if eight is not None:
        met = eight.per_second >= TARGET_SHARE * bound and eight.p95_ms < TARGET_P95_MS
        lines.append(f"target at 8 clients: >= {TARGET_SHARE:.0%} of the bound and p95 < {TARGET_P95_MS:.0f} ms: "
                     f"{'met' if met else 'NOT met'} ({eight.per_second / bound:.0%}, p95 {eight.p95_ms:.0f} ms); "
                     "the load generator runs on the same cores")
    lines.append(f"load average {os.getloadavg()[0]:.1f} at the end of the run (other work on the machine inflates every number)")
    return "\n".join(lines)


def print_api_load(settings: Settings, questions: Sequence[str]) -> None:
    """What ``make bench`` prints for the API (called from ``chatbot.bench.latency.main``)."""
    rows, bound = measure_api_load(settings, questions)
    print()
    print(format_load(rows, bound))


def main() -> int:
    from chatbot.knowledge.embeddings import Embedder
    from chatbot.knowledge.index import build_index

    base = load_settings()
    with tempfile.TemporaryDirectory(prefix="chatbot-bench-") as tmp:
        settings = base.replace(index_dir=Path(tmp) / "index", chroma_host=None, chroma_port=None,
                                common_questions_file=base.common_questions_path)
        build_index(settings, Embedder(settings.embedding_model), show_progress=False)
        print_api_load(settings, evaluation_questions(settings))
    return 0


def evaluation_questions(settings: Settings) -> list[str]:
    """The labelled questions' texts (``corpus/eval/questions.yaml``), for a run of this module alone."""
    import yaml

    data = yaml.safe_load((Path(settings.corpus_dir) / "eval" / "questions.yaml").read_text(encoding="utf-8")) or {}
    return [str(q["question"]) for q in data.get("questions", [])]


if __name__ == "__main__":
    sys.exit(main())
