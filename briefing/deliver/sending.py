"""The send loop: walks any `Channel`'s recipients once, exactly once per (channel, edition, recipient).

Knows the sends ledger's states (`briefing.store.sends`), pacing and retries; knows nothing of SMTP or Apprise.
Under the store's delivery lock it claims recipients in batches (one commit per batch), then for each one:
commits "sending" just before the point after which the service may have the message, hands it over, and
commits the outcome the moment it is known. So a crash leaves at most one recipient whose outcome is unknown;
the next run resends it (with the same Message-ID), counts the resend in the ledger and reports it, even if
that run is itself killed later: whichever run finishes reports every resend not yet reported.

An unclear outcome seen live (handed over, then a timeout or a dropped connection) is recorded as maybe sent
and never retried automatically: `retry_unclear` resends those on purpose.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from briefing.deliver.channel import (
    Channel,
    ConnectError,
    Connection,
    Pace,
    PermanentError,
    TransientError,
    UnclearError,
)
from briefing.errors import DeliveryError
from briefing.models import SendFailure, SendReport, SendStatus
from briefing.store import Store

log = logging.getLogger(__name__)

Sleep = Callable[[float], None]
CLAIM_BATCH = 200  # recipients claimed per commit: fewer commits, and a crash re-queues at most this many


class Pacer:
    """Spaces sends at most `rate` per second (a steady pace, not bursts)."""

    def __init__(self, rate: float, sleep: Sleep, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._interval = 1.0 / rate
        self._sleep = sleep
        self._monotonic = monotonic
        self._next = 0.0

    def wait(self) -> None:
        now = self._monotonic()
        if now < self._next:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self._interval


@dataclass
class _Tally:
    sent: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    unsubscribed: list[str] = field(default_factory=list)
    unclear: list[str] = field(default_factory=list)
    failed: list[SendFailure] = field(default_factory=list)


class _Stop(Exception):
    """The channel cannot go on (unreachable, login refused): the rest waits for a rerun."""


def send_channel(
    channel: Channel,
    edition_id: str,
    store: Store,
    *,
    now: datetime,
    claimant: str,
    retry_unclear: bool = False,
    sleep: Sleep = time.sleep,
) -> SendReport:
    """Send the edition on `channel` to every recipient not yet sent it; `claimant` names this run."""
    with store.delivery_lock():
        loop = _Loop(channel, edition_id, store, now, claimant, retry_unclear, sleep)
        return loop.run()


class _Loop:
    def __init__(
        self,
        channel: Channel,
        edition_id: str,
        store: Store,
        now: datetime,
        claimant: str,
        retry_unclear: bool,
        sleep: Sleep,
    ) -> None:
        self._channel, self._edition_id, self._store = channel, edition_id, store
        self._now, self._claimant, self._retry_unclear, self._sleep = now, claimant, retry_unclear, sleep
        self._pace: Pace = channel.pace
        self._pacer = Pacer(self._pace.rate_per_second, sleep)

    def run(self) -> SendReport:
        tally = _Tally()
        stopped = None
        try:
            with self._channel.connect() as connection:
                self._walk(connection, tally)
        except _Stop as stop:
            stopped = str(stop)
        resent = self._store.take_unreported_resends(self._channel.name, self._edition_id)
        return SendReport(
            self._edition_id,
            sent=tuple(tally.sent),
            skipped_already_sent=tuple(tally.done),
            skipped_unsubscribed=tuple(tally.unsubscribed),
            resent=tuple(resent),
            failed=tuple(tally.failed),
            unclear=tuple(tally.unclear),
            channel=self._channel.name,
            stopped=stopped,
        )

    def _walk(self, connection: Connection, tally: _Tally) -> None:
        previous = self._store.sends(self._edition_id, self._channel.name)
        suppressed = self._store.unsubscribed()
        for batch in _batches(self._channel.recipients(), CLAIM_BATCH):
            wanted = [r for r in batch if r.lower() not in suppressed]
            tally.unsubscribed += [r for r in batch if r.lower() in suppressed]
            claimed = self._store.claim_sends(
                self._channel.name,
                self._edition_id,
                [(r, self._channel.message_id(r)) for r in wanted],
                self._claimant,
                self._now,
                retry_unclear=self._retry_unclear,
                resend_interrupted=self._channel.resend_interrupted,
            )
            for recipient in wanted:
                if recipient.lower() in claimed:
                    self._send_one(connection, recipient, tally)
                else:
                    _skip(previous.get(recipient.lower()), recipient, tally)

    def _send_one(self, connection: Connection, recipient: str, tally: _Tally) -> None:
        """Try up to `max_attempts` times on transient failures, backing off; every outcome is committed."""
        channel, edition, store = self._channel.name, self._edition_id, self._store
        delay = self._pace.retry_seconds
        for attempt in range(1, self._pace.max_attempts + 1):
            self._pacer.wait()
            try:
                connection.send(recipient, lambda: store.mark_handing_over(channel, edition, recipient, self._now))
            except PermanentError as error:
                tally.failed.append(self._failed(recipient, str(error), permanent=True))
                return
            except UnclearError as error:
                log.warning("%s: %s: maybe sent: %s", channel, recipient, error)
                store.mark_maybe_sent(channel, edition, recipient, str(error), self._now)
                tally.unclear.append(recipient)
                return
            except DeliveryError as error:  # the whole channel stops (login, sender refused): a rerun retries
                tally.failed.append(self._failed(recipient, str(error), permanent=False))
                raise _Stop(str(error)) from error
            except TransientError as error:
                log.info("%s: %s: attempt %d failed: %s", channel, recipient, attempt, error)
                if attempt == self._pace.max_attempts:
                    tally.failed.append(self._failed(recipient, str(error), permanent=False))
                    if isinstance(error, ConnectError):
                        raise _Stop(str(error)) from error
                    return
                store.note_attempt(channel, edition, recipient, str(error), self._now)
                self._sleep(delay)
                delay *= 2
            else:
                store.mark_sent(channel, edition, recipient, self._now)
                tally.sent.append(recipient)
                return

    def _failed(self, recipient: str, reason: str, *, permanent: bool) -> SendFailure:
        log.warning("%s: %s: not sent: %s", self._channel.name, recipient, reason)
        self._store.mark_failed(self._channel.name, self._edition_id, recipient, reason, permanent, self._now)
        return SendFailure(recipient, reason, permanent)


def _skip(record: object, recipient: str, tally: _Tally) -> None:
    """A recipient the ledger says is done: report it as it stands."""
    status = getattr(record, "status", None)
    if status is SendStatus.SENT:
        tally.done.append(recipient)
    elif status in (SendStatus.MAYBE_SENT, SendStatus.SENDING):  # SENDING: interrupted, now maybe sent
        tally.unclear.append(recipient)
    elif status is SendStatus.FAILED:
        tally.failed.append(SendFailure(recipient, f"earlier run: {getattr(record, 'error', '')}", permanent=True))


def _batches(items: Sequence[str], size: int) -> Iterator[list[str]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
