"""Answer-quality evaluation (chatbot/evaluation/): exact metric values, the labelled set,
scoring real answers, reports on disk, regression flags and the `chatbot eval --json` contract."""

from __future__ import annotations

import json
import math
import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from conftest import BIN, CORPUS, chatbot_env

from chatbot.answering.model import AnswerSentence
from chatbot.errors import EvaluationError
from chatbot.evaluation import build_report, evaluate, json_summary, latest_report, load_questions, write_report
from chatbot.evaluation.metrics import (
    classification_scores,
    confusion_matrix,
    fact_found,
    hit_at_k,
    ndcg_at_k,
    percentile,
    ranking_metrics,
    reciprocal_rank,
)
from chatbot.evaluation.report import compare_reports
from chatbot.evaluation.runner import citation_support, passage_inventory
from chatbot.guardrail.verdict import CATEGORIES

QUESTIONS = CORPUS / "eval" / "questions.yaml"

# --- metrics: tiny rankings with hand-computed values ------------------------------------

RANKING = [False, True, False, True]
"""Relevant items at ranks 2 and 4."""


def test_hit_at_k_counts_a_relevant_item_within_k():
    assert [hit_at_k(RANKING, k) for k in (1, 2, 3, 5)] == [0.0, 1.0, 1.0, 1.0]
    assert hit_at_k([], 3) == 0.0


def test_reciprocal_rank_is_one_over_the_first_relevant_rank():
    assert reciprocal_rank(RANKING) == 0.5
    assert reciprocal_rank([True]) == 1.0
    assert reciprocal_rank([False] * 10 + [True]) == 0.0  # rank 11 is beyond MRR@10


def test_ndcg_uses_log2_discount_and_the_ideal_ranking():
    dcg = 1 / math.log2(3) + 1 / math.log2(5)  # 0.6309 + 0.4307
    assert ndcg_at_k(RANKING, 10) == pytest.approx(dcg / (1 + 1 / math.log2(3)))  # 0.6509
    # Three relevant passages exist but only two were found: the ideal ranking has three.
    assert ndcg_at_k(RANKING, 10, n_relevant=3) == pytest.approx(dcg / (1 + 1 / math.log2(3) + 0.5))  # 0.5044
    assert ndcg_at_k([True, True], 10, n_relevant=2) == pytest.approx(1.0)
    assert ndcg_at_k([False, False], 10, n_relevant=5) == 0.0


def test_ranking_metrics_has_the_report_keys():
    assert ranking_metrics(RANKING, n_relevant=2) == {
        "hit@1": 0.0, "hit@3": 1.0, "hit@5": 1.0, "mrr@10": 0.5, "ndcg@10": pytest.approx(0.6509, abs=1e-4),
    }


def test_percentile_interpolates_like_numpy():
    values = [40.0, 10.0, 30.0, 20.0]
    assert percentile(values, 50) == pytest.approx(25.0)
    assert percentile(values, 95) == pytest.approx(38.5)
    assert percentile([], 50) is None


def test_confusion_matrix_and_per_category_scores():
    labels = ["urgent", "general"]
    expected = ["urgent", "urgent", "general", "general", "general"]
    given = ["urgent", "general", "general", "general", "urgent"]
    matrix = confusion_matrix(expected, given, labels)
    assert matrix == [[1, 1], [1, 2]]
    scores = classification_scores(matrix, labels)
    assert scores["accuracy"] == pytest.approx(3 / 5)
    assert scores["per_category"]["urgent"] == {"precision": 0.5, "recall": 0.5, "support": 2}
    assert scores["per_category"]["general"]["precision"] == pytest.approx(2 / 3)
    assert classification_scores([[0, 0], [0, 2]], labels)["per_category"]["urgent"] == {"precision": None, "recall": None, "support": 0}


def test_fact_found_ignores_case_quotes_and_spacing():
    answer = "Pores can\u2019t  shrink, but they APPEAR\nsmaller [1]."
    assert fact_found(["appear smaller"], answer)
    assert fact_found(["nothing", "can't shrink"], answer)
    assert not fact_found(["permanent"], answer)


# --- the labelled set --------------------------------------------------------------------


def test_labelled_set_covers_every_category_in_both_splits():
    questions = load_questions(QUESTIONS)
    assert len(questions) >= 80
    for split in ("dev", "test"):
        assert {q.category for q in questions if q.split == split} == set(CATEGORIES)
    assert any(q.history for q in questions)
    assert 0.2 <= sum(q.split == "test" for q in questions) / len(questions) <= 0.35


