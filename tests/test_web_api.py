"""The public answers API (chatbot/web) against a real ``chatbot serve``: the real model, index and database.

Every response is checked against the server's own OpenAPI description, and the routes are fuzzed
from it with hypothesis: no 5xx, no traceback, always the documented JSON.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import jsonschema
import pytest
from conftest import chatbot_env, streamlit_app
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from chatbot.settings import Settings, load_settings
from chatbot.store.feedback import HELPFUL, FeedbackStore

pytestmark = [pytest.mark.slow, pytest.mark.server]

STARTUP_SECONDS = 300
"""Bound on the server's start and the engine's load (about 10 s idle; much more on a busy machine)."""
CLINIC = "https://www.clinic.example"
SPEC_KEYS = {"question", "answer", "citations", "guardrail", "timings_ms", "disclaimer", "related_questions", "generator", "reviewed",
             "language", "more_from_the_articles", "suggestions"}


@dataclass
class WebServer:
    url: str
    settings: Settings
    log: Path

    def post(self, path: str, body: object, **headers: str) -> httpx.Response:
        return httpx.post(self.url + path, content=json.dumps(body), headers={"Content-Type": "application/json", **headers}, timeout=120)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def web_server(settings: Settings, folder: Path, **extra: str) -> Iterator[WebServer]:
    """``chatbot serve`` as ``make run`` starts it, on a free loopback port, with the session's index and
    its own database; returns once the API says the engine is ready."""
    folder.mkdir(parents=True, exist_ok=True)
    database = f"sqlite:///{folder / 'chatbot.sqlite3'}"
    env = chatbot_env(settings, CHATBOT_DATABASE_URL=database, CHATBOT_CONFIG=str(folder / "no-config.toml"), **extra)
    env.pop("CHATBOT_FEEDBACK_DB", None)
    log = folder / "server.log"
    with streamlit_app(env, log, timeout=120) as url:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:  # bounded: the engine loads in the background
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/api/v1/health", timeout=10).status_code == 200:
                    break
            time.sleep(0.5)
        else:
            pytest.fail(f"the API was not ready after {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")
        yield WebServer(url, load_settings({k: v for k, v in env.items() if k.startswith("CHATBOT_")}), log)


@pytest.fixture(scope="module")
def server(built_settings, tmp_path_factory) -> Iterator[WebServer]:
    with web_server(built_settings, tmp_path_factory.mktemp("web-api"), CHATBOT_WIDGET_ORIGINS=f"{CLINIC}, http://127.0.0.1:9",
                    CHATBOT_VISITOR_QUESTIONS_PER_MINUTE="100000", CHATBOT_IP_QUESTIONS_PER_MINUTE="100000") as web:
        yield web


@pytest.fixture(scope="module")
def spec(server) -> dict:
    return httpx.get(server.url + "/api/v1/openapi.json", timeout=30).json()


def check(spec: dict, path: str, method: str, response: httpx.Response) -> None:
    """The response is what the OpenAPI description says for its status, and never a traceback."""
    assert response.status_code < 500 or response.status_code == 503, response.text
    assert "Traceback" not in response.text and 'File "' not in response.text
    documented = spec["paths"][path][method]["responses"]
    assert str(response.status_code) in documented, f"{method} {path} answered {response.status_code}, which is not documented"
    schema = documented[str(response.status_code)]["content"]["application/json"]["schema"]
    jsonschema.validate(response.json(), {**schema, "components": spec["components"]}, cls=jsonschema.Draft202012Validator)
    if response.status_code in (429, 503):
        assert int(response.headers["Retry-After"]) >= 1


def logged(server: WebServer, wanted) -> list:
    """The feedback records ``wanted`` picks, once the server's writer thread has stored them (answers are
    logged off the answer path); bounded."""
    deadline = time.monotonic() + 30
    while True:
        found = [r for r in FeedbackStore(server.settings).records() if wanted(r)]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_an_answer_is_the_ask_json_plus_its_conversation_and_answer_ids(server, spec, engine):
    response = server.post("/api/v1/answers", {"question": "Does microneedling hurt?"})
    assert response.status_code == 200, response.text
    check(spec, "/api/v1/answers", "post", response)
    body = response.json()
    assert set(body) == SPEC_KEYS | {"conversation_id", "answer_id"}
    expected = engine.ask("Does microneedling hurt?").to_json()
    assert {k: body[k] for k in SPEC_KEYS - {"timings_ms"}} == {k: expected[k] for k in SPEC_KEYS - {"timings_ms"}}
    assert "[1]" in body["answer"] and body["citations"][0]["text"]


def test_a_follow_up_is_read_with_the_conversation_kept_on_the_server(server, spec, engine):
    first = server.post("/api/v1/answers", {"question": "Can microneedling reduce pore size?"}).json()
    follow_up = server.post("/api/v1/answers", {"question": "How long do the results last?", "conversation_id": first["conversation_id"]})
    alone = server.post("/api/v1/answers", {"question": "How long do the results last?"}).json()
    check(spec, "/api/v1/answers", "post", follow_up)
    assert follow_up.json()["conversation_id"] == first["conversation_id"] != alone["conversation_id"]
    assert follow_up.json()["answer"] == engine.ask("How long do the results last?", ["Can microneedling reduce pore size?"]).text
    assert follow_up.json()["answer"] != alone["answer"] == engine.ask("How long do the results last?").text
    [record] = logged(server, lambda r: r.answer == follow_up.json()["answer"])
    assert record.history == ("Can microneedling reduce pore size?",) and record.session_id == first["conversation_id"]


def test_streamed_answers_are_server_sent_events_ending_with_the_full_json(server):
    with httpx.stream("POST", server.url + "/api/v1/answers", json={"question": "Does microneedling hurt?"},
                      headers={"Accept": "text/event-stream"}, timeout=120) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        raw = "".join(response.iter_text())
    events = [dict(line.split(": ", 1) for line in block.splitlines()) for block in raw.strip().split("\n\n")]
    assert [e["event"] for e in events[:-1]] == ["delta"] * (len(events) - 1) and events[-1]["event"] == "answer"
    final = json.loads(events[-1]["data"])
    assert "".join(json.loads(e["data"])["text"] for e in events[:-1]) == final["answer"]
    assert final["answer_id"] and final["conversation_id"]


def test_a_rating_is_stored_like_the_chat_pages_with_the_comment_redacted(server, spec):
    answer = server.post("/api/v1/answers", {"question": "Is microneedling safe? Call me on +44 20 7946 0958"}).json()
    rated = server.post("/api/v1/feedback", {"answer_id": answer["answer_id"], "rating": "up", "comment": "Clear, thanks! anna@example.com"})
    check(spec, "/api/v1/feedback", "post", rated)
    [record] = [r for r in FeedbackStore(server.settings).records() if r.session_id == answer["conversation_id"]]
    assert record.rating == HELPFUL and record.comment == "Clear, thanks! [email removed]"
    assert record.question == "Is microneedling safe? Call me on [phone removed]"
    unknown = server.post("/api/v1/feedback", {"answer_id": "0" * 32, "rating": "down"})
    assert unknown.status_code == 404 and unknown.json()["error"]["field"] == "answer_id"


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"question": ""}, 422, "invalid_question"),
    ({"question": "   "}, 422, "invalid_question"),
    ({}, 422, "invalid_question"),
    ({"question": 42}, 422, "invalid_question"),
    ({"question": "x" * 2001}, 422, "question_too_long"),
    ({"question": "Does it hurt?", "conversation_id": "abc"}, 422, "invalid_conversation_id"),
    ({"question": "Does it hurt?", "conversation_id": "f" * 32}, 404, "conversation_not_found"),
    ({"question": "Does it hurt?", "language": ["es"]}, 422, "invalid_language"),
    ({"question": "Does it hurt?", "questoin": "typo"}, 422, "unknown_field"),
    (["Does it hurt?"], 422, "invalid_body"),
])
def test_bad_questions_get_a_clear_refusal(server, spec, body, status, code):
    response = server.post("/api/v1/answers", body)
    check(spec, "/api/v1/answers", "post", response)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert len(response.json()["error"]["message"]) > 20


def test_bodies_that_are_not_json_or_too_large_are_refused(server, spec):
    cases = [
        (httpx.post(server.url + "/api/v1/answers", content=b"{not json", headers={"Content-Type": "application/json"}), 400),
        (httpx.post(server.url + "/api/v1/answers", content=b"\xff\xfe", headers={"Content-Type": "application/json"}), 400),
        (httpx.post(server.url + "/api/v1/answers", content=b"question=hi", headers={"Content-Type": "text/plain"}), 415),
        (server.post("/api/v1/answers", {"question": "a" * 20_000}), 413),
        (httpx.get(server.url + "/api/v1/answers"), 405),
        (httpx.delete(server.url + "/api/v1/feedback"), 405),
    ]
    for response, status in cases:
        assert response.status_code == status, response.text
        check(spec, "/api/v1/answers" if "answers" in str(response.url) else "/api/v1/feedback", "post", response)  # 405 is documented there
    assert httpx.get(server.url + "/api/v1/staff").status_code == 404


def test_only_allowed_origins_may_call_from_a_browser_and_refusals_are_logged(server):
    allowed = server.post("/api/v1/answers", {"question": "Does microneedling hurt?"}, Origin=CLINIC)
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == CLINIC
    own = server.post("/api/v1/answers", {"question": "Does microneedling hurt?"}, Origin=server.url)
    assert own.status_code == 200
    preflight = httpx.options(server.url + "/api/v1/answers", headers={
        "Origin": CLINIC, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-visitor-id"})
    assert preflight.status_code == 204 and "X-Visitor-Id" in preflight.headers["access-control-allow-headers"]
    assert "access-control-allow-credentials" not in preflight.headers

    refused = server.post("/api/v1/answers", {"question": "Does microneedling hurt?"}, Origin="https://copycat.example")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "origin_not_allowed"
    assert "access-control-allow-origin" not in refused.headers
    assert httpx.options(server.url + "/api/v1/answers", headers={"Origin": "null", "Access-Control-Request-Method": "POST"}).status_code == 403
    deadline = time.monotonic() + 10
    while "origin https://copycat.example" not in server.log_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "refused POST /api/v1/answers from origin https://copycat.example: not in CHATBOT_WIDGET_ORIGINS" in server.log_text()


def test_health_starters_and_the_openapi_description(server, spec):
    health = httpx.get(server.url + "/api/v1/health")
    check(spec, "/api/v1/health", "get", health)
    assert health.json() == {"status": "ready", "engine": "ready"}
    starters = httpx.get(server.url + "/api/v1/starter-questions")
    check(spec, "/api/v1/starter-questions", "get", starters)
    assert len(starters.json()["questions"]) == server.settings.starter_questions
    assert spec["openapi"] == "3.1.0"
    assert set(spec["paths"]) == {"/api/v1/answers", "/api/v1/feedback", "/api/v1/starter-questions", "/api/v1/health", "/api/v1/openapi.json"}
    jsonschema.Draft202012Validator.check_schema({"$defs": spec["components"]["schemas"]})
    assert spec["components"]["schemas"]["AnswerRequest"]["properties"]["question"]["maxLength"] == server.settings.max_question_chars


# --- fuzzing from the OpenAPI description --------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12,
)


def near_valid(properties: dict[str, st.SearchStrategy]) -> st.SearchStrategy:
    """Objects with the documented fields (some left out, some of the wrong type), sometimes with an unknown one."""
    fields = {name: strategy | JSON_VALUES for name, strategy in properties.items()}
    return st.fixed_dictionaries({}, optional=fields) | st.fixed_dictionaries(fields, optional={"extra": JSON_VALUES})


QUESTIONS = st.sampled_from(["Does microneedling hurt?", "¿Duele el microneedling?", "I have pus and a fever after microneedling",
                             "What is the capital of France?", "downtime?"]) | st.text(min_size=1, max_size=300)
IDS = st.sampled_from([None, "0" * 32, "f" * 31, "F" * 32]) | st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)
ANSWER_BODIES = near_valid({"question": QUESTIONS, "conversation_id": IDS, "language": st.sampled_from([None, "es", "pl-PL", "xx", ""])})
FEEDBACK_BODIES = near_valid({"answer_id": IDS, "rating": st.sampled_from(["up", "down", "UP", ""]), "comment": st.none() | st.text(max_size=50)})
HEADERS = st.fixed_dictionaries({}, optional={
    "Accept": st.sampled_from(["application/json", "*/*", "text/html"]),
    "X-Visitor-Id": st.sampled_from(["abc", "a" * 65, "bad id!", "visitor-1"]),
    "Accept-Language": st.sampled_from(["es-ES,es;q=0.9", "pl", "*", ";;;"]),
})


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=ANSWER_BODIES | JSON_VALUES, headers=HEADERS)
def test_fuzz_answers(server, spec, body, headers):
    check(spec, "/api/v1/answers", "post", server.post("/api/v1/answers", body, **headers))


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=FEEDBACK_BODIES | JSON_VALUES)
def test_fuzz_feedback(server, spec, body):
    check(spec, "/api/v1/feedback", "post", server.post("/api/v1/feedback", body))


@hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(raw=st.binary(max_size=200), content_type=st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain", ""]))
def test_fuzz_raw_bodies(server, spec, raw, content_type):
    response = httpx.post(server.url + "/api/v1/answers", content=raw, headers={"Content-Type": content_type}, timeout=120)
    check(spec, "/api/v1/answers", "post", response)


def test_the_server_log_has_no_traceback_after_the_fuzzing(server):
    assert "Traceback" not in server.log_text(), server.log_text()[-3000:]


def test_the_api_uses_no_cookies(server):
    response = server.post("/api/v1/answers", {"question": "Does microneedling hurt?"}, Origin=CLINIC)
    assert "set-cookie" not in response.headers
