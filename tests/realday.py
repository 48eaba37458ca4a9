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


def build_real_day(
    server: FeedServer, day: str, folder: Path, max_stories: int = 60, per_outlet_cap: int | None = None
) -> Result:
    """`briefing run --at <day>T23:00Z` on the day's feeds in a fresh store under `folder` (UTC, 48 h lookback,
    up to `max_stories` stories, the default cap of stories led by one outlet unless `per_outlet_cap` is given);
    the edition lands in `folder/outputs/editions/<day>`."""
    cap = "" if per_outlet_cap is None else f", per_outlet_cap: {per_outlet_cap}"
    server.serve_directory(REAL_NEWS / day, prefix="/news/")
    feeds = "\n".join(f"      - url: {server.url('/news/' + f.name)}" for f in sorted((REAL_NEWS / day).glob("*.xml")))
    config = folder / "feeds.yaml"
    config.write_text(
        "timezone: UTC\nlookback_hours: 48\n"
        f"rank: {{max_stories: {max_stories}, max_per_section: {max_stories}{cap}}}\n"
        f"sections:\n  - name: News\n    feeds:\n{feeds}\n",
        encoding="utf-8",
    )
    return CliRunner().invoke(app, ["--config", str(config), "run", "--at", f"{day}T23:00:00+00:00"])
