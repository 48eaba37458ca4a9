"""Chat and webhook channels (Slack, Discord, Telegram, Matrix, Teams, ntfy, JSON webhooks...) through Apprise:
the only module that imports apprise.

Each configured channel is one `Channel` with one recipient ("-"): its message is made by render for the
channel's format and size limit, and sent once per edition through the same ledger and loop as email.
Apprise reports only success or failure, so every failure is retried (back-off, `max_attempts`) and then
reported. A chat message cannot be de-duplicated the way a Message-ID can, so a post interrupted by a crash is
recorded as maybe sent rather than posted again (`briefing send --retry-unclear` posts it on purpose).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import apprise

from briefing.config import ChannelSettings
from briefing.deliver.channel import Pace, TransientError
from briefing.errors import ConfigError

RECIPIENT = "-"  # a chat channel's one ledger row per edition
_FORMATS = {
    "markdown": apprise.NotifyFormat.MARKDOWN,
    "text": apprise.NotifyFormat.TEXT,
    "html": apprise.NotifyFormat.HTML,
}
DEFAULT_LIMIT = 4000


def body_limit(url: str, where: str = "channels") -> int:
    """The most characters the service takes in one message (Discord 2,000, Telegram 4,096, ...)."""
    with _quiet_apprise():  # it logs "Unparseable URL" at ERROR; the caller words the problem once
        plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if not plugin:
        raise ConfigError(f"{where}.url: not an Apprise URL that this version knows")
    limit = int(getattr(plugin, "body_maxlen", 0) or 0)
    return min(limit, 100_000) if limit > 0 else DEFAULT_LIMIT


@contextmanager
def _quiet_apprise() -> Iterator[None]:
    logger = logging.getLogger("apprise")
    level, logger.level = logger.level, logging.CRITICAL + 1
    try:
        yield
    finally:
        logger.setLevel(level)


class ChatChannel:
    """`Channel` for one Apprise URL; `title` and `body` are the rendered digest."""

    resend_interrupted = False  # a chat post cannot be de-duplicated: a crash mid-post leaves it maybe sent

    def __init__(self, settings: ChannelSettings, edition_id: str, title: str, body: str) -> None:
        self.name = settings.name
        self.pace = Pace(settings.max_attempts, settings.retry_seconds, rate_per_second=10.0)
        self._settings, self._edition_id, self._title, self._body = settings, edition_id, title, body

    def recipients(self) -> Sequence[str]:
        return [RECIPIENT]

    def message_id(self, recipient: str) -> str:
        return hashlib.sha256(f"{self._edition_id}\0{self.name}".encode()).hexdigest()[:24]

    @contextmanager
    def connect(self) -> Iterator[_Post]:
        notifier = apprise.Apprise()
        if not notifier.add(self._settings.url):
            raise ConfigError(f"channel {self.name}: not an Apprise URL that this version knows")
        yield _Post(notifier, self._title, self._body, _FORMATS[self._settings.format])


class _Post:
    def __init__(self, notifier: apprise.Apprise, title: str, body: str, body_format: str) -> None:
        self._notifier, self._title, self._body, self._format = notifier, title, body, body_format

    def send(self, recipient: str, handing_over: Callable[[], None]) -> None:
        handing_over()  # the request goes out now: a crash from here on leaves it maybe sent
        with apprise.LogCapture(level=apprise.logging.WARNING) as logs:  # type: ignore[no-untyped-call]
            delivered = self._notifier.notify(body=self._body, title=self._title, body_format=self._format)
        if not delivered:
            detail = " ".join(str(logs.getvalue()).split())[-300:] or "the service did not accept the message"
            raise TransientError(detail)
