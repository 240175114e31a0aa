"""PNG charts of a report (matplotlib, headless ``Agg`` backend).

* ``retrieval.png``: hybrid vs BM25-only vs dense-only, by article and by section;
* ``guardrail.png``: the confusion matrix as a heatmap;
* ``fact_recall.png``: key-fact recall of each question that has facts;
* ``latency.png``: histogram of answer latencies with p50 and p95 marked.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on servers and in tests; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from chatbot.evaluation.markdown import RETRIEVAL_COLUMNS  # noqa: E402
from chatbot.evaluation.runner import BASELINES, HYBRID  # noqa: E402

DPI = 110
"""Sharp enough for the report and the content page, small enough (~50 kB) to keep many reports."""
COLOURS = {HYBRID: "#2b6cb0", "bm25": "#dd6b20", "dense": "#38a169"}


def draw_charts(report: Mapping[str, Any], folder: Path) -> list[Path]:
    """Draw every chart the report has data for into ``folder``; returns the files written."""
    written = []
    for name, draw in (("retrieval.png", _retrieval), ("guardrail.png", _guardrail), ("fact_recall.png", _fact_recall), ("latency.png", _latency)):
        figure = draw(report)
        if figure is None:
            continue
        path = folder / name
        figure.savefig(path, dpi=DPI, bbox_inches="tight")
        plt.close(figure)
        written.append(path)
    return written


def _retrieval(report: Mapping[str, Any]):
    levels = [("by article", report["retrieval"]), ("by section", report["retrieval_by_section"])]
    levels = [(title, data) for title, data in levels if data.get(HYBRID) and data[HYBRID].get("questions")]
    if not levels:
        return None
    figure, axes = plt.subplots(1, len(levels), figsize=(6 * len(levels), 3.6), squeeze=False)
    x = np.arange(len(RETRIEVAL_COLUMNS))
    modes = [m for m in (HYBRID, *BASELINES) if report["retrieval"].get(m)]
    width = 0.8 / len(modes)
    for ax, (title, data) in zip(axes[0], levels, strict=True):
        for i, mode in enumerate(modes):
            values = [data[mode][c] or 0.0 for c in RETRIEVAL_COLUMNS]
            bars = ax.bar(x + (i - (len(modes) - 1) / 2) * width, values, width, label=mode, color=COLOURS[mode])
            ax.bar_label(bars, fmt="%.2f", fontsize=6, padding=1)
        ax.set_xticks(x, RETRIEVAL_COLUMNS)
        ax.set_ylim(0, 1.1)
        ax.set_title(f"Retrieval {title} ({data[HYBRID]['questions']} questions)")
        ax.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    return figure


def _guardrail(report: Mapping[str, Any]):
    labels = report["guardrail"]["labels"]
    matrix = np.asarray(report["guardrail"]["confusion"])
    if not matrix.sum():
        return None
    figure, ax = plt.subplots(figsize=(5, 4.2))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("given by the guardrail")
    ax.set_ylabel("expected")
    for i in range(len(labels)):
        for j in range(len(labels)):
            colour = "white" if matrix[i, j] > matrix.max() / 2 else "black"
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", color=colour)
    accuracy = report["guardrail"]["accuracy"]
    ax.set_title("Guardrail" + (f" (accuracy {accuracy:.2f})" if accuracy is not None else ""))
    figure.tight_layout()
    return figure


def _fact_recall(report: Mapping[str, Any]):
    rows = [
        (r["id"], sum(r["facts_found"]) / len(r["facts_found"]))
        for r in report.get("per_question", [])
        if r.get("facts_found")
    ]
    if not rows:
        return None
    rows.sort(key=lambda row: (row[1], row[0]))
    figure, ax = plt.subplots(figsize=(6, max(3.0, 0.16 * len(rows))))
    colours = ["#c53030" if v < 0.5 else "#d69e2e" if v < 1 else "#38a169" for _, v in rows]
    bars = ax.barh([qid for qid, _ in rows], [v for _, v in rows], color=colours)
    ax.bar_label(bars, fmt="%.2f", fontsize=5, padding=2)  # a 0.00 label keeps questions with no fact found visible
    ax.set_xlim(0, 1)
    ax.tick_params(axis="y", labelsize=6)
    overall = report["answers"]["fact_recall"]
    ax.set_title("Key facts found per question" + (f" (overall {overall:.2f})" if overall is not None else ""))
    ax.set_xlabel("share of the question's key facts in the answer")
    figure.tight_layout()
    return figure


def _latency(report: Mapping[str, Any]):
    values = [r["latency_ms"] for r in report.get("per_question", []) if r.get("latency_ms") is not None]
    if not values:
        return None
    figure, ax = plt.subplots(figsize=(6, 3.2))
    ax.hist(values, bins=min(30, max(5, len(values) // 3)), color="#4a5568")
    for name, colour in (("p50", "#2b6cb0"), ("p95", "#c53030")):
        value = report["latency_ms"][name]
        if value is not None:
            ax.axvline(value, color=colour, linestyle="--", label=f"{name} {value:.0f} ms")
    ax.set_xlabel("answer time (ms)")
    ax.set_ylabel("questions")
    ax.set_title(f"Answer latency ({len(values)} questions, {report['mode']})")
    ax.legend()
    figure.tight_layout()
    return figure
