"""The Streamlit app through ``streamlit.testing.v1.AppTest``: every page, with the real
engine on the session's real index and a real SQLite feedback file in tmp_path."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from chatbot.answering.presentation import escape_markdown
from chatbot.settings import Settings, load_settings
from chatbot.store.feedback import NOT_HELPFUL, FeedbackStore

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
PASSWORD = "correct horse battery staple"
FIRST_RUN_SECONDS = 300
"""The first run in the process loads the model and index (about 10 s, longer on a busy machine)."""
LIVE_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\((?!#source-)")


@pytest.fixture
def app_env(monkeypatch, tmp_path, built_settings) -> Settings:
    """The app's environment: the session's index, a fresh feedback database, no staff password."""
    for name in list(os.environ):
        if name.startswith("CHATBOT_"):
            monkeypatch.delenv(name)
    values = {
        "CHATBOT_CONFIG": tmp_path / "no-config.toml",
        "CHATBOT_CORPUS_DIR": built_settings.corpus_dir,
        "CHATBOT_INDEX_DIR": built_settings.index_dir,
        "CHATBOT_COMMON_QUESTIONS_FILE": built_settings.common_questions_path,
        "CHATBOT_FEEDBACK_DB": tmp_path / "feedback" / "feedback.sqlite3",
        "CHATBOT_REPORTS_DIR": tmp_path / "reports",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, str(value))
    return load_settings()


@pytest.fixture
def staff_env(app_env, monkeypatch) -> Settings:
    monkeypatch.setenv("CHATBOT_STAFF_PASSWORD", PASSWORD)
    return load_settings()


def open_app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run(timeout=FIRST_RUN_SECONDS)
    if page:
        at.switch_page(page).run(timeout=FIRST_RUN_SECONDS)
    assert not at.exception, at.exception
    return at


def ask(at: AppTest, question: str):
    """Type ``question`` in the chat box; returns the assistant's reply block."""
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at.chat_message[len(at.chat_message) - 1]


def nodes(block) -> Iterator:
    """Every element of a block, in page order."""
    yield block
    for child in getattr(block, "children", {}).values():
        yield from nodes(child)


def texts(block) -> list[str]:
    return [str(n.value) for n in nodes(block) if n.type in {"markdown", "caption", "error", "warning", "info", "success", "text"}]


def login(at: AppTest, password: str = PASSWORD, name: str = "") -> AppTest:
    """Log in on the staff login form; an empty name is the shared ``CHATBOT_STAFF_PASSWORD`` admin."""
    at.text_input(key="staff_name_input").input(name)
    at.text_input(key="staff_password_input").input(password)
    next(b for b in at.button if b.label == "Log in").click().run()
    assert not at.exception, at.exception
    return at


# --- chat ----------------------------------------------------------------------------------


def test_chat_answers_with_cited_sources_and_logs_the_question(app_env):
    at = open_app()
    assert any("not medical advice" in c.value for c in at.caption)
    reply = ask(at, "Does microneedling shrink pores?")
    body = next(n.value for n in nodes(reply) if n.type == "markdown" and "](#source-" in n.value)
    assert "[\\[1\\]](#source-1-1)" in body
    expanders = [n for n in nodes(reply) if n.type == "expander"]
    assert expanders and expanders[0].label.startswith("\\[1\\] ")
    passage = [n.value for n in nodes(expanders[0]) if n.type == "markdown"]
    assert any(":orange-background[**" in p for p in passage), "the quoted sentence is highlighted"
    assert [h.value for h in nodes(reply) if h.type == "html"][0] == '<span id="source-1-1"></span>'
    assert not [n for n in nodes(reply) if n.type in {"error", "warning", "info"}]
    [record] = FeedbackStore(app_env).records()
    assert record.question == "Does microneedling shrink pores?" and record.category == "general" and record.rating is None


@pytest.mark.parametrize(
    "question, box, words",
    [
        ("My face is swollen and there is pus coming out after microneedling", "error", "prompt medical care"),
        ("I'm pregnant, can I have microneedling?", "warning", "consult a dermatologist"),
        ("What's the capital of France?", "info", "I can only answer"),
    ],
)
def test_guardrail_notice_stands_out_before_the_answer(app_env, question, box, words):
    at = open_app()
    reply = ask(at, question)
    order = [n.type for n in nodes(reply)]
    notices = [n for n in nodes(reply) if n.type == box]
    assert len(notices) == 1 and words in notices[0].value.replace("\\", "")
    if "markdown" in order:
        assert order.index(box) < order.index("markdown"), "the notice comes before the answer text"
    assert FeedbackStore(app_env).records()[0].category == {"error": "urgent", "warning": "medical", "info": "out_of_scope"}[box]


