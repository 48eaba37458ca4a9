"""The dry-run outbox: one `.eml` file per recipient who would be sent the edition now; nothing is recorded.

The files carry addresses and working unsubscribe tokens, so they are written under the state folder (or a
folder the user names with `--out`), never under `outputs/`, which is committed and published.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from briefing.models import SendReport, SendStatus, Subscriber
from briefing.store import Store


def write_outbox(
    folder: Path,
    edition_id: str,
    recipients: Sequence[Subscriber],
    compose: Callable[[Subscriber], bytes],
    store: Store,
    *,
    record: bool,
) -> SendReport:
    """Write the messages into `folder` (emptied of earlier `.eml` files first: it shows this run only)."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.eml"):
        stale.unlink()
    previous = store.sends(edition_id) if record else {}
    suppressed = store.unsubscribed() if record else {}
    written: list[Path] = []
    skipped_sent: list[str] = []
    skipped_unsubscribed: list[str] = []
    for subscriber in recipients:
        key = subscriber.email.lower()
        if key in suppressed:
            skipped_unsubscribed.append(subscriber.email)
        elif key in previous and previous[key].status in (SendStatus.SENT, SendStatus.MAYBE_SENT):
            skipped_sent.append(subscriber.email)
        else:
            path = folder / f"{re.sub(r'[^A-Za-z0-9@._+-]', '_', key)}.eml"
            _write_atomic(path, compose(subscriber))
            written.append(path)
    return SendReport(
        edition_id,
        skipped_already_sent=tuple(skipped_sent),
        skipped_unsubscribed=tuple(skipped_unsubscribed),
        dry_run_files=tuple(written),
    )


def _write_atomic(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
