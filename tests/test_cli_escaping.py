"""Untrusted text printed by the CLI is shown as written, never read as rich markup.

Feed titles, pages served where a feed should be, error messages, config values and subscriber names all
reach the terminal; `[/]` or `[/red]` in any of them once made a command crash after its work was done.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner, Result
from feedserver import FeedServer, rss_feed

from briefing.cli import app
from briefing.config import feeds_from_settings, load_settings
from briefing.store import open_store_from_settings

HOSTILE = "Evil [/] feed [/red] [bold]"


def shown(output: str) -> bool:
    """Every piece of HOSTILE is in the output as written (table cells may wrap it across lines)."""
    return all(piece in output for piece in HOSTILE.split())


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def config(tmp_path: Path, url: str = "http://127.0.0.1:9/rss.xml", section: str = "World", extra: str = "") -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(f'sections:\n  - name: "{section}"\n    feeds:\n      - url: "{url}"\n{extra}', encoding="utf-8")
    return path


def test_feeds_shows_a_feed_title_with_markup_as_written(tmp_path: Path) -> None:
    path = config(tmp_path)
    settings = load_settings(path)
    with open_store_from_settings(settings) as store:
        store.sync_feeds(feeds_from_settings(settings))
        [feed] = store.feeds()
        store.save_feed(replace(feed, title=HOSTILE, last_error=HOSTILE, consecutive_failures=1))

    result = run("--config", str(path), "feeds")

    assert (result.exit_code, shown(result.stdout)) == (0, True)


def test_poll_reports_an_html_page_title_with_markup_as_written(tmp_path: Path, feed_server: FeedServer) -> None:
    page = b"<!DOCTYPE html><html><head><title>[/red] closed</title></head><body>Closed</body></html>"
    url = feed_server.route("/rss.xml", body=page, headers={"Content-Type": "application/xml"})

    result = run("--config", str(config(tmp_path, url)), "poll")

    assert (result.exit_code, "'[/red] closed'" in result.stderr) == (3, True)


def test_config_check_reports_a_value_with_markup_as_written(tmp_path: Path) -> None:
    result = run("--config", str(config(tmp_path, extra='timezone: "[/red]"\n')), "config", "check")

    assert (result.exit_code, result.stderr.count("\n"), "got '[/red]'" in result.stderr) == (2, 1, True)


def test_config_check_prints_a_section_name_with_markup_as_written(tmp_path: Path) -> None:
    result = run("--config", str(config(tmp_path, section=HOSTILE)), "config", "check")

    assert (result.exit_code, HOSTILE in result.stdout) == (0, True)


def test_run_shows_a_section_name_with_markup_as_written(tmp_path: Path, feed_server: FeedServer) -> None:
    item = {
        "title": "Dam opens",
        "link": "https://news.example/1",
        "description": "The dam opened on Monday after ten years of work, officials said.",
        "pubDate": "Wed, 25 Nov 2026 05:00:00 +0000",
    }
    url = feed_server.route("/rss.xml", body=rss_feed([item]), headers={"Content-Type": "application/rss+xml"})

    result = run("--config", str(config(tmp_path, url, section=HOSTILE)), "run", "--at", "2026-11-25T06:30:00+00:00")

    assert (result.exit_code, shown(result.stdout)) == (0, True)


def test_subscribers_shows_a_name_with_markup_as_written(tmp_path: Path) -> None:
    extra = f'email:\n  subscribers:\n    - {{email: eve@example.org, name: "{HOSTILE}"}}\n'

    result = run("--config", str(config(tmp_path, extra=extra)), "subscribers")

    assert (result.exit_code, shown(result.stdout)) == (0, True)