def test_out_of_scope_offers_related_questions_that_can_be_clicked(app_env):
    at = open_app()
    ask(at, "What's the capital of France?")
    related = [b for b in at.button if (b.key or "").startswith("related-1-")]
    assert related
    label = related[0].label.replace("\\", "")
    related[0].click().run()
    assert not at.exception
    assert [m.value for m in at.chat_message[2].markdown][0].replace("\\", "") == label
    assert any("](#source-2-" in t for t in texts(at.chat_message[3]))


def test_a_near_match_offers_the_reviewed_question_one_click_away(app_env, monkeypatch):
    from chatbot.reviewed.model import article_sentences, read_yaml
    from chatbot.reviewed.store import ReviewStore

    shipped = ROOT / "corpus" / "reviewed_answers.yaml"
    ReviewStore(app_env).import_entries(read_yaml(shipped, article_sentences(app_env)), actor="test")
    # An engine of its own: the one earlier tests loaded reads the reviewed answers of their database.
    monkeypatch.setenv("CHATBOT_REVIEWED_REFRESH_SECONDS", "1.5")
    at = open_app()
    ask(at, "how does the treatment work")
    [offer] = [b for b in at.button if (b.key or "").startswith("suggestion-1-")]
    assert offer.label.replace("\\", "") == "Did you mean: What happens during a microneedling treatment?"
    offer.click().run()
    assert not at.exception
    assert [m.value for m in at.chat_message[2].markdown][0].replace("\\", "") == "What happens during a microneedling treatment?"
    reviewed = "During the session, a professional applies a numbing cream"
    answers = {r.question: r.answer for r in FeedbackStore(app_env).records()}
    assert not answers["how does the treatment work"].startswith(reviewed), "the generated answer stands"
    assert answers["What happens during a microneedling treatment?"].startswith(reviewed), "the click is served the reviewed answer"


def test_empty_chat_offers_starter_questions_and_new_conversation_clears_it(app_env):
    at = open_app()
    assert [m.value for m in at.markdown] == ["**Popular questions** — or type your own below."], "nothing else on an empty chat"
    starters = [b for b in at.button if (b.key or "").startswith("starter-")]
    assert len(starters) == app_env.starter_questions
    starters[0].click().run()
    assert len(at.chat_message) == 2 and not at.exception
    assert not [b for b in at.button if (b.key or "").startswith("starter-")]
    next(b for b in at.button if b.label == "New conversation").click().run()
    assert len(at.chat_message) == 0
    assert [b for b in at.button if (b.key or "").startswith("starter-")]


def test_follow_up_uses_the_earlier_questions(app_env):
    at = open_app()
    ask(at, "I'm pregnant, can I have microneedling?")
    reply = ask(at, "does it hurt?")
    assert [n for n in nodes(reply) if n.type == "warning"], "the follow-up keeps the dermatologist advice"
    latest = FeedbackStore(app_env).records()[0]
    assert latest.question == "does it hurt?" and latest.history == ("I'm pregnant, can I have microneedling?",)


def test_thumbs_and_comment_are_stored_with_contact_details_removed(app_env):
    at = open_app()
    ask(at, "How long does a microneedling appointment last?")
    at.feedback(key="rating-1").set_value(NOT_HELPFUL).run()
    [record] = FeedbackStore(app_env).records()
    assert record.rating == NOT_HELPFUL
    at.text_input(key="comment-1").input("It did not give the time. Call me on 07700 900123")
    next(b for b in at.button if b.label == "Send comment").click().run()
    [record] = FeedbackStore(app_env).records()
    assert record.comment == "It did not give the time. Call me on [phone removed]"
    assert any("comment were saved" in c.value for c in at.caption)


