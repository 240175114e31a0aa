"""The review desk on the staff "Common questions" page.

For each common question staff see the answer the bot generates today and its reviewed answer,
if any. Editors draft (write the answer with [n] markers citing article sentences, picked from the
retrieved passages or found by search, or clinic statements) and add other ways clients ask;
clinicians and admins also approve and withdraw. Needs-review answers come first, with the
old and the new article text side by side. Every other stored answer (imported for a question
that is not a common one, say) follows in a card of its own, where it can be withdrawn: nothing
is served that staff cannot see. An answer whose approver is not a clinician or admin account is
labelled "approved outside the desk", with a button to approve it again as it stands.
Everything is stored by ``chatbot.reviewed.store``, which checks the roles again.
"""

from __future__ import annotations

import streamlit as st

from chatbot.answering.model import Answer
from chatbot.answering.presentation import escape_markdown
from chatbot.engine.engine import Engine
from chatbot.errors import ChatbotError
from chatbot.reviewed.desk import approval_problems, check_support, draft_from_answer
from chatbot.reviewed.lead import lead_problem
from chatbot.reviewed.model import (
    NEEDS_REVIEW,
    REVIEWED,
    STATUS_LABELS,
    AnswerContent,
    ArticleSentences,
    ReviewedAnswer,
    Source,
    article_sentences,
    question_key,
)
from chatbot.reviewed.provenance import approved_outside_desk, reapprove
from chatbot.reviewed.store import ReviewStore
from chatbot.settings import Settings
from chatbot.store.accounts import AccountStore
from chatbot.store.staff import StaffUser
from pages.common import render_answer

CLINIC_LINE = "clinic"
SOURCE_HELP = "One source per line, numbered [1], [2]... in order: `article-slug | the exact sentence`, or `clinic` for a clinic statement."


@st.cache_data(ttl=60, show_spinner=False)
def _articles(corpus: str, _settings: Settings) -> ArticleSentences:
    return article_sentences(_settings)


def sources_text(sources: tuple[Source, ...]) -> str:
    return "\n".join(CLINIC_LINE if s.clinic else f"{s.article} | {s.quote}" for s in sources)


def parse_sources(text: str) -> tuple[Source, ...]:
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.lower() in (CLINIC_LINE, "{clinic: true}", "clinic: true"):
            out.append(Source(clinic=True))
        elif "|" in line:
            article, quote = line.split("|", 1)
            out.append(Source(article.strip(), " ".join(quote.split())))
        else:
            out.append(Source(line, ""))  # reported by the checks: "not a sentence of ..."
    return tuple(out)


def render_desk(settings: Settings, engine: Engine, user: StaffUser, answered: list[tuple[str, Answer]],
                common: list[str] | None = None) -> None:
    """The whole desk: needs-review answers first, then one card per common question in ``answered``, then
    every other stored answer (those whose question is not in ``common``, all common questions by default)."""
    store = ReviewStore(settings)
    try:
        stored = {question_key(a.question): a for a in store.answers()}
        outside = approved_outside_desk(stored.values(), AccountStore(settings).list())
    except ChatbotError as exc:
        st.error(escape_markdown(str(exc)))
        return
    articles = _articles(str(settings.corpus_dir), settings)
    if not user.can_approve:
        st.info(f"You are logged in as an {user.role}: you can draft answers; a clinician or an admin approves them.", icon=":material/edit_note:")
    stale = [a for a in stored.values() if a.status == NEEDS_REVIEW]
    if stale:
        st.subheader(f"Needs review ({len(stale)})")
        st.caption("The articles changed under these reviewed answers: clients get the generated answer until a clinician approves again.")
        for a in stale:
            with st.container(border=True, key=f"stale-{a.id}"):
                st.markdown(f"**{escape_markdown(a.question)}**")
                for q in a.stale:
                    left, right = st.columns(2)
                    left.markdown(f"*Quoted [{q.n}] ({escape_markdown(q.article)}), no longer in the article:*\n\n{escape_markdown(q.old)}")
                    right.markdown(f"*Closest sentence there now:*\n\n{escape_markdown(q.new or 'the article is gone')}")
    for i, (question, generated) in enumerate(answered):
        reviewed = stored.get(question_key(question))
        if reviewed is not None and question_key(question) in outside:
            outside_notice(store, user, reviewed)
        card(store, engine, settings, user, articles, i, question, generated, reviewed)
    common_keys = {question_key(q) for q in (common if common is not None else [q for q, _ in answered])}
    others = [a for key, a in stored.items() if key not in common_keys and a.status != NEEDS_REVIEW]
    if others:
        st.subheader(f"Other reviewed answers ({len(others)})")
        st.caption("Stored for questions that are not common questions (imported, or the common question was removed). "
                   "Clients asking them get these answers while they are reviewed.")
        for a in others:
            other_card(store, user, a, outside=question_key(a.question) in outside)


