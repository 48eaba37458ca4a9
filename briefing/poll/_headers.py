"""Reading response headers inside `briefing.poll`: delays a server asks for, charsets, status phrases.

Every value comes from a server and may be absurd (`Retry-After: 99999999999999999999`), so each is parsed
defensively and capped before it becomes a number the rest of the poll computes with.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http import HTTPStatus

import httpx

MAX_DELAY_SECONDS = 365 * 24 * 3600  # no server-given delay is read past a year (timedelta overflows near 1e14 s)


def seconds(digits: str) -> timedelta:
    """A delay in seconds from a server, capped before it becomes a timedelta (99999999999999999999 is sent)."""
    return timedelta(seconds=MAX_DELAY_SECONDS if len(digits) > 9 else min(int(digits), MAX_DELAY_SECONDS))


def max_age(cache_control: str) -> timedelta:
    match = re.search(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", cache_control, re.I)
    return seconds(match.group(1)) if match else timedelta(0)


def retry_after(value: str, now: datetime) -> timedelta | None:
    """Retry-After as delay-seconds or an HTTP-date (RFC 9110 section 10.2.3)."""
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return seconds(value)
    try:
        when = parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(timedelta(0), when - now)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def charset(headers: dict[str, str]) -> str:
    match = re.search(r"charset=[\"']?([\w.:-]+)", headers.get("content-type", ""), re.I)
    if match:
        try:
            "".encode(match.group(1))
            return match.group(1)
        except LookupError:
            pass
    return "utf-8"


def lower(headers: httpx.Headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
