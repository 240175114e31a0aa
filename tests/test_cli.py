"""The `chatbot` console script, run as a user runs it: a subprocess of .venv/bin/chatbot."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import BIN, chatbot_env, free_port, make_settings

pytestmark = pytest.mark.slow

CHATBOT = str(BIN / "chatbot")
PORES = {"microneedling-pore-size", "treat-large-pores"}
CONTRACT = {"question", "answer", "citations", "guardrail", "timings_ms"}
CITATION_KEYS = {"n", "article", "title", "section", "chunk_id", "text", "score"}
TIMEOUT = 300
"""Seconds before a hung command fails the test; a normal run takes 10-30 s on a busy 2-core machine."""


def run(args: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([CHATBOT, *args], env=env, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=TIMEOUT)


def assert_one_error_line(result: subprocess.CompletedProcess, *, mentions: str) -> str:
    """Non-zero exit, no traceback, and stderr is exactly one `error: ...` line that says what to do."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert lines == errors, f"stderr has more than the error line:\n{result.stderr}"
    assert mentions in errors[0], errors[0]
    assert result.stdout == ""
    return errors[0]


@pytest.fixture
def env(built_settings) -> dict[str, str]:
    return chatbot_env(built_settings)


# --- bad questions fail fast, before the model loads ----------------------------------------------


@pytest.mark.parametrize(
    ("question", "mentions"),
    [("", "empty"), ("   \t  ", "empty"), ("x" * 2001, "2,000 characters")],
)
def test_bad_question_is_one_error_line(env, tmp_path, question, mentions):
    result = run(["ask", question], env, tmp_path)
    assert_one_error_line(result, mentions=mentions)


def test_missing_question_says_how_to_ask(env, tmp_path):
    assert_one_error_line(run(["ask"], env, tmp_path), mentions="chatbot ask")


def test_invalid_setting_names_the_variable(env, tmp_path):
    result = run(["ask", "does it hurt?"], {**env, "CHATBOT_CHROMA_PORT": "eighty"}, tmp_path)
    assert_one_error_line(result, mentions="CHATBOT_CHROMA_PORT")


# --- index and server problems ------------------------------------------------------------------


def _missing_index(tmp_path: Path) -> dict[str, str]:
    return chatbot_env(make_settings(tmp_path, index_dir=tmp_path / "no-index"))


