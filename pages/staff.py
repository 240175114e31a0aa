"""Staff: the review desk for the clinic's common questions (pages/review_desk.py), a question tester
with the retrieval scores, and batch checking of a CSV of questions. Password protected."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from chatbot.answering.batch import BatchRow, answer_all, read_questions, rows_to_csv
from chatbot.answering.model import Answer
from chatbot.answering.presentation import escape_markdown
from chatbot.engine.engine import Engine
from chatbot.errors import ChatbotError
from chatbot.knowledge.corpus import CommonQuestion
from pages.common import current_staff, engine_key, get_engine, render_answer, require_staff, staff_table
from pages.review_desk import render_desk

settings = require_staff()
engine = get_engine(settings)

st.title("Staff: check the answers")
st.caption(
    "What clients see for the clinic's common questions (edit them in `corpus/common_questions.yaml`), "
    "a tester that shows why the bot answered as it did, and batch checking."
)


@st.cache_resource(max_entries=4, show_spinner="Answering the common questions…")
def _common_answers(key: str, version: str | None, _engine: Engine) -> list[tuple[CommonQuestion, Answer]]:
    # Keyed by the index version: after a re-ingest the answers are recomputed.
    return [(q, _engine.ask(q.question, reviewed=False)) for q in _engine.common_questions]


def common_questions_tab() -> None:
    try:
        answered = _common_answers(engine_key(settings), engine.index.version, engine)
    except ChatbotError as exc:
        st.error(escape_markdown(str(exc)))
        return
    if not answered:
        st.info(f"No common questions yet: add them to `{settings.common_questions_path}` (a `questions:` list).")
        return
    query = st.text_input("Search the questions and answers", key="cq_search", placeholder="e.g. pores, pain, makeup")
    topics = sorted({q.topic for q, _ in answered})
    chosen = st.multiselect("Topics", topics, key="cq_topics", placeholder="All topics")
    needle = query.strip().lower()
    shown = [
        (q, a) for q, a in answered
        if (not chosen or q.topic in chosen) and (not needle or needle in q.question.lower() or needle in a.text.lower())
    ]
    st.caption(f"{len(shown)} of {len(answered)} common questions")
    staff_table(
        pd.DataFrame(
            [{"topic": q.topic, "question": q.question, "category": a.guardrail.category, "sources": len(a.citations)} for q, a in shown],
            columns=["topic", "question", "category", "sources"],
        ),
        hide_index=True, width="stretch",
    )
    render_desk(settings, engine, current_staff(), [(q.question, a) for q, a in shown], common=[q.question for q, _ in answered])


def scores_table(answer: Answer) -> pd.DataFrame:
    cited = {c.chunk_id for c in answer.citations}
    return pd.DataFrame(
        [
            {
                "rank": i, "cited": p.chunk.id in cited, "article": p.chunk.title, "section": p.chunk.section,
                "fused (RRF)": round(p.score, 4), "dense cosine": round(p.dense_score, 3), "bm25": round(p.bm25_score, 3),
                "dense rank": p.dense_rank or None, "bm25 rank": p.bm25_rank or None,
            }
            for i, p in enumerate(answer.passages, start=1)
        ]
    )


def try_tab() -> None:
    with st.form("try-form"):
        question = st.text_input("Question", key="try_question", max_chars=settings.max_question_chars)
        earlier = st.text_area("Earlier questions in the conversation (optional, one per line, oldest first)", key="try_history", height=80)
        submitted = st.form_submit_button("Answer")
    if not submitted:
        return
    history = [line for line in earlier.splitlines() if line.strip()]
    try:
        answer = engine.ask(question, history)
    except ChatbotError as exc:
        st.error(escape_markdown(str(exc)))
        return
    g = answer.guardrail
    left, middle, right = st.columns(3)
    left.metric("Guardrail category", g.category)
    middle.metric("Answer time", f"{answer.timings_ms.get('total', 0):.0f} ms")
    right.metric("Sources cited", len(answer.citations))
    st.markdown(f"**Why this category:** {escape_markdown(g.reason)} (rule: {escape_markdown(g.rule)})")
    if answer.standalone_question and answer.standalone_question != answer.question:
        st.markdown(f"**Read as a follow-up; searched for:** {escape_markdown(answer.standalone_question)}")
    st.markdown("**Retrieved passages** (fused reciprocal-rank score, dense cosine, BM25 score and each list's rank)")
    staff_table(scores_table(answer), hide_index=True, width="stretch")
    st.markdown("**The answer as clients see it**")
    with st.container(border=True):
        render_answer(answer, message=2000)


def batch_tab() -> None:
    st.markdown(
        f"Upload a CSV file with a `question` column (up to {settings.batch_max_rows:,} questions, "
        f"{settings.batch_max_bytes / 1_000_000:.1f} MB); download every answer with its sources and category."
    )
    upload = st.file_uploader("Questions (CSV, UTF-8)", type=["csv"], key="batch_file")
    if upload is None:
        return
    data = upload.getvalue()
    try:
        questions = read_questions(data, settings)
    except ChatbotError as exc:
        st.error(f"{escape_markdown(upload.name)}: {escape_markdown(str(exc))}")
        return
    digest = hashlib.sha256(data).hexdigest()
    results: dict[str, list[BatchRow]] = st.session_state.setdefault("batch_results", {})
    if digest not in results:
        if not st.button(f"Answer {len(questions):,} questions", key="batch_run", type="primary"):
            return
        progress = st.progress(0.0, text="Answering…")
        rows: list[BatchRow] = []
        try:
            for i, row in enumerate(answer_all(engine.ask, questions), start=1):
                rows.append(row)
                progress.progress(i / len(questions), text=f"Answered {i:,} of {len(questions):,}")
        except ChatbotError as exc:
            st.error(f"Stopped after {len(rows):,} questions: {escape_markdown(str(exc))}")
            return
        progress.empty()
        results.clear()  # keep only the latest file's answers in the session
        results[digest] = rows
    rows = results[digest]
    frame = pd.DataFrame([r.__dict__ for r in rows])
    counts = frame["category"].value_counts().to_dict()
    st.success(f"Answered {len(rows):,} questions: " + ", ".join(f"{n} {c}" for c, n in counts.items()))
    staff_table(frame, hide_index=True, width="stretch")
    st.download_button(
        "Download the answers (CSV)", lambda: rows_to_csv(rows), file_name=f"answers-{upload.name}", mime="text/csv",
        key="batch_download", icon=":material/download:",
    )


common, tester, batch = st.tabs(["Common questions", "Try a question", "Batch check"])
with common:
    common_questions_tab()
with tester:
    try_tab()
with batch:
    batch_tab()
