"""`briefing run-due` as cron runs it: a fresh process each tick, which must stay light when nothing is due."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from feedserver import FeedServer, rss_feed

from briefing.config import load_settings
from briefing.store import open_store_from_settings

# What an idle tick must not load: every pipeline stage, and the libraries only they (or a config error) need.
STAGES = ("briefing.pipeline", "briefing.ingest", "briefing.cluster", "briefing.summarise", "briefing.render")
LIBRARIES = ("numpy", "scipy", "sklearn", "httpx", "feedparser", "jinja2", "premailer", "rich", "schedule", "difflib")

_TICK = """
import json, sys
sys.argv = ["briefing", "--config", sys.argv[1], "run-due"]
from briefing.cli import main
try:
    main()
except SystemExit as done:
    code = done.code
print(json.dumps({"exit": code, "loaded": sorted(sys.modules)}))
"""


def tick(config: Path) -> tuple[int, str, list[str]]:
    """One cron tick in a fresh process: its exit code, what it printed, and the modules it loaded."""
    finished = subprocess.run([sys.executable, "-c", _TICK, str(config)], capture_output=True, text=True, check=True)
    *printed, last = finished.stdout.splitlines()
    result = json.loads(last)
    return result["exit"], "\n".join(printed), result["loaded"]


def write_config(tmp_path: Path, feed_url: str) -> Path:
    """One feed and a morning edition with no grace period, so no edition is ever due while the test runs."""
    config = tmp_path / "feeds.yaml"
    config.write_text(
        'grace_hours: 0\neditions:\n  - name: morning\n    at: "06:30"\n'
        f"sections:\n  - name: World\n    feeds:\n      - url: {feed_url}\n",
        encoding="utf-8",
    )
    return config


def test_a_tick_with_a_due_feed_polls_it(feed_server: FeedServer, tmp_path: Path) -> None:
    url = feed_server.route("/world.xml", body=rss_feed([{"title": "Bridge reopens", "link": "https://e.org/1"}]))
    config = write_config(tmp_path, url)

    code, printed, _ = tick(config)

    with open_store_from_settings(load_settings(config)) as store:
        stored = store.feed(url)
    assert (code, printed.splitlines()[0], stored and stored.articles) == (0, "polled 1 feed", 1)


def test_an_idle_tick_loads_no_pipeline_stage(feed_server: FeedServer, tmp_path: Path) -> None:
    url = feed_server.route("/world.xml", body=rss_feed([{"title": "Bridge reopens", "link": "https://e.org/1"}]))
    config = write_config(tmp_path, url)
    tick(config)  # polls the feed: it is not due again for half an hour

    code, printed, loaded = tick(config)

    heavy = [name for name in loaded if name in STAGES or name.split(".")[0] in LIBRARIES]
    assert (code, printed, heavy) == (4, "nothing was due", [])


def test_the_tick_after_an_idle_tick_loads_not_even_the_config(feed_server: FeedServer, tmp_path: Path) -> None:
    url = feed_server.route("/world.xml", body=rss_feed([{"title": "Bridge reopens", "link": "https://e.org/1"}]))
    config = write_config(tmp_path, url)
    tick(config)  # polls the feed
    tick(config)  # finds nothing due, and leaves a note saying until when

    code, printed, loaded = tick(config)

    heavy = [name for name in loaded if name.startswith(("briefing.config", "briefing.store", "pydantic", "yaml"))]
    assert (code, printed, heavy) == (4, "nothing was due", [])


def test_a_feed_added_to_feeds_yaml_is_polled_at_the_next_tick(feed_server: FeedServer, tmp_path: Path) -> None:
    first = feed_server.route("/world.xml", body=rss_feed([{"title": "Bridge reopens", "link": "https://e.org/1"}]))
    added = feed_server.route("/local.xml", body=rss_feed([{"title": "Fair opens", "link": "https://e.org/2"}]))
    config = write_config(tmp_path, first)
    tick(config)
    tick(config)  # idle: leaves a note
    config.write_text(config.read_text(encoding="utf-8") + f"      - url: {added}\n", encoding="utf-8")

    code, printed, _ = tick(config)

    assert (code, printed) == (0, "polled 1 feed")


def test_a_store_written_by_another_command_is_checked_again(feed_server: FeedServer, tmp_path: Path) -> None:
    url = feed_server.route("/world.xml", body=rss_feed([{"title": "Bridge reopens", "link": "https://e.org/1"}]))
    config = write_config(tmp_path, url)
    tick(config)
    tick(config)  # idle: leaves a note
    with open_store_from_settings(load_settings(config)) as store:  # as `briefing feeds` or a poll would
        feed = store.feed(url)
        assert feed is not None
        store.save_feed(replace(feed, next_poll=None))

    code, printed, _ = tick(config)

    assert (code, printed) == (0, "polled 1 feed")
