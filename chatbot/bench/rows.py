"""The bench's measurement rows: the ``Row`` type, timing one call, percentiles, and the printed table.

Shared by ``make bench`` (``chatbot.bench.latency``) and ``make bench-scale`` (``chatbot.bench.scale``),
so both take their p50/p95 the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Row:
    measure: str
    n: int
    p50_ms: float
    p95_ms: float
    note: str = ""


def percentiles(samples_ms: Sequence[float]) -> tuple[float, float]:
    return float(np.percentile(samples_ms, 50)), float(np.percentile(samples_ms, 95))


def rounded_percentiles(values_ms: Sequence[float]) -> dict[str, float]:
    """p50 and p95 to 0.1 ms, as the scale report stores them; NaN when nothing was measured."""
    p50, p95 = percentiles(values_ms) if values_ms else (float("nan"),) * 2
    return {"p50_ms": round(float(p50), 1), "p95_ms": round(float(p95), 1)}


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def row(measure: str, samples_ms: Sequence[float], note: str = "") -> Row:
    p50, p95 = percentiles(samples_ms)
    return Row(measure, len(samples_ms), p50, p95, note)


def format_table(rows: Sequence[Row]) -> str:
    header = ("measure", "n", "p50 ms", "p95 ms", "note")
    cells = [header] + [(r.measure, str(r.n), f"{r.p50_ms:.1f}", f"{r.p95_ms:.1f}", r.note) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    lines = []
    for i, c in enumerate(cells):
        lines.append(f"{c[0]:<{widths[0]}}  {c[1]:>{widths[1]}}  {c[2]:>{widths[2]}}  {c[3]:>{widths[3]}}  {c[4]}".rstrip())
        if i == 0:
            lines.append("-" * len(lines[0]))
    return "\n".join(lines)
