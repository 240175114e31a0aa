"""The ``chatbot`` command: ingest, ask (one question or a JSONL file), eval, lint-corpus, serve, staff
(``chatbot/cli/staff.py``), answers (``chatbot/cli/answers.py``), db (``chatbot/cli/db.py``), privacy
(``chatbot/cli/privacy.py``).

Errors print one line saying what to do and exit non-zero; no tracebacks.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from chatbot.cli import staff as cli_staff
from chatbot.errors import ChatbotError, InvalidQuestionError
from chatbot.settings import Settings, load_settings
from chatbot.text.structured import InputLimits, load_json

if TYPE_CHECKING:  # for the annotations only: the command starts without importing the engine (seconds)
    from chatbot.engine.interface import AnswerEngine

log = logging.getLogger("chatbot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chatbot", description="Grounded microneedling FAQ bot for the clinic.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and decisions (never the full questions unless debug)")
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help="build or update the index from the corpus folder")
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")

    ask = sub.add_parser("ask", help="answer a question, or a JSONL file of questions")
    ask.add_argument("question", nargs="?", help="the question (quote it)")
    ask.add_argument("--history", action="append", default=[], metavar="EARLIER", help="an earlier question of the conversation (repeat, oldest first)")
    ask.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    ask.add_argument("--jsonl", type=Path, metavar="FILE", help="answer every line of FILE (a JSON string or {\"question\", \"history\"}); '-' reads stdin")

    evaluate = sub.add_parser("eval", help="score answers on the labelled questions and write reports/eval-<timestamp>/")
    evaluate.add_argument("--split", choices=("dev", "test", "all"), default="all", help="which labelled questions to use (default: all)")
    evaluate.add_argument("--json", action="store_true", help="print the summary as JSON")
    evaluate.add_argument("--no-baselines", action="store_true", help="skip the BM25-only and dense-only retrieval baselines")

    serve = sub.add_parser("serve", help="run the app (chat and staff pages), loading the answer engine as the server starts")
    serve.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    serve.add_argument("--address", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine only)")

    from chatbot.cli.answers import add_parser as add_answers_parser

    add_answers_parser(sub)

    lint = sub.add_parser("lint-corpus", help="list duplicated, cut-off, leftover and conflicting text in the articles")
    lint.add_argument("--json", action="store_true", help="print the findings as a JSON list")

    cli_staff.add_parser(sub)

    from chatbot.cli.db import add_parser as add_db_parser

    add_db_parser(sub)

    from chatbot.cli.privacy import add_parser as add_privacy_parser

    add_privacy_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        logging.basicConfig(
            level=logging.INFO if args.verbose and settings.log_level == "WARNING" else settings.log_level.upper(),
            format="%(levelname)s %(name)s: %(message)s",
        )
        for noisy in ("bm25s", "chromadb", "httpx", "sentence_transformers", "transformers"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        return _COMMANDS[args.command](args, settings)
    except ChatbotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _closed_pipe()


def _closed_pipe() -> int:
    """The reader went away (``chatbot answers check | head``): stop quietly, as ``cat`` does."""
    try:  # Python flushes stdout again at exit: point it at nothing so that flush cannot fail too
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 141  # 128 + SIGPIPE, what a shell reports for a program stopped by a closed pipe


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from chatbot.engine.ingest import ingest
    from chatbot.knowledge.embeddings import Embedder

    embedder = Embedder(settings.embedding_model, batch_size=settings.embed_batch_size, threads=settings.ingest_threads)
    report = ingest(settings, embedder, show_progress=not args.quiet)
    print(report.summary())
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from chatbot.engine.turn import clean_question

    if args.jsonl is None:
        if args.question is None:
            raise InvalidQuestionError('no question given: run `chatbot ask "Does microneedling hurt?"` or use --jsonl FILE')
        clean_question(args.question, max_chars=settings.max_question_chars)  # fail fast, before loading the model
    stream = None
    if args.jsonl is not None:  # open the file first: a wrong path should not cost a model load
        stream = sys.stdin if str(args.jsonl) == "-" else _open_jsonl(args.jsonl)
    engine = _engine(settings)
    if stream is not None:
        failures = answer_jsonl(engine, stream, sys.stdout)
        return 0 if failures == 0 else 3
    answer = engine.ask(args.question, args.history)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    else:
        print(format_answer(answer))
    return 0


def _engine(settings: Settings) -> AnswerEngine:
    from chatbot.engine.engine import Engine

    return Engine(settings)


def _open_jsonl(path: Path) -> TextIO:
    try:
        return path.open(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ChatbotError(f"cannot read {path}: {exc.strerror}") from exc


def parse_jsonl_line(line: str) -> tuple[Any, list[str]]:
    """One JSONL line: a JSON string, or ``{"question": ..., "history": [...]}``. Raises ValueError
    (``StructuredInputError`` for a line over the size or nesting limits).

    ``history`` holds the earlier questions as strings, or chat-style turns
    (``{"role": "user", "content": ...}``; the assistant's turns are skipped).
    """
    item = load_json(line, InputLimits())
    if isinstance(item, str):
        return item, []
    if isinstance(item, dict):
        return item.get("question"), _history(item.get("history"))  # a question that is not text: the engine says so
    raise ValueError('each line must be a JSON string or an object {"question": ..., "history": [...]}')


def _history(raw: Any) -> list[str]:
    if raw is None:
        return []
    bad = ValueError('"history" must be a list of earlier questions (strings) or chat turns ({"role": "user", "content": "..."})')
    if not isinstance(raw, list):
        raise bad
    history = []
    for turn in raw:
        if isinstance(turn, str):
            history.append(turn)
        elif isinstance(turn, dict) and isinstance(turn.get("role", "user"), str) and isinstance(turn.get("content", turn.get("question")), str):
            if turn.get("role", "user") in ("user", "human"):
                history.append(turn.get("content", turn.get("question")))
        else:
            raise bad
    return history


def answer_jsonl(engine: AnswerEngine, lines: Iterable[str], out: TextIO) -> int:
    """Answer each line; a bad line prints ``{"question", "line", "error"}`` and the run goes on. Returns the failures."""
    failures = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        question: Any = None
        try:
            question, history = parse_jsonl_line(line)
            record = engine.ask(question, history).to_json()
        except json.JSONDecodeError as exc:
            record = {"question": None, "line": number, "error": f"line {number} is not valid JSON ({exc.msg})"}
        except (ValueError, TypeError, RecursionError, ChatbotError) as exc:
            message = str(exc) if not isinstance(exc, RecursionError) else "the line is nested too deeply to be a question"
            shown = question if isinstance(question, str | int | float | bool) else None  # echoed so the line can be found
            record = {"question": shown, "line": number, "error": message}
        if "error" in record:
            failures += 1
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()
    return failures


def format_answer(answer) -> str:
    """Human-readable answer for the terminal."""
    g = answer.guardrail
    lines = [answer.full_text, ""]  # the short answer, then "More from the articles"
    for c in answer.citations:
        lines.append(f"[{c.n}] {c.title} — {c.section}")
    if answer.related_questions:
        lines.append("You could ask:")
        lines += [f"  • {q}" for q in answer.related_questions]
    if answer.suggestions:
        lines.append("Did you mean: " + " / ".join(answer.suggestions))
    lines += ["", f"({g.category}: {g.reason})", answer.disclaimer, f"{answer.timings_ms.get('total', 0):.0f} ms"]
    return "\n".join(lines)


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm.auto import tqdm

    from chatbot.evaluation import json_summary, load_questions, mode_engines, questions_path, run_evaluation
    from chatbot.evaluation.markdown import terminal_summary
    from chatbot.evaluation.questions import multilingual_questions_path

    questions = load_questions(questions_path(settings), split=args.split)  # fail fast, before loading the model
    other = multilingual_questions_path(settings)
    multilingual = load_questions(other, split=args.split) if settings.multilingual and other.is_file() else []
    engines = mode_engines(_engine(settings))
    total = len(questions) * len(engines) + len(multilingual)
    with tqdm(total=total, desc="Evaluating", unit="q", file=sys.stderr, disable=not sys.stderr.isatty()) as bar:
        report = run_evaluation(
            settings, engines, questions, split=args.split, baselines=not args.no_baselines, progress=bar.update, multilingual=multilingual
        )
    print(json.dumps(json_summary(report), indent=2, ensure_ascii=False) if args.json else terminal_summary(report))
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from chatbot.cli.serve import serve

    return serve(settings, address=args.address, port=args.port)


def cmd_lint_corpus(args: argparse.Namespace, settings: Settings) -> int:
    from chatbot.knowledge.embeddings import Embedder
    from chatbot.knowledge.health import format_health, lint_articles, load_clean_articles

    cleaned, skipped = load_clean_articles(settings)  # fail fast, before loading the model
    health = lint_articles(cleaned, skipped, settings, Embedder(settings.embedding_model, batch_size=settings.embed_batch_size))
    for skipped in health.skipped:
        print(f"warning: not checked: {skipped.path.name}: {skipped.reason}", file=sys.stderr)
    print(json.dumps([f.to_json() for f in health.findings], indent=2, ensure_ascii=False) if args.json else format_health(health))
    return 0


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from chatbot.cli.db import run

    return run(args, settings)


def cmd_answers(args: argparse.Namespace, settings: Settings) -> int:
    from chatbot.cli.answers import run

    return run(args, settings)


def cmd_privacy(args: argparse.Namespace, settings: Settings) -> int:
    from chatbot.cli.privacy import run

    return run(args, settings)


_COMMANDS = {
    "answers": cmd_answers, "ingest": cmd_ingest, "ask": cmd_ask, "eval": cmd_eval, "lint-corpus": cmd_lint_corpus, "serve": cmd_serve,
    "staff": cli_staff.cmd_staff, "db": cmd_db, "privacy": cmd_privacy,
}

if __name__ == "__main__":
    sys.exit(main())
