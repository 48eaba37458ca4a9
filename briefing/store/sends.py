"""Who has been sent which edition, who unsubscribed, and which scheduled editions ran.

Exactly-once delivery rests on these rows: a send is recorded as `sending` (intent, committed) before the
message goes to the server, and as `sent` in its own commit the moment the server accepts it. A run that finds
`sent` skips the recipient; one that finds `sending` knows the outcome is unknown. The schedule ledger keys
each edition slot by (edition name, local date), so a slot is built at most once whatever runs it.
"""

from __future__ import annotations

from datetime import date, datetime

from briefing.models import ScheduleSlot, SendRecord, SendStatus, SlotStatus
from briefing.store._codec import from_db_time, to_db_time
from briefing.store._sql import Row, SqlMixin, one


class SendsSql(SqlMixin):
    """Sends, the suppression list (`SendStore`) and the schedule ledger (`ScheduleLedger`)."""

    # ------------------------------------------------------------------------------------------------ sends

    def sends(self, edition_id: str) -> dict[str, SendRecord]:
        """Every recorded send of an edition, by lower-cased recipient."""
        rows = self._db.query("SELECT * FROM sends WHERE edition_id = ? ORDER BY recipient", (edition_id,))
        return {row["recipient"]: _send_from_row(row) for row in rows}

    def mark_sending(self, edition_id: str, recipient: str, message_id: str, now: datetime) -> None:
        """Commit the intent to send, before the message goes out; counts the attempt."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO sends (edition_id, recipient, status, message_id, attempts, updated)"
                " VALUES (?, ?, 'sending', ?, 1, ?) ON CONFLICT(edition_id, recipient) DO UPDATE SET"
                " status = 'sending', message_id = excluded.message_id, attempts = sends.attempts + 1,"
                " error = NULL, permanent = 0, updated = excluded.updated",
                (edition_id, recipient.lower(), message_id, to_db_time(now)),
            )

    def mark_sent(self, edition_id: str, recipient: str, now: datetime) -> None:
        """Commit that the server accepted the message: from here on, reruns skip this recipient."""
        self._set_send_status(edition_id, recipient, SendStatus.SENT, None, False, now)

    def mark_failed(self, edition_id: str, recipient: str, error: str, permanent: bool, now: datetime) -> None:
        self._set_send_status(edition_id, recipient, SendStatus.FAILED, error, permanent, now)

    def _set_send_status(
        self, edition_id: str, recipient: str, status: SendStatus, error: str | None, permanent: bool, now: datetime
    ) -> None:
        with self.transaction():
            self._db.execute(
                "UPDATE sends SET status = ?, error = ?, permanent = ?, updated = ?"
                " WHERE edition_id = ? AND recipient = ?",
                (status.value, error, int(permanent), to_db_time(now), edition_id, recipient.lower()),
            )

    def last_sends(self) -> dict[str, SendRecord]:
        """Each recipient's most recent send of any edition, for the subscribers table."""
        rows = self._db.query(
            "SELECT * FROM sends AS s WHERE updated = (SELECT MAX(updated) FROM sends WHERE recipient = s.recipient)"
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
