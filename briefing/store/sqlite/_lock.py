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


@contextmanager
def file_lock(path: Path, what: str) -> Iterator[None]:
    """Hold an exclusive lock on `path` for the block; wait (saying so once) while another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            log.warning("waiting for another briefing (pid %s) to finish %s", handle.read().strip() or "?", what)
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
