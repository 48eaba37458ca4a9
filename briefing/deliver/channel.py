"""What every delivery channel offers the send loop: a `Channel` is a list of recipients and a connection that
hands one recipient's message over, and says how that went in one of three exceptions.

Knows nothing of email, SMTP, Apprise or the store. `briefing.deliver.sending` walks any `Channel` with the
sends ledger; `briefing.deliver.email` (SMTP) and `briefing.deliver.chat` (Apprise) implement it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol


class TransientError(Exception):
    """Worth retrying: nothing was handed over (a 4xx reply, a dropped connection or timeout before the end)."""


class ConnectError(TransientError):
    """The service could not be reached at all: after the last attempt the channel's run stops."""


class PermanentError(Exception):
    """Refused for good (a 5xx reply, a 4xx from a webhook): retrying will not help."""


class UnclearError(Exception):
    """The message was handed over and no answer came: it may have arrived. Never retried automatically."""


@dataclass(frozen=True)
class Pace:
    """How a channel is paced and retried."""

    max_attempts: int = 4  # tries on transient failures
    retry_seconds: float = 2.0  # first back-off; doubles each time
    rate_per_second: float = 10.0  # most messages handed over per second


class Connection(Protocol):
    def send(self, recipient: str, handing_over: Callable[[], None]) -> None:
        """Deliver the edition to `recipient`, calling `handing_over()` just before the point after which the
        service may have it; raise TransientError, PermanentError or UnclearError when it did not go well."""
        ...


class Channel(Protocol):
    """One way an edition reaches readers: email (one recipient per subscriber) or a chat or webhook URL."""

    @property
    def name(self) -> str:
        """The ledger's key for this channel ("email", or a configured channel's name)."""
        ...

    @property
    def pace(self) -> Pace: ...

    @property
    def resend_interrupted(self) -> bool:
        """After a crash mid-handover: resend (email: the same Message-ID lets clients de-duplicate), or record
        it as maybe sent (a chat post cannot be de-duplicated)."""
        ...

    def recipients(self) -> Sequence[str]:
        """Ledger keys of everyone this channel sends to (lower-cased addresses, or "-" for a chat channel)."""
        ...

    def message_id(self, recipient: str) -> str:
        """Stable for (edition, channel, recipient): a resend is recognisably the same message."""
        ...

    def connect(self) -> AbstractContextManager[Connection]:
        """A connection reused for every recipient of one run."""
        ...
