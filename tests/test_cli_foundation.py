"""The foundation commands as a user runs them: init, config check, feeds (health, OPML in and out), poll."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from feedserver import FeedServer, rss_feed

from briefing.cli import app
from briefing.config import feeds_from_settings, load_settings
from briefing.store import open_store_from_settings

NOW = datetime(2026, 11, 25, 6, 30, tzinfo=UTC)


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


# ------------------------------------------------------------------------------------------------------ init


def test_init_writes_a_config_that_config_check_accepts(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    written = run("init", str(folder))
    checked = run("--config", str(folder / "feeds.yaml"), "config", "check")
    assert (written.exit_code, checked.exit_code) == (0, 0)
    assert (folder / "feeds.yaml").read_bytes() == (Path(__file__).parent.parent / "feeds.yaml").read_bytes()
    assert (folder / "templates" / "email.html").is_file()
    assert "valid (15 feeds in 3 sections)" in checked.stderr


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text("mine\n")
    refused = run("init", str(tmp_path))
    assert (refused.exit_code, (tmp_path / "feeds.yaml").read_text()) == (2, "mine\n")
    assert "already exists; pass --force to overwrite it" in refused.stderr
    assert run("init", str(tmp_path), "--force").exit_code == 0
    assert (tmp_path / "feeds.yaml").read_text() != "mine\n"


def test_init_keeps_templates_the_user_already_changed(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "email.html").write_text("my own")
    run("init", str(tmp_path))
    assert (tmp_path / "templates" / "email.html").read_text() == "my own"


# ---------------------------------------------------------------------------------------------- config check


def test_config_check_prints_effective_settings_with_secrets_redacted(tmp_config: Path) -> None:
    result = run("--config", str(tmp_config), "config", "check", env={"OPENAI_API_KEY": "sk-very-secret"})
    assert result.exit_code == 0
    assert "timezone: Europe/London" in result.stdout and "OPENAI_API_KEY: '***'" in result.stdout
    assert "sk-very-secret" not in result.stdout + result.stderr


def test_config_check_says_which_grounding_check_runs_and_why(tmp_config: Path) -> None:
    text = tmp_config.read_text(encoding="utf-8") + "encoder: {source: none}\ngrounding: {wordnet: null}\n"
    tmp_config.write_text(text, encoding="utf-8")
    result = run("--config", str(tmp_config), "config", "check")
    assert (
        result.stderr.splitlines()[-1]
        == "grounding: lexical check; no antonym rule; no encoder: encoder.source is none"
    )


def test_config_check_json_reports_validity_and_settings(tmp_config: Path) -> None:
    result = run("--config", str(tmp_config), "config", "check", "--json", env={"BRIEFING_SMTP_PASSWORD": ""})
    shown = json.loads(result.stdout)
    assert (result.exit_code, shown["valid"], shown["problems"]) == (0, True, [])
    assert shown["settings"]["secrets"]["BRIEFING_SMTP_PASSWORD"] == "(not set)"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("timezone: [", "line 1, column 12: invalid YAML"),
        ("summarizer: {}\nsections: [{name: W, feeds: [{url: 'https://a.example/x'}]}]", "did you mean 'summariser'?"),
        ("sections: [{name: W, feeds: [{url: 'ftp://x'}]}]", "sections[0].feeds[0].url: expected an http(s) URL"),
        ("- a list", "expected a mapping of settings"),
    ],
)
def test_config_check_prints_one_line_per_problem_and_exits_2(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(text)
    result = run("--config", str(path), "config", "check")
    [line] = result.stderr.splitlines()
    assert (result.exit_code, result.stdout) == (2, "")
    assert line.startswith(f"error: {path}: ") and problem in line


def test_config_check_reports_every_problem_at_once(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("timezone: Nowhere/Zone\nsections: [{name: W, feeds: [{url: 'ftp://x'}]}]\nfoo: 1\n")
    result = run("--config", str(path), "config", "check")
    assert (result.exit_code, len(result.stderr.splitlines())) == (2, 3)


def test_config_check_json_lists_problems_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("sections: []\n")
    result = run("--config", str(path), "config", "check", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["problems"] == [
        f"{path}: sections: no feeds configured; expected at least one section with at least one feed url"
    ]


def test_a_missing_config_is_one_line_suggesting_init(tmp_path: Path) -> None:
    result = run("--config", str(tmp_path / "absent.yaml"), "config", "check")
    assert (result.exit_code, result.stderr.count("\n")) == (2, 1)
    assert "run `briefing init`" in result.stderr


# ----------------------------------------------------------------------------------------------------- feeds


def test_feeds_shows_the_health_the_store_recorded(tmp_path: Path) -> None:
    config = tmp_path / "feeds.yaml"
    urls = [f"https://{name}.example/rss" for name in ("ok", "failing", "retired", "new")]
    config.write_text("sections:\n  - name: World\n    feeds:\n" + "".join(f"      - url: {u}\n" for u in urls))
    settings = load_settings(config, environ={})
    with open_store_from_settings(settings) as store:
        store.sync_feeds(feeds_from_settings(settings))
        ok, failing, retired, _ = store.feeds()
        store.save_feed(replace(ok, last_attempt=NOW, last_success=NOW, next_poll=NOW + timedelta(minutes=30)))
        store.save_feed(replace(failing, last_attempt=NOW, last_error="HTTP 500", consecutive_failures=2))
        store.save_feed(replace(retired, last_attempt=NOW, last_error="HTTP 410 Gone", retired=True))
    shown = json.loads(run("--config", str(config), "feeds", "--json").stdout)
    assert [(f["status"], f["last_error"]) for f in shown] == [
        ("ok", None),
        ("failing", "HTTP 500"),
        ("retired", "HTTP 410 Gone"),
        ("never polled", None),
    ]
    assert shown[0]["next_poll"] == "2026-11-25T07:00:00+00:00"
    table = run("--config", str(config), "feeds").stdout
    assert all(word in table for word in ("ok", "failing", "retired", "never polled"))


def test_feeds_export_then_import_opml_round_trips_the_feed_list(tmp_path: Path) -> None:
    source = Path(__file__).parent.parent / "feeds.yaml"
    exported = run("--config", str(source), "feeds", "export-opml")
    opml = tmp_path / "feeds.opml"
    opml.write_bytes(exported.stdout_bytes)
    target = tmp_path / "feeds.yaml"
    target.write_text("timezone: UTC\n")
    imported = run("--config", str(target), "feeds", "import-opml", str(opml))
    assert (exported.exit_code, imported.exit_code) == (0, 0)
    assert "added 15 feeds" in imported.stdout
    before = feeds_from_settings(load_settings(source, environ={}))
    after = feeds_from_settings(load_settings(target, environ={}))
    assert [(f.section, f.key, f.name) for f in after] == [(f.section, f.key, f.name) for f in before]


def test_feeds_import_opml_into_one_section_reports_skips(tmp_config: Path, tmp_path: Path) -> None:
    opml = tmp_path / "list.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline text="X" xmlUrl="http://127.0.0.1:8000/world.xml"/>'
        '<outline text="Y" xmlUrl="https://y.example/rss"/></body></opml>'
    )
    result = run("--config", str(tmp_config), "feeds", "import-opml", str(opml), "--section", "Tech")
    assert result.stdout.startswith(f"added 1 feed to {tmp_config}: Tech (1)")
    assert "skipped http://127.0.0.1:8000/world.xml: already in the config" in result.stderr
    assert [s.name for s in load_settings(tmp_config, environ={}).sections] == ["World", "Tech"]


def test_feeds_import_opml_refuses_a_file_that_is_not_opml(tmp_config: Path, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<html><body>nope</body></html>")
    result = run("--config", str(tmp_config), "feeds", "import-opml", str(page))
    assert (result.exit_code, result.stderr.count("\n")) == (2, 1)


def test_feeds_export_opml_writes_a_file(tmp_config: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.opml"
    assert run("--config", str(tmp_config), "feeds", "export-opml", str(target)).exit_code == 0
    assert b'xmlUrl="http://127.0.0.1:8000/world.xml"' in target.read_bytes()


# ------------------------------------------------------------------------------------------------------ poll


def test_poll_stores_new_articles_and_exits_3_when_a_feed_fails(tmp_path: Path, feed_server: FeedServer) -> None:
    items = [
        {"title": f"Story {n}", "link": f"https://example.org/{n}", "guid": f"g-{n}", "description": "Text."}
        for n in range(3)
    ]
    good = feed_server.route("/good.xml", body=rss_feed(items), headers={"Content-Type": "application/rss+xml"})
    bad = feed_server.route("/bad.xml", status=500, body=b"oops")
    config = tmp_path / "feeds.yaml"
    config.write_text(f"sections:\n  - name: World\n    feeds:\n      - url: {good}\n      - url: {bad}\n")
    result = run("--config", str(config), "poll", "--json")
    summary = json.loads(result.stdout)
    assert result.exit_code == 3
    assert {k: summary[k] for k in ("feeds", "ok", "failed", "new_articles")} == {
        "feeds": 2,
        "ok": 1,
        "failed": 1,
        "new_articles": 3,
    }
    assert [f["key"] for f in summary["failures"]] == [bad]
    with open_store_from_settings(load_settings(config, environ={})) as store:
        [logged] = store.runs("poll")
    assert (logged.status, logged.stats["new_articles"], logged.finished is not None) == ("partial", 3, True)


def test_poll_prints_a_summary_table(tmp_path: Path, feed_server: FeedServer) -> None:
    item = {"title": "Ministers meet", "link": "https://example.org/t", "description": "Ministers met on Monday."}
    good = feed_server.route("/good.xml", body=rss_feed([item]))
    config = tmp_path / "feeds.yaml"
    config.write_text(f"sections:\n  - name: World\n    feeds:\n      - url: {good}\n")
    result = run("--config", str(config), "poll")
    again = run("--config", str(config), "poll")
    assert (result.exit_code, again.exit_code) == (0, 0)
    assert again.stdout.startswith("0 feeds polled") and "no feed was due; the next is due at" in again.stderr
    rows = [line.strip("│ ").split() for line in result.stdout.splitlines() if "│" in line]
    assert result.stdout.startswith("1 feed polled")
    assert [(" ".join(row[:-1]).strip(" │"), row[-1]) for row in rows] == [
        ("new content", "1"),
        ("304 not modified", "0"),
        ("unchanged body", "0"),
        ("failed", "0"),
        ("new articles", "1"),
    ]


def served_feeds(feed_server: FeedServer, tmp_path: Path, *paths: str) -> Path:
    """A config with one unnamed feed per path, each serving one item with its own title."""
    urls = []
    for path in paths:
        item = {"title": f"News from {path}", "link": f"https://example.org/{path}", "description": "Text."}
        body = rss_feed([item], title=f"The {path.title()} Times")
        urls.append(feed_server.route(f"/{path}.xml", body=body, headers={"Content-Type": "application/rss+xml"}))
    config = tmp_path / "feeds.yaml"
    config.write_text("sections:\n  - name: World\n    feeds:\n" + "".join(f"      - url: {u}\n" for u in urls))
    return config


def test_poll_now_polls_feeds_that_are_not_due(tmp_path: Path, feed_server: FeedServer) -> None:
    config = served_feeds(feed_server, tmp_path, "harbour", "ledger")
    run("--config", str(config), "poll")
    polled = [
        json.loads(run("--config", str(config), "poll", *args, "--json").stdout)["feeds"]
        for args in ([], ["--now"], ["--feed", "the ledger times"], ["--feed", feed_server.url("/harbour.xml")])
    ]
    assert (polled, feed_server.hits("/harbour.xml"), feed_server.hits("/ledger.xml")) == ([0, 2, 1, 1], 3, 3)


def test_poll_feed_that_names_no_feed_is_a_usage_error(tmp_path: Path, feed_server: FeedServer) -> None:
    config = served_feeds(feed_server, tmp_path, "harbour")
    result = run("--config", str(config), "poll", "--feed", "Nowhere")
    assert (result.exit_code, result.stderr.splitlines()[0]) == (
        2,
        "error: --feed: no configured feed has the URL or name 'Nowhere'",
    )
    assert feed_server.hits("/harbour.xml") == 0


def test_a_failing_feed_is_reported_on_one_line(tmp_path: Path, feed_server: FeedServer) -> None:
    bad = feed_server.route("/bad.xml", status=500, body=b"oops")
    config = tmp_path / "feeds.yaml"
    config.write_text(f"sections:\n  - name: World\n    feeds:\n      - url: {bad}\n")
    result = run("--config", str(config), "poll")
    assert (result.exit_code, [line for line in result.stderr.splitlines() if bad in line]) == (
        3,
        [f"warning: feed {bad} failed: HTTP 500 Internal Server Error"],
    )


def test_feeds_tells_unnamed_feeds_apart_before_and_after_the_first_poll(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    config = served_feeds(feed_server, tmp_path, "harbour", "ledger")
    before = run("--config", str(config), "feeds").stdout
    run("--config", str(config), "poll")
    after = run("--config", str(config), "feeds").stdout
    addresses = [feed_server.url(f"/{name}.xml").split("://")[1] for name in ("harbour", "ledger")]
    assert all(address in before for address in addresses)  # not the host alone, alike for both
    assert "The Harbour Times" in after and "The Ledger Times" in after


def test_export_opml_labels_unnamed_feeds_with_the_titles_the_store_learnt(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    config = served_feeds(feed_server, tmp_path, "harbour")
    run("--config", str(config), "poll")
    exported = run("--config", str(config), "feeds", "export-opml").stdout
    assert 'text="The Harbour Times" title="The Harbour Times"' in exported


def test_tables_keep_whole_values_when_not_in_a_terminal(tmp_path: Path) -> None:
    long_address = "alice.with.a.rather.long.address@newsroom.example.org"
    config = tmp_path / "feeds.yaml"
    config.write_text(
        "sections: [{name: World, feeds: [{url: 'https://a.example/rss'}]}]\n"
        f"email: {{subscribers: [{{email: {long_address}, name: Alice Example-Longname}}]}}\n"
    )
    result = run("--config", str(config), "subscribers", env={"COLUMNS": "80"})
    assert long_address in result.stdout and "Alice Example-Longname" in result.stdout