def _corrupt_index(tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / "corrupt-index"
    folder.mkdir()
    (folder / "chroma.sqlite3").write_bytes(b"not a database, just garbage\n" * 200)
    return chatbot_env(make_settings(tmp_path, index_dir=folder))


def _unreachable_server(tmp_path: Path) -> dict[str, str]:
    port = str(free_port())  # nothing listens there
    return chatbot_env(make_settings(tmp_path), CHATBOT_CHROMA_HOST="127.0.0.1", CHATBOT_CHROMA_PORT=port)


@pytest.fixture(scope="module")
def index_problems(tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    """`chatbot ask` run once against each broken setup: {name: (its folder, the result)}."""
    out = {}
    for problem in (_missing_index, _corrupt_index, _unreachable_server):
        folder = tmp_path_factory.mktemp(problem.__name__.strip("_"))
        env = problem(folder)
        out[problem.__name__.strip("_")] = (folder, run(["ask", "does it hurt?"], env, folder), env)
    return out


def test_missing_index_says_run_ingest_and_creates_nothing(index_problems):
    folder, result, _ = index_problems["missing_index"]
    assert_one_error_line(result, mentions="chatbot ingest")
    assert not (folder / "no-index").exists()


def test_corrupt_index_is_one_error_line_and_the_file_is_kept(index_problems):
    folder, result, _ = index_problems["corrupt_index"]
    line = assert_one_error_line(result, mentions="chatbot ingest")
    assert "corrupt-index" in line
    assert (folder / "corrupt-index" / "chroma.sqlite3").read_bytes().startswith(b"not a database")


def test_unreachable_chroma_server_names_host_and_port(index_problems):
    _, result, env = index_problems["unreachable_server"]
    line = assert_one_error_line(result, mentions="chroma run")
    assert f"127.0.0.1:{env['CHATBOT_CHROMA_PORT']}" in line


def test_ingest_to_unreachable_chroma_server_is_one_error_line(tmp_path):
    env = _unreachable_server(tmp_path)
    line = assert_one_error_line(run(["ingest", "--quiet"], env, tmp_path), mentions="chroma run")
    assert env["CHATBOT_CHROMA_PORT"] in line


# --- the done-when commands -----------------------------------------------------------------------


def _ask_json(env: dict[str, str], cwd: Path, question: str) -> dict:
    result = run(["ask", "--json", question], env, cwd)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= CONTRACT
    for c in data["citations"]:
        assert set(c) >= CITATION_KEYS
    assert {"category", "reason", "message"} <= set(data["guardrail"])
    assert {"retrieve", "answer", "total"} <= set(data["timings_ms"])
    return data


def test_pore_question_cites_the_pore_articles(env, tmp_path):
    data = _ask_json(env, tmp_path, "Does microneedling shrink pores?")
    assert data["guardrail"]["category"] == "general"
    cited = [c["article"] for c in data["citations"]]
    assert cited and cited[0] in PORES and set(cited) <= PORES, cited
    assert "[1]" in data["answer"]


def test_blood_thinners_is_medical_and_recommends_a_dermatologist(env, tmp_path):
    data = _ask_json(env, tmp_path, "I'm on blood thinners, can I have microneedling?")
    assert data["guardrail"]["category"] == "medical"
    assert "dermatologist" in data["guardrail"]["message"]
    assert "dermatologist" in data["answer"].split("\n\n")[-1]


def test_off_topic_question_is_out_of_scope_with_no_citations(env, tmp_path):
    data = _ask_json(env, tmp_path, "Can you recommend a good pizza place in town?")
    assert data["guardrail"]["category"] == "out_of_scope"
    assert data["citations"] == []
    assert "[1]" not in data["answer"]
    assert "clinic" in data["answer"]


@pytest.fixture(scope="module")
def plain_answer(built_settings, tmp_path_factory) -> subprocess.CompletedProcess:
    cwd = tmp_path_factory.mktemp("plain-answer")
    return run(["ask", "Is microneedling painful?", "--history", "what is microneedling?"], chatbot_env(built_settings), cwd)


def test_plain_answer_lists_numbered_sources(plain_answer):
    assert plain_answer.returncode == 0, plain_answer.stderr
    assert "[1]" in plain_answer.stdout
    assert any(line.startswith("[1] ") and " — " in line for line in plain_answer.stdout.splitlines())
    assert "not medical advice" in plain_answer.stdout


def test_plain_answer_prints_nothing_on_stderr(plain_answer):
    assert plain_answer.stderr.strip() == ""


# --- --jsonl --------------------------------------------------------------------------------------


JSONL_LINES = [
    ('"Does microneedling shrink pores?"', "ok"),
    ('{"question": "How long do the results last?", "history": ["Can microneedling reduce pore size?"]}', "ok"),
    ('{"question": "broken json', "error"),
    ('{"question": 42}', "error"),
    ('{"question": "is it safe?", "history": "not a list"}', "error"),
    ('{"question": "is it safe?", "history": [1, 2]}', "error"),
    ("[1, 2, 3]", "error"),
    ('{"history": []}', "error"),
    ('{"question": "   "}', "error"),
    ("", "skip"),
    ('{"question": "I\'m on blood thinners, can I have microneedling?"}', "ok"),
]


def _check_jsonl_output(stdout: str) -> list[dict]:
    records = [json.loads(line) for line in stdout.splitlines()]
    expected = [kind for _, kind in JSONL_LINES if kind != "skip"]
    assert len(records) == len(expected), stdout
    for record, kind in zip(records, expected, strict=True):
        if kind == "ok":
            assert set(record) >= CONTRACT and "error" not in record, record
        else:
            assert {"question", "error"} <= set(record), record
            assert isinstance(record["error"], str) and record["error"], record
    return records


def test_jsonl_answers_every_line_and_reports_bad_ones(env, tmp_path):
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(line for line, _ in JSONL_LINES) + "\n", encoding="utf-8")
    result = run(["ask", "--jsonl", str(path)], env, tmp_path)
    assert "Traceback" not in result.stderr
    records = _check_jsonl_output(result.stdout)
    assert records[0]["question"] == "Does microneedling shrink pores?"
    assert {c["article"] for c in records[1]["citations"]} & PORES  # the history was used
    assert records[3]["question"] == 42  # the bad value is echoed so the line can be found
    assert "not valid JSON" in records[2]["error"]
    assert records[-1]["guardrail"]["category"] == "medical"  # the run went on after the bad lines


def test_a_bad_line_in_the_middle_does_not_stop_the_run_and_chat_style_history_works(env, tmp_path):
    lines = [
        '"Does microneedling hurt?"',
        "[" * 100_000 + "]" * 100_000,  # nested deeper than any parser allows
        json.dumps({"question": "x", "history": [[[[[["deep"]]]]]]}),
        json.dumps({"question": "How long do the results last?", "history": [
            {"role": "user", "content": "Can microneedling reduce pore size?"},
            {"role": "assistant", "content": "Microneedling can make pores look smaller [1]."},
        ]}),
        '"Is microneedling safe for dark skin?"',
    ]
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(["ask", "--jsonl", str(path)], env, tmp_path)
    assert "Traceback" not in result.stderr and "Error" not in result.stderr, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(lines)
    assert [("error" in r) for r in records] == [False, True, True, False, False]
    assert records[1]["line"] == 2 and "levels deep" in records[1]["error"]
    assert "chat turns" in records[2]["error"]
    assert {c["article"] for c in records[3]["citations"]} & PORES  # the user's turn of the chat-style history was used
    assert result.returncode == 3


def test_a_reader_that_stops_early_ends_the_command_quietly(built_settings, tmp_path):
    from chatbot.store.feedback import FeedbackStore

    settings = make_settings(tmp_path, index_dir=built_settings.index_dir)
    db = FeedbackStore(settings, background=False).db
    now = "2026-01-01T00:00:00+00:00"
    rows = [{"uid": f"u{i}", "created_at": now, "session_id": "s", "question": f"Does it hurt? {'x' * 500} {i}", "history": "[]",
             "answer": "y" * 500, "citations": "[]", "category": "general", "language": "en", "comment": "", "size": 1000} for i in range(400)]

    def insert(tx):
        from chatbot.store.schema import feedback

        tx.conn.execute(feedback.insert(), rows)

    db.write(insert)
    proc = subprocess.Popen([CHATBOT, "privacy", "export", "--session", "s"], env=chatbot_env(settings), cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.read(10)  # then the reader goes away, like `| head -c 10`, with about 400 KB still to come
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=TIMEOUT)
    assert stderr == "" and proc.returncode == 141


def test_jsonl_reads_stdin(env, tmp_path):
    stdin = "\n".join(line for line, _ in JSONL_LINES) + "\n"
    result = run(["ask", "--jsonl", "-"], env, tmp_path, stdin=stdin)
    assert "Traceback" not in result.stderr
    _check_jsonl_output(result.stdout)


def test_jsonl_file_that_does_not_exist_is_one_error_line(env, tmp_path):
    assert_one_error_line(run(["ask", "--jsonl", str(tmp_path / "nope.jsonl")], env, tmp_path), mentions="nope.jsonl")
