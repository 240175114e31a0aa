"""Which words are English: what keeps a short English question English.

A statistical detector reads three words badly: "do pores shrink?" came out Portuguese and "safe in
pregnancy?" Italian. So a short question (``language_short_words``) whose every word is English is
English, without asking the detector; one with a word that is not English (a typo, slang, a word of
another language) is left to the detector as before.

A word is English when the English word list of ``pyspellchecker`` (SCOWL with subtitle frequencies;
MIT) has it at least ``english_word_min_frequency`` times, unless it is far more common in one of the
supported languages (``NOT_ENGLISH_FILE``: "de", "la", "que", "male", "fa"...), and the articles do not
use it themselves ("pores" is a Portuguese verb form too, but the articles say it). The list of such
words is built from ``pyspellchecker``'s Spanish, French, German, Italian and Portuguese lists by
``python -m chatbot.languages.english_words`` and shipped, so answering reads only the English list
(0.3 s, once, on the first short question).
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

NOT_ENGLISH_FILE = Path(__file__).with_name("not_english.txt")
_CONTRACTION_ENDINGS = frozenset({"s", "t", "m", "re", "ve", "ll", "d"})
_FOREIGN = ("es", "fr", "de", "it", "pt")
_FOREIGN_TOP = 20000
"""How many of each other language's commonest words are compared with English."""
_FOREIGN_RATIO = 10.0
"""How many times more common (per word of text) a word must be in another language to count as that language's."""


def _word_list(language: str) -> dict[str, int]:
    import spellchecker

    path = Path(spellchecker.__file__).with_name("resources") / f"{language}.json.gz"
    return json.loads(gzip.decompress(path.read_bytes()))


class EnglishWords:
    """Tells English words; the word list loads on first use. Thread-safe."""

    def __init__(self, *, min_frequency: int, article_words: Callable[[], Iterable[str]] = frozenset) -> None:
        """``article_words``: the words the articles use (always English here, whatever other language has them)."""
        self.min_frequency = min_frequency
        self._article_words = article_words
        self._lock = threading.Lock()
        self._english: dict[str, int] | None = None
        self._not_english: frozenset[str] = frozenset()

    def _lists(self) -> tuple[dict[str, int], frozenset[str]]:
        with self._lock:
            if self._english is None:
                self._not_english = frozenset(NOT_ENGLISH_FILE.read_text(encoding="utf-8").split())
                self._english = _word_list("en")
            return self._english, self._not_english

    def knows(self, word: str) -> bool:
        """Whether ``word`` is English ("it's" and "don't" by their first part)."""
        english, not_english = self._lists()
        word = word.lower().replace("’", "'")
        head, _, ending = word.partition("'")
        if ending and ending in _CONTRACTION_ENDINGS:
            word = head
        if english.get(word, 0) < self.min_frequency:
            return False
        return word not in not_english or word in self._article_words()

    def all_english(self, words: Iterable[str]) -> bool:
        return all(self.knows(w) for w in words)


def build_not_english() -> list[str]:
    """Words of the English list that are at least ``_FOREIGN_RATIO`` times as common in Spanish,
    French, German, Italian or Portuguese, among each language's ``_FOREIGN_TOP`` commonest words."""
    english = _word_list("en")
    english_total = sum(english.values())
    found: set[str] = set()
    for language in _FOREIGN:
        other = _word_list(language)
        total = sum(other.values())
        for word, count in sorted(other.items(), key=lambda kv: -kv[1])[:_FOREIGN_TOP]:
            if english.get(word) and count / total >= _FOREIGN_RATIO * english[word] / english_total:
                found.add(word)
    return sorted(found)


if __name__ == "__main__":
    words = build_not_english()
    NOT_ENGLISH_FILE.write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"wrote {len(words)} words to {NOT_ENGLISH_FILE}")
