"""Questions counted per session, per client and per day (chatbot/store/limits.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import make_settings

from chatbot.errors import FeedbackStoreError, RateLimitedError
from chatbot.store.database import Database
from chatbot.store.limits import RateLimiter, chat_buckets
from chatbot.store.retention import purge

NOON = datetime(2027, 3, 1, 12, 0, 5, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'data' / 'chatbot.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
    return make_settings(tmp_path, database_url=url, rate_limit_per_minute=20, rate_limit_per_day=50)


def ask(limiter: RateLimiter, settings, *, session: str, client: str | None = None, at: datetime = NOON) -> bool:
    try:
        limiter.count(chat_buckets(settings, session=session, client=client), now=at)
        return True
    except RateLimitedError:
        return False


def test_a_session_gets_20_questions_a_minute_and_others_are_not_held_up(settings):
    limiter = RateLimiter(settings)
    assert [ask(limiter, settings, session="a") for _ in range(21)] == [True] * 20 + [False]
    with pytest.raises(RateLimitedError, match="this conversation has reached its limit of 20 questions per minute; please try again in 55 seconds"):
        limiter.count(chat_buckets(settings, session="a", client=None), now=NOON)
    assert ask(limiter, settings, session="b")  # another visitor
    assert ask(limiter, settings, session="a", at=NOON + timedelta(minutes=1))  # the next minute


def test_one_client_opening_new_sessions_is_limited_by_its_address(settings):
    limiter = RateLimiter(settings)
    allowed = [ask(limiter, settings, session=f"new-{i}", client="203.0.113.9") for i in range(25)]
    assert allowed == [True] * 20 + [False] * 5
    assert ask(limiter, settings, session="neighbour", client="198.51.100.4")


def test_the_day_limit_holds_for_every_client_together_and_refusals_are_not_counted(settings):
    limiter = RateLimiter(settings)
    minutes = [NOON + timedelta(minutes=m) for m in range(10)]
    allowed = [ask(limiter, settings, session=f"s{m}-{i}", at=at) for m, at in enumerate(minutes) for i in range(6)]
    assert sum(allowed) == 50 and allowed[-1] is False
    day = chat_buckets(settings, session="x", client=None)[-1]
    assert limiter.used(day, now=NOON) == 50  # the refused ones were not counted
    assert ask(limiter, settings, session="tomorrow", at=NOON + timedelta(days=1))


def test_addresses_are_not_stored_and_old_counts_are_purged(settings):
    limiter = RateLimiter(settings)
    ask(limiter, settings, session="session-id-123", client="203.0.113.9", at=datetime.now(UTC) - timedelta(days=3))
    db = Database(settings, what="test", error=FeedbackStoreError)
    rows = db.read(lambda tx: tx.all("SELECT bucket FROM rate_counts"), empty=[])
    assert rows and not any("203.0.113.9" in r["bucket"] or "session-id-123" in r["bucket"] for r in rows)
    purge(settings)
    assert db.read(lambda tx: tx.scalar("SELECT COUNT(*) FROM rate_counts"), empty=0) == 0