def test_rating_that_cannot_be_saved_is_reported_and_the_chat_keeps_working(app_env, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("CHATBOT_FEEDBACK_DB", str(blocker / "feedback.sqlite3"))
    at = open_app()
    ask(at, "Is microneedling painful?")
    at.feedback(key="rating-1").set_value(1).run()
    assert any("could not be saved" in w.value for w in at.warning)
    reply = ask(at, "How many microneedling sessions will I need?")
    assert any("](#source-2-" in t for t in texts(reply))


@pytest.mark.parametrize(
    "question",
    [
        "<script>window.hacked=1</script> Is microneedling painful?",
        "[click here](javascript:alert(1)) how long do microneedling results last?",
        "<img src=x onerror=alert(1)> **bold** :red[red] www.evil.example?",
    ],
)
def test_script_and_link_injection_show_as_plain_text(app_env, question):
    at = open_app()
    ask(at, question)
    [shown] = at.chat_message[0].markdown
    assert shown.value == escape_markdown(question)
    assert not LIVE_LINK.search(shown.value)
    for block in at.chat_message:
        for n in nodes(block):
            if n.type == "html":
                assert re.fullmatch(r'<span id="source-\d+-\d+"></span>', n.value)
            if n.type == "markdown":
                assert "<" not in n.value.replace("\\<", "")


def test_other_peoples_questions_never_reach_the_public_page(app_env):
    first = open_app()
    ask(first, "Does microneedling shrink pores? my secret words zebra")
    second = open_app()
    assert len(second.chat_message) == 0
    assert not any("zebra" in str(getattr(n, "value", "")) for n in nodes(second.main))


# --- staff pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["pages/staff.py", "pages/content.py"])
def test_staff_pages_are_locked_without_a_password_setting(app_env, engine, page):
    FeedbackStore(app_env).log_answer(session_id="s", question="Is it painful?", history=[], answer=engine.ask("Is it painful?"))
    at = open_app(page)
    assert "CHATBOT_STAFF_PASSWORD" in at.info[0].value
    assert not at.text_input and not at.dataframe and not at.tabs


@pytest.mark.parametrize("page", ["pages/staff.py", "pages/content.py"])
def test_staff_pages_need_the_right_password(staff_env, engine, page):
    FeedbackStore(staff_env).log_answer(session_id="s", question="Is it painful?", history=[], answer=engine.ask("Is it painful?"))
    at = open_app(page)
    assert not at.tabs and not at.dataframe
    login(at, "wrong password")
    assert "not right" in at.error[0].value and not at.tabs and not at.dataframe
    login(at)
    assert [t.label for t in at.tabs] and at.dataframe


def test_staff_see_the_common_questions_with_answers_and_can_search(staff_env):
    at = login(open_app("pages/staff.py"))
    table = at.dataframe[0].value
    assert len(table) == 15 and set(table["category"]) <= {"general", "medical", "urgent", "out_of_scope"}
    headings = {m.value for m in at.markdown}
    assert all(f"**{escape_markdown(q)}**" in headings for q in table["question"]), "each question is shown with its answer"
    at.text_input(key="cq_search").input("makeup").run()
    found = list(at.dataframe[0].value["question"])
    assert "When can I wear makeup again after microneedling?" in found and len(found) < 15


def test_try_a_question_shows_retrieval_scores_and_the_guardrail_reason(staff_env):
    at = login(open_app("pages/staff.py"))
    at.text_input(key="try_question").input("I'm pregnant, can I have microneedling?")
    next(b for b in at.button if b.label == "Answer").click().run()
    assert not at.exception
    assert any(m.label == "Guardrail category" and m.value == "medical" for m in at.metric)
    assert any("Why this category" in m.value and "pregnan" in m.value for m in at.markdown)
    scores = next(d.value for d in at.dataframe if "dense cosine" in d.value.columns)
    assert {"fused (RRF)", "bm25", "dense rank", "bm25 rank"} <= set(scores.columns) and len(scores) > 0


def test_batch_csv_is_answered_and_bad_files_get_a_clear_message(staff_env):
    at = login(open_app("pages/staff.py"))
    at.file_uploader(key="batch_file").set_value(("notes.csv", b"query\nIs it painful?\n", "text/csv")).run()
    assert "no `question` column" in at.error[0].value.replace("\\", "")
    at.file_uploader(key="batch_file").set_value(("latin.csv", "question\nQu'est-ce que c'est ?\xe9\n".encode("latin-1"), "text/csv")).run()
    assert "not UTF-8" in at.error[0].value.replace("\\", "")
    at.file_uploader(key="batch_file").set_value(("empty.csv", b"", "text/csv")).run()
    assert "empty" in at.error[0].value
    good = b"question\nDoes microneedling shrink pores?\nWhat's the capital of France?\n"
    at.file_uploader(key="batch_file").set_value(("check.csv", good, "text/csv")).run()
    at.button(key="batch_run").click().run(timeout=120)
    assert not at.exception and not at.error
    download = at.get("download_button")[0]
    assert download.label == "Download the answers (CSV)"
    results = next(d.value for d in at.dataframe if "answer" in d.value.columns)
    assert list(results["category"]) == ["general", "out_of_scope"]
    assert results["sources"][0].startswith("[1] ")


def test_content_page_shows_feedback_unanswered_questions_and_charts(staff_env):
    chat = open_app()
    ask(chat, "How long does a microneedling appointment last?")
    chat.feedback(key="rating-1").set_value(NOT_HELPFUL).run()
    ask(chat, "Do you sell gift vouchers for the clinic?")
    ask(chat, "Does microneedling shrink pores?")
    chat.feedback(key="rating-3").set_value(1).run()

    at = login(open_app("pages/content.py"))
    table = at.dataframe[0].value
    assert len(table) == 3 and set(table["rating"]) == {"Helpful", "Not helpful", "Not rated"}
    unanswered = " ".join(texts(at.tabs[1]))
    assert "How long does a microneedling appointment last" in unanswered.replace("\\", "")
    assert "Does microneedling shrink pores" not in unanswered.replace("\\", "")
    assert any(m.label == "Rated helpful" and m.value == "50%" for m in at.metric)
    assert len([n for n in nodes(at.tabs[2]) if n.type == "vega_lite_chart"]) == 4  # per day, per category, per language, rated helpful per day
    at.multiselect(key="fb_rating").select("Not helpful").run()
    assert list(at.dataframe[0].value["question"]) == ["How long does a microneedling appointment last?"]
    exported = at.get("download_button")[0]
    assert exported.label == "Export these rows (CSV)"


def test_the_desk_lists_needs_review_answers_first_with_old_and_new_text(staff_env):
    from chatbot.reviewed.model import StaleQuote, article_sentences, read_yaml
    from chatbot.reviewed.store import ReviewStore

    store = ReviewStore(staff_env)
    store.import_entries(read_yaml(staff_env.corpus_dir / "reviewed_answers.yaml", article_sentences(staff_env)), actor="test")
    old = "While some improvements can be seen after one session, multiple treatments may be necessary for more significant results."
    store.mark_stale({"How many microneedling sessions will I need?": [StaleQuote(1, "microneedling-acne-scars", old, "Most people need three sessions.")]})
    at = login(open_app("pages/staff.py"))
    shown = [m.value for m in at.markdown]
    stale_at = next(i for i, v in enumerate(shown) if "Most people need three sessions" in v)
    assert any(escape_markdown(old) in v for v in shown[stale_at - 1 : stale_at])
    first_card = next(i for i, v in enumerate(shown) if v == f"**{escape_markdown('Is microneedling painful?')}**")
    assert stale_at < first_card, "needs-review answers come before the cards"
    assert any("Needs review (1)" in s.value for s in at.subheader)


def test_a_sentence_found_by_search_is_added_to_the_sources_and_checked(staff_env):
    at = login(open_app("pages/staff.py"))
    at.text_input(key="find-3").input("multiple treatments").run()
    options = at.selectbox(key="pick-3").options
    wanted = next(o for o in options if "multiple treatments may be necessary" in o)
    at.selectbox(key="pick-3").select(wanted).run()
    at.button(key="add-3").click().run()
    assert not at.exception, at.exception
    assert at.text_area(key="desk-sources-3").value.endswith(wanted)
    quote = wanted.split("|", 1)[1].strip()
    at.text_area(key="desk-answer-3").input(f"{quote} [1]").run()
    at.text_area(key="desk-sources-3").input(wanted).run()
    assert any("Supported" in m.value and "multiple treatments" in m.value for m in at.markdown)
    assert not at.button(key="approve-3").disabled  # the shared password is an admin
