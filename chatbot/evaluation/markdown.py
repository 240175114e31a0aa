"""``report.md``: the evaluation report as the content team reads it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chatbot.evaluation.metrics import RANK_DEPTH
from chatbot.evaluation.runner import BASELINES, HYBRID
from chatbot.evaluation.summary import failures

RETRIEVAL_COLUMNS = ("hit@1", "hit@3", "hit@5", f"mrr@{RANK_DEPTH}", f"ndcg@{RANK_DEPTH}")
CHART_TITLES = {
    "retrieval.png": "Retrieval: hybrid vs BM25-only vs dense-only",
    "guardrail.png": "Guardrail confusion matrix",
    "fact_recall.png": "Key-fact recall per question",
    "latency.png": "Answer latency",
}


def fmt(value: Any, digits: int = 3) -> str:
    """A number for a table; "—" when it was not measured."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def cell(text: Any) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], *, empty: str = "None.") -> list[str]:
    """A Markdown table, or the ``empty`` line when there are no rows."""
    if not rows:
        return [empty]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return lines


def retrieval_rows(retrieval: Mapping[str, Any]) -> list[list[str]]:
    rows = []
    for mode in (HYBRID, *BASELINES):
        scores = retrieval.get(mode)
        if scores:
            rows.append([mode, *(fmt(scores[c]) for c in RETRIEVAL_COLUMNS), str(scores.get("questions", ""))])
    return rows


def mode_rows(modes: Mapping[str, Any]) -> list[list[str]]:
    return [
        [
            name, fmt(m["answers"]["fact_recall"]), fmt(m["answers"]["citation_support"]),
            fmt(m["answers"].get("dangling_references")), fmt(m["answers"].get("dropped_or_corrected")), fmt(m["guardrail"]["accuracy"]),
            fmt(m["latency_ms"]["p50"], 0), fmt(m["latency_ms"]["p95"], 0),
        ]
        for name, m in modes.items()
    ]


def _bound(check: Mapping[str, Any]) -> str:
    """"≥ 0.900" for a minimum score, "≤ 0" for a maximum count."""
    return ("≤ " if check.get("bound") == "maximum" else "≥ ") + fmt(check["threshold"])


def failing_rows(report: Mapping[str, Any]) -> list[list[str]]:
    rows = []
    for result in report.get("per_question", []):
        reasons = failures(result)
        if reasons:
            rows.append([result["id"], result["question"], "; ".join(reasons)])
    return rows


def render_markdown(report: Mapping[str, Any]) -> str:
    """The whole report as Markdown (tables, gate, regressions, failing questions, charts)."""
    lines = [
        f"# Evaluation {report.get('folder', '')}",
        "",
        f"{report['questions']} questions ({report['split']} split), answers by **{report['mode']}**, "
        f"run {report['created']}."
        + (f" Compared with `{report['compared_with']}`." if report.get("compared_with") else " No earlier report to compare with."),
        "",
        "## Quality gate",
        "",
        *table(["check", "value", "required", "result"],
               [[g["metric"], fmt(g["value"]), _bound(g), "pass" if g["passed"] else "**FAIL**"] for g in report["gate"]]),
        "",
        "The gate is enforced on the test split (`tests/test_quality_gate.py`); on other splits it is shown for information. "
        "`answers.fact_recall` is the target; `answers.fact_recall_by_split.*` is the no-regression floor, the recall "
        "measured when the target was not met yet, so that recall cannot slide unnoticed.",
        "",
        "## Reviewed answers",
        "",
        *[f"- {line}" for line in reviewed_lines(report)],
        "",
        "## Retrieval (relevant = an expected article)",
        "",
        *table(["ranking", *RETRIEVAL_COLUMNS, "questions"], retrieval_rows(report["retrieval"])),
        "",
        "## Retrieval (relevant = an expected section)",
        "",
        *table(["ranking", *RETRIEVAL_COLUMNS, "questions"], retrieval_rows(report["retrieval_by_section"])),
        "",
        "## Answers",
        "",
        *table(["mode", "fact recall", "citation support", "dangling references", "dropped or corrected", "guardrail accuracy",
                "p50 ms", "p95 ms"], mode_rows(report["modes"])),
        "",
        "A dangling reference is an answer sentence that opens with a reference to something not quoted right before it "
        "(\"Additionally, they can provide guidance...\"); per split: "
        + (", ".join(f"{split} {n}" for split, n in report["answers"].get("dangling_references_by_split", {}).items()) or "—") + ".",
        "",
        "## Guardrail",
        "",
        *table(["category", "precision", "recall", "questions"],
               [[c, fmt(s["precision"]), fmt(s["recall"]), s["support"]] for c, s in report["guardrail"]["per_category"].items()]),
        "",
        "Confusion matrix (rows: expected, columns: given):",
        "",
        *table(["expected \\ given", *report["guardrail"]["labels"]],
               [[label, *row] for label, row in zip(report["guardrail"]["labels"], report["guardrail"]["confusion"], strict=True)]),
        "",
        *_changes_section(report),
        "## Failing questions",
        "",
        *table(["id", "question", "what went wrong"], failing_rows(report), empty="None: every question passed."),
        "",
        *_health_section(report),
        "## Charts",
        "",
    ]
    for name in report.get("charts", []):
        lines += [f"### {CHART_TITLES.get(name, name)}", "", f"![{CHART_TITLES.get(name, name)}]({name})", ""]
    lines += _multilingual_section(report)
    return "\n".join(lines)


