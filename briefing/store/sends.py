"""Who has been sent which edition on which channel, who unsubscribed, and which scheduled editions ran.

Exactly-once delivery rests on the sends ledger, one row per (channel, edition, recipient), and on one sender
at a time (`Store.delivery_lock`, which every send path takes). A row moves through these states, each change
its own commit:

    queued      claimed by a run (in batches), nothing handed over yet: a rerun sends it, no duplicate possible
    sending     the message is being handed over (the body is out, the final "." about to go): a rerun resends
                it, counts the resend and reports it, because the server may have it
    sent        the service accepted it: never sent again
    maybe_sent  handed over and no answer came (a timeout, a dropped connection): never retried automatically,
                reported until `briefing send --retry-unclear` resends it on purpose
    failed      refused (permanent) or still failing after every attempt (transient: a rerun retries it)

Claims are one portable statement (`INSERT ... ON CONFLICT ... DO UPDATE ... WHERE`), so the same ledger works
on a server database. The schedule ledger keys each edition slot by (edition name, local date), so a slot is
built at most once whatever runs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from briefing.models import ScheduleSlot, SendRecord, SendStatus, SlotStatus
from briefing.store._codec import from_db_time, to_db_time
from briefing.store._sql import Row, SqlMixin, one

# Claim a recipient for this run unless it is done: new, left queued or mid-handover by a run that stopped,
# failed for now, or (on purpose only) maybe sent. Taking over a handover that may have arrived counts a resend.
_CLAIM = """
INSERT INTO sends (channel, edition_id, recipient, status, message_id, claimed_by, updated)
VALUES (?, ?, ?, 'queued', ?, ?, ?)
ON CONFLICT (channel, edition_id, recipient) DO UPDATE SET
    status = 'queued', message_id = excluded.message_id, claimed_by = excluded.claimed_by,
    updated = excluded.updated, error = NULL, permanent = 0,
    resends = sends.resends + CASE WHEN sends.status IN ('sending', 'maybe_sent') THEN 1 ELSE 0 END
WHERE sends.status IN ('queued', 'sending') OR (sends.status = 'failed' AND sends.permanent = 0)
    OR (sends.status = 'maybe_sent' AND ? = 1)
