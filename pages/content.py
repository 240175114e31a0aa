"""Content team: what people asked, how they rated the answers, and which questions the
articles do not answer yet (grouped into a to-write list). Password protected.

Every client text is shown redacted (``chatbot.store.redaction``) with today's rules, so a record
stored before a rule existed shows no more than a new one. The session id, which ties one
person's questions together, is shown to admins only: they handle data-subject requests
(`chatbot privacy export | erase --session ID`)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from chatbot.answering.presentation import RATING_LABELS, escape_markdown
from chatbot.errors import ChatbotError
from chatbot.guardrail.verdict import CATEGORIES, OUT_OF_SCOPE
from chatbot.languages.detection import LANGUAGE_NAMES
from chatbot.store.feedback import FeedbackRecord, group_similar
from chatbot.store.redaction import redact
from chatbot.store.staff import ADMIN
from pages.common import current_staff, feedback_store, get_engine, require_staff, safe_frame, staff_table

settings = require_staff()
store = feedback_store(settings)
show_sessions = current_staff().role == ADMIN

st.title("Content team")
st.caption("What people asked in the chat, how they rated the answers, and what the articles do not cover yet. Times are UTC.")
def redacted(record: FeedbackRecord) -> FeedbackRecord:
    return dataclasses.replace(record, question=redact(record.question), history=tuple(redact(h) for h in record.history),
                               answer=redact(record.answer), comment=redact(record.comment))


try:
    records = [redacted(r) for r in store.records()]
except ChatbotError as exc:
    st.error(escape_markdown(str(exc)))
    st.stop()
if not records:
    st.info("No questions have been asked yet. Questions asked in the chat, and their ratings, appear here.")
    st.stop()


def to_frame(items: list[FeedbackRecord]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "time": r.created_at, "date": r.created_at.date(), "question": r.question, "category": r.category,
                "language": LANGUAGE_NAMES.get(r.language, r.language),
                "rating": RATING_LABELS.get(r.rating, "Not rated"), "comment": r.comment, "answer": r.answer,
                "sources": r.sources, "earlier questions": " | ".join(r.history),
                **({"session": r.session_id} if show_sessions else {}), "id": r.id,
            }
            for r in items
        ]
    )


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return ("\ufeff" + safe_frame(frame).to_csv(index=False)).encode("utf-8")


def csv_later(frame: pd.DataFrame):
    """The CSV of ``frame``, built only when the download button is pressed: until then no file exists
    that ``/media/...`` could serve (a built file stays fetchable, without a session, while the page is open)."""
    return lambda: csv_bytes(frame)


def date_range(frame: pd.DataFrame) -> tuple[dt.date, dt.date]:
    first, last = frame["date"].min(), frame["date"].max()
    picked = st.date_input("Dates", value=(first, last), min_value=first, max_value=last, key="fb_dates")
    if isinstance(picked, tuple | list):
        start = picked[0] if picked else first
        end = picked[1] if len(picked) > 1 else start
        return start, end
    return picked, picked


def feedback_tab(frame: pd.DataFrame) -> None:
    ratings = st.multiselect("Rating", list(RATING_LABELS.values()), key="fb_rating", placeholder="All ratings")
    categories = st.multiselect("Guardrail category", sorted(frame["category"].unique()), key="fb_category", placeholder="All categories")
    start, end = date_range(frame)
    shown = frame[(frame["date"] >= start) & (frame["date"] <= end)]
    if ratings:
        shown = shown[shown["rating"].isin(ratings)]
    if categories:
        shown = shown[shown["category"].isin(categories)]
    st.caption(f"{len(shown):,} of {len(frame):,} questions")
    staff_table(shown, hide_index=True, width="stretch", column_config={"time": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})
    st.download_button("Export these rows (CSV)", csv_later(shown), file_name="feedback.csv", mime="text/csv", key="fb_export",
                       icon=":material/download:")
    commented = [r for r in records if r.comment][:10]
    if commented:
        st.subheader("Latest comments")
        for r in commented:
            st.markdown(f"- **{RATING_LABELS.get(r.rating)}** on “{escape_markdown(r.question)}”: {escape_markdown(r.comment)}")


def unanswered_tab() -> None:
    unanswered = [r for r in records if r.unanswered]
    st.markdown(
        "Questions the articles did not cover (`out_of_scope`) and answers rated not helpful, grouped when they ask "
        "much the same thing. The biggest groups are the articles to write first."
    )
    if not unanswered:
        st.success("Nothing here: every question was covered and no answer was rated not helpful.")
        return
    engine = get_engine(settings)
    vectors = engine.embedder.embed([r.question for r in unanswered])
    groups = group_similar(unanswered, vectors, similarity=settings.unanswered_group_similarity)
    st.caption(f"{len(unanswered):,} questions in {len(groups):,} groups")
    todo = []
    for i, group in enumerate(groups, start=1):
        st.markdown(f"**{i}. {escape_markdown(group.representative)}** ({group.size}× asked)")
        for r in group.questions:
            why = "not covered" if r.category == OUT_OF_SCOPE else "rated not helpful"
            comment = f" — comment: “{escape_markdown(r.comment)}”" if r.comment else ""
            st.markdown(f"  - {escape_markdown(r.question)} · _{why}_ · {r.created_at:%Y-%m-%d}{comment}")
        todo.append({
            "group": i, "times asked": group.size, "question": group.representative,
            "all wordings": " | ".join(dict.fromkeys(r.question for r in group.questions)),
            "comments": " | ".join(r.comment for r in group.questions if r.comment),
        })
    st.download_button("Download the to-write list (CSV)", csv_later(pd.DataFrame(todo)), file_name="to-write.csv", mime="text/csv",
                       key="todo_export", icon=":material/download:")


def percent_chart(values: pd.Series, label: str, *, horizontal: bool) -> alt.Chart:
    """Bars on a fixed 0-100 % scale, so a small share never looks like a large one."""
    data = pd.DataFrame({label: values.index.astype(str), "percent": values.round(1).to_numpy()})
    share = alt.X if horizontal else alt.Y
    group = alt.Y if horizontal else alt.X
    return alt.Chart(data).mark_bar().encode(
        share("percent:Q", scale=alt.Scale(domain=[0, 100]), title="%"),
        group(f"{label}:N", sort=None, title=label),
        tooltip=[label, "percent"],
    )


def charts_tab(frame: pd.DataFrame) -> None:
    rated = frame[frame["rating"] != RATING_LABELS[None]]
    helpful = (rated["rating"] == RATING_LABELS[1]).mean() * 100 if len(rated) else None
    a, b, c = st.columns(3)
    a.metric("Questions", f"{len(frame):,}")
    b.metric("Rated", f"{len(rated):,}")
    c.metric("Rated helpful", f"{helpful:.0f}%" if helpful is not None else "no ratings yet")
    days = frame["date"].map(lambda d: d.isoformat())  # text, so each day is one bar
    st.subheader("Questions per day")
    st.bar_chart(frame.groupby(days).size().rename("questions"), x_label="day (UTC)", y_label="questions")
    st.subheader("Share per guardrail category")
    share = (frame["category"].value_counts(normalize=True) * 100).reindex(CATEGORIES, fill_value=0)
    st.altair_chart(percent_chart(share, "category", horizontal=True), width="stretch")
    st.subheader("Questions per language")
    st.caption("Which translations of the messages matter most, and which languages clients ask in that the bot does not answer.")
    per_language = frame["language"].value_counts()
    st.altair_chart(
        alt.Chart(pd.DataFrame({"language": per_language.index, "questions": per_language.to_numpy()})).mark_bar().encode(
            alt.X("questions:Q", title="questions", axis=alt.Axis(tickMinStep=1, format="d")), alt.Y("language:N", sort="-x", title="language"), tooltip=["language", "questions"]
        ),
        width="stretch",
    )
    st.subheader("Share rated helpful, per day")
    if len(rated):
        per_day = rated.groupby(days[rated.index])["rating"].apply(lambda s: (s == RATING_LABELS[1]).mean() * 100)
        st.altair_chart(percent_chart(per_day, "day (UTC)", horizontal=False), width="stretch")
    else:
        st.caption("No answer has been rated yet.")


frame = to_frame(records)
feedback, unanswered, charts = st.tabs(["Feedback", "Unanswered questions", "Charts"])
with feedback:
    feedback_tab(frame)
with unanswered:
    unanswered_tab()
with charts:
    charts_tab(frame)
