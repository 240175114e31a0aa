"""Which language a question is written in.

The articles are in English; questions in Spanish, French, German, Italian, Portuguese
and Polish are searched across languages and answered under a note in the asker's
language. Anything else is *unsupported* and gets an honest English reply.

Two steps, so that neither a script nor a statistical model decides alone:

* **Script.** Letters of a non-Latin script (Chinese, Arabic, Cyrillic, Greek...) make
  the question unsupported at once: none of the supported languages uses them.
* **Latin script.** ``py3langid`` (langid.py's model, normalised probabilities), restricted
  to English, the supported languages and a few common unsupported Latin-script ones (Dutch,
  Turkish...), so a Dutch question is not read as German. Words every language borrows from English
  ("microneedling", "dermapen") are removed first: they pull a Spanish question to
  English. A question counts as English unless the detector is confident
  (``language_min_confidence``) and the question has enough words
  (``language_min_words``): "downtiem?", "does it hurt lol" and "pores?" stay English.
  A short question (``language_short_words``) whose every word is English stays English without the
  detector (``chatbot/languages/english_words.py``): "do pores shrink?" read as Portuguese before.
  Marks only one supported language uses decide first, whatever the length: "¿" or "ñ" is
  Spanish, "ł" or "ę" Polish, "ã" Portuguese, "ß" German.

The comparison with ``lingua-language-detector`` that chose py3langid is in
``chatbot/evaluation/languages.py`` (``python -m chatbot.evaluation.languages``).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from chatbot.languages.english_words import EnglishWords
from chatbot.settings import Settings

ENGLISH = "en"
SUPPORTED_LANGUAGES = ("es", "fr", "de", "it", "pt", "pl")
"""Languages answered under a translated note, with their own guardrail patterns."""
LANGUAGE_NAMES = {
    "en": "English", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian", "pt": "Portuguese", "pl": "Polish",
    "nl": "Dutch", "tr": "Turkish", "ro": "Romanian", "sv": "Swedish", "da": "Danish", "cs": "Czech", "hu": "Hungarian",
    "vi": "Vietnamese", "id": "Indonesian", "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "ar": "Arabic", "he": "Hebrew",
    "ru": "Russian", "uk": "Ukrainian", "el": "Greek", "th": "Thai", "hi": "Hindi", "fa": "Persian", "und": "unknown",
}
# Latin-script languages the detector also knows, only so that they are recognised as unsupported.
_UNSUPPORTED_LATIN = ("nl", "tr", "ro", "sv", "da", "cs", "hu", "vi", "id")

# Loanwords and names that every language writes the English way: removed before detection.
_NEUTRAL = re.compile(
    r"https?://\S+|\b[\w.+-]+@[\w-]+\.\w+\b|\d+([.,]\d+)?\s*(mm|ml|%|h|min)?|"
    r"\b(micro[- ]?needl\w*|needling|derma ?(pen|roller|stamp)s?|dermapen|hydra ?facials?|botox|prp|spf\d*)\b",
    re.IGNORECASE,
)
_MARKERS = {"es": re.compile("[¿¡ñ]"), "pl": re.compile("[ąęłśźżń]", re.IGNORECASE), "pt": re.compile("[ãõ]", re.IGNORECASE), "de": re.compile("ß")}
"""Marks only one supported language uses, which decide a question too short for the detector."""
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


@dataclass(frozen=True)
class Detection:
    """The language of one question."""

    language: str
    """ISO 639-1 code ("en", "es", "zh"...), "und" when not even the script tells."""
    supported: bool
    """English or one of ``SUPPORTED_LANGUAGES``."""
    confidence: float
    reason: str

    @property
    def is_english(self) -> bool:
        return self.language == ENGLISH


def english(reason: str, confidence: float = 1.0) -> Detection:
    return Detection(ENGLISH, True, confidence, reason)


# --- script --------------------------------------------------------------------

def _script(char: str) -> str:
    """The script of a letter, from its Unicode name ("CJK UNIFIED IDEOGRAPH-5FAE" -> "CJK")."""
    name = unicodedata.name(char, "")
    first = name.split(" ", 1)[0]
    if first in ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "ARABIC", "HEBREW", "CYRILLIC", "GREEK", "THAI", "DEVANAGARI"):
        return first
    if "IDEOGRAPH" in name:
        return "CJK"
    return "LATIN" if first == "LATIN" else "OTHER"


_SCRIPT_LANGUAGE = {
    "CJK": "zh", "HIRAGANA": "ja", "KATAKANA": "ja", "HANGUL": "ko", "ARABIC": "ar", "HEBREW": "he", "CYRILLIC": "ru",
    "GREEK": "el", "THAI": "th", "DEVANAGARI": "hi", "OTHER": "und",
}


def script_language(text: str) -> str | None:
    """The language a non-Latin script stands for ("zh" for Chinese characters), or None when most
    letters are Latin. Japanese kana win over Chinese characters; Ukrainian letters over Russian."""
    counts: dict[str, int] = {}
    for char in text:
        if char.isalpha():
            script = _script(char)
            counts[script] = counts.get(script, 0) + 1
    letters = sum(counts.values())
    if not letters:
        return None
    non_latin = letters - counts.get("LATIN", 0)
    if non_latin * 2 < letters:
        return None
    if counts.get("HIRAGANA") or counts.get("KATAKANA"):
        return "ja"
    main = max((s for s in counts if s != "LATIN"), key=lambda s: counts[s])
    if main == "CYRILLIC" and re.search("[іїєґ]", text, re.IGNORECASE):
        return "uk"
    if main == "ARABIC" and re.search("[پچژگ]", text):
        return "fa"
    return _SCRIPT_LANGUAGE[main]


# --- detection -----------------------------------------------------------------


def content_text(text: str) -> str:
    """``text`` without the words every language borrows ("microneedling") and without numbers."""
    return _NEUTRAL.sub(" ", text)


class LanguageDetector:
    """Detects the language of questions. Build once per process (the models load in about a second)."""

    def __init__(self, settings: Settings, *, article_words: Callable[[], Iterable[str]] = frozenset) -> None:
        """``article_words``: the words the articles use, which are English whatever else they are."""
        self.settings = settings
        self._detector = None
        self._lock = threading.Lock()
        self.english_words = EnglishWords(min_frequency=settings.english_word_min_frequency, article_words=article_words)

    def _identifier(self):
        with self._lock:
            if self._detector is None:
                from py3langid.langid import _load_identifier

                identifier = _load_identifier(norm_probs=True)
                identifier.set_languages([c for c in (ENGLISH, *SUPPORTED_LANGUAGES, *_UNSUPPORTED_LATIN) if c in identifier.labels])
                self._detector = identifier
            return self._detector

    def confidences(self, text: str) -> list[tuple[str, float]]:
        """Every known Latin-script language with its probability for ``text``, best first."""
        return [(lang, float(p)) for lang, p in self._identifier().rank(text)]

    def detect(self, question: str) -> Detection:
        s = self.settings
        if not s.multilingual:
            return english("multilingual answers are turned off")
        script = script_language(question)
        if script is not None:
            return Detection(script, False, 1.0, f"written in a script the supported languages don't use ({LANGUAGE_NAMES.get(script, script)})")
        text = content_text(question)
        marked = next((lang for lang, rx in _MARKERS.items() if rx.search(text)), None)
        if marked:  # "¿duele?", "¿Duele el microneedling?": only Spanish opens a question with "¿"
            return Detection(marked, True, 1.0, f"written with letters or marks only {LANGUAGE_NAMES[marked]} uses")
        words = _WORD.findall(text)
        if len(words) < s.language_min_words:
            return english(f"too short to tell ({len(words)} word(s) besides names and numbers)")
        if len(words) <= s.language_short_words and self.english_words.all_english(words):
            return english(f"a short question whose every word is English ({len(words)} words)")
        ranked = self.confidences(" ".join(words))
        if not ranked:
            return english("no language recognised")
        language, confidence = ranked[0]
        if language == ENGLISH:
            return english("detected as English", confidence)
        needed = s.language_short_min_confidence if len(words) <= 2 else s.language_min_confidence
        if confidence < needed:
            return english(f"not confidently another language ({LANGUAGE_NAMES.get(language, language)} {confidence:.2f})", 1.0 - confidence)
        supported = language in SUPPORTED_LANGUAGES
        if not supported and confidence < s.language_unsupported_min_confidence:
            # Short English reads as Danish or Dutch now and then ("is microneedling ok for men"): another
            # Latin-script language must be clear-cut before the bot says it can't answer in it.
            return english(f"not clearly another language ({LANGUAGE_NAMES.get(language, language)} {confidence:.2f})", 1.0 - confidence)
        return Detection(language, supported, confidence, f"detected as {LANGUAGE_NAMES.get(language, language)} ({confidence:.2f})")


__all__ = ["Detection", "LanguageDetector", "ENGLISH", "SUPPORTED_LANGUAGES", "LANGUAGE_NAMES", "script_language", "content_text"]