"""


class SendsSql(SqlMixin):
    """Sends, the suppression list (`SendStore`) and the schedule ledger (`ScheduleLedger`)."""

    # ------------------------------------------------------------------------------------------------ sends

    def sends(self, edition_id: str, channel: str = "email") -> dict[str, SendRecord]:
        """Every recorded send of an edition on a channel, by lower-cased recipient."""
        rows = self._db.query(
            "SELECT * FROM sends WHERE channel = ? AND edition_id = ? ORDER BY recipient", (channel, edition_id)
        )
        return {row["recipient"]: _send_from_row(row) for row in rows}

    def claim_sends(
        self,
        channel: str,
        edition_id: str,
        wanted: Sequence[tuple[str, str]],
        claimant: str,
        now: datetime,
        *,
        retry_unclear: bool = False,
        resend_interrupted: bool = True,
    ) -> set[str]:
        """Claim each (recipient, message id) that is not done, in one commit; return those now claimed.

        `resend_interrupted` False: a row left mid-handover by a run that stopped becomes maybe sent instead
        (for channels whose messages cannot be de-duplicated)."""
        claimed = set()
        with self.transaction():
            if not resend_interrupted:
                self._db.execute(
                    "UPDATE sends SET status = 'maybe_sent', error = 'a run stopped while handing it over'"
                    " WHERE channel = ? AND edition_id = ? AND status = 'sending'",
                    (channel, edition_id),
                )
            for recipient, message_id in wanted:
                key = recipient.lower()
                params = (channel, edition_id, key, message_id, claimant, to_db_time(now), int(retry_unclear))
                if self._db.execute(_CLAIM, params) == 1:
                    claimed.add(key)
        return claimed

    def mark_handing_over(self, channel: str, edition_id: str, recipient: str, now: datetime) -> None:
        """Commit that the message is being handed over: from here a crash means "resend and report"."""
        self._commit_one(
            "UPDATE sends SET status = 'sending', attempts = attempts + 1, updated = ?"
            " WHERE channel = ? AND edition_id = ? AND recipient = ?",
            (to_db_time(now), channel, edition_id, recipient.lower()),
        )

    def note_attempt(self, channel: str, edition_id: str, recipient: str, error: str, now: datetime) -> None:
        """Count a try that failed before anything was handed over (the row stays queued)."""
        with self.transaction():
            self._db.execute(
                "UPDATE sends SET attempts = attempts + 1, error = ?, updated = ?"
                " WHERE channel = ? AND edition_id = ? AND recipient = ?",
                (error, to_db_time(now), channel, edition_id, recipient.lower()),
            )

    def mark_sent(self, channel: str, edition_id: str, recipient: str, now: datetime) -> None:
        """Commit that the service accepted the message: from here on, reruns skip this recipient."""
        self._set_send_status(channel, edition_id, recipient, SendStatus.SENT, None, False, now)

    def mark_maybe_sent(self, channel: str, edition_id: str, recipient: str, reason: str, now: datetime) -> None:
        self._set_send_status(channel, edition_id, recipient, SendStatus.MAYBE_SENT, reason, False, now)

    def mark_failed(
        self, channel: str, edition_id: str, recipient: str, error: str, permanent: bool, now: datetime
    ) -> None:
        self._set_send_status(channel, edition_id, recipient, SendStatus.FAILED, error, permanent, now)

    def _set_send_status(
        self,
        channel: str,
        edition_id: str,
        recipient: str,
        status: SendStatus,
        error: str | None,
        permanent: bool,
        now: datetime,
    ) -> None:
        self._commit_one(
            "UPDATE sends SET status = ?, error = ?, permanent = ?, updated = ?"
            " WHERE channel = ? AND edition_id = ? AND recipient = ?",
            (status.value, error, int(permanent), to_db_time(now), channel, edition_id, recipient.lower()),
        )

    def _commit_one(self, sql: str, params: tuple[object, ...]) -> None:
        """One statement committed on its own: outside a transaction it auto-commits (atomic, and a third of
        the calls of BEGIN ... COMMIT, which two commits a message make count: bench/send.py)."""
        self._db.execute(sql, params)

    def take_unreported_resends(self, channel: str, edition_id: str) -> list[str]:
        """Recipients who may have received a copy twice and were not yet told of in a report; now they are."""
        with self.transaction():
            rows = self._db.query(
                "SELECT recipient FROM sends WHERE channel = ? AND edition_id = ? AND resends > resends_reported"
                " ORDER BY recipient",
                (channel, edition_id),
            )
            self._db.execute(
                "UPDATE sends SET resends_reported = resends WHERE channel = ? AND edition_id = ?"
                " AND resends > resends_reported",
                (channel, edition_id),
            )
        return [row["recipient"] for row in rows]

    def edition_delivered(self, edition_id: str) -> bool:
        """Has any copy of the edition (on any channel) been handed over? Then its content is fixed."""
        row = one(
            self._db,
            "SELECT 1 FROM sends WHERE edition_id = ? AND status IN ('sending', 'sent', 'maybe_sent') LIMIT 1",
            (edition_id,),
        )
        return row is not None

    def last_sends(self) -> dict[str, SendRecord]:
        """Each recipient's most recent email of any edition, for the subscribers table."""
        rows = self._db.query(
            "SELECT * FROM sends AS s WHERE channel = 'email' AND updated = "
            "(SELECT MAX(updated) FROM sends WHERE channel = 'email' AND recipient = s.recipient)"
            " ORDER BY recipient, edition_id"  # the same edition wins a tie on every engine
        )
        return {row["recipient"]: _send_from_row(row) for row in rows}

    # ----------------------------------------------------------------------------------------- unsubscribes

    def unsubscribe(self, address: str, now: datetime) -> bool:
        """Add an address to the suppression list; False if it was already there."""
        with self.transaction():
            added = self._db.execute(
                "INSERT INTO unsubscribes (address, at) VALUES (?, ?) ON CONFLICT (address) DO NOTHING",
                (address.lower(), to_db_time(now)),
            )
        return added == 1

    def unsubscribed(self) -> dict[str, datetime]:
        """The suppression list: lower-cased address -> when it was added."""
        rows = self._db.query("SELECT address, at FROM unsubscribes ORDER BY address")
        return {row["address"]: from_db_time(row["at"]) for row in rows}

    # -------------------------------------------------------------------------------------- schedule ledger

    def slot(self, name: str, local_date: date) -> ScheduleSlot | None:
        row = one(
            self._db, "SELECT * FROM schedule_slots WHERE name = ? AND local_date = ?", (name, local_date.isoformat())
        )
        return None if row is None else _slot_from_row(row)

    def latest_slot(self, name: str) -> ScheduleSlot | None:
        """The ledger's most recent slot of an edition, whatever its status."""
        row = one(self._db, "SELECT * FROM schedule_slots WHERE name = ? ORDER BY local_date DESC LIMIT 1", (name,))
        return None if row is None else _slot_from_row(row)

    def save_slot(self, slot: ScheduleSlot) -> None:
        """Insert or replace a slot's ledger row."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO schedule_slots (name, local_date, due, status, edition_id, attempts, error, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name, local_date) DO UPDATE SET"
                " due = excluded.due, status = excluded.status, edition_id = excluded.edition_id,"
                " attempts = excluded.attempts, error = excluded.error, updated = excluded.updated",
                (
                    slot.name,
                    slot.local_date.isoformat(),
                    to_db_time(slot.due),
                    slot.status.value,
                    slot.edition_id,
                    slot.attempts,
                    slot.error,
                    to_db_time(slot.updated),
                ),
            )

    def slots(self, limit: int = 50) -> list[ScheduleSlot]:
        """The most recent slots of every edition, newest first."""
        rows = self._db.query("SELECT * FROM schedule_slots ORDER BY due DESC, name LIMIT ?", (limit,))
        return [_slot_from_row(row) for row in rows]


def _send_from_row(row: Row) -> SendRecord:
    return SendRecord(
        edition_id=row["edition_id"],
        recipient=row["recipient"],
        status=SendStatus(row["status"]),
        message_id=row["message_id"],
        attempts=row["attempts"],
        updated=from_db_time(row["updated"]),
        error=row["error"],
        permanent=bool(row["permanent"]),
        channel=row["channel"],
        resends=row["resends"],
    )


def _slot_from_row(row: Row) -> ScheduleSlot:
    return ScheduleSlot(
        name=row["name"],
        local_date=date.fromisoformat(row["local_date"]),
        due=from_db_time(row["due"]),
        status=SlotStatus(row["status"]),
        updated=from_db_time(row["updated"]),
        edition_id=row["edition_id"],
        attempts=row["attempts"],
        error=row["error"],
    )
