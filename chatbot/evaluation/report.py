"""Evaluation reports: build, compare with the previous one, and write ``reports/eval-<timestamp>/``.

A report is a plain JSON-able dict (``report.json``), so a run can be compared
with any earlier one, and the content page can show it without the engine:

* the summary keys (``retrieval``, ``retrieval_by_section``, ``answers``,
  ``guardrail``, ``latency_ms``) of the mode the chain is configured with;
* ``modes``: ``answers``, ``guardrail`` and ``latency_ms`` of every mode run;
* ``gate``: the quality-gate checks; ``per_question``: every question's result;
* ``regressions`` / ``improvements`` against ``compared_with``;
* ``corpus_health``: the ``lint-corpus`` findings at the time of the run.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from chatbot.errors import EvaluationError
from chatbot.evaluation.gate import check_gate
from chatbot.evaluation.runner import HYBRID, Evaluation
from chatbot.evaluation.summary import answer_summary, summarize

log = logging.getLogger(__name__)

REPORT_PREFIX = "eval-"
SUMMARY_KEYS = (
    "split", "questions", "mode", "retrieval", "retrieval_by_section", "answers", "guardrail", "latency_ms", "modes", "reviewed", "matcher", "gate", "multilingual",
)


def build_report(
    evaluations: Sequence[Evaluation],
    *,
    split: str,
    previous: Mapping[str, Any] | None = None,
    corpus_health: Iterable[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """One report from the evaluations of one or more modes; the first is the configured chain."""
    if not evaluations:
        raise ValueError("build_report needs at least one evaluation")
    primary = evaluations[0]
    summary = summarize(primary)
    report: dict[str, Any] = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "split": split,
        "questions": len(primary.results),
        "mode": primary.mode,
        **summary,
        "modes": {ev.mode: answer_summary(ev.results) for ev in evaluations},
        "gate": [
            {"metric": c.metric, "threshold": c.threshold, "bound": "maximum" if c.maximum else "minimum", "value": c.value, "passed": c.passed}
            for c in check_gate(summary)
        ],
        "per_question": [r.to_json() for r in primary.results],
        "per_question_by_mode": {ev.mode: [r.to_json() for r in ev.results] for ev in evaluations[1:]},
    }
    report["compared_with"] = previous.get("folder") if previous else None
    report["compared_questions"] = len(comparable_ids(previous, report)) if previous else 0
    report["regressions"], report["improvements"] = compare_reports(previous, report) if previous else ([], [])
    if corpus_health is not None:
        report["corpus_health"] = list(corpus_health)
    return report


def json_summary(report: Mapping[str, Any]) -> dict[str, Any]:
    """What ``chatbot eval --json`` prints: the summary keys plus where the report is and what regressed."""
    out = {key: report[key] for key in SUMMARY_KEYS if key in report}
    out["report"] = report.get("folder")
    out["compared_with"] = report.get("compared_with")
    out["compared_questions"] = report.get("compared_questions", 0)
    out["regressions"] = report.get("regressions", [])
    return out


# --- comparing two runs -------------------------------------------------------------------


def compare_reports(previous: Mapping[str, Any], current: Mapping[str, Any]) -> tuple[list[dict], list[dict]]:
    """Per-question changes between two reports, as (regressions, improvements).

    Only questions present in both with the same wording are compared. Each change is
    ``{"id", "kind", "message"}``; kinds are ``category``, ``citation``, ``retrieval``,
    ``fact`` and ``support``.
    """
    before = {r["id"]: r for r in previous.get("per_question", [])}
    common = comparable_ids(previous, current)
    worse: list[dict] = []
    better: list[dict] = []
    for now in current.get("per_question", []):
        if now["id"] not in common:
            continue
        for regressed, kind, message in _changes(before[now["id"]], now):
            (worse if regressed else better).append({"id": now["id"], "kind": kind, "message": message})
    return worse, better


def comparable_ids(previous: Mapping[str, Any], current: Mapping[str, Any]) -> set[str]:
    """Ids of the questions asked in both reports with the same wording."""
    before = {r["id"]: r.get("question") for r in previous.get("per_question", [])}
    return {r["id"] for r in current.get("per_question", []) if r["id"] in before and before[r["id"]] == r.get("question")}


def _changes(then: Mapping[str, Any], now: Mapping[str, Any]) -> Iterable[tuple[bool, str, str]]:
    qid, expected = now["id"], now["expected_category"]
    if then["category"] != now["category"]:
        if then["category"] == expected:
            yield True, "category", f"{qid} was {then['category']}, now {now['category']}"
        elif now["category"] == expected:
            yield False, "category", f"{qid} is {now['category']} again (was {then['category']})"
    cited_then = {article for article, _ in then.get("cited", [])}
    cited_now = {article for article, _ in now.get("cited", [])}
    expected_articles = set(now.get("expected_articles", []))
    for article in sorted((cited_then - cited_now) & expected_articles):
        yield True, "citation", f"{qid} no longer cites {article}"
    for article in sorted((cited_now - cited_then) & expected_articles):
        yield False, "citation", f"{qid} now cites {article}"
    hit_then, hit_now = _hybrid_hit3(then), _hybrid_hit3(now)
    if hit_then is not None and hit_now is not None and hit_then != hit_now:
        yield (hit_then > hit_now), "retrieval", f"{qid} {'lost' if hit_then > hit_now else 'gained'} an expected article in the top 3"
    if then.get("facts") == now.get("facts"):  # relabelled facts are not comparable
        for fact, was, is_ in zip(now.get("facts", []), then.get("facts_found", []), now.get("facts_found", []), strict=True):
            if was != is_:
                yield was, "fact", f"{qid} {'lost' if was else 'gained'} the fact “{fact}”"
    unsupported_then = sum(not s for s in then.get("supported", []))
    unsupported_now = sum(not s for s in now.get("supported", []))
    if unsupported_now != unsupported_then:
        yield (unsupported_now > unsupported_then), "support", f"{qid} has {unsupported_now} unsupported cited sentence(s), was {unsupported_then}"


def _hybrid_hit3(result: Mapping[str, Any]) -> float | None:
    hybrid = (result.get("retrieval") or {}).get(HYBRID)
    return None if not hybrid else hybrid["article"]["hit@3"]


# --- files ----------------------------------------------------------------------------------


def new_report_folder(reports_dir: Path) -> Path:
    """A fresh ``eval-<YYYYmmdd-HHMMSS>`` folder (with a suffix if two runs share a second)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    try:
        reports_dir.mkdir(parents=True, exist_ok=True)
        for attempt in range(1, 100):
            folder = reports_dir / (f"{REPORT_PREFIX}{stamp}" + (f"-{attempt}" if attempt > 1 else ""))
            try:
                folder.mkdir()
                return folder
            except FileExistsError:
                continue
    except OSError as exc:
        raise EvaluationError(f"cannot create a report folder in {reports_dir}: {exc.strerror}; set CHATBOT_REPORTS_DIR") from exc
    raise EvaluationError(f"too many reports for {stamp} in {reports_dir}")


