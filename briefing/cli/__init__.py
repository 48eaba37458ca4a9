"""The `briefing` command line. Each module below registers the commands of one area on `app`; `app` imports
a module only when one of its commands runs (see `COMMAND_MODULES` in `_app`)."""

from briefing.cli._app import app, main

__all__ = ["app", "main"]
