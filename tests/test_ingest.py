"""`ingest.poll`: configured feeds -> fetched -> parsed -> stored, one feed never stopping another."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from feedserver import FeedServer, rss_feed

from briefing import ingest
from briefing.config import FeedSettings, SectionSettings, Settings
from briefing.models import Feed, FeedOutcome, FetchStatus, ParsedFeed
from briefing.store import Store, open_store

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
XML = {"Content-Type": "application/rss+xml"}
STORY = {"title": "Bridge reopens", "link": "https://news.example.org/a/1", "description": "The bridge reopened."}
OTHER = {"title": "Rail fares rise", "link": "https://news.example.org/a/2", "description": "Fares rise in May."}


def settings(*feeds: FeedSettings) -> Settings:
    return Settings(sections=[SectionSettings(name="World", feeds=list(feeds))])


def test_a_poll_reports_each_feed_and_the_new_article_ids(feed_server: FeedServer, store: Store) -> None:
    world = feed_server.route("/world.xml", body=rss_feed([STORY, OTHER]), headers=XML)
    broken = feed_server.route("/broken.xml", status=500)

    report = ingest.poll(settings(FeedSettings(url=world), FeedSettings(url=broken)), store, NOW, rand=lambda: 1.0)

    assert report.outcomes == (
        FeedOutcome(world, FetchStatus.OK, new_articles=2, articles=2),
        FeedOutcome(broken, FetchStatus.ERROR, error="HTTP 500 Internal Server Error"),
    )
    assert set(store.articles_by_id(report.new_article_ids)) == set(report.new_article_ids)
    assert (report.polled, report.ok, report.failed, report.new_articles) == (2, 1, 1, 2)


def test_only_due_feeds_are_polled(feed_server: FeedServer, store: Store) -> None:
    world = feed_server.route("/world.xml", body=rss_feed([STORY]), headers=XML)
    config = settings(FeedSettings(url=world))
    ingest.poll(config, store, NOW)

    assert ingest.poll(config, store, NOW + timedelta(minutes=10)).polled == 0
    assert feed_server.hits("/world.xml") == 1


def test_the_same_article_through_two_feeds_is_stored_once_and_remembers_both(
    feed_server: FeedServer, store: Store
) -> None:
    world = feed_server.route("/world.xml", body=rss_feed([STORY]), headers=XML)
    tracked = {**STORY, "link": STORY["link"] + "?utm_source=business_rss"}
    business = feed_server.route("/business.xml", body=rss_feed([tracked, OTHER]), headers=XML)

    report = ingest.poll(settings(FeedSettings(url=world), FeedSettings(url=business)), store, NOW)

    assert report.new_articles == 2
    stored = store.articles_by_id(report.new_article_ids)
    bridge = next(a for a in stored.values() if a.title == "Bridge reopens")
    assert set(bridge.feeds) == {world, business}


def test_a_body_that_fails_to_parse_backs_off_and_is_parsed_again_next_time(
    feed_server: FeedServer, store: Store
) -> None:
    page = b"<html><head><title>Maintenance</title></head><body>Back soon</body></html>"
    url = feed_server.route("/world.xml", body=page, headers=XML, etag='"same"')
    config = settings(FeedSettings(url=url))

    ingest.poll(config, store, NOW, rand=lambda: 1.0)

    feed = store.feed(url)
    assert feed is not None
    assert (feed.last_error, feed.consecutive_failures, feed.next_poll) == (
        "an HTML page, not a feed: 'Maintenance'",
        1,
        NOW + timedelta(minutes=30),
    )
    assert (feed.etag, feed.content_hash) == (None, None)  # not kept: the same bytes are fetched and read again
    report = ingest.poll(config, store, NOW + timedelta(minutes=30), rand=lambda: 1.0)
    assert (report.outcomes[0].status, store.feed(url).consecutive_failures) == (FetchStatus.ERROR, 2)  # type: ignore[union-attr]
    assert "if-none-match" not in feed_server.requests("/world.xml")[1].headers


def test_full_text_feeds_store_the_text_of_the_linked_page(feed_server: FeedServer, store: Store) -> None:
    paragraphs = "".join(
        f"<p>Paragraph {i}: engineers inspected every cable of the bridge before it reopened.</p>" for i in range(8)
    )
    page = f"<html><head><title>Bridge</title></head><body><article><h1>Bridge</h1>{paragraphs}</article></body></html>"
    article_url = feed_server.route("/a/1", body=page.encode(), headers={"Content-Type": "text/html; charset=utf-8"})
    url = feed_server.route("/world.xml", body=rss_feed([{**STORY, "link": article_url}]), headers=XML)

    report = ingest.poll(settings(FeedSettings(url=url, full_text=True)), store, NOW)

    [article] = store.articles_by_id(report.new_article_ids).values()
    assert "Paragraph 7: engineers inspected every cable" in article.text
    assert feed_server.hits("/a/1") == 1


def test_progress_is_reported_per_feed(feed_server: FeedServer, store: Store) -> None:
    urls = [feed_server.route(f"/f{i}.xml", body=rss_feed([STORY]), headers=XML) for i in range(3)]
    seen: list[tuple[int, int]] = []

    ingest.poll(settings(*(FeedSettings(url=u) for u in urls)), store, NOW, progress=lambda d, t: seen.append((d, t)))

    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_many_feeds_are_parsed_in_worker_processes_with_the_same_result(feed_server: FeedServer, store: Store) -> None:
    count = 10
    urls = [
        feed_server.route(
            f"/f{i}.xml",
            body=rss_feed([{"title": f"Story {i}", "link": f"https://news.example.org/{i}", "description": "Text."}]),
            headers=XML,
        )
        for i in range(count)
    ]
    feed_server.route("/bad.xml", body=b"<rss", headers=XML)

    report = ingest.poll(
        settings(*(FeedSettings(url=u) for u in urls), FeedSettings(url=feed_server.url("/bad.xml"))),
        store,
        NOW,
        workers=2,  # every body through the workers (by default the first ones are parsed here while they start)
    )

    assert (report.ok, report.failed, report.new_articles) == (count, 1, count)
    assert sorted(a.title for a in store.articles_by_id(report.new_article_ids).values()) == sorted(
        f"Story {i}" for i in range(count)
    )


REAL_NEWS = Path(__file__).parent.parent.parent / "shared" / "data" / "feeds" / "real-news" / "2020-05-31"


def test_a_day_of_real_news_feeds_polls_cleanly_and_then_costs_only_304s(feed_server: FeedServer, store: Store) -> None:
    if not REAL_NEWS.is_dir():
        pytest.skip(f"../shared/data/feeds/real-news is absent ({REAL_NEWS}): no real feeds to serve")
    feed_server.serve_directory(REAL_NEWS, prefix="/news/")
    config = settings(*(FeedSettings(url=feed_server.url(f"/news/{p.name}")) for p in sorted(REAL_NEWS.glob("*.xml"))))
    now = datetime(2020, 5, 31, 18, 0, tzinfo=UTC)

    first = ingest.poll(config, store, now)
    second = ingest.poll(config, store, now + timedelta(hours=1))

    assert (first.failed, first.ok) == (0, first.polled)
    articles = store.articles_by_id(first.new_article_ids).values()
    assert not [a.url for a in articles if "utm_" in a.url or "&amp;" in a.url or "ito=" in a.url]
    assert not [a.title for a in articles if "&#" in a.title or "&amp;" in a.title or "<" in a.title]
    assert all(a.published <= now for a in articles)
    assert (second.not_modified, second.new_articles) == (second.polled, 0)


# ------------------------------------------------------------------------------------------------ resources


def test_each_feed_is_stored_as_it_finishes_while_a_slower_one_is_still_fetching(
    feed_server: FeedServer, store: Store
) -> None:
    release = threading.Event()
    slow = feed_server.route("/slow.xml", body=rss_feed([OTHER]), headers=XML, gate=release)
    fast = feed_server.route("/fast.xml", body=rss_feed([STORY]), headers=XML)
    stored_when_the_first_finished: list[str] = []

    def progress(done: int, total: int) -> None:
        if done == 1:
            everything = store.articles_between(NOW - timedelta(days=1), NOW + timedelta(days=1))
            stored_when_the_first_finished.extend(article.title for article in everything)
            release.set()  # only now may the slow feed answer

    ingest.poll(settings(FeedSettings(url=slow), FeedSettings(url=fast)), store, NOW, progress=progress)

    assert stored_when_the_first_finished == ["Bridge reopens"]


def test_a_feed_being_parsed_never_stops_the_others_from_being_read(
    feed_server: FeedServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    other_answered, other_done = threading.Event(), threading.Event()
    big = feed_server.route("/big.xml", body=rss_feed([STORY]), headers=XML)
    other = feed_server.route("/other.xml", status=500, gate=other_answered)
    real_parse = ingest.parse_feed
    read_while_parsing: list[bool] = []

    def slow_parse(body: bytes, headers: dict[str, str], feed: Feed, now: datetime) -> ParsedFeed:
        other_answered.set()  # the other feed answers only now, while this body is being parsed
        read_while_parsing.append(other_done.wait(timeout=30))  # the deadline only ends a test that would hang
        return real_parse(body, headers, feed, now)

    def progress(done: int, total: int) -> None:
        if done == 1:
            other_done.set()  # the first feed done is the other one, once its answer has been read

    monkeypatch.setattr(ingest, "parse_feed", slow_parse)
    ingest.poll(settings(FeedSettings(url=big), FeedSettings(url=other)), store, NOW, progress=progress)

    assert read_while_parsing == [True]


def test_a_poll_that_ends_in_an_error_keeps_what_it_stored(
    feed_server: FeedServer, store: Store, store_url: str, database_password: str | None
) -> None:
    world = feed_server.route("/world.xml", body=rss_feed([STORY]), headers=XML)

    def progress(done: int, total: int) -> None:
        raise RuntimeError("the terminal went away")

    with pytest.raises(ExceptionGroup):
        ingest.poll(settings(FeedSettings(url=world)), store, NOW, progress=progress)

    with open_store(store_url, password=database_password) as elsewhere:  # another connection: only commits
        stored = [a.title for a in elsewhere.articles_between(NOW - timedelta(days=1), NOW + timedelta(days=1))]
    assert stored == ["Bridge reopens"]


def test_a_feed_that_fails_while_stored_leaves_nothing_behind_and_the_others_are_kept(
    feed_server: FeedServer,
    store: Store,
    store_url: str,
    database_password: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = feed_server.route("/world.xml", body=rss_feed([STORY]), headers=XML)
    rail = feed_server.route("/rail.xml", body=rss_feed([OTHER]), headers=XML)
    save_feed, failed = store.save_feed, []

    def failing_for_rail(feed: Feed) -> None:
        save_feed(feed)
        if feed.key == rail and not failed:  # once, after its articles and its state are written
            failed.append(feed.key)
            raise OSError("disk unplugged")

    monkeypatch.setattr(store, "save_feed", failing_for_rail)
    report = ingest.poll(settings(FeedSettings(url=world), FeedSettings(url=rail)), store, NOW, rand=lambda: 1.0)

    with open_store(store_url, password=database_password) as elsewhere:
        stored = [a.title for a in elsewhere.articles_between(NOW - timedelta(days=1), NOW + timedelta(days=1))]
    assert (stored, report.ok, report.failed) == (["Bridge reopens"], 1, 1)


def test_a_feed_that_fails_while_stored_teaches_no_boilerplate_and_the_others_do(
    feed_server: FeedServer,
    store: Store,
    store_url: str,
    database_password: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The poll holds span counts for its commit group: a feed whose storing fails must not leave its counts
    there (they would be counted again when its items are stored next time)."""
    world = feed_server.route("/world.xml", body=rss_feed([STORY]), headers=XML)
    rail = feed_server.route("/rail.xml", body=rss_feed([OTHER]), headers=XML)
    save_feed, failed = store.save_feed, []

    def failing_for_rail(feed: Feed) -> None:
        save_feed(feed)
        if feed.key == rail and not failed:  # once, while its articles are stored (not when its failure is)
            failed.append(feed.key)
            raise OSError("disk unplugged")

    monkeypatch.setattr(store, "save_feed", failing_for_rail)
    ingest.poll(settings(FeedSettings(url=world), FeedSettings(url=rail)), store, NOW, rand=lambda: 1.0)

    with open_store(store_url, password=database_password) as elsewhere:
        counted = {feed: bool(list(elsewhere.frequent_spans(1, feed))) for feed in (world, rail)}
    assert counted == {world: True, rail: False}


