"""A lock held for as long as a block runs and released by the kernel if the process dies (`flock`).

This is the SQLite store's stand-in for a PostgreSQL session advisory lock (`pg_advisory_lock`): both are
blocking, both vanish with their holder, neither leaves a stale row behind after a crash.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)


class LockHeld(Exception):
    """Another live process holds the lock; `holder` is the pid it wrote into the file ("unknown" if none)."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


@contextmanager
def file_lock(path: Path, what: str, *, wait: bool = True) -> Iterator[None]:
    """Hold an exclusive lock on `path` for the block, with the holder's pid written into the file.

    While another process holds it: wait (saying so once), or with `wait=False` raise `LockHeld` at once.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            if not wait:
                raise LockHeld(holder) from None
            log.warning("waiting for another briefing (pid %s) to finish %s", holder, what)
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
