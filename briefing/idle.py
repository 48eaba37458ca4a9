"""The idle note: how an idle `briefing run-due` tick answers "nothing is due" without loading the config.

Cron starts `run-due` every few minutes, and almost every tick finds nothing to do. Validating feeds.yaml
(pydantic) and opening the store cost several interpreter starts, so a tick that found nothing due leaves a
note saying until when nothing can be due: the soonest of the next edition, the next feed poll and the next
prune. The next tick trusts the note only if feeds.yaml has the same bytes and the SQLite store's files the
same sizes and modification times as when the note was written; any write to the store (a poll, a build, a
send, `briefing feeds`, another process) or any edit of the config makes the tick do the full check.

Only SQLite stores get a note (a PostgreSQL store has no files to compare). A note lives at most
`MAX_NOTE_LIFE`, which bounds the one case the fingerprints cannot see: a write by another process between
the tick's last query and its fingerprint. This module imports only the standard library and platformdirs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import platformdirs

MAX_NOTE_LIFE = timedelta(hours=1)
_STORE_SUFFIXES = ("", "-wal", "-journal")  # the database and the files SQLite writes beside it


def note_path(config_path: Path) -> Path:
    """One note per config file, in the user's cache folder (never beside feeds.yaml, which may be in git)."""
    key = hashlib.sha256(str(config_path.resolve()).encode()).hexdigest()[:24]
    return platformdirs.user_cache_path("briefing") / "idle" / f"{key}.json"


def nothing_due_before(config_path: Path, now: datetime) -> bool:
    """Whether a note vouches that nothing is due at `now`: same config, untouched store, not yet expired."""
    try:
        note = json.loads(note_path(config_path).read_text(encoding="utf-8"))
        until = datetime.fromisoformat(note["until"])
        database = Path(note["database"])
        return now < until and note["fingerprint"] == _fingerprint(config_path, database)
    except (OSError, ValueError, KeyError, TypeError):  # no note, an unreadable one, or a vanished config
        return False


def leave_note(config_path: Path, database: Path, now: datetime, until: datetime) -> None:
    """Record that nothing is due before `until` (capped at `MAX_NOTE_LIFE`); call after the store is closed,
    so the fingerprint sees its files as the next tick will."""
    note = {
        "until": min(until, now + MAX_NOTE_LIFE).isoformat(),
        "database": str(database),
        "fingerprint": _fingerprint(config_path, database),
    }
    path = note_path(config_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8") as temporary:
            json.dump(note, temporary)
        os.replace(temporary.name, path)
    except OSError:  # a read-only home: every tick does the full check, as before
        return


def forget_note(config_path: Path) -> None:
    """Drop the note (a tick that had work to do): the next tick does the full check."""
    with contextlib.suppress(OSError):  # a note that cannot be removed is still voided by its fingerprint
        note_path(config_path).unlink(missing_ok=True)


def _fingerprint(config_path: Path, database: Path) -> dict[str, object]:
    files = {}
    for suffix in _STORE_SUFFIXES:
        try:
            stat = os.stat(f"{database}{suffix}")
        except FileNotFoundError:
            continue
        files[suffix or "db"] = [stat.st_size, stat.st_mtime_ns]
    return {"config": hashlib.sha256(config_path.read_bytes()).hexdigest(), "store": files}
