"""Comparing language detectors on short questions (what chose ``chatbot/languages/detection.py``'s detector).

``python -m chatbot.evaluation.languages`` prints, for ``lingua-language-detector`` and ``py3langid``
(each restricted to English, the supported languages and a few unsupported Latin-script ones, after
the same script check and the same removal of loanwords), how often a question's language is read
right: English questions that must stay English (the 261 labelled English questions, with their
typos and slang), the supported languages, and unsupported ones. ``lingua`` is a test extra.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from chatbot.languages.detection import (
    _MARKERS,
    _UNSUPPORTED_LATIN,
    _WORD,
    ENGLISH,
    SUPPORTED_LANGUAGES,
    content_text,
    script_language,
)

DEV_FILE = Path(__file__).resolve().parents[2] / "tests" / "data" / "language_dev.yaml"


@dataclass(frozen=True)
class DetectorScore:
    name: str
    english_kept: float
    """Share of English questions read as English."""
    supported_right: float
    """Share of questions in a supported language read as that language."""
    unsupported_right: float
    """Share of questions in other languages read as neither English nor a supported language."""
    per_language: dict[str, float]
    ms_per_question: float
    errors: tuple[tuple[str, str, str], ...]
    """(question, expected, detected) for the questions it got wrong."""


def labelled_dev() -> list[tuple[str, str]]:
    data = yaml.safe_load(DEV_FILE.read_text(encoding="utf-8"))
    return [(q, lang) for lang, qs in data.items() for q in qs]


def _lingua_ranker(languages: Sequence[str]) -> Callable[[str], list[tuple[str, float]]]:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    det = LanguageDetectorBuilder.from_iso_codes_639_1(*[getattr(IsoCode639_1, c.upper()) for c in languages]).with_preloaded_language_models().build()

    def rank(text: str) -> list[tuple[str, float]]:
        return [(v.language.iso_code_639_1.name.lower(), float(v.value)) for v in det.compute_language_confidence_values(text)]

    return rank


def _langid_ranker(languages: Sequence[str]) -> Callable[[str], list[tuple[str, float]]]:
    from py3langid.langid import _load_identifier

    ident = _load_identifier(norm_probs=True)
    ident.set_languages([c for c in languages if c in ident.labels])

    def rank(text: str) -> list[tuple[str, float]]:
        return [(lang, float(p)) for lang, p in ident.rank(text)]

    return rank


def decide(
    question: str, rank: Callable[[str], list[tuple[str, float]]], *, min_words: int, min_confidence: float,
    unsupported_confidence: float = 0.9, short_confidence: float = 0.6,
) -> str:
    """The same rule as ``LanguageDetector.detect``, with any ranker: "en", a supported code or another code."""
    script = script_language(question)
    if script is not None:
        return script
    marked = next((lang for lang, rx in _MARKERS.items() if rx.search(content_text(question))), None)
    if marked:
        return marked
    words = _WORD.findall(content_text(question))
    if len(words) < min_words:
        return ENGLISH
    ranked = rank(" ".join(words))
    needed = max(min_confidence, short_confidence) if len(words) <= 2 else min_confidence
    if not ranked or ranked[0][0] == ENGLISH or ranked[0][1] < needed:
        return ENGLISH
    if ranked[0][0] not in SUPPORTED_LANGUAGES and ranked[0][1] < unsupported_confidence:
        return ENGLISH
    return ranked[0][0]


def score(name: str, rank, labelled: Sequence[tuple[str, str]], *, min_words: int, min_confidence: float) -> DetectorScore:
    hits: dict[str, list[bool]] = {}
    errors = []
    started = time.perf_counter()
    for question, expected in labelled:
        got = decide(question, rank, min_words=min_words, min_confidence=min_confidence)
        known = (ENGLISH, *SUPPORTED_LANGUAGES)
        ok = got == expected if expected in known else got not in known
        hits.setdefault(expected, []).append(ok)
        if not ok:
            errors.append((question, expected, got))
    elapsed = (time.perf_counter() - started) * 1000 / max(1, len(labelled))

    def share(keys) -> float:
        values = [v for k in keys for v in hits.get(k, [])]
        return sum(values) / len(values) if values else 1.0

    others = [k for k in hits if k not in (ENGLISH, *SUPPORTED_LANGUAGES)]
    return DetectorScore(
        name, share([ENGLISH]), share(SUPPORTED_LANGUAGES), share(others),
        {k: share([k]) for k in sorted(hits)}, elapsed, tuple(errors),
    )


def compare(labelled: Sequence[tuple[str, str]], *, min_words: int = 2, confidences: Sequence[float] = (0.3, 0.45, 0.6)) -> list[DetectorScore]:
    languages = (ENGLISH, *SUPPORTED_LANGUAGES, *_UNSUPPORTED_LATIN)
    rankers = {"py3langid": _langid_ranker(languages)}
    with contextlib.suppress(ImportError):  # lingua is a test extra
        rankers["lingua"] = _lingua_ranker(languages)
    return [
        score(f"{name} (confidence >= {c})", rank, labelled, min_words=min_words, min_confidence=c)
        for name, rank in rankers.items() for c in confidences
    ]


def english_questions() -> list[tuple[str, str]]:
    from chatbot.evaluation.questions import load_questions, questions_path
    from chatbot.settings import load_settings

    return [(q.question, ENGLISH) for q in load_questions(questions_path(load_settings()))]


def main() -> None:
    labelled = labelled_dev() + english_questions()
    multilingual = Path("corpus/eval/questions_multilingual.yaml")
    if multilingual.is_file():  # its dev split only: the test split is never tuned on
        data = yaml.safe_load(multilingual.read_text(encoding="utf-8")) or {}
        labelled += [(q["question"], q["language"]) for q in data.get("questions", []) if q.get("split") == "dev"]
    print(f"{len(labelled)} questions: " + ", ".join(f"{k} {v}" for k, v in sorted(_counts(labelled).items())))
    for s in compare(labelled):
        print(
            f"{s.name:32} English kept {s.english_kept:.3f}  supported right {s.supported_right:.3f}  "
            f"unsupported right {s.unsupported_right:.3f}  {s.ms_per_question:.2f} ms/question"
        )
        print("    " + "  ".join(f"{k} {v:.2f}" for k, v in s.per_language.items()))
        for q, want, got in s.errors[:12]:
            print(f"      {want} -> {got}: {q}")


def _counts(labelled: Sequence[tuple[str, str]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for _, lang in labelled:
        out[lang] = out.get(lang, 0) + 1
    return out


if __name__ == "__main__":
    main()
