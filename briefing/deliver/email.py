"""The email channel: an edition's email variants to every subscriber over SMTP, exactly once per recipient.

Takes values: the `Edition` and its rendered `EmailVariant`s (one per sections filter) come from the pipeline,
nothing is read back from `outputs/`. Composition is `briefing.deliver.compose`, the send loop and its ledger
`briefing.deliver.sending`, SMTP `briefing.deliver.smtp`, the dry-run outbox `briefing.deliver.outbox`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from briefing.config import Settings
from briefing.deliver.channel import Pace, PermanentError, TransientError, UnclearError
from briefing.deliver.compose import Composer
from briefing.deliver.outbox import write_outbox
from briefing.deliver.sending import Pacer, send_channel
from briefing.deliver.smtp import Mailer
from briefing.errors import ConfigError, DeliveryError
from briefing.models import Edition, EmailVariant, SendFailure, SendReport, Subscriber
from briefing.store import Store
from briefing.subscribers import is_address, load_subscribers

Sleep = Callable[[float], None]


@dataclass(frozen=True)
class EditionMail:
    """An edition as email: the edition and its variants by sections filter (None: every section)."""

    edition: Edition
    variants: Mapping[tuple[str, ...] | None, EmailVariant]


class EmailChannel:
    """`Channel` over SMTP: one recipient per subscriber, the connection reused for all of them."""

    name = "email"
    resend_interrupted = True  # the same Message-ID lets mail clients show a resent copy once

    def __init__(self, composer: Composer, settings: Settings, subscribers: Sequence[Subscriber]) -> None:
        self._composer = composer
        self._settings = settings
        self._subscribers = {subscriber.email.lower(): subscriber for subscriber in subscribers}
        email = settings.email
        self.pace = Pace(email.max_attempts, email.retry_seconds, email.rate_per_second)

    def recipients(self) -> Sequence[str]:
        return [subscriber.email for subscriber in self._subscribers.values()]

    def message_id(self, recipient: str) -> str:
        return self._composer.message_id(recipient)

    @contextmanager
    def connect(self) -> Iterator[_SmtpConnection]:
        settings = self._settings
        ca_file = settings.resolve(settings.email.smtp.ca_file) if settings.email.smtp.ca_file else None
        with Mailer(settings.email.smtp, settings.smtp_password, ca_file) as mailer:
            yield _SmtpConnection(mailer, self._composer, self._subscribers)


class _SmtpConnection:
    def __init__(self, mailer: Mailer, composer: Composer, subscribers: Mapping[str, Subscriber]) -> None:
        self._mailer, self._composer, self._subscribers = mailer, composer, subscribers

    def send(self, recipient: str, handing_over: Callable[[], None]) -> None:
        subscriber = self._subscribers.get(recipient.lower()) or Subscriber(email=recipient)
        try:
            message = self._composer.compose(subscriber)
        except Exception as error:  # one recipient's odd data must not stop the others
            raise PermanentError(f"cannot compose the message: {error}") from error
        self._mailer.send(self._composer.sender, subscriber.email, message, handing_over)


def send_edition(
    mail: EditionMail,
    settings: Settings,
    store: Store,
    *,
    now: datetime,
    claimant: str = "send",
    retry_unclear: bool = False,
    sleep: Sleep = time.sleep,
) -> SendReport:
    """Email the edition to every subscriber not yet sent it (see `briefing.deliver.sending`)."""
    if not mail.edition.stories:
        raise DeliveryError(
            f"edition {mail.edition.id} has no stories: nothing was sent",
            hint="check `briefing feeds` for failing feeds; `--to ADDR` still sends a test copy",
        )
    channel = email_channel(mail, settings, load_subscribers(settings), now)
    return send_channel(
        channel, mail.edition.id, store, now=now, claimant=claimant, retry_unclear=retry_unclear, sleep=sleep
    )


def email_channel(
    mail: EditionMail, settings: Settings, subscribers: Sequence[Subscriber], now: datetime
) -> EmailChannel:
    composer = Composer(mail.edition.id, mail.variants, settings.email, settings.unsubscribe_secret, now)
    return EmailChannel(composer, settings, subscribers)


def write_dry_run(mail: EditionMail, settings: Settings, store: Store, folder: Path, *, now: datetime) -> SendReport:
    """One `.eml` per subscriber who would be sent the edition now, in `folder`; nothing is recorded."""
    composer = Composer(mail.edition.id, mail.variants, settings.email, settings.unsubscribe_secret, now)
    return write_outbox(folder, mail.edition.id, load_subscribers(settings), composer.compose, store, record=True)


def send_test_copy(
    mail: EditionMail, settings: Settings, address: str, *, now: datetime, sleep: Sleep = time.sleep
) -> SendReport:
    """One copy to `address`, not recorded and not checked against the suppression list: for seeing how the
    edition looks in a real mailbox."""
    if not is_address(address):
        raise ConfigError(f"--to: expected an address like reader@example.org, got {address!r}")
    composer = Composer(mail.edition.id, mail.variants, settings.email, settings.unsubscribe_secret, now)
    message = composer.compose(Subscriber(email=address))
    email = settings.email
    pacer, delay = Pacer(email.rate_per_second, sleep), email.retry_seconds
    ca_file = settings.resolve(email.smtp.ca_file) if email.smtp.ca_file else None
    with Mailer(email.smtp, settings.smtp_password, ca_file) as mailer:
        for attempt in range(1, email.max_attempts + 1):
            pacer.wait()
            try:
                mailer.send(composer.sender, address, message, lambda: None)
                return SendReport(mail.edition.id, sent=(address,))
            except PermanentError as error:
                return SendReport(mail.edition.id, failed=(SendFailure(address, str(error), permanent=True),))
            except UnclearError:
                return SendReport(mail.edition.id, unclear=(address,))
            except TransientError as error:
                if attempt == email.max_attempts:
                    return SendReport(mail.edition.id, failed=(SendFailure(address, str(error), permanent=False),))
                sleep(delay)
                delay *= 2
    raise AssertionError("unreachable: the loop returns")  # pragma: no cover
