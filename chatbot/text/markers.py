"""The ``[n]`` citation markers in written answers: which sentence cites which passage.

A model's answer and a staff-written reviewed answer both cite passages as ``[1]``, ``[1, 2]``,
``[1][2]`` or ``[Passage 1]``, sometimes after the full stop. ``split_generated`` reads them.
Pure text rules, no dependencies beyond ``chatbot.text.tokens``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chatbot.text.tokens import normalize, split_sentences

_MARKER = re.compile(r"\[\s*(?:passages?|sources?|refs?)?\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]", re.IGNORECASE)
_MARKERS_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[[^\]\n]{1,20}\])+)")
_LIST_PREFIX = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


@dataclass(frozen=True)
class GeneratedSentence:
    """One sentence of a model's answer: its words without markers, and the ``[n]`` it wrote."""

    text: str
    cited: tuple[int, ...]


def split_generated(text: str) -> list[GeneratedSentence]:
    """Split a model's answer into sentences with the ``[n]`` markers each one carries.

    Markers written after the full stop ("... safe. [1] It ...") belong to the sentence
    before them. List bullets and line breaks separate sentences. ``[1, 2]``,
    ``[1][2]`` and ``[Passage 1]`` are all read. Text without words is skipped.
    """
    out: list[GeneratedSentence] = []
    for line in normalize_lines(text):
        line = _MARKERS_AFTER_STOP.sub(lambda m: f"{m.group(2)}{m.group(1)}", line)
        for sentence in split_sentences(line):
            cited = tuple(int(n) for group in _MARKER.findall(sentence) for n in re.split(r"[,;]", group))
            words = re.sub(r"\s+([.!?,;:])", r"\1", _MARKER.sub("", sentence)).strip()
            if re.search(r"[A-Za-z0-9]", words):
                out.append(GeneratedSentence(words, cited))
    return out


def normalize_lines(text: str) -> list[str]:
    """Non-empty lines of ``text`` without list bullets or Markdown emphasis."""
    lines = []
    for line in text.replace("\r", "\n").split("\n"):
        line = _LIST_PREFIX.sub("", normalize(line).replace("**", "").replace("__", ""))
        if line.strip():
            lines.append(line.strip())
    return lines
