"""Writes rendered outputs under the outputs folder, atomically, touching only files whose bytes changed.

Knows files and folders; knows nothing of editions or formats. Each file is written to a temporary file in its
own folder, flushed and fsynced, then renamed over the old one with `os.replace` (atomic on POSIX and Windows),
so a reader — a web server, a git commit, a crashed run — sees the old file or the new one, never half of
either. Unchanged files are left alone, so a rebuild with no new input causes no churn in a git repository and
no new modification times for a static host to sync.
"""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from briefing.errors import DeliveryError

_NEW_FILE_MODE = 0o644  # readable by a web server; mkstemp alone would make it 0600
STALE_TEMP_SECONDS = 3600  # a temp file this old was left by a killed run; younger ones may be another run's


def write_outputs(root: Path, files: Mapping[str, bytes]) -> list[str]:
    """Write `files` (relative POSIX paths -> bytes) under `root`; return the paths that changed, sorted."""
    written = []
    for relative in sorted(files):
        target = resolve_inside(root, relative)
        _remove_stale_temps(target)
        if _unchanged(target, files[relative]):
            continue
        write_atomic(target, files[relative])
        written.append(relative)
    return written


def resolve_inside(root: Path, relative: str) -> Path:
    """`root / relative`, refusing absolute paths and `..` so no output can land outside the outputs folder."""
    path = PurePosixPath(relative)
    if path.is_absolute() or not path.parts or any(part in ("..", "") for part in path.parts) or "\\" in relative:
        raise DeliveryError(f"refusing to write {relative!r}: not a plain path inside {root}")
    return root.joinpath(*path.parts)


def write_atomic(target: Path, data: bytes) -> None:
    """Replace `target` with `data` in one step: temp file in the same folder, fsync, rename, fsync the folder."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = target.stat().st_mode & 0o777 if target.exists() else _NEW_FILE_MODE
        handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as temp:
                temp.write(data)
                temp.flush()
                os.fsync(temp.fileno())
            os.chmod(temp_name, mode)
            os.replace(temp_name, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
            raise
        _fsync_folder(target.parent)
    except OSError as exc:
        raise DeliveryError(f"cannot write {target}: {exc.strerror or exc}") from exc


def _remove_stale_temps(target: Path) -> None:
    """Delete temp files a killed run left beside `target` (they are hidden, but a static host would publish them)."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    for temp in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        with contextlib.suppress(OSError):
            if temp.stat().st_mtime < cutoff:
                temp.unlink()


def _unchanged(target: Path, data: bytes) -> bool:
    try:
        return target.stat().st_size == len(data) and target.read_bytes() == data
    except OSError:
        return False


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); folders cannot be opened this way on Windows."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
