"""Question limits in the store (chatbot/store/rate_limits.py) and the API's conversations
(chatbot/store/conversations.py), on SQLite and on a throw-away PostgreSQL server."""

from __future__ import annotations

import threading

import pytest
from conftest import make_settings

from chatbot.errors import RateLimitedError
from chatbot.store.conversations import ConversationStore, new_conversation_id
from chatbot.store.rate_limits import DAY, MINUTE, Limit, RateLimiter, question_limits, subject


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


NOON = 1_800_000_000 - 1_800_000_000 % DAY + DAY // 2  # a UTC noon, on a minute boundary


def test_a_visitor_over_the_minute_limit_is_refused_until_the_minute_ends(tmp_path):
    settings = make_settings(tmp_path, visitor_questions_per_minute=3, ip_questions_per_minute=100)
    clock = Clock(NOON + 15)
    limiter = RateLimiter(settings, clock=clock)
    limits = question_limits(settings, visitor="anna", address="10.0.0.1")
    for _ in range(3):
        limiter.take(limits)
    with pytest.raises(RateLimitedError) as refused:
        limiter.take(limits)
    assert refused.value.limit == "visitor" and refused.value.retry_after == 45
    assert [limiter.used(limit) for limit in limits] == [3, 3, 3], "a refused question is not counted anywhere"

    limiter.take(question_limits(settings, visitor="ben", address="10.0.0.1"))  # another visitor meanwhile
    clock.now = NOON + MINUTE
    limiter.take(limits)  # a new minute


def test_the_address_limit_holds_whatever_visitor_ids_a_script_invents(tmp_path):
    settings = make_settings(tmp_path, visitor_questions_per_minute=20, ip_questions_per_minute=5)
    limiter = RateLimiter(settings, clock=Clock(NOON))
    for i in range(5):
        limiter.take(question_limits(settings, visitor=f"made-up-{i}", address="10.0.0.9"))
    with pytest.raises(RateLimitedError) as refused:
        limiter.take(question_limits(settings, visitor="made-up-5", address="10.0.0.9"))
    assert refused.value.limit == "ip"


def test_the_day_limit_counts_every_visitor_and_resets_at_midnight_utc(tmp_path):
    settings = make_settings(tmp_path, questions_per_day=4)
    clock = Clock(NOON)
    limiter = RateLimiter(settings, clock=clock)
    for i in range(4):
        limiter.take(question_limits(settings, visitor=f"v{i}", address=f"10.0.0.{i}"))
    with pytest.raises(RateLimitedError) as refused:
        limiter.take(question_limits(settings, visitor="v9", address="10.0.0.9"))
    assert refused.value.limit == "day" and refused.value.retry_after == DAY // 2
    clock.now = NOON + DAY // 2
    limiter.take(question_limits(settings, visitor="v9", address="10.0.0.9"))


def test_expired_counters_are_deleted(tmp_path):
    settings = make_settings(tmp_path)
    clock = Clock(NOON)
    limiter = RateLimiter(settings, clock=clock)
    limiter.take(question_limits(settings, visitor="anna", address="10.0.0.1"))
    clock.now = NOON + 2 * DAY
    limiter.take(question_limits(settings, visitor="ben", address="10.0.0.2"))
    rows = limiter.db.read(lambda tx: tx.all("SELECT subject FROM rate_limit_counters ORDER BY subject"), empty=[])
    assert [r["subject"] for r in rows] == sorted(["day", subject("ip", "10.0.0.2"), subject("visitor", "ben")])
    assert not any("10.0.0" in r["subject"] or "ben" in r["subject"] for r in rows), "no address or visitor id is stored in clear"


def test_limits_hold_across_instances_sharing_postgresql(tmp_path, postgres_url):
    """Two app instances (two limiters, two connection pools) on one server: 8 threads ask 40 questions, 10 pass."""
    settings = make_settings(tmp_path, database_url=postgres_url, visitor_questions_per_minute=10, ip_questions_per_minute=1000)
    instances = [RateLimiter(settings, clock=Clock(NOON)), RateLimiter(settings.replace(database_pool_size=2), clock=Clock(NOON))]
    limits = question_limits(settings, visitor="anna", address="10.0.0.1")
    passed, refused = [], []

    def ask(limiter: RateLimiter) -> None:
        for _ in range(5):
            try:
                limiter.take(limits)
                passed.append(1)
            except RateLimitedError:
                refused.append(1)

    threads = [threading.Thread(target=ask, args=(instances[i % 2],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(passed) == 10 and len(refused) == 30
    assert instances[1].used(limits[0]) == 10


def test_a_limit_of_its_own_window(tmp_path):
    limiter = RateLimiter(make_settings(tmp_path), clock=Clock(NOON + 5))
    limit = Limit("visitor", "visitor:x", 1, 10)
    limiter.take([limit])
    with pytest.raises(RateLimitedError, match="per 10 s") as refused:
        limiter.take([limit])
    assert refused.value.retry_after == 5


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_conversations_keep_their_questions_redacted(tmp_path, request, backend):
    url = request.getfixturevalue("postgres_url") if backend == "postgresql" else None
    settings = make_settings(tmp_path, **({"database_url": url} if url else {}))
    store = ConversationStore(settings)
    conversation = new_conversation_id()
    assert store.questions(conversation) is None
    assert store.add(conversation, "Can it reduce pores? Write to me at anna@example.com") == 1
    assert store.add(conversation, "How long do the results last?") == 2
    assert store.questions(conversation) == ("Can it reduce pores? Write to me at [email removed]", "How long do the results last?")
    assert store.questions(new_conversation_id()) is None