def write_report(report: dict[str, Any], reports_dir: Path) -> Path:
    """Write ``report.json``, the PNG charts and ``report.md`` into a new folder; returns the folder."""
    from chatbot.evaluation.charts import draw_charts
    from chatbot.evaluation.markdown import render_markdown

    folder = new_report_folder(reports_dir)
    report["folder"] = folder.name
    try:
        report["charts"] = [p.name for p in draw_charts(report, folder)]
        (folder / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
        (folder / "report.md").write_text(render_markdown(report), encoding="utf-8")
    except OSError as exc:
        raise EvaluationError(f"cannot write the report into {folder}: {exc.strerror}") from exc
    return folder


def report_folders(reports_dir: Path) -> list[Path]:
    """Report folders holding a ``report.json``, newest first."""
    if not reports_dir.is_dir():
        return []
    folders = [p for p in reports_dir.glob(f"{REPORT_PREFIX}*") if (p / "report.json").is_file()]
    return sorted(folders, key=lambda p: p.name, reverse=True)


def load_report(folder: Path) -> dict[str, Any]:
    """Read ``folder/report.json``. Raises ``EvaluationError`` when it is unreadable."""
    try:
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvaluationError(f"{folder.name}/report.json cannot be read ({exc}); delete that folder or run `chatbot eval` again") from exc
    if not isinstance(report, dict) or "per_question" not in report:
        raise EvaluationError(f"{folder.name}/report.json is not an evaluation report")
    report.setdefault("folder", folder.name)
    return report


def latest_report(reports_dir: Path, *, split: str | None = None) -> dict[str, Any] | None:
    """The newest readable report in ``reports_dir``; with ``split``, the newest of that split
    when there is one (a dev run is best compared with the last dev run). Unreadable reports
    are skipped with a warning."""
    readable = []
    for folder in report_folders(reports_dir):
        try:
            report = load_report(folder)
        except EvaluationError as exc:
            log.warning("skipping %s", exc)
            continue
        if split is None or report.get("split") == split:
            return report
        readable.append(report)
    return readable[0] if readable else None
