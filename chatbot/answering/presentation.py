"""Text for the screen, without Streamlit: safe Markdown, source links, highlighted passages.

Everything a visitor or an article supplies goes through ``escape_markdown`` before it
reaches ``st.markdown``: every ASCII punctuation mark gets a backslash (CommonMark
renders ``\\x`` as a literal ``x``), so ``<script>``, ``[x](javascript:...)``,
``**``, ``:red[...]`` or ``$...$`` show up as the characters typed and never become
HTML, links, formatting or LaTeX. The only Markdown in the output is what these
helpers add themselves: highlighted bold for quoted sentences and ``[n]`` links to the sources.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

from chatbot.answering.model import Answer, Citation
from chatbot.guardrail.verdict import GENERAL, MEDICAL, OUT_OF_SCOPE, URGENT
from chatbot.text.controls import show_controls

CLINIC_LABEL = "From the clinic"
"""How a clinic statement of a reviewed answer is labelled: the clinic says it, no article does."""

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_WORD_JOINER = "\u2060"
"""Invisible; placed where GitHub-flavoured Markdown would turn plain text into a link
(``www.``, ``://``, ``@``), because backslash escapes do not stop those autolinks."""
_AUTOLINK_START = re.compile(r"(?i)\b(www)(?=\.)|(?=://)|(?=@)")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

CATEGORY_LABELS = {
    URGENT: "Urgent: seek care",
    MEDICAL: "Medical: see a dermatologist",
    OUT_OF_SCOPE: "Not covered by the articles",
    GENERAL: "General",
}
RATING_LABELS = {1: "Helpful", 0: "Not helpful", None: "Not rated"}


def escape_markdown(text: str) -> str:
    """``text`` as Markdown that displays exactly those characters: no HTML, links or formatting.

    Web and e-mail addresses stay readable but are not clickable (an invisible word joiner
    breaks the autolink). Bidirectional controls show as ``[U+202E]`` (``chatbot.text.controls``).
    """
    text = _AUTOLINK_START.sub(lambda m: (m.group(1) or "") + _WORD_JOINER, show_controls(text))
    return _PUNCTUATION.sub(r"\\\1", text)


def source_anchor(message: int, n: int) -> str:
    """The HTML id of source ``n`` of chat message ``message`` (digits and dashes only)."""
    return f"source-{int(message)}-{int(n)}"


def answer_markdown(answer: Answer, *, message: int, more: bool = False) -> str:
    """The cited body of ``answer`` as safe Markdown, each ``[n]`` a link to its source below: the short answer,
    or with ``more`` the sentences under "More from the articles".

    The guardrail messages are not included: the page shows them in their own boxes.
    """
    parts = []
    for sentence in (s for s in answer.sentences if s.more == more):
        text = escape_markdown(sentence.text)
        if sentence.clinic:
            text += f" _\\({CLINIC_LABEL}\\)_"
        for n in sentence.cited:
            text += f" [\\[{n}\\]](#{source_anchor(message, n)})"
        parts.append(text)
    return " ".join(parts)


def citation_label(citation: Citation) -> str:
    """``[n] Title — Section``, escaped for a Markdown label (expander, button)."""
    return escape_markdown(f"[{citation.n}] {citation.title} — {citation.section}")


def highlighted_passage(text: str, sentences: Sequence[str]) -> str:
    """The passage as safe Markdown with the quoted ``sentences`` highlighted (bold on an orange background).

    A sentence is found by its exact text, or else with whitespace normalised; one that
    cannot be found is simply not highlighted.
    """
    spans = sorted(span for s in sentences if (span := _find(text, s)) is not None)
    out: list[str] = []
    position = 0
    for start, end in spans:
        if start < position:
            continue  # overlapping quote: already bold
        out.append(escape_markdown(text[position:start]))
        quoted = " ".join(text[start:end].split())  # one line: the highlight must not span paragraphs
        out.append(f":orange-background[**{escape_markdown(quoted)}**]")
        position = end
    out.append(escape_markdown(text[position:]))
    return "".join(out)


def _find(text: str, sentence: str) -> tuple[int, int] | None:
    sentence = sentence.strip()
    if not sentence:
        return None
    start = text.find(sentence)
    if start >= 0:
        return start, start + len(sentence)
    # Same words, different spacing or line breaks: match word by word.
    words = [re.escape(w) for w in sentence.split()]
    match = re.search(r"\s+".join(words), text) if words else None
    return (match.start(), match.end()) if match else None


def sources_text(answer: Answer) -> str:
    """The sources of an answer on one line (for tables and CSV files)."""
    return "; ".join(f"[{c.n}] {c.title} — {c.section}" for c in answer.citations)


def csv_safe(value: object) -> object:
    """A cell value that a spreadsheet will not run as a formula (``=HYPERLINK(...)`` typed as a question),
    with bidirectional controls shown as ``[U+202E]``."""
    if not isinstance(value, str):
        return value
    value = show_controls(value)
    return "'" + value if value.lstrip(" ").startswith(_FORMULA_START) else value