def test_labels_name_articles_and_sections_that_exist(engine):
    places = passage_inventory(engine)
    articles = {a for a, _ in places}
    for q in load_questions(QUESTIONS):
        assert set(q.articles) <= articles, q.id
        for section in q.sections:
            assert any((a, section) in places for a in q.articles), f"{q.id}: no section {section!r} in {q.articles}"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("questions: [", "not valid YAML"),
        ("questions: []", "non-empty `questions:`"),
        ("questions:\n  - {id: a, question: q, category: scary, split: dev}", "category 'scary'"),
        ("questions:\n  - {id: a, question: q, category: general, split: train}", "split 'train'"),
        ("questions:\n  - {id: a, category: general, split: dev}", "needs `question:`"),
        ("questions:\n  - {id: a, question: q, category: general, split: dev, facts: [x]}", "list of lists"),
        ("questions:\n  - {id: a, question: q, category: general, split: dev}\n  - {id: a, question: r, category: general, split: dev}",
         "repeated: a"),
    ],
)
def test_a_broken_question_file_says_what_to_fix(tmp_path, content, message):
    path = tmp_path / "questions.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(EvaluationError, match=message):
        load_questions(path)


def test_a_missing_question_file_names_the_setting(tmp_path):
    with pytest.raises(EvaluationError, match="CHATBOT_EVAL_QUESTIONS_FILE"):
        load_questions(tmp_path / "nope.yaml")


# --- scoring real answers ------------------------------------------------------------------


def test_hybrid_ranking_scored_is_the_one_the_chain_answers_from(engine):
    answer = engine.ask("how long does one session take?")
    ranked = engine.search(answer.standalone_question, k=10)
    assert [p.chunk.id for p in ranked[: len(answer.passages)]] == [p.chunk.id for p in answer.passages]


def test_quoted_sentences_are_supported_and_a_made_up_one_is_not(engine):
    answer = engine.ask("what spf should i be using afterwards?")
    assert answer.sentences and all(citation_support(answer, engine.embedder, engine.settings.citation_support_similarity))
    invented = replace(answer, sentences=(AnswerSentence("The clinic car park is free on Sundays.", 1),))
    assert citation_support(invented, engine.embedder, engine.settings.citation_support_similarity) == [False]
    dangling = replace(answer, sentences=(AnswerSentence(answer.sentences[0].text, 99),))
    assert citation_support(dangling, engine.embedder, engine.settings.citation_support_similarity) == [False]


@pytest.fixture(scope="module")
def small_run(engine):
    wanted = {"g008", "g017", "u001", "o013", "m004", "f002"}
    questions = [q for q in load_questions(QUESTIONS) if q.id in wanted]
    return questions, evaluate(engine, questions)


def test_evaluate_scores_every_question_and_each_ranking(small_run):
    questions, evaluation = small_run
    assert evaluation.mode == "extractive"
    results = {r.id: r for r in evaluation.results}
    assert set(results) == {q.id for q in questions}
    assert results["u001"].category == "urgent" and results["u001"].retrieval == {}  # no article expected
    spf = results["g008"]
    assert set(spf.retrieval) == {"hybrid", "bm25", "dense"}
    assert len(spf.retrieval["hybrid"]["top"]) == 10
    assert spf.retrieval["hybrid"]["article"]["hit@5"] == 1.0
    assert spf.latency_ms and spf.latency_ms > 0
    assert len(spf.facts_found) == 2


