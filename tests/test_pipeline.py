"""The whole job, end to end: the offline demo, a day of real news served over HTTP, and rebuilds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from feedserver import FeedServer

from briefing.cli import app

REAL_NEWS = Path(__file__).resolve().parents[2] / "shared" / "data" / "feeds" / "real-news"
CONTRACT_FILES = ("briefing.json", "briefing.md", "email.html", "email.txt")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    result = invoke("demo", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_demo_writes_every_contract_file(demo_out: Path) -> None:
    edition = demo_out / "editions" / "2026-11-25"
    assert sorted(p.name for p in edition.iterdir() if p.is_file()) == sorted(CONTRACT_FILES)
    assert {"index.html", "archive.html", "feed.xml", "feed.json"} <= {p.name for p in (demo_out / "site").iterdir()}


def test_demo_groups_the_same_story_from_several_outlets(demo_out: Path) -> None:
    edition = json.loads((demo_out / "editions" / "2026-11-25" / "briefing.json").read_text())
    stories = [story for section in edition["sections"] for story in section["stories"]]
    storm = next(story for story in stories if "Elin" in story["headline"])
    assert {a["outlet"] for a in storm["articles"]} == {"The Harbour Times", "Northern Ledger", "Daily Meridian"}
    assert all(b["grounding"]["supported"] for story in stories for b in story["bullets"])


def test_demo_runs_again_with_identical_bytes(demo_out: Path, tmp_path: Path) -> None:
    assert invoke("demo", "--out", str(tmp_path)).exit_code == 0
    assert tree(tmp_path) == tree(demo_out)


def test_the_committed_demo_edition_is_current(demo_out: Path) -> None:
    committed = Path(__file__).resolve().parents[1] / "outputs" / "demo"
    assert tree(committed) == tree(demo_out), "outputs/demo is stale: regenerate it with `briefing demo`"


def _real_news_config(server: FeedServer, day: str, folder: Path) -> Path:
    files = sorted((REAL_NEWS / day).glob("*.xml"))
    feeds = "\n".join(f"      - url: {server.url('/news/' + f.name)}" for f in files)
    config = folder / "feeds.yaml"
    config.write_text(
        "timezone: UTC\nlookback_hours: 48\nsections:\n  - name: News\n    feeds:\n" + feeds + "\n", encoding="utf-8"
    )
    return config


def _about_protests(title: str) -> bool:
    return "Floyd" in title or "protest" in title.lower()


@pytest.mark.slow
def test_run_on_a_day_of_real_news(feed_server: FeedServer, tmp_path: Path) -> None:
    if not REAL_NEWS.is_dir():
        pytest.skip("../shared/data/feeds/real-news is absent: the real-news end-to-end test needs it")
    feed_server.serve_directory(REAL_NEWS / "2020-05-31", prefix="/news/")
    config = _real_news_config(feed_server, "2020-05-31", tmp_path)
    result = invoke("--config", str(config), "run", "--at", "2020-05-31T23:00:00+00:00")
    assert result.exit_code in (0, 3), result.output
    edition = json.loads((tmp_path / "outputs" / "editions" / "2020-05-31" / "briefing.json").read_text())
    stories = [story for section in edition["sections"] for story in section["stories"]]
    assert len(stories) >= 5
    protests = [
        s for s in stories if any("Floyd" in a["title"] or "protest" in a["title"].lower() for a in s["articles"])
    ]
    # Two outlets, not more: the day's protests split into pieces under the bar chosen for precision (the known
    # gap tests/test_cluster_real_news.py marks on the whole protests story).
    assert max(len({a["outlet"] for a in s["articles"]}) for s in protests) >= 2
    assert edition["stats"]["feeds"] == len(list((REAL_NEWS / "2020-05-31").glob("*.xml")))


def test_rebuild_with_no_new_input_rewrites_identical_bytes(tmp_path: Path) -> None:
    from briefing.demo import serve_demo_feeds, write_demo_config

    with serve_demo_feeds() as site:
        config = write_demo_config(site, tmp_path / "work", tmp_path / "out")
        assert invoke("--config", str(config), "run", "--at", "2026-11-25T06:30:00+00:00").exit_code == 0
        before = {p: p.stat().st_mtime_ns for p in (tmp_path / "out").rglob("*") if p.is_file()}
        result = invoke("--config", str(config), "build", "--at", "2026-11-25T06:30:00+00:00")
    assert result.exit_code == 0, result.output
    assert "0 files written" in result.output
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "out").rglob("*") if p.is_file()} == before


def test_next_edition_reports_only_what_is_new(tmp_path: Path) -> None:
    from briefing.demo import serve_demo_feeds, write_demo_config

    with serve_demo_feeds() as site:
        config = write_demo_config(site, tmp_path / "work", tmp_path / "out")
        assert invoke("--config", str(config), "run", "--at", "2026-11-25T06:30:00+00:00").exit_code == 0
        result = invoke("--config", str(config), "build", "--at", "2026-11-26T06:30:00+00:00")
    assert result.exit_code == 0, result.output
    nothing_new = json.loads((tmp_path / "out" / "editions" / "2026-11-26" / "briefing.json").read_text())
    assert nothing_new["sections"] == []


def test_run_with_every_feed_failing_builds_an_empty_edition_and_emails_no_one(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    from smtpserver import SmtpServer

    feed_server.route("/down.xml", status=500)
    with SmtpServer() as smtp:
        config = tmp_path / "feeds.yaml"
        config.write_text(
            f"""\
