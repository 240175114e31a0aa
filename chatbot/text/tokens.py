"""Small text helpers shared by the stages: sentences, tokens, normalisation."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "dr.", "mr.", "mrs.", "ms.", "a.k.a.", "approx.", "no.")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“(]?[A-Z0-9])")
_TERMINAL = re.compile(r"[.!?][\"”’)]*$")
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CITATION = re.compile(r"\s*\[\d+\]")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most my
    myself no nor not of off on once only or other our ours ourselves out over own same she should so some
    such than that the their theirs them themselves then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your yours
    yourself yourselves s t don get got also really much many well might may u im ive id""".split()
)


def normalize(text: str) -> str:
    """NFKC, straight quotes, single spaces: the form used to compare texts."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, keeping abbreviations such as "e.g." intact."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    parts: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[start : match.start()].rstrip()
        if candidate.lower().endswith(_ABBREVIATIONS):
            continue
        parts.append((text[start : match.start()] + match.group(0)).strip())
        start = match.end()
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def is_complete_sentence(sentence: str) -> bool:
    """True when the sentence ends in terminal punctuation (web copies often cut off mid-word)."""
    return bool(_TERMINAL.search(sentence.strip()))


def tokenize(text: str) -> list[str]:
    """Lowercase word tokens without stopwords, lightly stemmed, for BM25 and overlap checks."""
    return list(_tokens(text))


@lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[str, ...]:
    # Cached: the same few hundred article sentences are tokenised for every answer (the reader, duplicates, conflicts).
    words = [w.removesuffix("'s") for w in _TOKEN.findall(normalize(text).lower())]
    return tuple(stem(w) for w in words if w not in STOPWORDS and len(w) > 1)


def stem(word: str) -> str:
    """A tiny suffix stripper: enough to match pore/pores, scar/scarring, treat/treatment."""
    for suffix in ("ations", "ation", "ments", "ment", "ings", "ing", "ness", "edly", "ed", "ies", "sses", "ches", "shes", "xes", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)]
            if suffix == "ies":
                word += "y"
            elif suffix in ("sses", "ches", "shes", "xes"):
                word += suffix[:-2]
            break
    if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]
    return word


def strip_citations(text: str) -> str:
    return _CITATION.sub("", text).strip()


def content_words(text: str) -> set[str]:
    return set(_tokens(text))


_WORD = re.compile(r"[A-Za-z]+")


def surface_words(texts) -> frozenset[str]:
    """Lowercase words as written in ``texts`` (no stemming): the vocabulary spelling is checked against."""
    return frozenset(w.lower() for t in texts for w in _WORD.findall(t))


# Contractions typed without the apostrophe: words, not typos of article words ("theyre" is not "there").
_BARE_CONTRACTIONS = frozenset(
    "theyre youre doesnt didnt wouldnt couldnt shouldnt havent hasnt arent werent isnt wasnt theyve youve weve "
    "thats whats theres heres wheres itll theyll youll".split()
)
_INFLECTIONS = ("s", "es", "ed", "d", "er", "r", "ers", "rs", "ing", "ly")


def _known_word(lower: str, known: frozenset[str]) -> bool:
    """``lower`` or its uninflected form is a known English word: "influencers" (influence),
    "shaving" (shave) are words, not typos of "influenced" or "saving"."""
    if lower in known or lower in _BARE_CONTRACTIONS:
        return True
    for suffix in _INFLECTIONS:
        base = lower.removesuffix(suffix)
        if base != lower and len(base) >= 4 and (base in known or base + "e" in known):
            return True
    return False


def correct_spelling(text: str, words: frozenset[str], *, known: frozenset[str] = frozenset(), cutoff: float = 0.84) -> str:
    """Fix words nobody spells that way into words the articles use: "actualy" -> "actually",
    "treatmnet" -> "treatment", "micro needling" -> "microneedling".

    A word is left alone when it is short, in the articles (``words``) or a known
    English word (``known``, e.g. the embedding model's vocabulary), itself or uninflected,
    so correct words are never "corrected" into different ones.
    """
    import difflib

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        lower = word.lower()
        if len(lower) < 5 or lower in words or lower in STOPWORDS or _known_word(lower, known):
            return word
        close = difflib.get_close_matches(lower, words, n=1, cutoff=cutoff)
        return close[0] if close else word

    joined = re.sub(
        r"\b([A-Za-z]+)[ -]([A-Za-z]+)\b",
        lambda m: (m.group(1) + m.group(2)).lower() if (m.group(1) + m.group(2)).lower() in words else m.group(0),
        text,
    )
    return _WORD.sub(fix, joined)
