"""Invisible characters that change how text around them is shown, made visible.

A right-to-left override (U+202E) in a question makes "exe.txt" display as "txt.exe", and a
staff member reads something other than what the client typed. ``show_controls`` replaces
each bidirectional control and zero-width space with a visible tag such as ``[U+202E]``,
so staff see that it is there and the text around it reads in its own order.
"""

from __future__ import annotations

import re

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Arabic letter mark, LRM/RLM, the embeddings and overrides (LRE RLE PDF LRO RLO), the isolates (LRI RLI FSI PDI)."""
_INVISIBLE = re.compile(f"[{BIDI_CONTROLS}\u200b]")


def show_controls(text: str) -> str:
    """``text`` with every bidirectional control and zero-width space shown as ``[U+XXXX]``."""
    return _INVISIBLE.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def has_controls(text: str) -> bool:
    return bool(_INVISIBLE.search(text))


__all__ = ["BIDI_CONTROLS", "has_controls", "show_controls"]
