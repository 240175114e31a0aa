"""Content team: answer quality from the latest `chatbot eval` report, and the health of the
articles (`chatbot lint-corpus`). Password protected.

The page only reads reports from ``reports_dir`` (written by `chatbot eval`); re-checking
the articles uses the shared engine's embedding model through ``chatbot.knowledge.health``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from chatbot.answering.presentation import escape_markdown
from chatbot.errors import ChatbotError
from chatbot.evaluation import load_report, report_folders
from chatbot.evaluation.markdown import CHART_TITLES, RETRIEVAL_COLUMNS
from chatbot.evaluation.runner import BASELINES, HYBRID
from chatbot.evaluation.summary import failures
from chatbot.knowledge.health import KINDS, lint_corpus
from pages.common import get_engine, require_staff, staff_table

settings = require_staff()
reports_dir = Path(settings.reports_dir)

st.title("Answer quality and article health")

folders = report_folders(reports_dir)
if not folders:
    st.info(
        "No evaluation report yet. Run `chatbot eval` (all labelled questions) or `chatbot eval --split test` "
        f"on the server; reports are written to `{escape_markdown(str(reports_dir))}`."
    )
    report = None
else:
    picked = st.selectbox("Report", [f.name for f in folders], index=0, help="Newest first; each is one `chatbot eval` run.")
    try:
        report = load_report(reports_dir / picked)
    except ChatbotError as exc:
        st.error(escape_markdown(str(exc)))
        report = None


def fmt(value) -> str:
    return "—" if value is None else f"{value:.3f}"


def retrieval_frame(data: dict) -> pd.DataFrame:
    rows = [{"ranking": mode, **{c: data[mode][c] for c in RETRIEVAL_COLUMNS}, "questions": data[mode]["questions"]}
            for mode in (HYBRID, *BASELINES) if data.get(mode)]
    return pd.DataFrame(rows)


def metrics_section(report: dict) -> None:
    answers, guardrail, latency = report["answers"], report["guardrail"], report["latency_ms"]
    st.caption(
        f"{report['questions']} questions ({escape_markdown(report['split'])} split), answers by "
        f"**{escape_markdown(report['mode'])}**, run {escape_markdown(report['created'])}."
    )
    a, b, c, d = st.columns(4)
    a.metric("Key facts found", fmt(answers["fact_recall"]))
    b.metric("Citations supported", fmt(answers["citation_support"]))
    c.metric("Guardrail accuracy", fmt(guardrail["accuracy"]))
    d.metric("Answer time p50 / p95", f"{latency['p50'] or 0:.0f} / {latency['p95'] or 0:.0f} ms")
    st.subheader("Quality gate")
    gate = pd.DataFrame(report["gate"]).assign(result=lambda f: f["passed"].map({True: "pass", False: "FAIL"})).drop(columns="passed")
    staff_table(gate, hide_index=True, width="stretch")
    st.caption("Enforced on the test split by `tests/test_quality_gate.py`; on other splits shown for information.")
    st.subheader("Retrieval: hybrid against the BM25-only and dense-only baselines")
    st.markdown("Relevant = a passage from an expected article")
    staff_table(retrieval_frame(report["retrieval"]), hide_index=True, width="stretch")
    st.markdown("Relevant = a passage from an expected section")
    staff_table(retrieval_frame(report["retrieval_by_section"]), hide_index=True, width="stretch")
    st.subheader("Answers per mode")
    modes = [{"mode": name, "fact recall": m["answers"]["fact_recall"], "citation support": m["answers"]["citation_support"],
              "dropped or corrected": m["answers"].get("dropped_or_corrected"), "guardrail accuracy": m["guardrail"]["accuracy"],
              "p50 ms": m["latency_ms"]["p50"], "p95 ms": m["latency_ms"]["p95"]} for name, m in report["modes"].items()]
    staff_table(pd.DataFrame(modes), hide_index=True, width="stretch")
    st.subheader("Guardrail per category")
    per_category = pd.DataFrame([{"category": c, **s} for c, s in guardrail["per_category"].items()])
    staff_table(per_category, hide_index=True, width="stretch")
    confusion = pd.DataFrame(guardrail["confusion"], index=guardrail["labels"], columns=guardrail["labels"])
    st.caption("Confusion matrix (rows: expected, columns: given by the guardrail)")
    staff_table(confusion, width="stretch")


def questions_section(report: dict) -> None:
    failing = [{"id": r["id"], "question": r["question"], "what went wrong": "; ".join(failures(r)), "answer": r["answer"]}
               for r in report["per_question"] if failures(r)]
    st.subheader(f"Failing questions ({len(failing)} of {report['questions']})")
    if failing:
        staff_table(pd.DataFrame(failing), hide_index=True, width="stretch")
    else:
        st.success("Every question passed.")
    if report.get("compared_with"):
        st.subheader(f"Changes since {escape_markdown(report['compared_with'])}")
        regressions, improvements = report.get("regressions", []), report.get("improvements", [])
        left, right = st.columns(2)
        with left:
            st.markdown(f"**Regressions ({len(regressions)})**")
            for r in regressions:
                st.markdown(f"- {escape_markdown(r['message'])}")
        with right:
            st.markdown(f"**Improvements ({len(improvements)})**")
            for r in improvements:
                st.markdown(f"- {escape_markdown(r['message'])}")


def charts_section(report: dict) -> None:
    folder = reports_dir / report["folder"]
    for name in report.get("charts", []):
        path = folder / name
        if path.is_file():
            st.image(str(path), caption=CHART_TITLES.get(name, name))
        else:
            st.caption(f"{escape_markdown(name)} is missing from {escape_markdown(report['folder'])}.")


def health_section(findings: list[dict], source: str) -> None:
    st.caption(source)
    if not findings:
        st.success("No problems found in the articles.")
        return
    kinds = st.multiselect("Kind", KINDS, key="health_kinds", placeholder="All kinds")
    shown = [f for f in findings if not kinds or f["kind"] in kinds]
    staff_table(pd.DataFrame(shown), hide_index=True, width="stretch",
                 column_order=["kind", "article", "line", "text", "detail", "other_article", "other_line"])
    st.markdown("**Summary per article**")
    frame = pd.DataFrame(findings)
    staff_table(pd.crosstab(frame["article"], frame["kind"]).reindex(columns=list(KINDS), fill_value=0), width="stretch")


quality, charts, health = st.tabs(["Metrics", "Charts", "Article health"])
with quality:
    if report:
        metrics_section(report)
        questions_section(report)
with charts:
    if report:
        charts_section(report)
with health:
    st.markdown(
        "Problems in the articles themselves: repeated passages, paragraphs cut off mid-sentence, page leftovers, "
        "statements that contradict each other, and strong medical claims without a hedge."
    )
    if st.button("Check the articles now", icon=":material/refresh:"):
        try:
            fresh = lint_corpus(settings, get_engine(settings).embedder)
            st.session_state["health_now"] = [f.to_json() for f in fresh.findings]
        except ChatbotError as exc:
            st.error(escape_markdown(str(exc)))
    if "health_now" in st.session_state:
        health_section(st.session_state["health_now"], "Checked just now.")
    elif report and report.get("corpus_health") is not None:
        health_section(report["corpus_health"], f"As of the report {report['folder']}; press the button to check again.")
    else:
        st.info("No article check yet: press the button, or run `chatbot lint-corpus`.")
