"""Index segment folders after ingests (chatbot/knowledge/segments.py), on a real Chroma folder."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import copy_corpus, make_settings

from chatbot.knowledge.index import build_index
from chatbot.knowledge.segments import _SEGMENT_FOLDER


def segment_folders(index_dir: Path) -> set[str]:
    return {p.name for p in index_dir.iterdir() if p.is_dir() and _SEGMENT_FOLDER.match(p.name)}


def used_segments(index_dir: Path) -> set[str]:
    with sqlite3.connect(index_dir / "chroma.sqlite3") as conn:
        return {row[0] for row in conn.execute("SELECT id FROM segments")}


@pytest.mark.slow
def test_rebuilding_and_a_killed_ingest_leave_no_orphaned_segment_folders(tmp_path, embedder):
    corpus = copy_corpus(tmp_path / "corpus")
    settings = make_settings(tmp_path, corpus_dir=corpus, common_questions_file=tmp_path / "none.yaml")
    build_index(settings, embedder, show_progress=False)
    article = sorted(corpus.glob("*.md"))[0]
    article.write_text(article.read_text(encoding="utf-8") + "\n\nA new closing paragraph the clinic added after a review of the article.\n",
                       encoding="utf-8")
    build_index(settings, embedder, show_progress=False)  # a new version replaces the old one
    leftover = Path(settings.index_dir) / "0b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"  # what a killed ingest leaves
    leftover.mkdir()
    (leftover / "data_level0.bin").write_bytes(b"\0" * 1024)
    report = build_index(settings, embedder, show_progress=False)
    assert report.unchanged
    folders = segment_folders(Path(settings.index_dir))
    assert folders and folders <= used_segments(Path(settings.index_dir)), f"orphaned: {folders - used_segments(Path(settings.index_dir))}"
    assert not leftover.exists()
