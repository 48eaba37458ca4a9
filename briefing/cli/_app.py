"""The click group, global options, and the one place that turns errors into messages and exit codes.

Command bodies stay thin: load settings, call one library function, print. Progress and messages go to
stderr (rich), results to stdout.

Commands load lazily: the module defining a command is imported only when that command runs (or when help
lists every command), and each module imports the pipeline stages inside the commands that use them. An idle
`briefing run-due` from cron thus loads click, the config and the store, not the clustering, summarising and
rendering libraries (numpy, scipy, scikit-learn, jinja2, premailer), nor rich until something is printed with it.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, cast

import click

from briefing.errors import BriefingError, ConfigError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

# Exit codes (contract): 0 ok, 1 failure, 2 usage or configuration error, 3 partial, 4 nothing due.
EXIT_OK, EXIT_FAILURE, EXIT_CONFIG, EXIT_PARTIAL, EXIT_NOTHING_DUE = 0, 1, 2, 3, 4


class _LazyConsole:
    """A rich Console made on first use: a command that prints nothing through it never imports rich."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def load(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.load(), name)


def real_console(console: Console) -> Console:
    """The Console itself, for rich objects that need one (a progress display)."""
    return console.load() if isinstance(console, _LazyConsole) else console


stderr = cast("Console", _LazyConsole(stderr=True, highlight=False, soft_wrap=True))  # one problem, one line
stdout = cast("Console", _LazyConsole(highlight=False, soft_wrap=True))


def plural(count: int, singular: str, many: str | None = None) -> str:
    """`1 feed`, `2 feeds`, `0 stories`."""
    return f"{count} {singular if count == 1 else many or singular + 's'}"


def print_table(table: Table) -> None:
    """A table whose values are never cut: in a terminal, cells wrap within its width; anywhere else (a pipe,
    a file, a log) the table takes the width its values need, so `alice@example.org` is never `alice@examp…`."""
    for column in table.columns:
        column.overflow = "fold"
    if stdout.is_terminal:
        stdout.print(table)
        return
    from rich.console import Console

    natural = stdout.measure(table, options=stdout.options.update(max_width=10_000)).maximum
    Console(file=stdout.file, width=max(natural, 80), highlight=False, soft_wrap=True).print(table)


class _LogFormat(logging.Formatter):
    """`warning: feed ... failed: ...`, like the CLI's own `error:` lines; with -v also the logger's name."""

    def __init__(self, verbose: int) -> None:
        super().__init__()
        self._verbose = verbose

    def format(self, record: logging.LogRecord) -> str:
        where = f" {record.name}" if self._verbose else ""
        text = f"{record.levelname.lower()}{where}: {record.getMessage()}"
        return text + ("\n" + self.formatException(record.exc_info) if record.exc_info else "")


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record arrives (click's test runner swaps it per command)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        return None


def _log_to_stderr(level: int, verbose: int) -> None:
    """One handler on the root logger, set afresh by every command (not only the first one in a process)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(_LogFormat(verbose))
    root.addHandler(handler)
    root.setLevel(level)


@dataclass
class AppContext:
    config_path: Path
    verbose: int
    quiet: bool

    def settings(self) -> Any:
        """Load and validate the config; raises ConfigError with located problems."""
        from briefing.config import load_settings

        return load_settings(self.config_path)

    def checked_settings(self) -> Any:
        """`settings()` plus every delivery problem (subscribers, From, subject, unsubscribe, channels), so a
        command that builds or sends fails before any work rather than at send time."""
        from briefing.deliver.check import check_delivery

        settings = self.settings()
        check_delivery(settings)
        return settings


def print_llm_outage(why: str | None) -> None:
    """One line when every LLM call of a build failed: the edition was still built, from the offline summariser."""
    if why:
        reason = plain(" ".join(why.split())[:300])
        stderr.print(f"[red]error:[/red] every LLM call failed ({reason}); the edition used the offline summariser")


@contextmanager
def progress_bars(quiet: bool) -> Iterator[Callable[[str, int, int], None]]:
    """A progress callback drawing one bar per step on stderr (nothing when quiet or not a terminal)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    bars = Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=real_console(stderr),
        transient=True,
        disable=quiet or not stderr.is_terminal,  # no bars (or their blank line) in a pipe or a log
    )
    tasks: dict[str, TaskID] = {}

    def update(step: str, done: int, total: int) -> None:
        if step not in tasks:
            tasks[step] = bars.add_task(step, total=total)
        bars.update(tasks[step], completed=done, total=total)

    with bars:
        yield update


def plain(value: object) -> str:
    """Untrusted text (feed titles, error messages, config values, names, paths) for a rich string: shown as
    written, never read as markup (`[/]` in a feed title once crashed `briefing feeds`)."""
    from rich.markup import escape

    return escape(str(value))


def default_config_path() -> Path:
    return Path(os.environ.get("BRIEFING_CONFIG", "feeds.yaml"))


# Each command and the module under briefing.cli that defines it (and registers it on `app` when imported).
COMMAND_MODULES = {
    "init": "foundation",
    "config": "foundation",
    "feeds": "foundation",
    "poll": "foundation",
    "build": "build",
    "run": "build",
    "demo": "build",
    "check": "check",
    "send": "deliver",
    "subscribers": "deliver",
    "unsubscribe": "deliver",
    "run-due": "schedule",
    "schedule": "schedule",
    "eval": "evaluate",
    "store": "store",
}


class _Group(click.Group):
    """Loads a command's module when the command is asked for, and maps BriefingError to a one-line message
    and its exit code, also under click's test runner."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMAND_MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            importlib.import_module(f"briefing.cli.{COMMAND_MODULES[cmd_name]}")
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BriefingError as error:
            fail(error)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Config file. Default: $BRIEFING_CONFIG, else ./feeds.yaml.",
)
@click.option("-v", "--verbose", count=True, help="More detail on stderr (repeat for debug logs).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.version_option(package_name="briefing")
@click.pass_context
def app(ctx: click.Context, config_path: Path | None, verbose: int, quiet: bool) -> None:
    """briefing turns news feeds into a daily briefing: it polls RSS/Atom feeds, groups articles about the
    same story, summarises each story into checked bullets, and renders Markdown, an HTML email and a
    static site.

    Start with `briefing demo` (offline, no API key), then `briefing init` to get your own feeds.yaml.
    """
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    if quiet:
        level = logging.ERROR
    _log_to_stderr(level, verbose)
    ctx.obj = AppContext(config_path or default_config_path(), verbose, quiet)


def fail(error: BriefingError) -> NoReturn:
    """Print a BriefingError as one line per problem (plus a hint) and exit with its code."""
    problems = error.problems if isinstance(error, ConfigError) else [str(error)]
    for problem in problems:
        stderr.print(f"[red]error:[/red] {plain(problem)}", markup=True, highlight=False)
    if error.hint:
        stderr.print(f"[dim]hint:[/dim] {plain(error.hint)}")
    sys.exit(error.exit_code)


def main() -> None:
    """Console entry point."""
    app(prog_name="briefing")
