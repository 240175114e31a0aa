"""The translated message catalogue (``chatbot/languages/messages.yaml``), which the content team edits.

``MessageCatalogue.text(key, language, **values)`` returns the entry in ``language``, or in
English when that translation is missing, with its placeholders filled in. Loading checks the
whole file, so a typo in a translation stops the bot with a message naming the entry instead of
showing a broken sentence to a client.
"""

from __future__ import annotations

import string
import threading
from dataclasses import dataclass
from pathlib import Path

import yaml

from chatbot.errors import MessageCatalogueError
from chatbot.languages.detection import ENGLISH, SUPPORTED_LANGUAGES

DEFAULT_PATH = Path(__file__).with_name("messages.yaml")
REQUIRED = ("note", "urgent", "medical", "out_of_scope", "redirect", "unmentioned_area", "disclaimer", "unsupported_language", "unsupported_safety")
"""Entries the bot uses; each needs at least its English text."""


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@dataclass(frozen=True)
class MessageCatalogue:
    entries: dict[str, dict[str, str]]
    path: Path

    @classmethod
    def load(cls, path: Path | None = None) -> MessageCatalogue:
        """Read and check the catalogue. Raises ``MessageCatalogueError`` naming the file and the entry."""
        path = Path(path or DEFAULT_PATH)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise MessageCatalogueError(f"message catalogue {path} not found; restore it from git or set CHATBOT_MESSAGES_FILE") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise MessageCatalogueError(f"message catalogue {path} cannot be read ({exc}); save it as UTF-8 text") from exc
        except yaml.YAMLError as exc:
            raise MessageCatalogueError(f"message catalogue {path} is not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise MessageCatalogueError(f"message catalogue {path} must map entry names to texts per language (found {type(data).__name__})")
        languages = {ENGLISH, *SUPPORTED_LANGUAGES}
        entries: dict[str, dict[str, str]] = {}
        for key, texts in data.items():
            where = f"entry {key!r} in {path}"
            if not isinstance(texts, dict):
                raise MessageCatalogueError(f"{where} must list texts by language code (en: ..., es: ...), not {type(texts).__name__}")
            if not isinstance(texts.get(ENGLISH), str):
                raise MessageCatalogueError(f"{where} has no English text (en: ...); every entry needs one as the fallback")
            allowed = _placeholders(texts[ENGLISH])
            clean: dict[str, str] = {}
            for language, text in texts.items():
                if language not in languages:
                    raise MessageCatalogueError(f"{where}: unknown language code {language!r}; use one of {', '.join(sorted(languages))}")
                if text is None:
                    continue  # an empty translation: English is used
                if not isinstance(text, str):
                    raise MessageCatalogueError(f"{where}, {language}: the text must be a string, not {type(text).__name__}")
                try:
                    used = _placeholders(text)
                except ValueError as exc:
                    raise MessageCatalogueError(f"{where}, {language}: broken placeholder ({exc}); write {{name}} or remove the braces") from exc
                extra = used - allowed
                if extra:
                    raise MessageCatalogueError(
                        f"{where}, {language}: placeholder {{{sorted(extra)[0]}}} is not in the English text; "
                        f"only {', '.join('{' + p + '}' for p in sorted(allowed)) or 'none'} can be used"
                    )
                clean[language] = " ".join(text.split()) if text.strip() else ""
            entries[str(key)] = clean
        missing = [k for k in REQUIRED if k not in entries]
        if missing:
            raise MessageCatalogueError(f"message catalogue {path} lacks the entry {missing[0]!r} (with at least its en: text)")
        return cls(entries, path)

    def text(self, key: str, language: str = ENGLISH, **values: str) -> str:
        """Entry ``key`` in ``language`` (English when it has no translation), placeholders filled in."""
        texts = self.entries[key]
        template = texts.get(language) or texts[ENGLISH]
        return template.format(**values)

    def has(self, key: str, language: str) -> bool:
        return bool(self.entries.get(key, {}).get(language))


_CACHE: dict[tuple[str, float], MessageCatalogue] = {}
_LOCK = threading.Lock()


def load_messages(path: Path | None = None) -> MessageCatalogue:
    """The catalogue at ``path``, re-read when the file changes (the content team may edit it while the app runs)."""
    path = Path(path or DEFAULT_PATH)
    try:
        stamp = path.stat().st_mtime
    except OSError:
        stamp = -1.0
    with _LOCK:
        key = (str(path), stamp)
        if key not in _CACHE:
            _CACHE.clear()
            _CACHE[key] = MessageCatalogue.load(path)
        return _CACHE[key]
