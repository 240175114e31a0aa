"""Logins under attack (chatbot/store/logins.py, passwords.py): many at once, unknown names, the shared password."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from conftest import ROOT, chatbot_env, make_settings

from chatbot.settings import Settings

MIB = 1024 * 1024
ARGON2_MIB = Settings.staff_hash_memory_kib // 1024

PARALLEL_LOGINS = textwrap.dedent(
    """
    import json, resource, sys, threading
    from chatbot.settings import load_settings
    from chatbot.store.accounts import AccountStore
    from chatbot.errors import LoginError

    settings = load_settings(login_wait_seconds=600)
    store = AccountStore(settings)
    try:
        store.authenticate("warm-up", "not the password")  # one full-cost check: its 64 MiB count in the baseline
    except LoginError:
        pass
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    outcomes, barrier = [], threading.Barrier(20)

    def login(i):
        barrier.wait()
        try:
            AccountStore(settings).authenticate(f"visitor{i}", "not the password")
        except LoginError as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=login, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"rise": after - before, "outcomes": outcomes}))
    """
)


@pytest.mark.slow
def test_twenty_parallel_logins_with_unknown_names_keep_memory_bounded(tmp_path):
    settings = make_settings(tmp_path)
    env = chatbot_env(settings)
    result = subprocess.run([sys.executable, "-c", PARALLEL_LOGINS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"peak RSS rise for 20 parallel logins: {measured['rise'] / MIB:.0f} MiB")
    assert sorted(measured["outcomes"]) == ["WrongPasswordError"] * 20, "every login is checked and answered the same way"
    # Each argon2 check holds 64 MiB while it runs; without a cap the 20 ran at once (about 1.2 GB more).
    allowed = (Settings.login_concurrent_checks + 1) * ARGON2_MIB * MIB
    assert measured["rise"] < allowed, f"memory rose by {measured['rise'] / MIB:.0f} MiB, more than {allowed / MIB:.0f} MiB"


def test_the_app_refuses_to_start_with_a_weak_shared_password(tmp_path):
    settings = make_settings(tmp_path)
    env = chatbot_env(settings, CHATBOT_STAFF_PASSWORD="x")
    result = subprocess.run([sys.executable, "-m", "chatbot.cli", "serve", "--port", "1"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "CHATBOT_STAFF_PASSWORD is too weak" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
