"""Safe Markdown for visitor and article text, source links and highlighted passages."""

from __future__ import annotations

import re

import pytest

from chatbot.answering.presentation import answer_markdown, csv_safe, escape_markdown, highlighted_passage, source_anchor

# A Markdown link or image that CommonMark would render: "[text](target)" with no backslash before the brackets.
LIVE_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\((?!#source-)")


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script> is it safe?",
        "[x](javascript:alert(1)) how long does it last?",
        "![img](http://evil.example/x.png) **bold** _it_ `code` :red[red] $x^2$ # heading",
        "<img src=x onerror=alert(1)> &amp; &lt;b&gt;",
    ],
)
def test_escaped_text_has_no_markup_left(text):
    escaped = escape_markdown(text)
    assert not LIVE_LINK.search(escaped)
    assert not re.search(r"(?<!\\)[<>*_`$\[\]()#&:]", escaped)
    assert re.sub(r"\\(.)|\u2060", r"\1", escaped) == text  # nothing is lost: unescaping gives the text back


def test_web_and_email_addresses_are_not_clickable():
    escaped = escape_markdown("see www.example.com, https://evil.example or me@example.com")
    shown = escaped.replace("\\", "")
    assert "www." not in shown and "https://" not in shown and not re.search(r"\w@", shown)
    assert shown.replace("\u2060", "") == "see www.example.com, https://evil.example or me@example.com"


def test_markers_link_to_numbered_sources(engine):
    answer = engine.ask("Does microneedling shrink pores?")
    text = answer_markdown(answer, message=7)
    for citation in answer.citations:
        assert f"[\\[{citation.n}\\]](#{source_anchor(7, citation.n)})" in text
    assert not LIVE_LINK.search(text)
    medical = engine.ask("I'm pregnant, can I have microneedling?")
    assert medical.guardrail.category == "medical"
    assert escape_markdown(medical.guardrail.message) not in answer_markdown(medical, message=8)  # shown in its own box


def test_quoted_sentences_are_highlighted_even_across_line_breaks():
    passage = "Microneedling uses fine needles.\nIt can reduce the look of [acne] scars\nover time. Results vary."
    marked = highlighted_passage(passage, ["It can reduce the look of [acne] scars over time.", "Not in the passage."])
    assert ":orange-background[**It can reduce the look of \\[acne\\] scars over time\\.**]" in marked
    assert marked.startswith("Microneedling uses fine needles\\.")
    assert marked.endswith(" Results vary\\.")


@pytest.mark.parametrize("value, expected", [("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("@cmd", "'@cmd"), ("fine", "fine"), (3, 3)])
def test_csv_cells_never_run_as_formulas(value, expected):
    assert csv_safe(value) == expected
