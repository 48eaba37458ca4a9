"""How values are written to and read from SQLite columns, shared by every store mixin.

Times are stored as fixed-width ISO-8601 UTC text (`2026-11-25T06:30:00.000000+00:00`) so that comparing the
text compares the instants; booleans as 0/1; JSON as text.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from briefing.errors import StoreError


def to_db_time(value: datetime) -> str:
    """Aware datetime -> sortable UTC text. A naive datetime is a bug upstream, so it is refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise StoreError(f"refusing to store a naive datetime ({value.isoformat()}); use timezone-aware UTC")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def to_db_time_or_none(value: datetime | None) -> str | None:
    return None if value is None else to_db_time(value)


def from_db_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def from_db_time_or_none(text: str | None) -> datetime | None:
    return None if text is None else from_db_time(text)


def to_db_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def from_db_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)
