"""Loading and cleaning the curated articles (chatbot/knowledge/corpus.py), on the real web copies."""

from __future__ import annotations

import logging
import shutil

import pytest
from conftest import CORPUS, make_settings

from chatbot.errors import CorpusError
from chatbot.knowledge.corpus import clean_article, load_corpus, parse_article
from chatbot.knowledge.index import build_index
from chatbot.knowledge.live import LiveIndex

ARTICLES = {
    "microneedling-acne-scars",
    "microneedling-benefits-process-results",
    "microneedling-pore-size",
    "microneedling-signs-of-aging",
    "treat-large-pores",
}


@pytest.fixture(scope="module")
def cleaned():
    articles, skipped = load_corpus(CORPUS)
    assert not skipped
    return {a.slug: clean_article(a) for a in articles}


def _all_text(clean) -> str:
    return "\n".join(b.text for b in clean.blocks)


# --- the real corpus ------------------------------------------------------------------


def test_real_corpus_loads_every_article_with_its_front_matter():
    articles, skipped = load_corpus(CORPUS)
    assert {a.slug for a in articles} == ARTICLES
    assert skipped == []
    by_slug = {a.slug: a for a in articles}
    assert by_slug["microneedling-pore-size"].title == "Can Microneedling Reduce Pore Size?"
    assert by_slug["treat-large-pores"].published == "2020-04-26"
    assert all(a.source.startswith("seed-articles/") for a in articles)
    # The body is the web copy, unchanged: cleaning happens later and never edits it.
    assert "@skinbydrazi" in by_slug["microneedling-signs-of-aging"].body


def test_tiktok_embed_line_is_removed(cleaned):
    clean = cleaned["microneedling-signs-of-aging"]
    assert "@skinbydrazi" not in _all_text(clean)
    assert "♬" not in _all_text(clean)
    assert any(r.kind == "furniture" and "@skinbydrazi" in r.text for r in clean.removals)


def test_newsletter_and_feedback_prompts_are_removed(cleaned):
    assert "Get updated" not in _all_text(cleaned["microneedling-pore-size"])
    assert "Was this helpful" not in _all_text(cleaned["microneedling-signs-of-aging"])
    reasons = {r.text: r.reason for c in cleaned.values() for r in c.removals}
    assert "Get updated with beauty resources, tips, and news" in reasons
    assert "Was this helpful?" in reasons


def test_date_glued_to_the_title_is_removed(cleaned):
    clean = cleaned["treat-large-pores"]
    text = _all_text(clean)
    assert "April 26, 2020" not in text
    assert "2020Treat" not in text
    assert any(r.text == "April 26, 2020" and "date" in r.reason for r in clean.removals)
    # What is left after the date is the article title again, so nothing of it stays as text.
    assert clean.blocks[0].text == "Microneedling: Treating large pores"


@pytest.mark.parametrize(
    ("slug", "heading"),
    [
        ("microneedling-benefits-process-results", "Benefits"),  # a `### Benefits` line
        ("microneedling-benefits-process-results", "Understanding the Science Behind Microneedling"),
        ("microneedling-signs-of-aging", "What exactly is Microneedling?"),
        ("microneedling-signs-of-aging", "Takeaway"),
        ("microneedling-acne-scars", "Aftercare and Results: What to Know"),
        ("microneedling-pore-size", "Genetics and Aging: The Primary Factors Influencing Pore Size"),
        ("treat-large-pores", "Microneedling: Treating large pores"),
    ],
)
def test_headings_are_detected(cleaned, slug, heading):
    headings = [b.text for b in cleaned[slug].blocks if b.kind == "heading"]
    assert heading in headings


def test_sentences_are_never_taken_for_headings(cleaned):
    for clean in cleaned.values():
        for block in clean.blocks:
            if block.kind == "heading":
                assert len(block.text.split()) <= 12, block
                assert not block.text.endswith("."), block
                assert not block.text.startswith("#"), block


CUT_OFF = [
    "Whether you are contemplating this treatment or merely",
    "compelling option for various dermatological",
    "This adaptability makes microneed",
    "The mic",
    "stimulate excess melanin",
    "aid in the recovery",
]


@pytest.mark.parametrize("fragment", CUT_OFF)
def test_cut_off_sentences_are_dropped(cleaned, fragment):
    clean = cleaned["microneedling-benefits-process-results"]
    assert not any(b.text.endswith(fragment) or b.text == fragment for b in clean.blocks)
    assert any(r.kind == "truncated" and r.text.endswith(fragment) for r in clean.removals)


def test_list_items_stay_with_the_line_that_introduces_them(cleaned):
    text = _all_text(cleaned["microneedling-signs-of-aging"])
    assert "Benefits of microneedling include: Reducing the visibility of scars, such as acne scars; Shrinking pore size" in text
    assert "•" not in text


