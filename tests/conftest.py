"""Shared fixtures: the real embedding model (loaded once) and real Chroma indexes in temp folders."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from chatbot.knowledge.embeddings import Embedder  # noqa: E402
from chatbot.settings import Settings, load_settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder()


def make_settings(tmp: Path, **overrides) -> Settings:
    """Settings isolated from the developer's environment: temp index, temp feedback database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATBOT_")}
    env["CHATBOT_CONFIG"] = str(tmp / "no-config.toml")
    values = {
        "corpus_dir": CORPUS,
        "index_dir": tmp / "index",
        "feedback_db": tmp / "feedback.sqlite3",
        "reports_dir": tmp / "reports",
        "common_questions_file": CORPUS / "common_questions.yaml",
    }
    values.update(overrides)
    return load_settings(env, **values)


def add_accounts(settings: Settings, *names: str, role: str = "clinician") -> None:
    """Create staff accounts (cheap hashes) for tests that approve or withdraw: the stores check the role."""
    from chatbot.store.accounts import AccountStore

    store = AccountStore(settings.replace(staff_hash_memory_kib=1024, staff_hash_passes=1))
    for name in names:
        store.add(name, "tulip meadow river", role=role)


def copy_corpus(dest: Path) -> Path:
    """A writable copy of the real articles (and nothing else) for tests that change the corpus."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in CORPUS.glob("*.md"):
        shutil.copy(path, dest / path.name)
    return dest


@pytest.fixture(scope="session")
def built_settings(tmp_path_factory, embedder) -> Settings:
    """The real corpus, ingested once per test session into a temporary folder."""
    from chatbot.knowledge.index import build_index

    settings = make_settings(tmp_path_factory.mktemp("shared-index"))
    build_index(settings, embedder, show_progress=False)
    return settings


@pytest.fixture(scope="session")
def engine(built_settings, embedder):
    from chatbot.engine.engine import Engine

    return Engine(built_settings, embedder=embedder)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 30.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited early with code {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout} s")


def stop_process(proc: subprocess.Popen, *, timeout: float = 10) -> None:
    """Terminate ``proc``, killing it when it does not exit within ``timeout`` seconds."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


@contextlib.contextmanager
def streamlit_app(env: dict[str, str], log: Path, *, timeout: float) -> Iterator[str]:
    """Run the real app as ``make run`` does (``chatbot serve``, which runs ``streamlit run app.py``
    after starting the engine's load) on a free loopback port; yields its URL."""
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "chatbot.cli", "serve", "--address", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, timeout=timeout, process=proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(proc, timeout=15)


@pytest.fixture
def chroma_server(tmp_path) -> Iterator[tuple[str, int, Path]]:
    """A real `chroma run` on a free loopback port; yields (host, port, data folder)."""
    port = free_port()
    data = tmp_path / "chroma-server"
    proc = subprocess.Popen(
        [str(BIN / "chroma"), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(data)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    try:
        wait_for_port(port, process=proc)
        yield "127.0.0.1", port, data
    finally:
        stop_process(proc)


# --- reliability helpers (issue 6): subprocess ingests, a restartable Chroma server ----------------


def chatbot_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for a `chatbot` subprocess that uses exactly ``settings``' corpus, index and database
    (never the developer's ``data/feedback.sqlite3``, where `make setup` imports the reviewed answers)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATBOT_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false", ANONYMIZED_TELEMETRY="False")
    env["CHATBOT_CONFIG"] = str(Path(settings.index_dir).parent / "no-config.toml")
    env["CHATBOT_CORPUS_DIR"] = str(settings.corpus_dir)
    env["CHATBOT_INDEX_DIR"] = str(settings.index_dir)
    env["CHATBOT_COMMON_QUESTIONS_FILE"] = str(settings.common_questions_path)
    if settings.database_url:
        env["CHATBOT_DATABASE_URL"] = settings.database_url
    elif settings.feedback_db:
        env["CHATBOT_FEEDBACK_DB"] = str(settings.feedback_db)
    if settings.chroma_server:
        env["CHATBOT_CHROMA_HOST"], env["CHATBOT_CHROMA_PORT"] = settings.chroma_host, str(settings.chroma_port)
    env.update(extra)
    return env


def answer_key(answer) -> tuple:
    """What a reader sees of an answer: the text, which passages it cites and the guardrail category."""
    return answer.text, tuple(c.chunk_id for c in answer.citations), answer.guardrail.category


class ChromaProcess:
    """A `chroma run` on 127.0.0.1 that a test can stop and start again on the same port and data."""

    def __init__(self, data: Path, port: int | None = None) -> None:
        self.data, self.port = data, port or free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> ChromaProcess:
        self.proc = subprocess.Popen(
            [str(BIN / "chroma"), "run", "--host", "127.0.0.1", "--port", str(self.port), "--path", str(self.data)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        wait_for_port(self.port, timeout=60, process=self.proc)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
        self.proc = None


@pytest.fixture
def chat_env(monkeypatch, tmp_path, built_settings) -> Settings:
    """Environment for the Streamlit app (AppTest): the session's index, a fresh feedback database."""
    for name in list(os.environ):
        if name.startswith("CHATBOT_"):
            monkeypatch.delenv(name)
    settings = make_settings(tmp_path, index_dir=built_settings.index_dir, feedback_db=tmp_path / "feedback" / "feedback.sqlite3")
    for name, value in chatbot_env(settings, CHATBOT_FEEDBACK_DB=str(settings.feedback_db)).items():
        if name.startswith("CHATBOT_"):
            monkeypatch.setenv(name, value)
    return settings


def open_chat(timeout: float = 300):
    """The app's chat page in a fresh AppTest session (the first run in a process loads the engine)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run(timeout=timeout)
    assert not at.exception, at.exception
    return at


def chat(at, question: str):
    """Type ``question`` in the chat box; returns the assistant's reply block."""
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at.chat_message[len(at.chat_message) - 1]


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[None]:
    """Make ``path`` unwritable: the immutable flag for root (who ignores permissions), else chmod."""
    as_root = os.geteuid() == 0
    if as_root:
        subprocess.run(["chattr", "+i", str(path)], check=False, capture_output=True)
    else:
        path.chmod(0o444)
    try:
        try:
            with path.open("ab"):
                pass
        except OSError:
            yield
            return
        pytest.skip("this machine cannot make a file read-only (root without chattr)")
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(path)], check=False, capture_output=True)
        else:
            path.chmod(0o644)


# --- PostgreSQL (issue 14): one throw-away server per test run, a database per test ----------------


@pytest.fixture(scope="session")
def postgres_server():
    from chatbot.store.throwaway_postgres import PostgresServer

    server = PostgresServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def postgres_url(postgres_server) -> Iterator[str]:
    """The URL of a new, empty database on the test server (dropped afterwards)."""
    name = postgres_server.new_database()
    try:
        yield postgres_server.url(name)
    finally:
        from chatbot.store.connection import dispose_engines

        dispose_engines()
        postgres_server.drop_database(name)
