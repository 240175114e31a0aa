"""Passwords of staff accounts: what a new one must be like, argon2id hashing, and how many checks run at once.

A new password must be at least ``staff_password_min_chars`` long, not contain the account
name, and reach ``staff_password_min_score`` on zxcvbn (Dropbox's strength estimator, which
ships its own dictionaries of common passwords, names, words and keyboard patterns):
NIST SP 800-63B's advice, without composition rules. The password without the digits and
symbols around it must reach that score too, since guessing tools add those to dictionary
words ("Summer2024!!" scores 3, "Summer" 0). The deprecated shared ``CHATBOT_STAFF_PASSWORD``
must pass the same policy, or the app refuses to start with it.

Hashes are argon2id (``argon2-cffi``) at the cost set by ``staff_hash_memory_kib`` and
``staff_hash_passes``; each hash records its own cost. Each check takes that much memory
while it runs, so ``checking`` lets only ``login_concurrent_checks`` run at once per process.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

from chatbot.errors import LoginBusyError, WeakPasswordError

MAX_PASSWORD_CHARS = 1024
"""Longer input is refused before hashing: nobody types more, and hashing megabytes is a cheap attack."""
_COMMON_PASSWORDS = frozenset(
    """password password1 password12 password123 passw0rd 1234567890 0123456789 12345678910 1q2w3e4r5t qwertyuiop
    asdfghjkl; zxcvbnm123 iloveyou12 letmein123 welcome123 administrator changeme123 trustno1234 football12 monkey1234
    microneedling clinic1234 dermatology staffpassword qwerty1234 abcdefghij abc1234567 1111111111 aaaaaaaaaa""".split()
)


_DECORATION = re.compile(r"^[\d\W_]+|[\d\W_]+$")
_CLINIC_WORDS = ("microneedling", "clinic", "dermatology", "staff", "admin")
"""Words an attacker of this app tries first; zxcvbn counts them as known."""


def check_password(password: str, *, name: str, min_chars: int, min_score: int = 3) -> None:
    """Raise ``WeakPasswordError`` saying what to change when ``password`` is too easy to guess."""
    advice = f"choose one of at least {min_chars} characters; a few unrelated words are easy to remember and hard to guess"
    if not password or not password.strip():
        raise WeakPasswordError(f"the password is empty; {advice}")
    if len(password) < min_chars:
        raise WeakPasswordError(f"the password is only {len(password)} characters long; {advice}")
    if len(password) > MAX_PASSWORD_CHARS:
        raise WeakPasswordError(f"the password is longer than {MAX_PASSWORD_CHARS} characters; choose a shorter one")
    lowered = password.casefold()
    if len(set(lowered)) <= 2 or lowered in _COMMON_PASSWORDS or lowered.rstrip("0123456789!") in _COMMON_PASSWORDS:
        raise WeakPasswordError(f"that password is one of the first that attackers try; {advice}")
    if len(name) >= 3 and name.casefold() in lowered:
        raise WeakPasswordError(f"the password contains the account name; {advice}")
    hints = [name, *_CLINIC_WORDS]
    result = zxcvbn(password, user_inputs=hints)
    core = _DECORATION.sub("", password)
    score = min(result["score"], zxcvbn(core, user_inputs=hints)["score"] if core else 0)
    if score < min_score:
        why = result["feedback"].get("warning") or "it is a word or pattern with a few digits or symbols around it"
        raise WeakPasswordError(f"that password is too easy to guess (strength {score} of 4, {min_score} needed: {why.rstrip('.')}); {advice}")


def check_shared_password(password: str | None, *, min_chars: int, min_score: int) -> None:
    """Raise ``WeakPasswordError`` naming ``CHATBOT_STAFF_PASSWORD`` when the shared password fails the policy."""
    if not password:
        return
    try:
        check_password(password, name="admin", min_chars=min_chars, min_score=min_score)
    except WeakPasswordError as exc:
        raise WeakPasswordError(
            f"CHATBOT_STAFF_PASSWORD is too weak to log in as admin ({exc}); set a stronger one, or better, unset it "
            "and create named accounts with `chatbot staff add NAME --role ROLE`"
        ) from None


_SLOTS: dict[int, threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()


@contextmanager
def checking(limit: int, wait_seconds: float) -> Iterator[None]:
    """Hold one of ``limit`` password-check slots of this process for the ``with`` block.

    Raises ``LoginBusyError`` when none frees up within ``wait_seconds``: the attempt is not
    counted, and memory stays at ``limit`` checks however many logins arrive at once.
    """
    with _SLOTS_LOCK:
        slots = _SLOTS.setdefault(max(1, limit), threading.BoundedSemaphore(max(1, limit)))
    if not slots.acquire(timeout=max(0.0, wait_seconds)):
        raise LoginBusyError("too many logins are being checked at this moment; try again in a few seconds")
    try:
        yield
    finally:
        slots.release()


@lru_cache(maxsize=4)
def hasher(memory_kib: int, passes: int) -> PasswordHasher:
    # argon2id (the library's default type), 4 lanes, 16-byte salt, 32-byte hash.
    return PasswordHasher(time_cost=max(1, passes), memory_cost=max(8 * 4, memory_kib))


@lru_cache(maxsize=4)
def dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("not a real password, only here to take as long as a real check")


def verify(hasher: PasswordHasher, hashed: str, password: str) -> bool:
    try:
        return hasher.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