def test_removals_point_at_real_file_lines(cleaned):
    for clean in cleaned.values():
        lines = clean.article.path.read_text(encoding="utf-8").splitlines()
        for removal in clean.removals:
            assert removal.text.split()[0] in lines[removal.line - 1], (clean.article.slug, removal)


# --- files that cannot be read --------------------------------------------------------------


BAD_FILES = {
    "no-front-matter.md": (b"Just some text about microneedling without front matter.\n", "front matter"),
    "broken-yaml.md": (b"---\nslug: [unclosed\ntitle: x\n---\nBody text here.\n", "not valid YAML"),
    "unclosed.md": (b"---\nslug: unclosed\ntitle: Unclosed\nBody text.\n", "not closed"),
    "latin1.md": ("---\nslug: latin\ntitle: Caf\xe9\n---\nCaf\xe9 cr\xe8me.\n".encode("latin-1"), "not UTF-8"),
    "empty.md": (b"", "empty"),
    "blank.md": (b"  \n\n\t\n", "empty"),
    "binary.md": (bytes(range(256)) * 4, "binary"),
    "no-body.md": (b"---\nslug: no-body\ntitle: No Body\n---\n\n", "no text"),
    "bad-slug.md": (b"---\nslug: Not A Slug!\ntitle: Bad slug\n---\nSome text.\n", "slug"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_unreadable_file_raises_a_corpus_error_naming_file_and_reason(tmp_path, name):
    raw, reason = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(raw)
    with pytest.raises(CorpusError) as info:
        parse_article(path)
    assert name in str(info.value)
    assert reason in str(info.value)


def _corpus_with_bad_files(folder):
    folder.mkdir()
    for slug in ("treat-large-pores", "microneedling-signs-of-aging"):
        shutil.copy(CORPUS / f"{slug}.md", folder / f"{slug}.md")
    for name, (raw, _) in BAD_FILES.items():
        (folder / name).write_bytes(raw)
    # Same slug as a good article: the first file (in name order) wins, this one is skipped.
    text = (CORPUS / "treat-large-pores.md").read_text(encoding="utf-8")
    (folder / "zz-copy-of-pores.md").write_text(text, encoding="utf-8")
    return folder


def test_bad_files_are_skipped_with_a_warning_and_the_rest_loads(tmp_path, caplog):
    folder = _corpus_with_bad_files(tmp_path / "corpus")
    with caplog.at_level(logging.WARNING, logger="chatbot.knowledge.corpus"):
        articles, skipped = load_corpus(folder)
    assert {a.slug for a in articles} == {"treat-large-pores", "microneedling-signs-of-aging"}
    skipped_names = {s.path.name for s in skipped}
    assert skipped_names == set(BAD_FILES) | {"zz-copy-of-pores.md"}
    for name, (_, reason) in BAD_FILES.items():
        messages = [r.getMessage() for r in caplog.records if name in r.getMessage()]
        assert messages, f"no warning names {name}"
        assert reason in messages[0]
    duplicate = [r.getMessage() for r in caplog.records if "zz-copy-of-pores.md" in r.getMessage()]
    assert duplicate and "treat-large-pores" in duplicate[0] and "already used" in duplicate[0]


def test_bad_files_do_not_stop_the_index_build(tmp_path, embedder, caplog):
    folder = _corpus_with_bad_files(tmp_path / "corpus")
    settings = make_settings(tmp_path, corpus_dir=folder)
    with caplog.at_level(logging.WARNING, logger="chatbot.knowledge.corpus"):
        report = build_index(settings, embedder, show_progress=False)
    assert report.articles == 2
    assert len(report.skipped) == len(BAD_FILES) + 1
    summary = report.summary()
    assert "skipped latin1.md: not UTF-8" in summary
    assert "skipped binary.md" in summary
    index = LiveIndex(settings, dimension=embedder.dimension)
    stored = index.snapshot().collection.get(include=["metadatas"])
    assert {m["article"] for m in stored["metadatas"]} == {"treat-large-pores", "microneedling-signs-of-aging"}


def test_missing_corpus_folder_is_an_error_saying_what_to_set(tmp_path):
    with pytest.raises(CorpusError, match="CHATBOT_CORPUS_DIR"):
        load_corpus(tmp_path / "nowhere")


def test_utf8_bom_and_crlf_line_endings_are_accepted(tmp_path):
    path = tmp_path / "windows.md"
    path.write_bytes(b"\xef\xbb\xbf---\r\nslug: windows\r\ntitle: Saved on Windows\r\n---\r\nMicroneedling is quick.\r\n")
    article = parse_article(path)
    assert article.slug == "windows"
    assert clean_article(article).blocks[0].text == "Microneedling is quick."
