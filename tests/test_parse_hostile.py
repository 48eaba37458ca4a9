"""`parse_feed` never raises, and nothing it returns can break a later stage; fuzzed with a bounded budget.

Hostile and broken bodies (nested JSON, wrong JSON types, dates in year 1 or 9999 with offsets, double-escaped
HTML) each get articles or a one-line `error`; an item dated at the .NET/Go zero date is polled, clustered and
built into an edition like any other (dated when it was first seen).
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from feedserver import FeedServer, rss_feed
from hypothesis import HealthCheck, given, settings, strategies

from briefing import ingest, pipeline
from briefing.config import FeedSettings, SectionSettings, Settings
from briefing.models import Feed, ParsedFeed
from briefing.parse import parse_feed
from briefing.store import open_store
from briefing.store.sqlite import schema as sqlite_schema

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
FEED = Feed(key="https://feeds.example.org/rss.xml", url="https://feeds.example.org/rss.xml", section="World")
XML = {"Content-Type": "application/rss+xml; charset=utf-8"}
JSON_FEED = "https://jsonfeed.org/version/1.1"


def json_feed(items: object) -> bytes:
    return json.dumps({"version": JSON_FEED, "title": "T", "items": items}).encode()


def json_item(date: str) -> dict[str, str]:
    return {"id": "item-123456", "url": "https://news.example/1", "title": "Dam opens", "date_published": date}


def rss_item(date: str) -> bytes:
    return rss_feed([{"title": "Dam opens", "link": "https://news.example/1", "pubDate": date}])


def atom_entry(date: str) -> bytes:
    return (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>Dam opens</title>'
        f'<id>urn:x:item-123456</id><link href="https://news.example/1"/><updated>{date}</updated></entry></feed>'
    ).encode()


def parse(body: bytes) -> ParsedFeed:
    return parse_feed(body, {}, FEED, NOW)


# ------------------------------------------------------------------------------------------ never raises


@pytest.mark.timeout(60)  # a hang guard, not a timing: a backtracking pattern never returns on this line
def test_a_hostile_line_after_two_no_break_spaces_is_read() -> None:
    """The aggregator pattern (a headline, two no-break spaces, a publisher) once backtracked on capitals."""
    description = "Storm hits the coast&amp;nbsp;&amp;nbsp;" + "A" * 5_000 + "!"
    body = rss_feed([{"title": "Storm", "link": "https://news.example/1", "description": description}])

    (article,) = parse(body).articles
    assert article.text.endswith("A!")


def test_deeply_nested_json_is_a_reason_not_a_crash() -> None:
    body = b'{"version": "' + JSON_FEED.encode() + b'", "items": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"

    assert parse(body).error == "not a feed: JSON nested too deeply"


@pytest.mark.parametrize("items", [5, "many", {"a": 1}, [1, None, "x"], None])
def test_json_feed_with_items_of_the_wrong_type_is_a_reason(items: object) -> None:
    assert parse(json_feed(items)).error == "JSON Feed has no items"


@pytest.mark.parametrize(
    "body",
    [
        json_feed([json_item("0001-01-01T00:00:00+05:00")]),
        json_feed([json_item("9999-12-31T23:59:59-05:00")]),
        rss_item("Mon, 01 Jan 0001 00:00:00 +0000"),
        rss_item("Mon, 01 Jan 0001 00:00:00 +0500"),
        rss_item("Fri, 31 Dec 9999 23:59:59 -0500"),
        atom_entry("0001-01-01T00:00:00+01:00"),
        atom_entry("9999-12-31T23:59:59-01:00"),
    ],
    ids=["json-year-1", "json-year-9999", "rss-year-1", "rss-year-1-offset", "rss-year-9999", "atom-1", "atom-9999"],
)
def test_out_of_range_dates_become_the_time_first_seen(body: bytes) -> None:
    assert [a.published for a in parse(body).articles] == [NOW]


def test_dates_before_feeds_existed_are_treated_as_missing() -> None:
    assert [a.published for a in parse(rss_item("Thu, 01 Jan 1970 00:00:00 +0000")).articles] == [NOW]


# ---------------------------------------------------------------------------------- later stages


def test_an_item_at_the_zero_date_is_polled_and_built_into_an_edition(feed_server: FeedServer, store: object) -> None:
    items = [
        {
            "title": "Dam opens after ten years",
            "link": "https://news.example/1",
            "pubDate": "Mon, 01 Jan 0001 00:00:00 +0000",
            "description": "The new dam on the river opened on Monday after ten years of building, officials said.",
        },
    ]
    url = feed_server.route("/rss.xml", body=rss_feed(items), headers=XML)
    settings_ = Settings(sections=[SectionSettings(name="World", feeds=[FeedSettings(url=url)])])

    ingest.poll(settings_, store, NOW)  # type: ignore[arg-type]
    report = pipeline.build(settings_, store, NOW + timedelta(hours=1), NOW, dry_run=True)  # type: ignore[arg-type]

    assert [s.headline for s in report.edition.stories] == ["Dam opens after ten years"]


# ------------------------------------------------------------------------------------------- fuzzing

_xml_text = strategies.text(alphabet=strategies.characters(blacklist_categories=("Cs",)), max_size=60)
_dates = strategies.one_of(
    strategies.sampled_from(["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "", "not a date", "2026-13-45"]),
    strategies.datetimes().map(lambda d: d.isoformat()),
    _xml_text,
)
_json_values = strategies.recursive(
    strategies.none() | strategies.booleans() | strategies.integers() | strategies.floats() | _xml_text,
    lambda inner: strategies.lists(inner, max_size=4) | strategies.dictionaries(_xml_text, inner, max_size=4),
    max_leaves=12,
)
_json_items = strategies.lists(
    strategies.fixed_dictionaries(
        {},
        optional={
            "id": _json_values,
            "url": _json_values | _xml_text,
            "title": _json_values,
            "content_html": _json_values | _xml_text,
            "date_published": _dates,
            "language": _json_values,
        },
    ),
    max_size=4,
)
_json_bodies = strategies.builds(
    lambda items, title, version: json.dumps({"version": version, "title": title, "items": items}).encode(),
    _json_items | _json_values,
    _json_values,
    strategies.sampled_from([JSON_FEED, "https://jsonfeed.org/version/1", "x"]),
)
_xml_bodies = strategies.builds(
    lambda title, link, date, text: rss_feed(
        [{"title": title, "link": link, "pubDate": date, "description": text, "guid": link}]
    ),
    _xml_text,
    _xml_text,
    _dates | _xml_text,
    _xml_text,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(body=_json_bodies | _xml_bodies | strategies.binary(max_size=300))
def test_fuzzed_bodies_give_articles_or_a_reason_and_dates_a_later_stage_can_use(body: bytes) -> None:
    parsed = parse(body)

    assert isinstance(parsed, ParsedFeed) and (parsed.articles or parsed.error)
    assert not (parsed.error or "").startswith("unreadable feed")  # the last-resort boundary was not needed
    for item in parsed.articles:
        assert datetime(1990, 1, 1, tzinfo=UTC) <= item.published <= NOW
        assert item.published - timedelta(days=3650) < item.published + timedelta(days=3650)


def test_a_zero_date_stored_by_an_older_version_is_healed_when_the_store_opens(tmp_path: Path) -> None:
    path = tmp_path / "briefing.sqlite"
    old = sqlite3.connect(path)  # a database as version 2 of the schema left it, with a zero date stored
    for step in sqlite_schema.MIGRATIONS[:2]:
        old.executescript(step)
    old.execute(
        "INSERT INTO articles (id, url, title, text, outlet, published, first_seen) VALUES ('a-old', 'u', 'Dam opens',"
        " 'Dam opens.', 'Daily', '0001-01-01T00:00:00.000000+00:00', '2026-11-25T06:00:00.000000+00:00')"
    )
    old.execute("PRAGMA user_version = 2")
    old.commit()
    old.close()

    with open_store(path) as store:
        [healed] = store.articles_by_id(["a-old"]).values()

    assert healed.published == healed.first_seen


# ---------------------------------------------------------------------------------- double-escaped HTML

DOUBLE_ESCAPED = {
    "title": "Apple&amp;amp;#8217;s new phone goes on sale",
    "link": "https://news.example/phone",
    "description": "&lt;p&gt;Apple&amp;amp;#8217;s new phone will cost &amp;amp;pound;999 when it goes on sale on "
    "Friday, the company said.&lt;/p&gt;&lt;p&gt;It has a larger screen &amp;amp;amp; a faster chip, and "
    "the battery lasts two days, the company said.&lt;/p&gt;",
}


def test_double_escaped_html_is_stored_decoded() -> None:
    [stored] = parse(rss_feed([DOUBLE_ESCAPED])).articles

    assert stored.text == (
        "Apple’s new phone will cost £999 when it goes on sale on Friday, the company said.\n"
        "It has a larger screen & a faster chip, and the battery lasts two days, the company said."
    )


def test_double_escaped_feeds_keep_their_story_and_its_checked_bullets(feed_server: FeedServer, store: object) -> None:
    url = feed_server.route("/rss.xml", body=rss_feed([DOUBLE_ESCAPED]), headers=XML)
    settings_ = Settings(sections=[SectionSettings(name="World", feeds=[FeedSettings(url=url)])])

    ingest.poll(settings_, store, NOW)  # type: ignore[arg-type]
    edition = pipeline.build(settings_, store, NOW + timedelta(hours=1), NOW, dry_run=True).edition  # type: ignore[arg-type]

    bullets = [b for story in edition.stories for b in story.bullets]
    assert (
        edition.stats.bullets_dropped,
        bool(bullets),
        all(b.grounding and b.grounding.supported for b in bullets),
    ) == (
        0,
        True,
        True,
    )
    assert not any(re.search(r"&#?\w+;", e) for b in bullets for e in b.evidence)
