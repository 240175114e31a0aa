"""Who may write what, checked inside the write's own transaction.

The staff pages disable the buttons a role may not use, but a disabled button is only a
display: the stores check again, against the account as it is stored at that moment, in the
same transaction as the change. Approving and withdrawing reviewed answers needs a clinician
or an admin; changing accounts needs an admin.

An actor is the name of a staff account (what the pages pass: ``StaffUser.name``), or a
server-side actor: ``cli:<os user>`` for the command line, or ``system`` for code on the
server. Account names cannot contain ``:``, and an account whose name is ``system`` is checked
as that account, so a page can never act as the server. The deprecated shared password acts
as ``admin`` only while no stored account has that name.
"""

from __future__ import annotations

from chatbot.errors import PermissionDeniedError
from chatbot.store.connection import Tx
from chatbot.store.staff import ADMIN, CLINICIAN, EDITOR, LEGACY_ADMIN, ROLES, name_key

SERVER_ACTORS = frozenset({"system", "cli"})
"""Actors that stand for code on the server (besides ``cli:<os user>``): they hold the database anyway."""
_DUTY = {CLINICIAN: "approve or withdraw answers", ADMIN: "manage accounts", EDITOR: "use the staff pages"}


def is_server_actor(actor: str) -> bool:
    return actor.startswith("cli:") or actor in SERVER_ACTORS


def require_role(tx: Tx, actor: str, needed: str, *, legacy_password: bool) -> None:
    """Raise ``PermissionDeniedError`` unless ``actor`` may act as ``needed`` (a role) right now.

    ``legacy_password``: whether the deprecated shared ``CHATBOT_STAFF_PASSWORD`` is set, which
    makes ``admin`` an admin while no account of that name exists.
    """
    account = tx.one("SELECT name, role, disabled FROM staff_accounts WHERE lower(name) = :key", key=name_key(actor))
    if account is None:
        if is_server_actor(actor) or (name_key(actor) == LEGACY_ADMIN and legacy_password):
            return
        raise PermissionDeniedError(f"{actor!r} is not a staff account, so it cannot {_DUTY[needed]}; nothing was changed")
    if account["disabled"]:
        raise PermissionDeniedError(f"the account {account['name']!r} is disabled, so it cannot {_DUTY[needed]}; nothing was changed")
    if ROLES.index(account["role"]) < ROLES.index(needed):
        allowed = " or ".join(f"an {r}" if r[0] in "aeiou" else f"a {r}" for r in ROLES[ROLES.index(needed):])
        raise PermissionDeniedError(
            f"{account['name']!r} is {_article(account['role'])}: only {allowed} can {_DUTY[needed]}; nothing was changed"
        )


def _article(role: str) -> str:
    return f"an {role}" if role[0] in "aeiou" else f"a {role}"


__all__ = ["SERVER_ACTORS", "is_server_actor", "require_role"]