_POLL_KILLED_AFTER_THREE_FEEDS = """
import os, signal, sys
from datetime import UTC, datetime
from pathlib import Path
from briefing import ingest
from briefing.config import load_settings
from briefing.store import open_store_from_settings
ingest.COMMIT_FEEDS = 2  # feeds 1 and 2 share a commit; feed 3 opens the next group
stored = ingest._GroupCommit.stored
def stored_then_killed(group, count=[0]):
    count[0] += 1
    if count[0] == 3:  # feed 3's articles and state are written, its group not committed yet
        os.kill(os.getpid(), signal.SIGKILL)
    stored(group)
ingest._GroupCommit.stored = stored_then_killed
settings = load_settings(Path(sys.argv[1]))
with open_store_from_settings(settings) as store:
    ingest.poll(settings, store, datetime(2026, 11, 25, 6, 0, tzinfo=UTC), workers=0)
"""


def test_a_poll_killed_mid_group_keeps_each_feed_whole_and_the_next_poll_stores_the_rest(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    """Feeds share commits: a process killed with a group open loses that group's feeds whole (their articles
    with their validators), keeps the groups committed before, and the next poll fetches and stores the rest."""
    items = [
        {"title": f"Story {i}", "link": f"https://news.example.org/a/{i}", "description": "Text."} for i in range(5)
    ]
    urls = [
        feed_server.route(f"/f{i}.xml", body=rss_feed([item]), headers=XML, etag=f'"v{i}"')
        for i, item in enumerate(items)
    ]
    config = tmp_path / "feeds.yaml"
    feeds = "".join(f"      - url: {url}\n" for url in urls)  # per_host 1: one feed at a time
    config.write_text(
        f"database: poll.sqlite\npoll:\n  per_host: 1\nsections:\n  - name: World\n    feeds:\n{feeds}",
        encoding="utf-8",
    )
    killed = subprocess.run([sys.executable, "-c", _POLL_KILLED_AFTER_THREE_FEEDS, str(config)], timeout=120)
    with open_store(f"sqlite:///{tmp_path / 'poll.sqlite'}") as store:
        after_kill = sorted((feed.etag is not None, feed.articles) for feed in store.feeds())
    rerun = subprocess.run([sys.executable, "-c", _POLL_WITH_WORKERS.replace("workers=2", "workers=0"), str(config)])
    with open_store(f"sqlite:///{tmp_path / 'poll.sqlite'}") as store:
        after_rerun = sorted((feed.etag is not None, feed.articles) for feed in store.feeds())

    assert (killed.returncode, after_kill) == (-signal.SIGKILL, [(False, 0)] * 3 + [(True, 1)] * 2)
    assert (rerun.returncode, after_rerun) == (0, [(True, 1)] * 5)


_POLL_WITH_WORKERS = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from briefing import ingest
from briefing.config import load_settings
from briefing.store import open_store_from_settings
settings = load_settings(Path(sys.argv[1]))
with open_store_from_settings(settings) as store:
    ingest.poll(settings, store, datetime.now(UTC), workers=2)
"""


def test_parse_workers_exit_when_the_poll_that_started_them_is_killed(feed_server: FeedServer, tmp_path: Path) -> None:
    urls = [feed_server.route(f"/f{i}.xml", body=rss_feed([STORY]), headers=XML) for i in range(4)]
    urls.append(feed_server.route("/hangs.xml", body=rss_feed([OTHER]), headers=XML, delay=3600))
    config = tmp_path / "feeds.yaml"
    feeds = "".join(f"      - url: {url}\n" for url in urls)  # per_host 1: fetched in order, the hanging one last
    config.write_text(f"poll:\n  per_host: 1\nsections:\n  - name: World\n    feeds:\n{feeds}", encoding="utf-8")
    poll = subprocess.Popen([sys.executable, "-c", _POLL_WITH_WORKERS, str(config)])
    workers: list[int] = []
    try:
        assert feed_server.wait_for_request("/hangs.xml")
        workers = _children(poll.pid)
        poll.send_signal(signal.SIGKILL)
        poll.wait()
        still_running = _still_running(workers, within=30)
    finally:
        _kill_all(workers)  # never leave orphans behind, even when the test fails

    assert (bool(workers), still_running) == (True, [])


def _children(parent: int) -> list[int]:
    """The processes whose parent is `parent`, read from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return found


def _still_running(pids: list[int], within: float) -> list[int]:
    """Those of `pids` that have not ended `within` seconds from now (waits on pidfds: no polling, no sleeping)."""
    handles: dict[int, int] = {}
    for pid in pids:
        try:
            handles[os.pidfd_open(pid)] = pid
        except ProcessLookupError:
            continue  # already gone
    deadline = time.monotonic() + within
    try:
        while handles and (left := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select(list(handles), [], [], left)
            for handle in readable:
                os.close(handle)
                del handles[handle]
        return sorted(handles.values())
    finally:
        for handle in handles:
            os.close(handle)


def _kill_all(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
