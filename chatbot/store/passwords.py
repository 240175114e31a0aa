"""Passwords of staff accounts: what a new one must be like, and argon2id hashing.

A new password must be at least ``staff_password_min_chars`` long, not be one of the first
that attackers try, and not contain the account name (NIST SP 800-63B's advice, without
composition rules). Hashes are argon2id (``argon2-cffi``) at the cost set by
``staff_hash_memory_kib`` and ``staff_hash_passes``; each hash records its own cost.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from chatbot.errors import WeakPasswordError

MAX_PASSWORD_CHARS = 1024
"""Longer input is refused before hashing: nobody types more, and hashing megabytes is a cheap attack."""
_COMMON_PASSWORDS = frozenset(
    """password password1 password12 password123 passw0rd 1234567890 0123456789 12345678910 1q2w3e4r5t qwertyuiop
    asdfghjkl; zxcvbnm123 iloveyou12 letmein123 welcome123 administrator changeme123 trustno1234 football12 monkey1234
    microneedling clinic1234 dermatology staffpassword qwerty1234 abcdefghij abc1234567 1111111111 aaaaaaaaaa""".split()
)


def check_password(password: str, *, name: str, min_chars: int) -> None:
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