def test_report_files_and_comparison_with_the_previous_run(small_run, tmp_path):
    questions, evaluation = small_run
    first = build_report([evaluation], split="custom")
    folder = write_report(first, tmp_path)
    assert folder.name.startswith("eval-")
    for name in ("report.md", "report.json", "retrieval.png", "guardrail.png", "latency.png"):
        assert (folder / name).is_file(), name
    assert (folder / "retrieval.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    markdown = (folder / "report.md").read_text(encoding="utf-8")
    assert "| hybrid |" in markdown and "| bm25 |" in markdown and "| dense |" in markdown
    assert "![Retrieval: hybrid vs BM25-only vs dense-only](retrieval.png)" in markdown

    previous = latest_report(tmp_path)
    assert previous["folder"] == folder.name
    second = build_report([evaluation], split="custom", previous=previous)
    second_folder = write_report(second, tmp_path)
    assert second_folder != folder
    assert second["compared_with"] == folder.name
    assert second["regressions"] == []  # same answers, nothing got worse
    assert latest_report(tmp_path)["folder"] == second_folder.name


def test_an_unreadable_previous_report_is_skipped(tmp_path):
    broken = tmp_path / "eval-29990101-000000"
    broken.mkdir()
    (broken / "report.json").write_text("{not json", encoding="utf-8")
    assert latest_report(tmp_path) is None


# --- regressions between two runs -----------------------------------------------------------


def _result(qid: str, **changes) -> dict:
    base = {
        "id": qid, "question": f"question {qid}", "expected_category": "general", "category": "general",
        "expected_articles": ["microneedling-pore-size"], "cited": [["microneedling-pore-size", "Conclusion"]],
        "retrieval": {"hybrid": {"article": {"hit@3": 1.0}}}, "facts": ["appear smaller", "not permanent"],
        "facts_found": [True, True], "supported": [True, True],
    }
    return base | changes


def test_regressions_are_flagged_per_question():
    previous = {"folder": "eval-old", "per_question": [
        _result("g012"),
        _result("u003", expected_category="urgent", category="urgent", expected_articles=[], cited=[], retrieval={}),
        _result("g001"),
        _result("g002", category="out_of_scope"),
    ]}
    current = {"per_question": [
        _result("g012", cited=[["treat-large-pores", "Microneedling: Treating large pores"]],
                retrieval={"hybrid": {"article": {"hit@3": 0.0}}}),
        _result("u003", expected_category="urgent", category="general", expected_articles=[], cited=[], retrieval={}),
        _result("g001", facts_found=[True, False], supported=[True, False]),
        _result("g002"),
    ]}
    regressions, improvements = compare_reports(previous, current)
    messages = [r["message"] for r in regressions]
    assert "g012 no longer cites microneedling-pore-size" in messages
    assert "g012 lost an expected article in the top 3" in messages
    assert "u003 was urgent, now general" in messages
    assert "g001 lost the fact “not permanent”" in messages
    assert "g001 has 1 unsupported cited sentence(s), was 0" in messages
    assert {r["id"] for r in regressions} == {"g012", "u003", "g001"}
    assert [i["message"] for i in improvements] == ["g002 is general again (was out_of_scope)"]


def test_reworded_or_relabelled_questions_are_not_compared():
    previous = {"per_question": [_result("g001", question="old wording", category="medical"), _result("g002", facts=["x", "y"])]}
    current = {"per_question": [_result("g001"), _result("g002", facts=["a", "b"], facts_found=[False, False])]}
    assert compare_reports(previous, current) == ([], [])


# --- the CLI --------------------------------------------------------------------------------


def _cli(env: dict, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "chatbot"), *args], capture_output=True, text=True, env=env, timeout=timeout)


@pytest.fixture
def cli_env(built_settings, tmp_path):
    subset = [q for q in yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["questions"] if q["id"] in {"g006", "g017", "u004", "o010", "m001"}]
    path = tmp_path / "questions.yaml"
    path.write_text(yaml.safe_dump({"questions": subset}), encoding="utf-8")
    return chatbot_env(built_settings, CHATBOT_EVAL_QUESTIONS_FILE=str(path), CHATBOT_REPORTS_DIR=str(tmp_path / "reports"))


