"""What a damaged database, a full disk or an unwritable file means to the user, and how to check a database.

SQLite reports these as `sqlite3.DatabaseError`s with a result code; each becomes one `StoreError` line that
names the file and says what to do. The connection class below does the translation for every statement and
every fetch, so no raw sqlite3 error escapes the store from a read, a write or a COMMIT. Errors that are the
program's own (a constraint, a syntax error) are left as they are.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

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


class Cursor(sqlite3.Cursor):
    """A cursor whose every call turns file and disk errors into StoreError (see `store_error`)."""

    path: Path | str = ""

    def execute(self, sql: str, parameters: Any = (), /) -> Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as error:
            raise (store_error(self.path, error) or error) from error

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Cursor:
        try:
            return super().executemany(sql, parameters)
        except sqlite3.Error as error:
            raise (store_error(self.path, error) or error) from error

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.Error as error:
            raise (store_error(self.path, error) or error) from error

    def fetchmany(self, size: int | None = 1) -> list[Any]:
        try:
            return super().fetchmany(size)
        except sqlite3.Error as error:
            raise (store_error(self.path, error) or error) from error

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.Error as error:
            raise (store_error(self.path, error) or error) from error

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.Error as error:
            raise (store_error(self.path, error) or error) from error


class Connection(sqlite3.Connection):
    """`sqlite3.connect(..., factory=Connection)`: statements run through `Cursor`, errors name the file."""

    path: Path | str = ""

    def cursor(self, factory: Any = None) -> Cursor:  # type: ignore[override]
        cursor = super().cursor(Cursor)
        cursor.path = self.path
        return cursor

    def execute(self, sql: str, parameters: Any = (), /) -> Cursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Cursor:
        return self.cursor().executemany(sql, parameters)
