"""Every error briefing raises on purpose, and the exit code the CLI maps it to.

    BriefingError                 exit 1; base class, carries an optional hint for the user
    ├── ConfigError               exit 2; feeds.yaml or a command-line value is wrong (one line per problem)
    ├── FeedError                 one feed failed; recorded against the feed, never fatal to a run
    ├── StoreError                the database cannot be opened, migrated or written
    ├── SummariserError           a summariser backend failed; the caller falls back to extractive
    ├── GroundingError            the grounding check could not run (never silently "supported")
    ├── EncoderError              the sentence encoder cannot be loaded; its users fall back to lexical methods
    └── DeliveryError             writing outputs or sending mail failed
        └── RecipientError        one recipient failed; the run goes on and exits 3

Third-party exceptions are translated at the module that imports the library (`raise FeedError(...) from exc`).
"""

from __future__ import annotations


class BriefingError(Exception):
    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class ConfigError(BriefingError):
    """`problems` holds one located line per problem (`feeds.yaml: sections[0].feeds[1].url: ...`)."""

    exit_code = 2

    def __init__(self, message: str, *, problems: list[str] | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.problems = problems or [message]


class FeedError(BriefingError):
    def __init__(self, message: str, *, url: str = "", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.url = url


class StoreError(BriefingError):
    pass


class SummariserError(BriefingError):
    pass


class GroundingError(BriefingError):
    pass


class EncoderError(BriefingError):
    pass


class DeliveryError(BriefingError):
    pass


class RecipientError(DeliveryError):
    def __init__(self, message: str, *, recipient: str = "", permanent: bool = False) -> None:
        super().__init__(message)
        self.recipient = recipient
        self.permanent = permanent
