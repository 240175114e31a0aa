"""Corpus health (chatbot/knowledge/health.py): the known problems of the real articles are found,
at the right lines, and a contradiction added to a copy of the corpus is caught."""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import BIN, CORPUS, chatbot_env, copy_corpus, make_settings

from chatbot.errors import CorpusError
from chatbot.knowledge.health import KINDS, format_health, lint_corpus
from chatbot.text.negation import negations


@pytest.fixture(scope="module")
def health(embedder, tmp_path_factory):
    return lint_corpus(make_settings(tmp_path_factory.mktemp("lint")), embedder)


def _found(health, kind: str, article: str, other: str | None = None) -> list:
    return [f for f in health.findings if f.kind == kind and f.article == article and (other is None or f.other_article == other)]


def test_finds_the_section_repeated_in_the_pore_size_article(health):
    repeats = _found(health, "duplicate", "microneedling-pore-size", "microneedling-pore-size")
    assert {f.line for f in repeats} == {21, 32}  # the same section pasted again after line 10
    assert all(f.other_line == 11 for f in repeats)


def test_finds_the_cut_off_paragraphs_of_the_benefits_article(health):
    cut = _found(health, "truncated", "microneedling-benefits-process-results")
    assert {f.line for f in cut} >= {8, 11, 14, 20, 24, 27}
    assert any(f.text == "This adaptability makes microneed" for f in cut)


def test_finds_the_pore_shrinking_conflict_between_two_articles(health):
    conflicts = _found(health, "conflict", "treat-large-pores", "microneedling-signs-of-aging")
    assert [(f.line, f.other_line) for f in conflicts] == [(15, 14)]
    assert "cannot" in conflicts[0].text and "shrink" in conflicts[0].text


def test_finds_uneven_skin_tone_listed_as_benefit_and_as_reason_not_to(health):
    conflicts = _found(health, "conflict", "microneedling-signs-of-aging", "microneedling-signs-of-aging")
    assert (40, 16) in {(f.line, f.other_line) for f in conflicts}  # "Uneven skin tone" vs "Reducing imbalance in skin tone"


def test_finds_page_furniture(health):
    furniture = {(f.article, f.text) for f in health.findings if f.kind == "furniture"}
    assert ("microneedling-signs-of-aging", "Was this helpful?") in furniture
    assert ("microneedling-pore-size", "Get updated with beauty resources, tips, and news") in furniture


def test_every_finding_points_at_the_line_that_holds_its_text(health):
    files = {p.read_text(encoding="utf-8").split("---", 2)[1].split("slug:")[1].split()[0]: p for p in CORPUS.glob("*.md")}
    for f in health.findings:
        line = files[f.article].read_text(encoding="utf-8").splitlines()[f.line - 1]
        assert f.text[:25].replace("\u2019", "'") in line.replace("\u2019", "'").replace("\u00a0", " "), (f.kind, f.article, f.line)
        assert f.kind in KINDS and f.detail


def test_conflicts_are_few_enough_to_review(health):
    # Each conflict is a claim a clinician must read; a lint that cries wolf gets ignored.
    assert 3 <= sum(f.kind == "conflict" for f in health.findings) <= 6


def test_negations_name_what_is_denied():
    assert negations("Despite what you may have heard, the answer is no\u2014 pores cannot \u201cshrink\u201d.") == {("pore", "shrink")}
    assert negations("It is not a permanent solution.") == {("", "permanent")}  # a pronoun is no subject to match
    assert negations("Microneedling not only smooths but also tightens.") == set()
    assert negations("Microneedling tightens the skin.") == set()


def test_a_contradiction_added_to_the_articles_is_caught(embedder, tmp_path):
    corpus = copy_corpus(tmp_path / "corpus")
    (corpus / "retinoid-myths.md").write_text(
        "---\nslug: retinoid-myths\ntitle: Retinoid myths\n---\n"
        "Retinoids after microneedling\n"
        "Many people believe otherwise, but topical retinoids cannot improve pore appearance.\n",
        encoding="utf-8",
    )
    health = lint_corpus(make_settings(tmp_path, corpus_dir=corpus), embedder)
    found = _found(health, "conflict", "retinoid-myths", "microneedling-pore-size")
    assert [(f.line, f.other_line) for f in found] == [(6, 27)]  # "...using topical retinoids can ... improve pore appearance"


def test_summary_lists_every_article_with_counts_per_kind(health):
    text = format_health(health)
    summary = text[text.index("Summary per article"):]
    for article in health.articles:
        assert article in summary
    assert health.summary()["microneedling-benefits-process-results"]["truncated"] >= 6
    assert health.summary()["microneedling-acne-scars"]["conflict"] == 0


def test_a_missing_corpus_folder_says_what_to_set(embedder, tmp_path):
    with pytest.raises(CorpusError, match="CHATBOT_CORPUS_DIR"):
        lint_corpus(make_settings(tmp_path, corpus_dir=tmp_path / "missing"), embedder)


@pytest.mark.slow
def test_lint_corpus_json_lists_findings_with_the_documented_fields(built_settings):
    done = subprocess.run([str(BIN / "chatbot"), "lint-corpus", "--json"], capture_output=True, text=True,
                          env=chatbot_env(built_settings), timeout=600)
    assert done.returncode == 0, done.stderr
    findings = json.loads(done.stdout)
    assert findings and all(set(f) == {"kind", "article", "line", "text", "other_article", "other_line", "detail"} for f in findings)
    assert {"duplicate", "truncated", "furniture", "conflict"} <= {f["kind"] for f in findings}


def test_lint_corpus_without_articles_prints_one_line(built_settings, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    done = subprocess.run([str(BIN / "chatbot"), "lint-corpus"], capture_output=True, text=True,
                          env=chatbot_env(built_settings.replace(corpus_dir=empty)), timeout=300)
    assert done.returncode == 1
    assert done.stderr.startswith("error: no readable article in") and "Traceback" not in done.stderr
