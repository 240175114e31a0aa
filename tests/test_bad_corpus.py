"""Bad files in the corpus folder: each is skipped with a warning naming it, the rest is indexed.

The tests start from a copy of the session's built index, so the good articles are
already embedded and an ingest only has to notice the bad files.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, chatbot_env, copy_corpus, make_settings

from chatbot.engine.engine import Engine
from chatbot.errors import CorpusError
from chatbot.knowledge.chroma import connect, index_state
from chatbot.knowledge.index import build_index

HUGE_BYTES = 50 * 1024 * 1024

BAD_FILES: dict[str, bytes] = {
    "photo.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 40,
    "no-front-matter.md": b"Microneedling is a treatment.\nIt has no front matter at all.\n",
    "unclosed.md": b"---\nslug: unclosed\ntitle: Never closed\nMicroneedling text.\n",
    "bad-yaml.md": b"---\nslug: [unclosed\ntitle: : :\n---\nMicroneedling text.\n",
    "no-slug.md": b"---\ntitle: An article without a slug\n---\nMicroneedling text that is long enough.\n",
    "Bad Slug.md": b"---\nslug: Bad Slug!\ntitle: Spaces in slug\n---\nMicroneedling text.\n",
    "no-title.md": b"---\nslug: no-title\n---\nMicroneedling text.\n",
    "list-front-matter.md": b"---\n- slug\n- title\n---\nMicroneedling text.\n",
    "latin1.md": "---\nslug: latin1\ntitle: Caf\u00e9\n---\nPeeling apr\u00e8s le traitement.\n".encode("latin-1"),
    "empty.md": b"",
    "only-front-matter.md": b"---\nslug: only-front-matter\ntitle: Nothing below\n---\n\n",
}
DUPLICATE = "zz-pore-size-copy.md"
"""A copy saved next to the original: same slug as microneedling-pore-size.md."""


@pytest.fixture
def messy(tmp_path, built_settings):
    corpus = copy_corpus(tmp_path / "corpus")
    for name, data in BAD_FILES.items():
        (corpus / name).write_bytes(data)
    shutil.copy(CORPUS / "microneedling-pore-size.md", corpus / DUPLICATE)
    with (corpus / "huge.md").open("wb") as f:
        f.write(b"---\nslug: huge\ntitle: A huge upload\n---\n")
        line = b"Microneedling stimulates collagen in the skin. " * 20 + b"\n"
        for _ in range(HUGE_BYTES // len(line) + 1):
            f.write(line)
    shutil.copytree(built_settings.index_dir, tmp_path / "index")
    return make_settings(tmp_path, corpus_dir=corpus)


def test_bad_files_are_skipped_with_a_warning_naming_each_one(messy, embedder, caplog):
    with caplog.at_level(logging.WARNING):
        report = build_index(messy, embedder, show_progress=False)

    bad = set(BAD_FILES) | {DUPLICATE, "huge.md"}
    assert {s.path.name for s in report.skipped} == bad
    warned = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)
    assert all(name in warned for name in bad), warned
    reasons = {s.path.name: s.reason for s in report.skipped}
    assert "binary" in reasons["photo.md"]
    assert "5 MB" in reasons["huge.md"]
    assert "microneedling-pore-size.md" in reasons[DUPLICATE]
    assert "UTF-8" in reasons["latin1.md"]
    assert "slug" in reasons["no-slug.md"] and "title" in reasons["no-title.md"]
    assert "front matter" in reasons["no-front-matter.md"] and "closed" in reasons["unclosed.md"]
    # the five good articles are all there, and nothing had to be embedded again
    assert report.articles == 5
    assert report.unchanged
    summary = report.summary()
    assert all(f"skipped {name}" in summary for name in bad)


def test_the_good_articles_still_answer(messy, embedder):
    build_index(messy, embedder, show_progress=False)
    answer = Engine(messy, embedder=embedder).ask("Does microneedling shrink pores?")
    assert {c.article for c in answer.citations} & {"microneedling-pore-size", "treat-large-pores"}


def test_a_corpus_of_only_bad_files_leaves_the_index_as_it_was(messy, embedder):
    live = index_state(connect(messy), messy)["active"]
    for good in CORPUS.glob("*.md"):
        (Path(messy.corpus_dir) / good.name).unlink()
    (Path(messy.corpus_dir) / DUPLICATE).unlink()
    with pytest.raises(CorpusError, match="no readable article"):
        build_index(messy, embedder, show_progress=False)
    assert index_state(connect(messy), messy)["active"] == live
    assert Engine(messy, embedder=embedder).ask("Does microneedling hurt?").citations


@pytest.mark.slow
def test_cli_ingest_lists_the_skipped_files_and_succeeds(messy):
    run = subprocess.run(
        [sys.executable, "-m", "chatbot.cli", "ingest", "--quiet"], env=chatbot_env(messy), capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    for name in [*BAD_FILES, DUPLICATE, "huge.md"]:
        assert f"skipped {name}:" in run.stdout
    assert "5 articles" in run.stdout


def test_a_paragraph_pasted_three_times_is_indexed_once(tmp_path, built_settings, embedder):
    corpus = copy_corpus(tmp_path / "corpus")
    paragraph = (
        "Our winter microneedling package includes three sessions booked four weeks apart. "
        "Each session takes about forty minutes including the numbing cream. "
        "A take-home aftercare kit with a gentle cleanser and sunscreen is part of the package."
    )
    assert len(paragraph) > 200  # each copy is a passage of its own, with the same id
    (corpus / "winter-package.md").write_text(
        "---\nslug: winter-package\ntitle: Winter microneedling package\n---\n### What is included\n"
        + f"{paragraph}\n\n" * 3,
        encoding="utf-8",
    )
    shutil.copytree(built_settings.index_dir, tmp_path / "index")
    settings = make_settings(tmp_path, corpus_dir=corpus)
    report = build_index(settings, embedder, show_progress=False)
    assert report.articles == 6
    answer = Engine(settings, embedder=embedder).ask("What does the winter microneedling package include?")
    assert [c.article for c in answer.citations].count("winter-package") == 1