sections:
  - name: World
    feeds: [{{url: "{feed_server.url("/down.xml")}"}}]
email:
  enabled: true
  smtp: {{host: 127.0.0.1, port: {smtp.port}, security: none}}
  subscribers: [{{email: reader@example.org}}]
""",
            encoding="utf-8",
        )
        result = invoke("--config", str(config), "run", "--at", "2026-11-25T06:30:00+00:00")
    assert result.exit_code == 3, result.output
    assert (
        json.loads((tmp_path / "outputs" / "editions" / "2026-11-25" / "briefing.json").read_text())["sections"] == []
    )
    assert smtp.messages == []


def test_run_exits_3_while_a_feed_is_failing_even_when_it_was_not_due_this_time(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    feed_server.route("/down.xml", status=500)
    config = tmp_path / "feeds.yaml"
    config.write_text(f'sections:\n  - name: World\n    feeds: [{{url: "{feed_server.url("/down.xml")}"}}]\n')
    assert invoke("--config", str(config), "run", "--at", "2026-11-25T06:30:00+00:00").exit_code == 3

    again = invoke("--config", str(config), "run", "--at", "2026-11-25T06:31:00+00:00")  # backing off: not polled

    assert (again.exit_code, "polled 0 feeds") == (3, again.output.splitlines()[0][:14])


# ------------------------------------------------------------------- sent editions and publishing (issue 18)


def rss(*items: tuple[str, str, str]) -> bytes:
    """An RSS 2.0 feed of (slug, title, text) items, all published at 05:00 UTC on 25 November 2026."""
    entries = "".join(
        f"<item><title>{title}</title><link>https://news.example/{slug}</link><guid>{slug}</guid>"
        f"<pubDate>Wed, 25 Nov 2026 05:00:00 +0000</pubDate><description>{text}</description></item>"
        for slug, title, text in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{entries}</channel></rss>'.encode()


BRIDGE = (
    "bridge",
    "Harbour bridge closes for repairs",
    "The harbour bridge will close for three weeks of repairs starting on Monday, the city council said. "
    "Engineers found corrosion in two of the main cables during an inspection last month. "
    "Ferries will run every ten minutes while the bridge is shut, the council added.",
)
ORCHARD = (
    "orchard",
    "Apple harvest breaks county record",
    "Growers in the valley picked more apples this autumn than in any year since records began in 1950. "
    "A warm spring and steady summer rain gave the orchards an unusually large crop, the growers' association said. "
    "Prices at the farm gate fell by a fifth as a result, according to the association.",
)


def email_config(folder: Path, feeds: list[str], smtp_port: int) -> Path:
    config = folder / "feeds.yaml"
    urls = "".join(f'\n      - url: "{url}"' for url in feeds)
    config.write_text(
        f"""\
timezone: UTC
sections:
  - name: World
    feeds:{urls}
email:
  enabled: true
  smtp: {{host: 127.0.0.1, port: {smtp_port}, security: none}}
  subscribers: [{{email: reader@example.org}}]
