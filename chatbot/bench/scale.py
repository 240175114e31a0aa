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
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from chatbot.knowledge.chunking import chunk_article
from chatbot.knowledge.corpus import Article, clean_article, load_common_questions, load_corpus
from chatbot.settings import Settings, load_settings
from chatbot.text.tokens import split_sentences

SEED = 6
PARAGRAPHS_PER_ARTICLE = 20
"""One paragraph becomes one passage, so 1,000 articles give about 20,000 passages."""
PARAGRAPH_CHARS = (380, 690)
"""Inside chunk_min_chars..chunk_max_chars (200..700), so a paragraph is neither joined nor split,
and long (3-5 sentences) so that two paragraphs sharing a sentence are still different passages."""
SECTION_SHARE = 0.3
"""Share of a paragraph's sentences drawn from the section it sits under; the rest come from
anywhere in the corpus (no sentence twice in one article), so paragraphs differ enough not to
be collapsed as near-duplicates."""
REPLICA_NOISE = 0.01
"""Standard deviation of the noise added to each coordinate of a replicated passage vector."""
SYNTHETIC_DUPLICATE_OVERLAP = 0.8
"""Near-duplicate word overlap for the synthetic corpus only. It recombines ~200 real sentences, so
its passages share words far more than real articles do (half of 20,000 overlap another by 0.5,
the real corpus's setting); collapsing only near-exact repeats keeps about 20 passages per article.
The collapse step still compares every passage, so its cost is part of the ingest time."""
FLOOR_SAMPLE = 3_000
"""Texts encoded alone to measure the embedding floor (a sample: encoding all of them twice would double the run)."""
SERVER_START_SECONDS = 120


# --- the synthetic corpus ------------------------------------------------------------------------


def _sections(article: Article, heading_max_words: int) -> list[tuple[str | None, list[str]]]:
    """The article as (heading or None for the introduction, sentences) pairs."""
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for block in clean_article(article, heading_max_words=heading_max_words).blocks:
        if block.kind == "heading":
            sections.append((block.text, []))
        else:
            sections[-1][1].extend(split_sentences(block.text))
    return [(h, s) for h, s in sections if s]


def _paragraph(rng: random.Random, local: Sequence[str], pool: Sequence[str], used: set[str]) -> str:
    """Sentences not yet used in this article (``used``), some from the section, until the paragraph is long enough."""
    low, high = PARAGRAPH_CHARS
    chosen: list[str] = []
    for _ in range(200):  # bounded: a tiny source corpus may run out of unused sentences
        if len(" ".join(chosen)) >= low:
            break
        sentence = rng.choice(local if rng.random() < SECTION_SHARE else pool)
        if sentence in used:
            continue
        if chosen and len(" ".join(chosen)) + 1 + len(sentence) > high:
            continue
        chosen.append(sentence)
        used.add(sentence)
    return " ".join(chosen)


