"""Batch checking: CSV of questions in, CSV of answers out, clear messages for bad files."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import make_settings

from chatbot.answering.batch import answer_all, read_questions, rows_to_csv
from chatbot.errors import BatchFileError


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path, batch_max_rows=5, batch_max_bytes=2_000)


def test_questions_are_read_from_the_question_column(settings):
    data = "\ufeffid,Question,notes\n1,Is it painful?,x\n2,,blank\n3,\"Does it shrink pores, really?\",y\n".encode()
    assert read_questions(data, settings) == ["Is it painful?", "Does it shrink pores, really?"]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"query,notes\nIs it painful?,x\n", "no `question` column .*'query'"),
        (b"question\n\n \n", "column is empty"),
        ("question\nIst es schmerzhaft?\n".encode("latin-1") + b"\xe4\xff", "not UTF-8"),
        (b"question\n" + b"\x00\x01" * 10, "binary"),
        (b"question\n" + b"Is it painful?\n" * 6, "6 questions; upload at most 5"),
        (b"question\n" + b"x" * 3_000, "MB; upload at most"),
    ],
)
def test_bad_files_get_a_clear_message(settings, data, message):
    with pytest.raises(BatchFileError, match=message):
        read_questions(data, settings)


def test_answers_come_back_as_csv_with_sources_and_category(engine):
    questions = ["Does microneedling shrink pores?", "What's the capital of France?", "x" * 3000]
    rows = list(answer_all(engine.ask, questions))
    table = list(csv.DictReader(io.StringIO(rows_to_csv(rows).decode("utf-8-sig"))))
    assert [r["question"] for r in table] == questions
    assert table[0]["category"] == "general" and "[1]" in table[0]["answer"] and table[0]["sources"].startswith("[1] ")
    assert table[1]["category"] == "out_of_scope" and table[1]["sources"] == ""
    assert table[2]["category"] == "error" and "characters" in table[2]["answer"]


def test_a_question_that_looks_like_a_formula_is_not_run_by_a_spreadsheet():
    from chatbot.answering.batch import BatchRow

    data = rows_to_csv([BatchRow("=cmd|' /C calc'!A0", "a", "", "out_of_scope", "")]).decode("utf-8-sig")
    assert "'=cmd" in data