@pytest.mark.slow
def test_eval_json_prints_the_summary_keys_of_the_issue(cli_env, tmp_path):
    done = _cli(cli_env, "eval", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    for mode in ("hybrid", "bm25", "dense"):
        assert set(summary["retrieval"][mode]) >= {"hit@1", "hit@3", "hit@5", "mrr@10", "ndcg@10"}
    assert set(summary["answers"]) >= {"fact_recall", "citation_support"}
    assert "accuracy" in summary["guardrail"]
    for category in CATEGORIES:
        assert set(summary["guardrail"]["per_category"][category]) >= {"precision", "recall"}
    assert set(summary["latency_ms"]) >= {"p50", "p95"}
    assert summary["questions"] == 5
    report = tmp_path / "reports" / summary["report"]
    assert (report / "report.md").is_file() and (report / "report.json").is_file()
    assert json.loads((report / "report.json").read_text(encoding="utf-8"))["corpus_health"]


def test_eval_with_a_broken_question_file_prints_one_line(cli_env, tmp_path):
    Path(cli_env["CHATBOT_EVAL_QUESTIONS_FILE"]).write_text("questions:\n  - {id: x}\n", encoding="utf-8")
    done = _cli(cli_env, "eval", "--split", "dev", timeout=120)
    assert done.returncode == 1
    assert done.stderr.startswith("error: questions.yaml: entry 1 (x) needs `question:`")
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_eval_summary_for_json_keeps_per_question_details_out(small_run):
    _, evaluation = small_run
    summary = json_summary(build_report([evaluation], split="custom"))
    assert "per_question" not in summary
    assert summary["retrieval"]["hybrid"]["questions"] >= 1


# --- the content team's quality page ----------------------------------------------------------


def _page_env(monkeypatch, tmp_path, **values: str) -> None:
    for key in [k for k in os.environ if k.startswith("CHATBOT_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("CHATBOT_CONFIG", str(tmp_path / "no-config.toml"))
    for key, value in values.items():
        monkeypatch.setenv(key, value)


def test_quality_page_is_locked_without_the_staff_password(monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    _page_env(monkeypatch, tmp_path, CHATBOT_REPORTS_DIR=str(tmp_path))
    page = AppTest.from_file(str(Path(__file__).parents[1] / "pages" / "quality.py"), default_timeout=60).run()
    assert any("CHATBOT_STAFF_PASSWORD" in info.value for info in page.info)
    assert not page.dataframe and not page.metric


def test_quality_page_shows_the_latest_report(small_run, monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    _, evaluation = small_run
    findings = [{"kind": "conflict", "article": "treat-large-pores", "line": 15, "text": "pores cannot shrink",
                 "other_article": "microneedling-signs-of-aging", "other_line": 14, "detail": "negates what ... asserts"}]
    folder = write_report(build_report([evaluation], split="test", corpus_health=findings), tmp_path / "reports")
    _page_env(monkeypatch, tmp_path, CHATBOT_REPORTS_DIR=str(tmp_path / "reports"), CHATBOT_STAFF_PASSWORD="quiet amber harbour")
    page = AppTest.from_file(str(Path(__file__).parents[1] / "pages" / "quality.py"), default_timeout=60).run()
    page.text_input(key="staff_password_input").input("quiet amber harbour")
    page.button[0].click().run()
    assert not page.exception
    assert page.selectbox[0].value == folder.name
    assert {m.label for m in page.metric} >= {"Key facts found", "Citations supported", "Guardrail accuracy"}
    tables = [d.value for d in page.dataframe]
    assert any("ranking" in t.columns and set(t["ranking"]) == {"hybrid", "bm25", "dense"} for t in tables)
    assert any("text" in t.columns and "pores cannot shrink" in set(t["text"]) for t in tables)
    assert any("what went wrong" in t.columns for t in tables) or page.success
    charts = json.loads((folder / "report.json").read_text(encoding="utf-8"))["charts"]
    assert len(charts) == 4 and len(page.get("image")) == len(charts)  # every chart of the report is shown


def test_the_previous_report_of_the_same_split_is_preferred(tmp_path):
    for name, split in (("eval-20250101-000000", "dev"), ("eval-20250102-000000", "test"), ("eval-20250103-000000", "all")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "report.json").write_text(json.dumps({"split": split, "per_question": []}), encoding="utf-8")
    assert latest_report(tmp_path, split="test")["folder"] == "eval-20250102-000000"
    assert latest_report(tmp_path, split="dev")["folder"] == "eval-20250101-000000"
    assert latest_report(tmp_path, split="custom")["folder"] == "eval-20250103-000000"  # none of that split: the newest


def test_the_gate_has_a_fact_recall_floor_per_split_and_a_maximum_of_dangling_references():
    from chatbot.evaluation.gate import FACT_RECALL_FLOOR, check_gate

    summary = {"answers": {"fact_recall": 0.7, "fact_recall_by_split": {"test": FACT_RECALL_FLOOR["test"] - 0.01},
                           "dangling_references": 1}}
    checks = {c.metric: c for c in check_gate(summary)}
    metrics = list(checks)
    # The floor sits right after the 0.80 target, and only for the splits the summary has.
    assert metrics[metrics.index("answers.fact_recall") + 1] == "answers.fact_recall_by_split.test"
    assert "answers.fact_recall_by_split.dev" not in checks
    assert not checks["answers.fact_recall_by_split.test"].passed
    assert not checks["answers.dangling_references"].passed and "maximum 0" in checks["answers.dangling_references"].describe()
    summary["answers"].update(fact_recall_by_split={"test": FACT_RECALL_FLOOR["test"]}, dangling_references=0)
    checks = {c.metric: c for c in check_gate(summary)}
    assert checks["answers.fact_recall_by_split.test"].passed and checks["answers.dangling_references"].passed