def outside_notice(store: ReviewStore, user: StaffUser, reviewed: ReviewedAnswer) -> None:
    """The "approved outside the desk" label, and the one-click approval as it stands for clinicians and admins."""
    st.warning(f"Approved outside the desk: {escape_markdown(reviewed.reviewed_by or 'nobody')} is not a clinician account of "
               "this clinic. A clinician should read it and approve it again.", icon=":material/gpp_maybe:")
    if st.button("Approve again as it stands", key=f"reapprove-{reviewed.id}", icon=":material/verified:", disabled=not user.can_approve,
                 help=None if user.can_approve else "Only a clinician or an admin can approve answers."):
        try:
            number = reapprove(store, reviewed.question, approver=user.name)
        except ChatbotError as exc:
            st.error(escape_markdown(str(exc)))
            return
        st.success(f"Approved again as revision {number}, signed by you.")
        st.rerun()


def other_card(store: ReviewStore, user: StaffUser, reviewed: ReviewedAnswer, *, outside: bool) -> None:
    """A stored answer to a question that is not a common question: its text, sources, history and Withdraw."""
    with st.container(border=True, key=f"other-{reviewed.id}"):
        st.markdown(f"**{escape_markdown(reviewed.question)}**")
        st.caption(escape_markdown(status_line(reviewed)))
        if outside:
            outside_notice(store, user, reviewed)
        content = reviewed.content or reviewed.latest
        st.markdown(escape_markdown(content.answer))
        st.code(sources_text(content.sources), language=None)
        if reviewed.status == REVIEWED and st.button("Withdraw", key=f"withdraw-other-{reviewed.id}", icon=":material/block:",
                                                     disabled=not user.can_approve):
            try:
                store.withdraw(reviewed.question, actor=user.name)
            except ChatbotError as exc:
                st.error(escape_markdown(str(exc)))
                return
            st.success("Withdrawn: clients get the generated answer again.")
            st.rerun()
        with st.expander("History"):
            history(store, reviewed)


def status_line(reviewed: ReviewedAnswer | None) -> str:
    if reviewed is None:
        return "No reviewed answer: clients get the generated answer."
    label = STATUS_LABELS.get(reviewed.status, reviewed.status)
    if reviewed.served and reviewed.reviewed_at:
        label += f" by {reviewed.reviewed_by} on {reviewed.reviewed_at:%d %b %Y %H:%M} UTC (revision {reviewed.revision})"
    if reviewed.has_pending_draft:
        label += f" · draft revision {reviewed.latest_revision} awaits approval"
    return label


def card(store: ReviewStore, engine: Engine, settings: Settings, user: StaffUser, articles: ArticleSentences, i: int,
         question: str, generated: Answer, reviewed: ReviewedAnswer | None) -> None:
    with st.container(border=True, key=f"desk-{i}"):
        st.markdown(f"**{escape_markdown(question)}**")
        st.caption(escape_markdown(status_line(reviewed)))
        generated_tab, edit_tab, history_tab = st.tabs(["Generated answer", "Reviewed answer", "History"])
        with generated_tab:
            render_answer(generated, message=3000 + i)
            draft = draft_from_answer(question, generated, articles)
            if st.button("Approve as it stands", key=f"approve-generated-{i}", disabled=not user.can_approve or not draft.sources,
                         help=None if user.can_approve else "Only a clinician or an admin can approve answers."):
                base = reviewed.latest if reviewed else None
                content = AnswerContent(question, draft.answer, draft.sources, base.also_asked if base else ())
                _save_and_approve(store, engine, settings, user, articles, content, reviewed, approve=True)
        with edit_tab:
            edit_form(store, engine, settings, user, articles, i, question, generated, reviewed)
        with history_tab:
            history(store, reviewed)


