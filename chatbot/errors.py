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


class ReviewedAnswersError(ChatbotError):
    """A reviewed answer cannot be stored, imported or approved (bad file, unknown article, quote not in it)."""


class ReviewConflictError(ReviewedAnswersError):
    """Someone else changed or approved the same answer first; nothing was changed."""


class AccountStoreError(ChatbotError):
    """The staff accounts or the audit log (tables in the feedback database) cannot be read or written."""


class StoreImportError(ChatbotError):
    """A SQLite file cannot be imported into the store (not a database, unreadable, or the store already holds data)."""


class AccountError(ChatbotError):
    """A staff account cannot be created or changed as asked (bad name, role or password; duplicate; unknown)."""

    exit_code = 2


class WeakPasswordError(AccountError):
    """The new password is empty, too short, too common or contains the account name."""


class DuplicateAccountError(AccountError):
    """An account with that name (ignoring case) already exists."""


class UnknownRoleError(AccountError):
    """The role is not one of ``chatbot.store.staff.ROLES``."""


class UnknownAccountError(AccountError):
    """No account has that name (for account management; a login never says so)."""


class LoginError(ChatbotError):
    """A login was refused. The message can be shown to the person logging in as it is."""

    exit_code = 3


class WrongPasswordError(LoginError):
    """Wrong password, or a name with no account (the message is the same, so names cannot be probed)."""

    def __init__(self, message: str, *, tries_left: int) -> None:
        super().__init__(message)
        self.tries_left = tries_left


class AccountLockedError(LoginError):
    """Too many wrong passwords for this name or from this client: the next try waits until ``until`` (UTC)."""

    def __init__(self, message: str, *, until: object) -> None:
        super().__init__(message)
        self.until = until


class AccountDisabledError(LoginError):
    """The account exists but an admin has disabled it."""


class LoginBusyError(LoginError):
    """Too many password checks are running at once; the attempt was not counted. Try again in a moment."""


class PermissionDeniedError(ChatbotError):
    """The acting staff account's role (as stored now) does not allow this write; nothing was changed."""


class MessageCatalogueError(ChatbotError):
    """The translated message catalogue (``chatbot/languages/messages.yaml``) cannot be used."""


class LanguagePatternsError(ChatbotError):
    """A guardrail language file (``chatbot/guardrail/languages/*.yaml``) is missing or cannot be used."""


class RateLimitedError(ChatbotError):
    """A question over one of the limits (per visitor, per address, per day); nothing was counted."""

    exit_code = 4

    def __init__(self, message: str, *, limit: str, retry_after: int) -> None:
        super().__init__(message)
        self.limit = limit
        """Which limit: ``visitor``, ``ip`` or ``day`` (``chatbot.store.rate_limits.Limit.name``)."""
        self.retry_after = retry_after
        """Whole seconds until the window that is full ends."""
