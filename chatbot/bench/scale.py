"""Scale benchmark (``make bench-scale``): ingest throughput and answer latency on a large corpus.

    python -m chatbot.bench.scale [--articles 1000] [--replicate 5] [--questions 60] [--skip-server]

1. Writes a deterministic synthetic corpus of ``--articles`` articles made of the real
   articles' sentences (seeded recombination under the real headings, unique slugs),
   so the clinic's questions still have answers in it: 1,000 articles give about
   20,000 passages.
2. Ingests it with ``chatbot.knowledge.index.build_index`` and compares the throughput with the
   floor: the model encoding a sample of the same texts (passages and sentences) alone.
3. Times whole answers (``Engine.ask``) on the clinic's questions, embedded and through a
   ``chroma run`` server serving the same folder: "cold" is a question's first time
   (its embedding included), "warm" a repeat (embedding cached, as for common questions).
4. Times the keyword side alone: ``KeywordIndex`` with ``bm25s`` and with ``rank_bm25``.
5. Grows the index ``--replicate`` times (about 100,000 passages) by copying the built
   records with new ids, new article slugs and slightly perturbed vectors straight into a
   new Chroma version (embedding 100k passages again would take an hour on 2 cores; the
   query side is what this size is for), and repeats steps 3 and 4.

Prints one table and writes the numbers to ``<reports_dir>/bench_scale.json``.

The synthetic corpus is written by ``chatbot.bench.synthetic``, the index grown by
``chatbot.bench.replica`` and served by ``chatbot.bench.chroma_server``; this module measures and prints.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chatbot.bench.chroma_server import chroma_server
from chatbot.bench.questions import clinic_questions
from chatbot.bench.replica import REPLICA_NOISE, replicate
from chatbot.bench.rows import rounded_percentiles, timed
from chatbot.bench.synthetic import SEED, SYNTHETIC_DUPLICATE_OVERLAP, generate_corpus
from chatbot.knowledge.chunking import chunk_article
from chatbot.knowledge.corpus import clean_article, load_corpus
from chatbot.settings import Settings, load_settings

if TYPE_CHECKING:  # types only: importing the embedder loads langchain, which `--help` should not wait for
    from chatbot.knowledge.embeddings import Embedder

FLOOR_SAMPLE = 3_000
"""Texts encoded alone to measure the embedding floor (a sample: encoding all of them twice would double the run)."""


# --- measuring -------------------------------------------------------------------------------------


def measure_ingest(settings: Settings, embedder: Embedder) -> dict[str, Any]:
    """Ingest the corpus folder and time it; also time the model alone on a sample of the same texts.

    The share of the floor compares CPU seconds per encoded text: on a shared machine the
    wall clock mostly measures the neighbours, while CPU time measures the work done.
    """
    from chatbot.knowledge.index import build_index

    articles, _ = load_corpus(Path(settings.corpus_dir))
    everything = [
        text
        for article in articles
        for chunk in chunk_article(clean_article(article, heading_max_words=settings.heading_max_words),
                                   max_chars=settings.chunk_max_chars, min_chars=settings.chunk_min_chars)
        for text in (chunk.text, *chunk.sentences)
    ]
    texts = random.Random(SEED).sample(everything, min(FLOOR_SAMPLE, len(everything)))
    wall, cpu = time.perf_counter(), time.process_time()
    # The floor is the bare model in one call, which sorts its input by length to pad as little as possible.
    embedder.model.encode(texts, batch_size=settings.embed_batch_size, normalize_embeddings=True, convert_to_numpy=True)
    floor_wall, floor_cpu = time.perf_counter() - wall, time.process_time() - cpu

    wall, cpu = time.perf_counter(), time.process_time()
    report = build_index(settings, embedder, show_progress=True)
    ingest_wall, ingest_cpu = time.perf_counter() - wall, time.process_time() - cpu
    sentences = report.embedded - report.chunks - report.duplicates  # one passage text per chunk, the rest are sentences
    return {
        "articles": report.articles, "chunks": report.chunks + report.duplicates, "passages": report.chunks,
        "duplicates": report.duplicates, "texts_encoded": report.embedded, "sentences": sentences,
        "seconds": round(ingest_wall, 1), "cpu_seconds": round(ingest_cpu, 1),
        "chunks_per_s": round((report.chunks + report.duplicates) / ingest_wall, 1),
        "sentences_per_s": round(sentences / ingest_wall, 1), "texts_per_s": round(report.embedded / ingest_wall, 1),
        "floor_texts_per_s": round(len(texts) / floor_wall, 1), "floor_sample": len(texts),
        "share_of_floor_cpu": round((report.embedded / ingest_cpu) / (len(texts) / floor_cpu), 3),
        "share_of_floor_wall": round((report.embedded / ingest_wall) / (len(texts) / floor_wall), 3),
    }


def measure_answers(settings: Settings, model_path: str, questions: Sequence[str]) -> dict[str, Any]:
    """Cold and warm whole-answer latency of a fresh engine (its own query cache)."""
    from chatbot.engine.engine import Engine
    from chatbot.knowledge.embeddings import Embedder

    started = time.perf_counter()
    engine = Engine(settings, embedder=Embedder(model_path, batch_size=settings.embed_batch_size))
    load = time.perf_counter() - started
    rounds: dict[str, list[float]] = {"cold": [], "warm": []}
    for name in rounds:
        for question in questions:
            rounds[name].append(timed(lambda q=question: engine.ask(q)))
    embed_only = Embedder(model_path)
    embed_ms = [timed(lambda q=question: embed_only.embed_one(q)) for question in questions]
    snapshot = engine.index.snapshot()
    return {
        "chunks": len(snapshot.ids), "engine_load_s": round(load, 1),
        "cold": rounded_percentiles(rounds["cold"]), "warm": rounded_percentiles(rounds["warm"]),
        "embed_query": rounded_percentiles(embed_ms),
        "_collection": snapshot.collection,
    }


def documents(collection, batch: int) -> list[str]:
    """Every passage text of a Chroma collection, read in pages."""
    texts: list[str] = []
    for offset in range(0, collection.count(), batch):
        texts += collection.get(include=["documents"], limit=batch, offset=offset)["documents"]
    return texts


def measure_bm25(texts: Sequence[str], questions: Sequence[str], k: int) -> dict[str, Any]:
    """Build time and per-query search time of each BM25 backend over ``texts``."""
    from chatbot.knowledge.keywords import KeywordIndex

    out: dict[str, Any] = {}
    for backend in ("bm25s", "rank_bm25"):
        started = time.perf_counter()
        index = KeywordIndex(texts, backend=backend)
        build = time.perf_counter() - started
        times = [timed(lambda q=question, search=index.search: search(q, k)) for question in questions]
        out[backend] = {"build_s": round(build, 1), **rounded_percentiles(times)}
    return out


def measure_size(settings: Settings, model_path: str, questions: Sequence[str], *, server: bool) -> dict[str, Any]:
    """Answer latency embedded (and through a server on the same folder) plus the BM25 comparison."""
    result: dict[str, Any] = {"embedded": measure_answers(settings, model_path, questions)}
    collection = result["embedded"].pop("_collection")
    result["bm25"] = measure_bm25(documents(collection, settings.chroma_batch_size), questions, settings.candidate_k)
    if server:
        with chroma_server(Path(settings.index_dir)) as port:
            served = settings.replace(chroma_host="127.0.0.1", chroma_port=port)
            result["server"] = measure_answers(served, model_path, questions)
            result["server"].pop("_collection")
    return result


# --- the command ---------------------------------------------------------------------------------------


def format_table(results: dict[str, Any]) -> str:
    ing = results["ingest"]
    lines = [
        f"Ingest: {ing['articles']:,} articles -> {ing['chunks']:,} chunks ({ing['passages']:,} passages, {ing['duplicates']:,} "
        f"near-duplicates) in {ing['seconds']:,.0f} s: {ing['chunks_per_s']:.1f} chunks/s, {ing['sentences_per_s']:.1f} sentences/s "
        f"({ing['texts_per_s']:.1f} texts/s counting each passage text once).",
        f"Model alone on {ing['floor_sample']:,} of the same texts: {ing['floor_texts_per_s']:.1f} texts/s. Ingest reaches "
        f"{ing['share_of_floor_cpu']:.0%} of that floor per CPU second ({ing['share_of_floor_wall']:.0%} by wall clock).",
        "",
        "| passages | mode | engine load s | answer p50 ms (cold) | p95 (cold) | p50 (warm) | p95 (warm) | query embedding p50 |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for size in results["sizes"]:
        for mode in ("embedded", "server"):
            if mode in size:
                m = size[mode]
                lines.append(
                    f"| {m['chunks']:,} | {mode} | {m['engine_load_s']} | {m['cold']['p50_ms']} | {m['cold']['p95_ms']} | "
                    f"{m['warm']['p50_ms']} | {m['warm']['p95_ms']} | {m['embed_query']['p50_ms']} |"
                )
    lines += ["", "| passages | BM25 backend | build s | per query p50 ms | p95 ms |", "|---:|---|---:|---:|---:|"]
    for size in results["sizes"]:
        for backend, b in size["bm25"].items():
            lines.append(f"| {size['embedded']['chunks']:,} | {backend} | {b['build_s']} | {b['p50_ms']} | {b['p95_ms']} |")
    if results.get("replicated"):
        lines += ["", f"The largest size reuses the embeddings of the first: {results['replicated']}."]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1_000, help="synthetic articles to generate (1,000 give about 20k passages)")
    parser.add_argument("--replicate", type=int, default=5, help="then grow the index this many times by copying records (1: skip)")
    parser.add_argument("--questions", type=int, default=60, help="distinct clinic questions to time")
    parser.add_argument("--skip-server", action="store_true", help="only the embedded index, no `chroma run`")
    parser.add_argument("--workdir", type=Path, help="where the corpus and index go (default: a temporary folder, removed after)")
    parser.add_argument("--torch-threads", type=int, help="torch intra-op threads (default: torch's own choice)")
    args = parser.parse_args(argv)

    from chatbot.knowledge.embeddings import Embedder

    if args.torch_threads:
        import torch

        torch.set_num_threads(args.torch_threads)
    base = load_settings()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        corpus = work / "corpus"
        if corpus.exists():
            shutil.rmtree(corpus)
        generate_corpus(Path(base.corpus_dir), corpus, args.articles)
        settings = base.replace(corpus_dir=corpus, index_dir=work / "index", chroma_host=None, chroma_port=None,
                                common_questions_file=base.common_questions_path, duplicate_overlap=SYNTHETIC_DUPLICATE_OVERLAP)
        embedder = Embedder(settings.embedding_model, batch_size=settings.embed_batch_size)
        questions = clinic_questions(Path(base.corpus_dir), args.questions)
        results: dict[str, Any] = {"ingest": measure_ingest(settings, embedder), "sizes": [], "questions": len(questions)}
        results["sizes"].append(measure_size(settings, embedder.model_path, questions, server=not args.skip_server))
        if args.replicate > 1:
            total = replicate(settings, args.replicate)
            results["replicated"] = f"{args.replicate} copies with new ids and vectors perturbed by N(0, {REPLICA_NOISE}), {total:,} passages"
            results["sizes"].append(measure_size(settings, embedder.model_path, questions, server=not args.skip_server))
        import torch

        results["machine"] = {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(), "load_average": os.getloadavg()}
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    print(format_table(results))
    print(f"\n{results['questions']} questions; machine: {results['machine']}")
    out = Path(base.reports_dir) / "bench_scale.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"numbers saved to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
