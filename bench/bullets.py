"""What `briefing check` counts on the shared real days: the figures in docs/quality.md (Bullets).

Each day's feeds in `../shared/data/feeds/real-news/<day>/` are served from 127.0.0.1 and built on their own, as
`tests/test_evaluate_edition.py::test_a_real_day_meets_the_bullet_targets` builds them (a fresh store,
`timezone: UTC`, `lookback_hours: 48`, `rank: {max_stories: 60, max_per_section: 60}`, `briefing run --at
<day>T23:00:00+00:00`); then `briefing check --json` counts the edition. Prints one Markdown table row per day.

    .venv/bin/python bench/bullets.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from feedserver import FeedServer
from realday import REAL_NEWS, build_real_day

from briefing.cli import app

DAYS = ("2020-05-30", "2020-05-31", "2020-06-01")
COLUMNS = (
    "stories",
    "bullets",
    "junk_bullets",
    "dangling_bullets",
    "repeated_pairs",
    "stale_time_words",
    "non_news_leads_or_headlines",
)


def day_counts(server: FeedServer, day: str, folder: Path) -> dict[str, object]:
    """`briefing check --json` of the day's edition, built in `folder`."""
    built = build_real_day(server, day, folder)
    if built.exit_code not in (0, 3):
        raise SystemExit(f"{day}: the build failed: {built.output.strip()}")
    checked = CliRunner().invoke(app, ["check", str(folder / "outputs" / "editions" / day), "--json"])
    counts: dict[str, object] = json.loads(checked.output)
    return counts


def row(day: str, counts: dict[str, object]) -> str:
    many, two = counts["multi_article_stories"], counts["multi_article_with_two_bullets"]
    share = f"{two} of {many} ({100 * float(counts['two_bullet_share']):.0f}%)"
    return "| " + " | ".join([day, *(str(counts[c]) for c in COLUMNS), share]) + " |"


def main() -> None:
    if not REAL_NEWS.is_dir():
        raise SystemExit(f"{REAL_NEWS} is absent: run from a checkout next to ../shared/data")
    print("| day | " + " | ".join(COLUMNS) + " | multi-article stories with 2+ bullets |")
    print("|---" * (len(COLUMNS) + 2) + "|")
    with FeedServer() as server:
        for day in DAYS:
            with tempfile.TemporaryDirectory(prefix=f"bullets-{day}-") as folder:
                print(row(day, day_counts(server, day, Path(folder))), flush=True)


if __name__ == "__main__":
    main()