def edit_form(store: ReviewStore, engine: Engine, settings: Settings, user: StaffUser, articles: ArticleSentences, i: int,
              question: str, generated: Answer, reviewed: ReviewedAnswer | None) -> None:
    base = reviewed.latest if reviewed else draft_from_answer(question, generated, articles)
    keys = {k: f"desk-{k}-{i}" for k in ("answer", "sources", "also")}
    st.session_state.setdefault(keys["answer"], base.answer)
    st.session_state.setdefault(keys["sources"], sources_text(base.sources))
    st.session_state.setdefault(keys["also"], "\n".join(base.also_asked))
    st.text_area("Answer (cite sources with [1], [2]...)", key=keys["answer"], height=150)
    st.text_area("Sources", key=keys["sources"], height=120, help=SOURCE_HELP)
    st.caption(SOURCE_HELP)
    pick_sentence(i, generated, articles, keys["sources"])
    st.text_area("Other ways clients ask (one per line)", key=keys["also"], height=80)
    content = AnswerContent(
        question, st.session_state[keys["answer"]].strip(), parse_sources(st.session_state[keys["sources"]]),
        tuple(line.strip() for line in st.session_state[keys["also"]].splitlines() if line.strip()),
    )
    checks = check_support(content, engine.embedder, settings, engine.scoring().idf)
    for c in checks:
        if c.clinic:
            st.markdown(f":blue-badge[From the clinic] {escape_markdown(c.text)}")
        elif c.supported:
            st.markdown(f":green-badge[Supported] {escape_markdown(c.text)}")
        else:
            st.markdown(f":red-badge[Unsupported] {escape_markdown(c.text)} · {escape_markdown(c.reason)}")
    lead = lead_problem(content, engine.embedder, settings)
    if lead:
        st.warning(escape_markdown(lead), icon=":material/vertical_align_top:")
    problems = approval_problems(content, articles, checks)
    for p in problems:
        st.caption(f":red[{escape_markdown(p)}]")
    save, approve, withdraw = st.columns(3)
    if save.button("Save draft", key=f"save-{i}", icon=":material/save:"):
        _save_and_approve(store, engine, settings, user, articles, content, reviewed, approve=False)
    if approve.button("Approve", key=f"approve-{i}", type="primary", icon=":material/verified:",
                      disabled=not user.can_approve or bool(problems)):
        _save_and_approve(store, engine, settings, user, articles, content, reviewed, approve=True)
    if not user.can_approve:
        approve.caption("Only a clinician or an admin can approve.")
    if reviewed is not None and reviewed.served and withdraw.button("Withdraw", key=f"withdraw-{i}", icon=":material/block:",
                                                                     disabled=not user.can_approve):
        try:
            store.withdraw(question, actor=user.name)
            st.success("Withdrawn: clients get the generated answer again.")
            st.rerun()
        except ChatbotError as exc:
            st.error(escape_markdown(str(exc)))


def pick_sentence(i: int, generated: Answer, articles: ArticleSentences, sources_key: str) -> None:
    """Add an article sentence to the sources: from the retrieved passages, or found by search."""
    options = list(dict.fromkeys(f"{p.chunk.article} | {s}" for p in generated.passages for s in p.chunk.sentences))
    needle = st.text_input("Find an article sentence", key=f"find-{i}", placeholder="e.g. sessions, numbing, SPF")
    if needle.strip():
        found = [f"{slug} | {s}" for slug, sentences in articles.sentences.items() for s in sentences if needle.lower() in s.lower()]
        options = list(dict.fromkeys(found + options))
    choice = st.selectbox("Sentence from the retrieved passages or the search", options, key=f"pick-{i}", index=None,
                          placeholder="Choose a sentence to cite")
    st.button("Add as a source", key=f"add-{i}", icon=":material/add:", disabled=not choice, on_click=_add_source, args=(sources_key, choice))


def _add_source(sources_key: str, choice: str | None) -> None:
    # A callback: it runs before the page, so the sources box can still be changed.
    if choice:
        current = st.session_state.get(sources_key, "").rstrip()
        st.session_state[sources_key] = f"{current}\n{choice}".strip()


def _save_and_approve(store: ReviewStore, engine: Engine, settings: Settings, user: StaffUser, articles: ArticleSentences,
                      content: AnswerContent, reviewed: ReviewedAnswer | None, *, approve: bool) -> None:
    try:
        if approve:
            problems = approval_problems(content, articles, check_support(content, engine.embedder, settings, engine.scoring().idf))
            if problems:
                st.error("Not approved: " + escape_markdown(problems[0]))
                return
            if not user.can_approve:
                st.error("Only a clinician or an admin can approve answers.")
                return
        based_on = reviewed.latest_revision if reviewed else None
        # an unchanged pending draft is approved as it is; anything else becomes a new revision first
        same = reviewed is not None and reviewed.has_pending_draft and reviewed.latest == content
        revision = reviewed.latest_revision if same else store.save_draft(content, author=user.name, based_on=based_on)
        if approve:
            store.approve(content.question, revision, approver=user.name)
            st.success(f"Approved revision {revision}: clients asking this now get the reviewed answer.")
        else:
            st.success(f"Saved draft revision {revision}.")
    except ChatbotError as exc:
        st.error(escape_markdown(str(exc)))


def history(store: ReviewStore, reviewed: ReviewedAnswer | None) -> None:
    if reviewed is None:
        st.caption("Nothing saved yet.")
        return
    try:
        events = store.history(reviewed.id)
        revisions = store.revisions(reviewed.id)
    except ChatbotError as exc:
        st.error(escape_markdown(str(exc)))
        return
    for e in events:
        st.markdown(escape_markdown(f"{e.at:%d %b %Y %H:%M} UTC · {e.actor} · {e.action} (revision {e.revision}) · {e.detail}"))
    for r in revisions:
        with st.expander(escape_markdown(f"Revision {r.number} by {r.author}" + (f", approved by {r.approved_by}" if r.approved_by else ""))):
            st.markdown(escape_markdown(r.content.answer))
            st.code(sources_text(r.content.sources), language=None)