def _multilingual_section(report: Mapping[str, Any]) -> list[str]:
    if not report.get("multilingual"):
        return []
    from chatbot.evaluation.multilingual import format_multilingual

    return ["", "## Questions in other languages", "", format_multilingual(report["multilingual"])]


def _changes_section(report: Mapping[str, Any]) -> list[str]:
    if not report.get("compared_with"):
        return []
    lines = [f"## Changes since {report['compared_with']} ({report.get('compared_questions', 0)} questions in common)", ""]
    regressions, improvements = report.get("regressions", []), report.get("improvements", [])
    lines += ["**Regressions**", ""] + ([f"- {r['message']}" for r in regressions] or ["- none"]) + [""]
    lines += ["**Improvements**", ""] + ([f"- {r['message']}" for r in improvements] or ["- none"]) + [""]
    return lines


def _health_section(report: Mapping[str, Any]) -> list[str]:
    findings = report.get("corpus_health")
    if findings is None:
        return []
    rows = [[f["kind"], f"{f['article']}:{f['line']}", f["text"][:120], f["detail"]] for f in findings]
    return ["## Corpus health (`chatbot lint-corpus`)", "", *table(["kind", "where", "text", "detail"], rows, empty="No problems found."), ""]


def reviewed_lines(report: Mapping[str, Any]) -> list[str]:
    """Reviewed answers: questions served, fact recall on and off, matcher precision and recall."""
    lines = []
    r = report.get("reviewed")
    if r:
        lines.append(
            f"reviewed answers: {r['served']} of {r['questions']} labelled questions served one of the {r['answers']} reviewed answers; "
            f"fact recall {fmt(r['fact_recall_on'])} with them, {fmt(r['fact_recall_off'])} without"
        )
    for split, m in (report.get("matcher") or {}).items():
        lines.append(
            f"matcher ({split} pairs): precision {fmt(m['precision'])} ({m['found']} right, {m['wrong']} wrong), "
            f"recall {fmt(m['recall'])} ({m['found']} of {m['same']} paraphrases), "
            f"near-miss false matches {m.get('near_miss_false_matches', 0)} of {m.get('near_misses', 0)}"
        )
        lines += [f"  wrong: {w}" for w in m.get("wrong_pairs", [])]
    return lines


def terminal_summary(report: Mapping[str, Any], *, max_changes: int = 20) -> str:
    """A short plain-text summary for the terminal (``chatbot eval`` without ``--json``)."""
    lines = [f"Evaluated {report['questions']} {report['split']} questions ({report['mode']}); report in {report.get('folder')}", ""]
    lines.append(f"  {'retrieval by article':<22}" + "".join(f"{c:>9}" for c in RETRIEVAL_COLUMNS))
    for row in retrieval_rows(report["retrieval"]):
        lines.append(f"  {row[0]:<22}" + "".join(f"{v:>9}" for v in row[1:-1]))
    lines.append("")
    for name, m in report["modes"].items():
        lines.append(
            f"  {name}: fact recall {fmt(m['answers']['fact_recall'])}, citation support {fmt(m['answers']['citation_support'])}, "
            f"dangling references {fmt(m['answers'].get('dangling_references'))}, "
            f"guardrail accuracy {fmt(m['guardrail']['accuracy'])}, latency p50 {fmt(m['latency_ms']['p50'], 0)} ms "
            f"p95 {fmt(m['latency_ms']['p95'], 0)} ms"
        )
    recalls = ", ".join(f"{c} {fmt(s['recall'], 2)}" for c, s in report["guardrail"]["per_category"].items())
    lines += [f"  guardrail recall: {recalls}"]
    lines += [f"  {line}" for line in reviewed_lines(report)]
    lines += ["", "Quality gate:"]
    lines += [
        f"  {'pass' if g['passed'] else 'FAIL'}  {g['metric']} = {fmt(g['value'])} ({g.get('bound', 'minimum')} {fmt(g['threshold'])})"
        for g in report["gate"]
    ]
    if report.get("compared_with"):
        regressions = report.get("regressions", [])
        lines += ["", f"Since {report['compared_with']} ({report.get('compared_questions', 0)} questions in common): "
                      f"{len(regressions)} regression(s), {len(report.get('improvements', []))} improvement(s)"]
        lines += [f"  - {r['message']}" for r in regressions[:max_changes]]
        if len(regressions) > max_changes:
            lines.append(f"  ... and {len(regressions) - max_changes} more in report.md")
    lines += _multilingual_section(report)
    return "\n".join(lines)
