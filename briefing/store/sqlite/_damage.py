"""What a damaged database, a full disk or an unwritable file means to the user, and how to check a database.

SQLite reports these as `sqlite3.DatabaseError`s with a result code; each becomes one `StoreError` line that
names the file and says what to do. `SqliteDatabase` asks `store_error` for every error of every statement and
fetch, so no raw sqlite3 error escapes the store from a read, a write or a COMMIT; other errors (a constraint,
a syntax error) become a plain `database error in FILE: ...` line.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from briefing.errors import StoreError

# Primary result codes (https://www.sqlite.org/rescode.html)
_IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB, _READONLY, _PERM = 10, 11, 13, 14, 26, 8, 3


def store_error(path: Path | str, error: sqlite3.Error) -> StoreError | None:
    """The one-line StoreError for an error of the database at `path`; None for errors that are not about the
    file or the disk."""
    code = getattr(error, "sqlite_errorcode", -1) & 0xFF
    if code in (_CORRUPT, _NOTADB):
        return StoreError(
            f"{path}: the database is damaged ({error}); restore it from a backup "
            "(`briefing store check` lists the damage)"
        )
    if code == _FULL:
        return StoreError(f"{path}: the disk is full ({error}); free some space and run again (nothing was lost)")
    if code == _IOERR:
        return StoreError(
            f"{path}: cannot write the database ({error}); check free space and the disk, then run again "
            "(this step's changes were not stored)"
        )
    if code in (_READONLY, _PERM, _CANTOPEN):
        return StoreError(f"{path}: cannot write the database ({error}); check the file's and folder's permissions")
    return None


def integrity_problems(path: Path) -> list[str]:
    """What SQLite's integrity check finds wrong in the database at `path` (empty when it is sound)."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        return [str(error)]
    try:
        rows = db.execute("PRAGMA integrity_check(100)").fetchall()
    except sqlite3.Error as error:
        return [str(error)]
    finally:
        db.close()
    found = [str(row[0]) for row in rows]
    return [] if found == ["ok"] else found
