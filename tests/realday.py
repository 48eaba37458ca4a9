"""A shared real day built as a user builds it: its feeds served from 127.0.0.1, one section, `briefing run`.

Used by the slow real-day test and by `bench/bullets.py`, so the figures in docs/quality.md come from the
editions the test checks.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from feedserver import FeedServer

from briefing.cli import app

REAL_NEWS = Path(__file__).resolve().parents[2] / "shared" / "data" / "feeds" / "real-news"


def build_real_day(server: FeedServer, day: str, folder: Path) -> Result:
    """`briefing run --at <day>T23:00Z` on the day's feeds in a fresh store under `folder` (UTC, 48 h lookback,
    up to 60 stories); the edition lands in `folder/outputs/editions/<day>`."""
    server.serve_directory(REAL_NEWS / day, prefix="/news/")
    feeds = "\n".join(f"      - url: {server.url('/news/' + f.name)}" for f in sorted((REAL_NEWS / day).glob("*.xml")))
    config = folder / "feeds.yaml"
    config.write_text(
        "timezone: UTC\nlookback_hours: 48\nrank: {max_stories: 60, max_per_section: 60}\n"
        f"sections:\n  - name: News\n    feeds:\n{feeds}\n",
        encoding="utf-8",
    )
    return CliRunner().invoke(app, ["--config", str(config), "run", "--at", f"{day}T23:00:00+00:00"])
