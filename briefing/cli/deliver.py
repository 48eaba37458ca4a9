"""Commands: deliver."""

from __future__ import annotations

from briefing.cli._app import app  # noqa: F401
