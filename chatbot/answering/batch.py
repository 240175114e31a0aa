"""Batch checking for staff: a CSV of questions in, a CSV of answers out.

The upload needs a ``question`` column (any letter case, any other columns are
ignored). Everything wrong with a file becomes one ``BatchFileError`` message that
says what to fix; a single bad row (empty, too long) becomes a row whose category
is ``error`` and whose answer says why, so the rest of the file is still answered.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from chatbot.answering.model import Answer
from chatbot.answering.presentation import csv_safe, sources_text
from chatbot.errors import BatchFileError, InvalidQuestionError
from chatbot.settings import Settings

QUESTION_COLUMN = "question"
OUTPUT_COLUMNS = ("question", "answer", "sources", "category", "reason")
ERROR_CATEGORY = "error"


@dataclass(frozen=True)
class BatchRow:
    question: str
    answer: str
    sources: str
    category: str
    reason: str


def read_questions(data: bytes, settings: Settings) -> list[str]:
    """The questions in an uploaded CSV file, in file order (blank cells skipped).

    Raises ``BatchFileError`` when the file is too large, not UTF-8 text, not CSV,
    has no ``question`` column, has no questions, or has more than ``batch_max_rows``.
    """
    if len(data) > settings.batch_max_bytes:
        raise BatchFileError(
            f"the file is {len(data) / 1_000_000:.1f} MB; upload at most {settings.batch_max_bytes / 1_000_000:.1f} MB "
            f"(split it into several files of up to {settings.batch_max_rows} questions)"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BatchFileError(
            f"the file is not UTF-8 text (byte {exc.start + 1} cannot be read); in your spreadsheet choose "
            "“CSV UTF-8” when saving, then upload again"
        ) from exc
    if "\x00" in text:
        raise BatchFileError("the file is not a CSV text file (it contains binary data); export the sheet as “CSV UTF-8”")
    if not text.strip():
        raise BatchFileError("the file is empty; it needs a header row with a `question` column and one question per row")
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, [])
        column = _question_column(header)
        questions = [row[column].strip() for row in reader if len(row) > column and row[column].strip()]
    except csv.Error as exc:
        raise BatchFileError(f"the file is not valid CSV ({exc}); export the sheet as “CSV UTF-8” and upload again") from exc
    if not questions:
        raise BatchFileError("the `question` column is empty; add one question per row under the header")
    if len(questions) > settings.batch_max_rows:
        raise BatchFileError(
            f"the file has {len(questions):,} questions; upload at most {settings.batch_max_rows:,} at a time "
            "(split it into several files)"
        )
    return questions


def _question_column(header: list[str]) -> int:
    names = [h.strip().lower() for h in header]
    if QUESTION_COLUMN in names:
        return names.index(QUESTION_COLUMN)
    shown = ", ".join(repr(h) for h in header[:8]) or "none"
    raise BatchFileError(
        f"the file has no `question` column (columns found: {shown}); name the column of questions `question` "
        "in the first row"
    )


def answer_all(ask: Callable[[str], Answer], questions: Iterable[str]) -> Iterator[BatchRow]:
    """Answer each question with ``ask`` (usually ``engine.ask``); yields one row per question.

    A question the engine refuses (empty, too long) gives an ``error`` row with the reason.
    Other failures (index missing) are raised: no later question could be answered either.
    """
    for question in questions:
        try:
            answer = ask(question)
        except InvalidQuestionError as exc:
            yield BatchRow(question, str(exc), "", ERROR_CATEGORY, str(exc))
            continue
        yield BatchRow(question, answer.text, sources_text(answer), answer.guardrail.category, answer.guardrail.reason)


def rows_to_csv(rows: Iterable[BatchRow]) -> bytes:
    """The rows as a UTF-8 CSV file (with a byte-order mark so spreadsheets detect UTF-8).

    Cells that a spreadsheet would run as formulas are prefixed with ``'``.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(OUTPUT_COLUMNS)
    for row in rows:
        writer.writerow([csv_safe(getattr(row, c)) for c in OUTPUT_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


__all__ = ["BatchRow", "BatchFileError", "answer_all", "read_questions", "rows_to_csv"]