""",
        encoding="utf-8",
    )
    return config


def headlines(folder: Path, edition_id: str) -> list[str]:
    data = json.loads((folder / "outputs" / "editions" / edition_id / "briefing.json").read_text())
    return [story["headline"] for section in data["sections"] for story in section["stories"]]


def test_rebuild_of_a_sent_edition_keeps_what_was_sent_and_new_stories_go_to_the_next(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    from smtpserver import SmtpServer

    first_feed = feed_server.route("/first.xml", body=rss(BRIDGE), headers={"Content-Type": "application/rss+xml"})
    late_feed = feed_server.route("/late.xml", body=rss(ORCHARD), headers={"Content-Type": "application/rss+xml"})
    with SmtpServer() as smtp:
        config = email_config(tmp_path, [first_feed], smtp.port)
        assert invoke("--config", str(config), "run", "--at", "2026-11-25T06:30:00+00:00").exit_code == 0
        sent = headlines(tmp_path, "2026-11-25")
        email_config(tmp_path, [first_feed, late_feed], smtp.port)  # a late feed brings a story from the window
        rebuilt = invoke("--config", str(config), "run", "--at", "2026-11-25T06:30:00+00:00")
        invoke("--config", str(config), "build", "--at", "2026-11-26T06:30:00+00:00")

    assert (rebuilt.exit_code, headlines(tmp_path, "2026-11-25"), len(smtp.messages)) == (0, sent, 1)
    assert [h for h in headlines(tmp_path, "2026-11-26") if "pple" in h] != []


# ----------------------------------------------------------------------- publishing a site can trust (#15)


def site_files(out: Path) -> dict[str, bytes]:
    return {name: (out / "site" / name).read_bytes() for name in ("index.html", "feed.xml", "feed.json")}


def test_an_empty_edition_leaves_the_front_page_and_feeds_as_they_were(tmp_path: Path) -> None:
    from briefing.demo import serve_demo_feeds, write_demo_config

    with serve_demo_feeds() as site:
        config = write_demo_config(site, tmp_path / "work", tmp_path / "out")
        assert invoke("--config", str(config), "run", "--at", "2026-11-25T06:30:00+00:00").exit_code == 0
        before = site_files(tmp_path / "out")
        result = invoke("--config", str(config), "build", "--at", "2026-11-26T06:30:00+00:00")

    archive = (tmp_path / "out" / "site" / "archive.html").read_text()
    assert (result.exit_code, site_files(tmp_path / "out")) == (0, before)
    assert "2026-11-26.html" in archive and "no new stories" in archive


def test_dry_run_leaves_no_address_or_token_under_outputs(tmp_path: Path) -> None:
    from briefing.demo import serve_demo_feeds, write_demo_config

    with serve_demo_feeds() as site:
        config = write_demo_config(site, tmp_path / "work", tmp_path / "out")
        with config.open("a", encoding="utf-8") as file:
            file.write(
                "email:\n  subscribers: [{email: private.reader@example.org}]\n"
                '  unsubscribe_url: "https://example.org/u?token={token}"\n'
            )
        runner = CliRunner(env={"BRIEFING_UNSUBSCRIBE_SECRET": "s3cret-for-tokens"})
        built = runner.invoke(app, ["--config", str(config), "run", "--at", "2026-11-25T06:30:00+00:00"])
        dry = runner.invoke(app, ["--config", str(config), "send", "--dry-run"])

    from briefing.deliver.tokens import unsubscribe_token

    token = unsubscribe_token("private.reader@example.org", "s3cret-for-tokens")
    leaked = [
        p
        for p in (tmp_path / "out").rglob("*")
        if p.is_file() and (b"private.reader" in p.read_bytes() or token.encode() in p.read_bytes())
    ]
    assert (built.exit_code, dry.exit_code, "dry run: wrote 1 messages" in dry.output, leaked) == (0, 0, True, [])


LABELS = REAL_NEWS.parents[1] / "eval" / "real-stories-dev.jsonl"


def _labels_by_url() -> dict[str, dict[str, str]]:
    lines = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {line["url"]: line for line in lines}


@pytest.mark.slow
def test_a_real_day_gives_stories_that_mix_no_events_and_are_led_by_news(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    """Polled from a local server and built as a user would, checked against the dev labels of that day: no story
    holds articles of two unrelated events, and no story is led by a live blog, digest, episode or listing."""
    if not REAL_NEWS.is_dir() or not LABELS.is_file():
        pytest.skip("../shared/data (real-news feeds and eval/real-stories-dev.jsonl) is absent: this test needs it")
    feed_server.serve_directory(REAL_NEWS / "2020-06-01", prefix="/news/")
    config = _real_news_config(feed_server, "2020-06-01", tmp_path)
    config.write_text(config.read_text() + "rank:\n  max_stories: 60\n  max_per_section: 60\n", encoding="utf-8")
    result = invoke("--config", str(config), "run", "--at", "2020-06-01T23:00:00+00:00")
    assert result.exit_code in (0, 3), result.output
    edition = json.loads((tmp_path / "outputs" / "editions" / "2020-06-01" / "briefing.json").read_text())
    labels = _labels_by_url()
    stories = [
        [labels[a["url"]] for a in s["articles"] if a["url"] in labels]
        for sec in edition["sections"]
        for s in sec["stories"]
    ]
    mixed = [[line["title"] for line in story] for story in stories if len({line["event"] for line in story}) > 1]
    led_by_non_news = [story[0]["title"] for story in stories if story and story[0]["kind"] in NON_NEWS]
    assert (len(stories) >= 30, mixed, led_by_non_news) == (True, [], [])


NON_NEWS = {"live", "roundup", "promo", "other"}
