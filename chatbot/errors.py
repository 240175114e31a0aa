"""Named errors. Each message tells a person what to do next."""

from __future__ import annotations


class ChatbotError(Exception):
    """Base class: the CLI prints the message as one line and exits non-zero."""

    exit_code = 1


class SettingsError(ChatbotError):
    """A ``CHATBOT_*`` setting or the TOML file has a value that cannot be used."""


class CorpusError(ChatbotError):
    """The corpus folder is missing or has no readable article."""


class IndexMissingError(ChatbotError):
    """No index has been built yet."""

    def __init__(self, message: str = "index not built yet: run `chatbot ingest` (or `make setup`)") -> None:
        super().__init__(message)


class IndexCorruptError(ChatbotError):
    """The index exists but cannot be read."""


class IndexWriteError(ChatbotError):
    """The index folder cannot be written."""


class ChromaUnavailableError(ChatbotError):
    """The configured Chroma server does not answer."""


class InvalidQuestionError(ChatbotError):
    """The question is empty, too long or not text."""

    exit_code = 2


class FeedbackStoreError(ChatbotError):
    """The feedback database cannot be written."""


class BatchFileError(ChatbotError):
    """An uploaded batch CSV cannot be used (not UTF-8, no ``question`` column, empty, too large)."""


class EvaluationError(ChatbotError):
    """The labelled question file or a saved evaluation report cannot be used."""


class MessageCatalogueError(ChatbotError):
    """The translated message catalogue (``chatbot/messages.yaml``) cannot be used."""
