"""Building the Chroma index (chatbot/knowledge/index.py): incremental re-ingest and failures that must lose nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import copy_corpus, make_settings

from chatbot.engine.engine import Engine
from chatbot.errors import ChatbotError, CorpusError, IndexMissingError
from chatbot.knowledge.chroma import active_version, connect, open_collection
from chatbot.knowledge.index import build_index
from chatbot.knowledge.live import LiveIndex

NEW_ARTICLE = """---
slug: microneedling-neck-chest
title: Microneedling for the Neck and Chest
source: test
---
Microneedling on the neck and chest
Crepey skin on the neck and chest responds well to microneedling because the skin there is thin. Most clients need three sessions spaced four weeks apart for the décolletage.
"""


def _ids_by_article(settings) -> dict[str, set[str]]:
    client = connect(settings)
    got = open_collection(client, active_version(client, settings)).get(include=["metadatas"])
    out: dict[str, set[str]] = {}
    for cid, meta in zip(got["ids"], got["metadatas"], strict=True):
        out.setdefault(meta["article"], set()).add(cid)
    return out


@pytest.fixture(scope="module")
def base(tmp_path_factory, embedder):
    """A corpus copy and its full index, built once; tests work on copies of both."""
    root = tmp_path_factory.mktemp("base-index")
    settings = make_settings(root, corpus_dir=copy_corpus(root / "corpus"))
    report = build_index(settings, embedder, show_progress=False)
    return root, report


@pytest.fixture
def workspace(base, tmp_path):
    """Writable copies of the base corpus and index, so each test starts from the same built state."""
    root, _ = base
    shutil.copytree(root / "corpus", tmp_path / "corpus")
    shutil.copytree(root / "index", tmp_path / "index")
    return make_settings(tmp_path, corpus_dir=tmp_path / "corpus")


def test_full_build_embeds_every_sentence_and_reports_it(base):
    _, report = base
    assert report.articles == 5
    assert report.embedded > 200  # every sentence of the five articles, plus the headings
    assert report.reused == 0 and report.removed == 0
    assert report.added == report.chunks
    assert report.duplicates == 2  # the repeated section of the pore-size article
    assert "indexed 5 articles" in report.summary()


def test_unchanged_corpus_embeds_nothing(workspace, embedder):
    before = _ids_by_article(workspace)
    report = build_index(workspace, embedder, show_progress=False)
    assert report.unchanged
    assert report.embedded == 0
    assert "up to date" in report.summary()
    assert _ids_by_article(workspace) == before


def test_editing_one_article_reembeds_only_its_changed_chunks(workspace, embedder):
    before = _ids_by_article(workspace)
    path = Path(workspace.corpus_dir) / "treat-large-pores.md"
    text = path.read_text(encoding="utf-8")
    old = "Consistency is key with this treatment"
    assert old in text
    path.write_text(text.replace(old, "Consistency really is key with this treatment"), encoding="utf-8")

    report = build_index(workspace, embedder, show_progress=False)

    after = _ids_by_article(workspace)
    assert not report.unchanged
    assert 0 < report.embedded <= 5  # the edited passage's sentences and its heading, not the corpus
    assert report.added == 1 and report.removed == 1
    for article in before:
        if article != "treat-large-pores":
            assert after[article] == before[article], article
    assert len(after["treat-large-pores"] ^ before["treat-large-pores"]) == 2


def test_edited_text_is_what_gets_answered(workspace, embedder):
    path = Path(workspace.corpus_dir) / "treat-large-pores.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("3-4 treatments a year", "5-6 treatments a year"), encoding="utf-8")
    build_index(workspace, embedder, show_progress=False)
    engine = Engine(workspace, embedder=embedder)
    passages = engine.search("how often should I come back for sessions to keep my pores small", k=10)
    texts = " ".join(p.chunk.text for p in passages)
    assert "5-6 treatments a year" in texts
    assert "3-4 treatments a year" not in texts


def test_removing_an_article_removes_only_its_chunks(workspace, embedder):
    before = _ids_by_article(workspace)
    (Path(workspace.corpus_dir) / "microneedling-acne-scars.md").unlink()
    report = build_index(workspace, embedder, show_progress=False)
    after = _ids_by_article(workspace)
    assert "microneedling-acne-scars" not in after
    assert report.embedded == 0
    assert report.removed == len(before["microneedling-acne-scars"])
    assert report.added == 0
    assert {a: ids for a, ids in before.items() if a != "microneedling-acne-scars"} == after


def test_adding_a_file_adds_its_chunks(workspace, embedder):
    before = _ids_by_article(workspace)
    (Path(workspace.corpus_dir) / "microneedling-neck-chest.md").write_text(NEW_ARTICLE, encoding="utf-8")
    report = build_index(workspace, embedder, show_progress=False)
    after = _ids_by_article(workspace)
    assert report.articles == 6
    assert after["microneedling-neck-chest"]
    assert report.added == len(after["microneedling-neck-chest"])
    assert 0 < report.embedded <= 4
    assert {a: ids for a, ids in after.items() if a != "microneedling-neck-chest"} == before
    answer = Engine(workspace, embedder=embedder).ask("Can microneedling help crepey skin on my neck and chest?")
    assert "microneedling-neck-chest" in {c.article for c in answer.citations}


def test_a_running_engine_picks_up_a_reingest(workspace, embedder):
    engine = Engine(workspace.replace(index_refresh_seconds=0.0), embedder=embedder)
    assert "microneedling-neck-chest" not in {p.chunk.article for p in engine.search("crepey skin on the neck", k=10)}
    (Path(workspace.corpus_dir) / "microneedling-neck-chest.md").write_text(NEW_ARTICLE, encoding="utf-8")
    build_index(workspace, embedder, show_progress=False)
    assert "microneedling-neck-chest" in {p.chunk.article for p in engine.search("crepey skin on the neck", k=10)}


# --- failures lose nothing -----------------------------------------------------------------


def test_missing_corpus_folder_fails_and_keeps_the_index(workspace, embedder):
    before = _ids_by_article(workspace)
    with pytest.raises(CorpusError):
        build_index(workspace.replace(corpus_dir=Path(workspace.corpus_dir) / "nowhere"), embedder, show_progress=False)
    assert _ids_by_article(workspace) == before


def test_corpus_without_readable_articles_fails_and_keeps_the_index(workspace, embedder):
    before = _ids_by_article(workspace)
    for path in Path(workspace.corpus_dir).glob("*.md"):
        path.write_bytes(b"")  # every article emptied by a bad sync
    with pytest.raises(CorpusError, match="no readable article"):
        build_index(workspace, embedder, show_progress=False)
    assert _ids_by_article(workspace) == before


def test_missing_index_says_to_run_ingest(tmp_path, embedder):
    settings = make_settings(tmp_path)
    with pytest.raises(IndexMissingError, match="chatbot ingest"):
        LiveIndex(settings, dimension=embedder.dimension)
    assert not (tmp_path / "index").exists()  # reading never creates an empty index


def test_corrupt_index_file_is_a_clear_error(tmp_path, embedder):
    settings = make_settings(tmp_path)
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(ChatbotError) as info:
        Engine(settings, embedder=embedder)
    message = str(info.value)
    assert "chatbot ingest" in message and str(tmp_path / "index") in message
    assert (tmp_path / "index" / "chroma.sqlite3").read_bytes().startswith(b"this is not")
