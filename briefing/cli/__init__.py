"""The `briefing` command line. Each module below registers the commands of one area on `app`."""

from briefing.cli import build, check, deliver, evaluate, foundation, store  # noqa: F401  (registers commands)
from briefing.cli._app import app, main

__all__ = ["app", "main"]