def generate_corpus(corpus_dir: Path, out_dir: Path, articles: int, *, seed: int = SEED, heading_max_words: int = 12) -> int:
    """Write ``articles`` synthetic Markdown articles into ``out_dir``; returns how many.

    The same ``seed`` and source corpus always give the same files. Raises ``CorpusError``
    when the source corpus has no readable article.
    """
    sources, _ = load_corpus(corpus_dir)
    if not sources:
        from chatbot.errors import CorpusError

        raise CorpusError(f"no readable article in {corpus_dir} to build the synthetic corpus from")
    structure = [(a, _sections(a, heading_max_words)) for a in sources]
    pool = sorted({s for _, sections in structure for _, sentences in sections for s in sentences})
    out_dir.mkdir(parents=True, exist_ok=True)
    for i in range(articles):
        rng = random.Random(f"{seed}:{i}")
        base, sections = structure[i % len(structure)]
        lines = [
            "---",
            f"slug: {base.slug}-{i + 1:05d}",
            f"title: {json.dumps(f'{base.title} (part {i + 1})')}",
            f"published: {base.published or '2024-01-01'}",
            f"source: synthetic/{seed}/{base.slug}",
            "---",
        ]
        used: set[str] = set()
        for n in range(PARAGRAPHS_PER_ARTICLE):
            heading, local = sections[n * len(sections) // PARAGRAPHS_PER_ARTICLE]
            if heading and (n == 0 or sections[(n - 1) * len(sections) // PARAGRAPHS_PER_ARTICLE][0] != heading):
                lines += ["", f"### {heading}"]
            lines += ["", _paragraph(rng, local, pool, used)]
        (out_dir / f"{base.slug}-{i + 1:05d}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return articles


# --- measuring -------------------------------------------------------------------------------------


def _percentiles(values_ms: Sequence[float]) -> dict[str, float]:
    p50, p95 = np.percentile(np.asarray(values_ms, dtype=float), [50, 95]) if values_ms else (float("nan"),) * 2
    return {"p50_ms": round(float(p50), 1), "p95_ms": round(float(p95), 1)}


def measure_ingest(settings: Settings, embedder) -> dict[str, Any]:
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


def clinic_questions(corpus_dir: Path, limit: int) -> list[str]:
    """The clinic's common questions, then the labelled single-turn questions, without repeats."""
    import yaml

    questions = [q.question for q in load_common_questions(corpus_dir / "common_questions.yaml")]
    labelled = corpus_dir / "eval" / "questions.yaml"
    if labelled.is_file():
        items = (yaml.safe_load(labelled.read_text(encoding="utf-8")) or {}).get("questions", [])
        questions += [q["question"] for q in items if not q.get("history")]
    return list(dict.fromkeys(questions))[:limit]


def measure_answers(settings: Settings, model_path: str, questions: Sequence[str]) -> dict[str, Any]:
    """Cold and warm whole-answer latency of a fresh engine (its own query cache)."""
    from chatbot.engine.pipeline import Engine
    from chatbot.knowledge.embeddings import Embedder

    started = time.perf_counter()
    engine = Engine(settings, embedder=Embedder(model_path, batch_size=settings.embed_batch_size))
    load = time.perf_counter() - started
    rounds: dict[str, list[float]] = {"cold": [], "warm": []}
    for name in rounds:
        for question in questions:
            t = time.perf_counter()
            engine.ask(question)
            rounds[name].append((time.perf_counter() - t) * 1000)
    embed_only = Embedder(model_path)
    embed_ms = []
    for question in questions:
        t = time.perf_counter()
        embed_only.embed_one(question)
        embed_ms.append((time.perf_counter() - t) * 1000)
    snapshot = engine.index.snapshot()
    return {
        "chunks": len(snapshot.ids), "engine_load_s": round(load, 1),
        "cold": _percentiles(rounds["cold"]), "warm": _percentiles(rounds["warm"]), "embed_query": _percentiles(embed_ms),
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
        times = []
        for question in questions:
            t = time.perf_counter()
            index.search(question, k)
            times.append((time.perf_counter() - t) * 1000)
        out[backend] = {"build_s": round(build, 1), **_percentiles(times)}
    return out


# --- growing the index and serving it ----------------------------------------------------------------


def replicate(settings: Settings, copies: int, *, seed: int = SEED) -> int:
    """Make the live version ``copies`` times larger without embedding anything; returns its size.

    Every record is copied with a new id, a new article slug (``<slug>-r<k>``) and its vector
    perturbed by ``REPLICA_NOISE`` and renormalised, into a new version that is then made live.
    """
    from chatbot.knowledge.chroma import STATE_SUFFIX, connect, index_state, open_collection

    client = connect(settings)
    state = index_state(client, settings)
    source = open_collection(client, state["active"])
    batch = settings.chroma_batch_size
    records = [source.get(include=["embeddings", "documents", "metadatas"], limit=batch, offset=o) for o in range(0, source.count(), batch)]
    version = f"{settings.collection}-v{time.strftime('%Y%m%d%H%M%S')}-x{copies}"
    target = client.create_collection(version, metadata={"hnsw:space": "cosine"}, embedding_function=None)
    rng = np.random.default_rng(seed)
    total = 0
    for k in range(copies):
        for page in records:
            vectors = np.asarray(page["embeddings"], dtype=np.float32)
            metadatas = [dict(m) for m in page["metadatas"]]
            if k:
                vectors = vectors + rng.normal(0.0, REPLICA_NOISE, vectors.shape).astype(np.float32)
                vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
                for m in metadatas:
                    m["article"] = f"{m['article']}-r{k}"
            ids = [i if not k else f"{i}-r{k}" for i in page["ids"]]
            target.add(ids=ids, embeddings=vectors, documents=page["documents"], metadatas=metadatas)
            total += len(ids)
    old = state["active"]
    client.get_collection(f"{settings.collection}{STATE_SUFFIX}").modify(
        metadata={**state, "active": version, "chunks": total, "fingerprint": f"replicated-x{copies}"}
    )
    for name in (old, f"{old}-dups"):
        client.delete_collection(name)
    return total


@contextmanager
def chroma_server(path: Path) -> Iterator[int]:
    """A ``chroma run`` on a free 127.0.0.1 port serving ``path``; yields the port."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    chroma = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen(
        [str(chroma), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"`chroma run` did not start on port {port}")
            time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


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
