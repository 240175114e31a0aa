"""Reviewed answers: the store, YAML import/export, serving, the strict matcher, staleness."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from chatbot.errors import PermissionDeniedError, ReviewConflictError, ReviewedAnswersError
from chatbot.evaluation.matching import evaluate_matcher
from chatbot.reviewed.matching import qualifiers
from chatbot.reviewed.model import NEEDS_REVIEW, REVIEWED, WITHDRAWN, AnswerContent, Source, article_sentences, read_yaml
from chatbot.reviewed.store import ReviewStore, mark_stale_answers
from chatbot.store.accounts import AccountStore
from tests.conftest import CORPUS, ROOT, add_accounts, chatbot_env, copy_corpus, make_settings

SHIPPED = CORPUS / "reviewed_answers.yaml"
BIN = Path(sys.executable).parent
SESSIONS = "How many microneedling sessions will I need?"


@pytest.fixture
def settings(built_settings, tmp_path):
    settings = built_settings.replace(feedback_db=tmp_path / "db" / "feedback.sqlite3")
    add_accounts(settings, "dr.lee", "dr.a", "dr.b")
    return settings


@pytest.fixture(scope="module")
def articles(built_settings):
    return article_sentences(built_settings)


def run_cli(settings, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = chatbot_env(settings, CHATBOT_FEEDBACK_DB=str(settings.feedback_db))
    return subprocess.run([str(BIN / "chatbot"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def draft(question: str = SESSIONS) -> AnswerContent:
    quote = "While some improvements can be seen after one session, multiple treatments may be necessary for more significant results."
    return AnswerContent(question, f"{quote} [1] Our clinic plans three sessions to start with. [2]",
                         (Source("microneedling-acne-scars", quote), Source(clinic=True)))


# --- the store -----------------------------------------------------------------------------------


def test_a_draft_is_served_only_after_approval_and_history_records_who(settings):
    store = ReviewStore(settings)
    revision = store.save_draft(draft(), author="ed")
    assert store.served() == []
    store.approve(SESSIONS, revision, approver="dr.lee")
    [served] = store.served()
    assert served.reviewed_by == "dr.lee" and served.status == REVIEWED and served.content == draft()
    actions = [(e.actor, e.action) for e in store.history(served.id)]
    assert actions == [("dr.lee", "approve"), ("ed", "draft")]
    store.withdraw(SESSIONS, actor="dr.lee")
    assert store.served() == [] and store.get(SESSIONS).status == WITHDRAWN


def test_a_second_approval_of_the_same_revision_at_once_is_refused_once(settings):
    store = ReviewStore(settings)
    revision = store.save_draft(draft(), author="ed")
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def approve(name: str) -> None:
        start.wait()
        try:
            ReviewStore(settings).approve(SESSIONS, revision, approver=name)
            outcomes.append("approved")
        except ReviewConflictError as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=approve, args=(n,)) for n in ("dr.a", "dr.b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes)[0] == "approved" and "already approved by dr." in sorted(outcomes)[1]
    approvals = [e for e in store.history(store.get(SESSIONS).id) if e.action == "approve"]
    assert len(approvals) == 1


def test_an_edit_saved_over_a_newer_revision_is_refused_and_nothing_is_lost(settings):
    store = ReviewStore(settings)
    first = store.save_draft(draft(), author="ed")
    store.save_draft(draft(), author="ann", based_on=first)
    with pytest.raises(ReviewConflictError, match="changed meanwhile"):
        store.save_draft(draft(), author="ed", based_on=first)
    assert [r.author for r in store.revisions(store.get(SESSIONS).id)] == ["ann", "ed"]


def test_a_read_only_database_gives_a_clear_message_and_keeps_what_is_stored(settings):
    store = ReviewStore(settings)
    store.approve(SESSIONS, store.save_draft(draft(), author="ed"), approver="dr.lee")
    os.chmod(settings.feedback_db, 0o444)
    os.chmod(settings.feedback_db.parent, 0o555)
    try:
        if os.access(settings.feedback_db, os.W_OK):
            pytest.skip("running as a user who can write read-only files")  # pragma: no cover
        with pytest.raises(ReviewedAnswersError, match="read-only"):
            store.withdraw(SESSIONS, actor="dr.lee")
    finally:
        os.chmod(settings.feedback_db.parent, 0o755)
        os.chmod(settings.feedback_db, 0o644)
    assert [a.question for a in store.served()] == [SESSIONS]


def test_a_locked_database_gives_a_clear_message_and_nothing_is_half_done(settings):
    import sqlite3

    store = ReviewStore(settings)
    store.approve(SESSIONS, store.save_draft(draft(), author="ed"), approver="dr.lee")
    impatient = ReviewStore(settings.replace(feedback_busy_timeout_seconds=0.1, feedback_write_attempts=2))
    holder = sqlite3.connect(settings.feedback_db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program holds the file
    try:
        with pytest.raises(ReviewedAnswersError, match="locked by another program.*nothing was changed"):
            impatient.withdraw(SESSIONS, actor="dr.lee")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert [a.question for a in store.served()] == [SESSIONS]
    assert [e.action for e in store.history(store.get(SESSIONS).id)] == ["approve", "draft"]


# --- import ----------------------------------------------------------------------------------------


def test_the_shipped_file_is_valid_and_covers_the_fifteen_common_questions(articles):
    entries = read_yaml(SHIPPED, articles)
    common = [q["question"] for q in yaml.safe_load((CORPUS / "common_questions.yaml").read_text())["questions"]]
    assert sorted(e.content.question for e in entries) == sorted(common)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.pop("sources"), "entry 3 .*`sources` must be a non-empty list"),
        (lambda e: e["sources"][0].update(article="no-such-article"), "entry 3 .*not in the corpus"),
        (lambda e: e["sources"][0].update(quote="Microneedling cures everything."), "entry 3 .*not a sentence of"),
        (lambda e: e.update(colour="blue"), "entry 3: unknown key"),
    ],
)
def test_a_bad_import_names_the_entry_and_stores_nothing(settings, tmp_path, change, message):
    data = yaml.safe_load(SHIPPED.read_text())
    change(data["answers"][2])
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    ReviewStore(settings).save_draft(draft(), author="ed")
    result = run_cli(settings, "answers", "import", str(bad))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert __import__("re").search(message, result.stderr), result.stderr
    assert [a.question for a in ReviewStore(settings).answers()] == [SESSIONS]  # nothing imported, nothing lost


def test_an_unsupported_sentence_cannot_be_imported(settings, tmp_path):
    data = yaml.safe_load(SHIPPED.read_text())
    data["answers"][0]["answer"] = data["answers"][0]["answer"].replace("[1]", "[1] Microneedling never hurts anyone at all [2]", 1)
    bad = tmp_path / "claim.yaml"
    bad.write_text(yaml.safe_dump(data))
    result = run_cli(settings, "answers", "import", str(bad))
    assert result.returncode == 1 and "is not supported by what it cites" in result.stderr
    assert ReviewStore(settings).answers() == []


# --- serving ---------------------------------------------------------------------------------------


def test_import_then_ask_serves_the_reviewed_answer_but_not_for_the_neck(settings):
    imported = run_cli(settings, "answers", "import", str(SHIPPED))
    assert imported.returncode == 0, imported.stderr
    hurt = json.loads(run_cli(settings, "ask", "--json", "does microneedling hurt").stdout)
    assert hurt["reviewed"]["question"] == "Is microneedling painful?" and hurt["reviewed"]["reviewed_by"]
    assert hurt["generator"] == "reviewed" and hurt["citations"]
    neck = json.loads(run_cli(settings, "ask", "--json", "does microneedling hurt on the neck").stdout)
    assert neck["reviewed"] is None
    exported = settings.feedback_db.parent / "out.yaml"
    assert run_cli(settings, "answers", "export", str(exported)).returncode == 0
    assert len(yaml.safe_load(exported.read_text())["answers"]) == 15


@pytest.fixture
def reviewed_engine(settings, embedder):
    from chatbot.engine.engine import Engine

    ReviewStore(settings).import_entries(read_yaml(SHIPPED, article_sentences(settings)), actor="test")
    return Engine(settings, embedder=embedder)


@pytest.mark.parametrize(
    ("question", "history", "served"),
    [
        ("How many sessions will I need?", [], SESSIONS),
        ("How many sessions for acne scars?", [], None),
        ("How many sessions for large pores?", [], None),
        ("I'm pregnant, does it hurt?", [], None),
        ("does it hurt?", ["I'm pregnant"], None),
        ("What happens during a microneedling treatment?", ["how does the treatment work"], "What happens during a microneedling treatment?"),
        ("I think my skin is infected, there is pus", [], None),
        ("how much does microneedling cost", [], None),
    ],
)
def test_the_engine_serves_reviewed_answers_only_to_the_same_question(reviewed_engine, question, history, served):
    answer = reviewed_engine.ask(question, history)
    assert (answer.reviewed.question if answer.reviewed else None) == served
    if "I'm pregnant" in [question[:12], *history]:
        assert answer.guardrail.category == "medical"


def test_a_newly_approved_answer_is_served_without_a_restart(settings, embedder):
    from chatbot.engine.engine import Engine

    engine = Engine(settings.replace(reviewed_refresh_seconds=0.0), embedder=embedder)
    assert engine.ask("How many microneedling sessions will I need?").reviewed is None
    other = ReviewStore(settings)  # another process, as far as the engine knows
    other.approve(SESSIONS, other.save_draft(draft(), author="ed"), approver="dr.lee")
    answer = engine.ask("How many microneedling sessions will I need?")
    assert answer.reviewed is not None and answer.reviewed.reviewed_by == "dr.lee"
    assert answer.sentences[-1].clinic and "(From the clinic)" in answer.text


# --- the matcher -------------------------------------------------------------------------------------


def test_qualifiers_keep_the_subject_a_question_adds():
    assert "concern:scars" in qualifiers("How many sessions for acne scars?")
    assert qualifiers("How many sessions for acne scars?") != qualifiers("How many sessions for large pores?")
    assert "health:pregnancy" in qualifiers("I'm pregnant, does it hurt?")
    assert "area:the neck" in qualifiers("does microneedling hurt on the neck")


def test_matcher_precision_and_recall_on_the_labelled_pairs(engine):
    scores = evaluate_matcher(engine)
    print({split: {k: v for k, v in s.items() if k != "wrong_pairs"} for split, s in scores.items()})
    assert scores["dev"]["precision"] == 1.0 and scores["dev"]["recall"] >= 0.7
    assert scores["test"]["precision"] >= 0.99, scores["test"]["wrong_pairs"]


# --- staleness -----------------------------------------------------------------------------------------


def test_changing_a_quoted_sentence_marks_the_answer_and_check_fails(tmp_path, embedder):
    from chatbot.engine.engine import Engine
    from chatbot.engine.ingest import ingest
    from chatbot.knowledge.index import build_index

    corpus = copy_corpus(tmp_path / "corpus")
    shutil.copy(CORPUS / "common_questions.yaml", corpus / "common_questions.yaml")
    settings = make_settings(tmp_path, corpus_dir=corpus, common_questions_file=corpus / "common_questions.yaml")
    build_index(settings, embedder, show_progress=False)
    ReviewStore(settings).import_entries(read_yaml(SHIPPED, article_sentences(settings)), actor="test")
    assert run_cli(settings, "answers", "check").returncode == 0
    article = corpus / "microneedling-acne-scars.md"
    old = "While some improvements can be seen after one session, multiple treatments may be necessary for more significant results."
    article.write_text(article.read_text().replace(old, old.replace("multiple treatments", "three to six treatments")))
    report = ingest(settings, embedder, show_progress=False)
    assert SESSIONS in report.needs_review
    stale = ReviewStore(settings).get(SESSIONS)
    assert stale.status == NEEDS_REVIEW and stale.stale[0].old == old and "three to six" in stale.stale[0].new
    check = run_cli(settings, "answers", "check")
    assert check.returncode == 1 and SESSIONS in check.stdout and "three to six" in check.stdout
    assert Engine(settings, embedder=embedder).ask(SESSIONS).reviewed is None  # the generated answer instead
    assert mark_stale_answers(settings) == []  # already marked: nothing new


# --- the desk's checks -----------------------------------------------------------------------------------


def test_the_generated_answer_can_be_approved_as_it_stands(engine, articles):
    from chatbot.reviewed.desk import approval_problems, check_support, draft_from_answer

    answer = engine.ask(SESSIONS, reviewed=False)
    content = draft_from_answer(SESSIONS, answer, articles)
    assert len(content.sentences) == len(answer.sentences) and content.sources
    checks = check_support(content, engine.embedder, engine.settings, engine.scoring().idf)
    assert approval_problems(content, articles, checks) == []


def test_an_unsupported_sentence_blocks_approval_unless_it_is_a_clinic_statement(engine, articles):
    from chatbot.reviewed.desk import approval_problems, check_support

    quote = "During a microneedling session, a professional will apply a numbing cream to reduce discomfort."
    claim = AnswerContent(SESSIONS, f"{quote} [1] Microneedling is completely painless for everyone. [1]", (Source("microneedling-acne-scars", quote),))
    checks = check_support(claim, engine.embedder, engine.settings, engine.scoring().idf)
    assert [c.supported for c in checks] == [True, False]
    assert any("completely painless" in p for p in approval_problems(claim, articles, checks))
    clinic = AnswerContent(SESSIONS, f"{quote} [1] A session costs 150 euros. [2]", (Source("microneedling-acne-scars", quote), Source(clinic=True)))
    checks = check_support(clinic, engine.embedder, engine.settings, engine.scoring().idf)
    assert checks[1].clinic and approval_problems(clinic, articles, checks) == []


# --- review that cannot be bypassed ----------------------------------------------------------------


def test_a_future_dated_import_is_refused_in_one_line_and_stores_nothing(settings, tmp_path):
    data = yaml.safe_load(SHIPPED.read_text())
    data["answers"][1]["reviewed_at"] = "2099-01-01T00:00:00+00:00"
    future = tmp_path / "future.yaml"
    future.write_text(yaml.safe_dump(data))
    result = run_cli(settings, "answers", "import", str(future))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "entry 2" in result.stderr and "is in the future" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert ReviewStore(settings).answers() == []


def test_an_import_records_the_os_user_the_staff_account_the_time_and_the_files_sha256(settings):
    import getpass
    import hashlib

    from chatbot.store.audit import AuditLog

    result = run_cli(settings, "answers", "import", str(SHIPPED), "--by", "DR.LEE")
    assert result.returncode == 0, result.stderr
    [entry] = AuditLog(settings).recent(action="answers.import_file")
    assert entry.detail["sha256"] == hashlib.sha256(SHIPPED.read_bytes()).hexdigest()
    assert entry.detail["by"] == "dr.lee" and entry.detail["os_user"] == getpass.getuser() and entry.actor == f"cli:{getpass.getuser()}"
    assert entry.detail["imported"] == 15 and entry.at.year >= 2026
    unknown = run_cli(settings, "answers", "import", str(SHIPPED), "--by", "nobody")
    assert unknown.returncode != 0 and "no staff account named 'nobody'" in unknown.stderr


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
         + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)), "YAML aliases"),
        ("answers:\n" + "".join("  " * i + "- \n" for i in range(1, 400)), "nests lists or mappings"),
        ("answers: [" + "[" * 5000 + "]" * 5000 + "]", "nests lists or mappings"),
        ("answers:\n  - question: " + "x" * 2_000_000 + "\n", "more than the 1,000,000 allowed"),
    ],
    ids=["alias-bomb", "nested-block", "nested-flow", "20-mb"],
)
def test_a_hostile_import_file_gets_one_clear_line(settings, tmp_path, body, says):
    hostile = tmp_path / "hostile.yaml"
    hostile.write_text(body)
    result = run_cli(settings, "answers", "import", str(hostile), timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and len(lines[0]) < 400, lines[:3]
    assert ReviewStore(settings).answers() == []


def test_a_bad_value_is_quoted_by_a_short_prefix_only(settings, tmp_path):
    data = yaml.safe_load(SHIPPED.read_text())
    data["answers"][0]["sources"][0] = "x" * 100_000
    bad = tmp_path / "long.yaml"
    bad.write_text(yaml.safe_dump(data))
    result = run_cli(settings, "answers", "import", str(bad))
    assert result.returncode == 1 and "a source must be" in result.stderr and len(result.stderr) < 400


def test_only_a_clinician_account_approves_or_withdraws_whatever_the_page_shows(settings):
    add_accounts(settings, "ed", role="editor")
    store = ReviewStore(settings)
    revision = store.save_draft(draft(), author="ed")
    for who, says in (("ed", "'ed' is an editor: only a clinician or an admin"), ("ghost", "'ghost' is not a staff account")):
        with pytest.raises(PermissionDeniedError, match=says):
            store.approve(SESSIONS, revision, approver=who)
    store.approve(SESSIONS, revision, approver="dr.lee")
    with pytest.raises(PermissionDeniedError):
        store.withdraw(SESSIONS, actor="ed")
    assert store.get(SESSIONS).status == REVIEWED
    AccountStore(settings).disable("dr.lee")
    with pytest.raises(PermissionDeniedError, match="disabled"):
        store.withdraw(SESSIONS, actor="dr.lee")


# --- strict or a suggestion ------------------------------------------------------------------------


@pytest.mark.parametrize(("question", "offered"), [
    ("is it possible to shrink pores", "Can microneedling make large pores look smaller?"),
    ("how does the treatment work", "What happens during a microneedling treatment?"),
])
def test_a_near_match_keeps_the_generated_answer_and_offers_the_reviewed_question(reviewed_engine, question, offered):
    answer = reviewed_engine.ask(question)
    assert answer.reviewed is None and answer.generator == "extractive" and answer.sentences
    assert answer.suggestions == (offered,)
    assert answer.to_json()["suggestions"] == [{"question": offered}]
    assert reviewed_engine.ask(offered).reviewed.question == offered, "one click asks it, and it is served"


def test_a_served_medical_or_refused_question_is_offered_nothing(reviewed_engine):
    assert reviewed_engine.ask("does microneedling hurt").suggestions == ()  # served
    assert reviewed_engine.ask("I'm pregnant, does it hurt?").suggestions == ()  # the dermatologist comes first
    assert reviewed_engine.ask("what's the weather like tomorrow").to_json()["suggestions"] == []


def test_near_miss_false_matches_are_counted_per_split(engine):
    from chatbot.evaluation.matching import load_pairs, pairs_path

    blind = [p for p in load_pairs(pairs_path(engine.settings), split="test") if p.id.startswith("n")]
    assert len(blind) >= 60 and not any(p.match for p in blind)  # premise, mechanism, qualifier, topic
    scores = evaluate_matcher(engine)
    for split in ("dev", "test"):
        assert scores[split]["near_misses"] > 0
        assert scores[split]["near_miss_false_matches"] <= scores[split]["wrong"]


def test_the_desk_warns_when_the_first_sentence_does_not_answer_its_question(engine, articles):
    from chatbot.reviewed.lead import lead_problem

    shipped = read_yaml(SHIPPED, articles)
    assert [e.content.question for e in shipped if lead_problem(e.content, engine.embedder, engine.settings)] == []
    quote = "While some improvements can be seen after one session, multiple treatments may be necessary for more significant results."
    topic = "Microneedling is a minimally invasive cosmetic procedure."
    opening_off_topic = AnswerContent(SESSIONS, f"{topic} [1] {quote} [1]", (Source("microneedling-acne-scars", quote),))
    assert "a number" in lead_problem(opening_off_topic, engine.embedder, engine.settings)
    answering_first = AnswerContent(SESSIONS, f"{quote} [1] {topic} [1]", (Source("microneedling-acne-scars", quote),))
    assert lead_problem(answering_first, engine.embedder, engine.settings) is None
    collagen = "Microneedling stimulates collagen production in the skin."
    painful = AnswerContent("Is microneedling painful?", f"{collagen} [1]", (Source("microneedling-acne-scars", collagen),))
    assert "yes, no" in lead_problem(painful, engine.embedder, engine.settings)
