"""The store, on both backends: every test here runs once on SQLite and once on PostgreSQL (see tests/postgres.py).

What a consumer relies on is the same whichever engine holds the rows: the values that come back, their order,
transactions and savepoints, errors as one-line `StoreError`s, and the instance lock.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from factories import WHEN as NOW
from factories import make_article, make_feed

from briefing.errors import BriefingError, StoreError
from briefing.models import ArticleKind, Run, SendStatus
from briefing.store import Store, open_store
from briefing.store import runs as runs_module
from briefing.store.schema import TABLES

# ------------------------------------------------------------------------------------------- transactions


def test_transaction_rolls_back_everything_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.add_articles("https://example.org/world.xml", [make_article("a-1")])
        raise RuntimeError("boom")
    assert store.articles_by_id(["a-1"]) == {}


def test_a_nested_transaction_rolls_back_only_its_own_work(store: Store) -> None:
    with store.transaction():
        store.add_articles("https://example.org/world.xml", [make_article("a-1")])
        with pytest.raises(RuntimeError), store.transaction():
            store.add_articles("https://example.org/world.xml", [make_article("a-2")])
            raise RuntimeError("boom")
    assert sorted(store.articles_by_id(["a-1", "a-2"])) == ["a-1"]


def test_driver_errors_surface_as_one_line_store_errors_naming_the_store(store: Store) -> None:
    with pytest.raises(StoreError) as raised, store.transaction():
        store.finish_run(store.start_run("poll", NOW), NOW, None, {})  # type: ignore[arg-type]
    message = str(raised.value)
    assert (message.startswith(f"database error in {store.location}: "), "\n" in message) == (True, False)


def test_a_failed_statement_rolls_back_its_transaction_and_the_store_goes_on(store: Store) -> None:
    with pytest.raises(StoreError), store.transaction():
        store.add_articles("https://a.example/rss", [make_article("a-1")])
        store.finish_run(store.start_run("poll", NOW), NOW, None, {})  # type: ignore[arg-type]
    store.add_articles("https://a.example/rss", [make_article("a-2")])
    assert sorted(store.articles_by_id(["a-1", "a-2"])) == ["a-2"]


def test_transaction_yields_nothing_a_caller_could_reach_the_driver_with(store: Store) -> None:
    with store.transaction() as inside:
        assert inside is None


# -------------------------------------------------------------------------------------------------- feeds


def test_feed_round_trips_with_aware_utc_datetimes(store: Store) -> None:
    paris = timezone(timedelta(hours=1))
    feed = make_feed(
        name="Example",
        weight=1.5,
        full_text=True,
        title="Example World News",
        etag='W/"abc"',
        last_modified="Wed, 25 Nov 2026 05:00:00 GMT",
        content_hash="sha256:00ff",
        last_success=NOW,
        last_attempt=datetime(2026, 11, 25, 7, 30, 0, 123456, tzinfo=paris),
        last_error=None,
        consecutive_failures=0,
        next_poll=NOW + timedelta(minutes=30),
    )
    store.save_feed(feed)
    [stored] = store.feeds()
    assert stored == replace(feed, last_attempt=datetime(2026, 11, 25, 6, 30, 0, 123456, tzinfo=UTC))
    assert stored.last_attempt is not None and stored.last_attempt.tzinfo == UTC


def test_sync_feeds_keeps_polling_state_and_takes_config_fields(store: Store) -> None:
    store.sync_feeds([make_feed(name="Old name")])
    store.save_feed(make_feed(name="Old name", etag='"v1"', next_poll=NOW, consecutive_failures=2))
    store.sync_feeds([make_feed(name="New name", section="Business", weight=2.0)])
    [stored] = store.feeds()
    assert stored == make_feed(
        name="New name", section="Business", weight=2.0, etag='"v1"', next_poll=NOW, consecutive_failures=2
    )


def test_save_feed_does_not_overwrite_config_fields(store: Store) -> None:
    store.sync_feeds([make_feed(name="Configured")])
    store.save_feed(make_feed(name="Stale copy", section="Elsewhere", url="https://example.org/moved.xml"))
    [stored] = store.feeds()
    assert (stored.name, stored.section, stored.url) == ("Configured", "World", "https://example.org/moved.xml")


def test_feeds_removed_from_the_config_are_hidden_but_remembered(store: Store) -> None:
    kept, dropped = make_feed("https://a.example/rss"), make_feed("https://b.example/rss")
    store.sync_feeds([kept, dropped])
    store.save_feed(replace(dropped, etag='"x"'))
    store.sync_feeds([kept])
    hidden = [f.key for f in store.feeds()], [f.key for f in store.due_feeds(NOW)]
    store.sync_feeds([kept, dropped])
    assert hidden == (["https://a.example/rss"], ["https://a.example/rss"])
    assert [f.etag for f in store.feeds()] == [None, '"x"']


def test_due_feeds_are_unretired_and_never_polled_or_due(store: Store) -> None:
    store.sync_feeds([make_feed(f"https://{name}.example/rss") for name in ("new", "due", "later", "gone")])
    store.save_feed(make_feed("https://due.example/rss", next_poll=NOW))
    store.save_feed(make_feed("https://later.example/rss", next_poll=NOW + timedelta(seconds=1)))
    store.retire_feed("https://gone.example/rss")
    assert [f.key for f in store.due_feeds(NOW)] == ["https://new.example/rss", "https://due.example/rss"]


def test_has_due_feeds_answers_what_due_feeds_would_list(store: Store) -> None:
    store.sync_feeds([make_feed("https://a.example/rss")])
    store.save_feed(make_feed("https://a.example/rss", next_poll=NOW + timedelta(minutes=5)))
    before = store.has_due_feeds(NOW)
    after = store.has_due_feeds(NOW + timedelta(minutes=5))
    assert (before, after, [f.key for f in store.due_feeds(NOW + timedelta(minutes=5))]) == (
        False,
        True,
        ["https://a.example/rss"],
    )


def test_has_due_feeds_ignores_retired_and_unconfigured_feeds(store: Store) -> None:
    store.sync_feeds([make_feed("https://a.example/rss"), make_feed("https://b.example/rss")])
    store.retire_feed("https://a.example/rss")
    store.sync_feeds([make_feed("https://a.example/rss")])  # b left feeds.yaml
    assert store.has_due_feeds(NOW) is False


def test_save_feeds_writes_every_state_in_one_call(store: Store) -> None:
    keys = ["https://a.example/rss", "https://b.example/rss"]
    store.sync_feeds([make_feed(key) for key in keys])
    store.save_feeds([make_feed(key, etag=f'"{n}"', consecutive_failures=n) for n, key in enumerate(keys)])
    assert [(f.key, f.etag, f.consecutive_failures) for f in store.feeds()] == [
        ("https://a.example/rss", '"0"', 0),
        ("https://b.example/rss", '"1"', 1),
    ]


def test_feeds_can_leave_out_retired_ones(store: Store) -> None:
    store.sync_feeds([make_feed("https://a.example/rss"), make_feed("https://b.example/rss", retired=True)])
    store.save_feed(make_feed("https://b.example/rss", retired=True))
    assert [f.key for f in store.feeds(include_retired=False)] == ["https://a.example/rss"]
    assert [f.retired for f in store.feeds()] == [False, True]


def test_due_feeds_refuses_a_naive_datetime(store: Store) -> None:
    with pytest.raises(StoreError, match="naive datetime"):
        store.due_feeds(datetime(2026, 11, 25, 6, 30))


# ----------------------------------------------------------------------------------------------- articles


def test_article_round_trips_with_its_feeds(store: Store) -> None:
    article = make_article(language="en", guid="urn:x:1", published=NOW - timedelta(hours=1))
    store.add_articles("https://a.example/rss", [article])
    assert store.articles_by_id(["a-1"]) == {"a-1": replace(article, feeds=("https://a.example/rss",))}


def test_an_article_seen_through_two_feeds_is_stored_once_and_remembers_both(store: Store) -> None:
    first = store.add_articles("https://a.example/rss", [make_article(title="First copy")])
    second = store.add_articles("https://b.example/rss", [make_article(title="Second copy")])
    [stored] = store.articles_between(NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    assert (first, second) == (1, 0)
    assert (stored.title, stored.feeds) == ("First copy", ("https://a.example/rss", "https://b.example/rss"))
    assert store.article_count_by_feed() == {"https://a.example/rss": 1, "https://b.example/rss": 1}


def test_add_articles_counts_only_new_ones_even_within_one_batch(store: Store) -> None:
    assert store.add_articles("https://a.example/rss", [make_article("a-1"), make_article("a-1")]) == 1


def test_articles_between_is_half_open_and_ordered_by_published_time(store: Store) -> None:
    hour = timedelta(hours=1)
    store.add_articles(
        "https://a.example/rss",
        [make_article("a-3", NOW + hour), make_article("a-2", NOW), make_article("a-1", NOW - hour)],
    )
    assert [a.id for a in store.articles_between(NOW - hour, NOW + hour)] == ["a-1", "a-2"]


def test_articles_between_compares_instants_across_time_zones(store: Store) -> None:
    new_york = timezone(timedelta(hours=-5))
    store.add_articles("https://a.example/rss", [make_article("a-1", datetime(2026, 11, 25, 1, 0, tzinfo=new_york))])
    found = store.articles_between(NOW - timedelta(minutes=1), NOW + timedelta(minutes=1))
    assert [(a.id, a.published) for a in found] == [("a-1", NOW)]


def test_articles_by_id_handles_many_ids_and_skips_unknown_ones(store: Store) -> None:
    store.add_articles("https://a.example/rss", [make_article(f"a-{n}") for n in range(1200)])
    found = store.articles_by_id([f"a-{n}" for n in range(0, 1300, 2)])
    assert len(found) == 600


def test_stored_article_ids_names_only_the_stored_ones(store: Store) -> None:
    store.add_articles("https://a.example/rss", [make_article("a-1"), make_article("a-3")])
    assert store.stored_article_ids(["a-1", "a-2", "a-3", "a-1"]) == {"a-1", "a-3"}


def test_stored_article_ids_of_nothing_is_empty(store: Store) -> None:
    assert store.stored_article_ids([]) == set()


def test_feeds_report_how_many_articles_they_carried(store: Store) -> None:
    store.sync_feeds([make_feed("https://a.example/rss"), make_feed("https://b.example/rss")])
    store.add_articles("https://a.example/rss", [make_article("a-1"), make_article("a-2")])
    assert [f.articles for f in store.feeds()] == [2, 0]


# --------------------------------------------------------------------------------------------------- runs


def test_runs_log_records_start_finish_status_and_stats(store: Store) -> None:
    run_id = store.start_run("poll", NOW)
    store.finish_run(run_id, NOW + timedelta(seconds=5), "partial", {"feeds": 3, "failed": ["x"]})
    assert store.runs() == [
        Run(run_id, "poll", NOW, NOW + timedelta(seconds=5), "partial", {"feeds": 3, "failed": ["x"]})
    ]


def test_runs_can_be_listed_by_kind_newest_first(store: Store) -> None:
    ids = [store.start_run(kind, NOW) for kind in ("poll", "build", "poll")]
    assert [run.id for run in store.runs("poll")] == [ids[2], ids[0]]
    assert store.runs("build")[0].status == "running"


def test_finish_run_refuses_an_unknown_run(store: Store) -> None:
    with pytest.raises(StoreError, match="no run with id 42"):
        store.finish_run(42, NOW, "ok", {})


def test_an_article_keeps_its_kind(store: Store) -> None:
    live = replace(make_article(), kind=ArticleKind.LIVE)
    store.add_articles("https://example.org/world.xml", [live])
    assert store.articles_by_id([live.id])[live.id].kind is ArticleKind.LIVE


# -------------------------------------------------------------------------------------------------- order


def test_feeds_keep_the_order_they_were_first_configured_in(store: Store) -> None:
    keys = [f"https://{name}.example/rss" for name in ("zulu", "alpha", "Mike", "bravo")]
    store.sync_feeds([make_feed(key) for key in keys])
    store.sync_feeds([make_feed(key) for key in reversed(keys)])  # a later reorder of feeds.yaml moves nothing
    store.save_feed(make_feed("https://new.example/rss"))
    assert [f.key for f in store.feeds()] == [*keys, "https://new.example/rss"]


def test_an_article_lists_its_feeds_in_the_order_they_brought_it(store: Store) -> None:
    for key in ("https://z.example/rss", "https://a.example/rss", "https://M.example/rss"):
        store.add_articles(key, [make_article("a-1")])
    assert store.articles_by_id(["a-1"])["a-1"].feeds == (
        "https://z.example/rss",
        "https://a.example/rss",
        "https://M.example/rss",
    )


def test_ids_order_by_their_bytes_on_every_engine(store: Store) -> None:
    ids = ["a-b", "a_b", "aB", "ab", "B", "a", "é", "Z-1", "z1"]
    store.add_articles("https://a.example/rss", [make_article(i) for i in ids])
    found = store.articles_between(NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    assert [a.id for a in found] == sorted(ids, key=lambda i: i.encode())


def _killed_mid_run(store_url: str, password: str | None, host: str | None = None) -> None:
    """A process that starts a run (as `host`, when given) and is SIGKILLed before it finishes."""
    pretend = f"socket.gethostname = lambda: {host!r}\n" if host else ""
    script = (
        "import datetime, os, signal, socket\n"
        "from briefing.store import open_store\n"
        f"{pretend}"
        f"store = open_store({store_url!r}, password={password!r})\n"
        "store.start_run('poll', datetime.datetime(2026, 11, 25, 6, tzinfo=datetime.UTC))\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    subprocess.run([sys.executable, "-c", script], check=False)


def test_a_run_whose_process_was_killed_is_marked_interrupted_at_the_next_start(
    store_url: str, database_password: str | None
) -> None:
    _killed_mid_run(store_url, database_password)
    with open_store(store_url, password=database_password) as store:
        store.start_run("poll", NOW)
        runs = [(run.status, run.finished, run.stats) for run in store.runs()]
    reason = "the process stopped before the run finished (killed, or the machine went down)"
    assert runs == [("running", None, {}), ("interrupted", None, {"error": reason})]


def test_a_run_of_an_earlier_boot_is_interrupted_even_when_its_pid_lives_again(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runs_module, "boot_id", lambda: "an-earlier-boot")
    store.start_run("poll", NOW)  # this process's pid: alive, as a reused pid would be after a reboot
    monkeypatch.setattr(runs_module, "boot_id", lambda: "this-boot")

    store.start_run("poll", NOW)

    assert [run.status for run in store.runs()] == ["running", "interrupted"]


def test_a_run_started_on_another_host_is_left_to_that_host(store_url: str, database_password: str | None) -> None:
    _killed_mid_run(store_url, database_password, host="another-host.example")  # its pid means nothing here
    with open_store(store_url, password=database_password) as store:
        store.start_run("poll", NOW)
        statuses = [run.status for run in store.runs()]
    assert statuses == ["running", "running"]


def test_a_run_whose_process_still_runs_stays_running(store: Store) -> None:
    first = store.start_run("poll", NOW)  # this very process: alive
    store.start_run("build", NOW)
    assert [run.status for run in store.runs() if run.id == first] == ["running"]


def test_runs_get_increasing_ids(store: Store) -> None:
    ids = [store.start_run("poll", NOW) for _ in range(3)]
    assert (ids == sorted(ids), len(set(ids))) == (True, 3)


# ---------------------------------------------------------------------------------------------- the lock


def test_a_second_holder_of_the_instance_lock_is_refused(store_url: str, database_password: str | None) -> None:
    with (
        open_store(store_url, password=database_password) as first,
        open_store(store_url, password=database_password) as second,
        first.instance_lock(),
        pytest.raises(BriefingError, match="already running the schedule"),
        second.instance_lock(),
    ):
        pass


def test_the_instance_lock_is_free_again_once_released(store_url: str, database_password: str | None) -> None:
    with (
        open_store(store_url, password=database_password) as first,
        open_store(store_url, password=database_password) as second,
    ):
        with first.instance_lock():
            pass
        with second.instance_lock():
            held = True
    assert held


def test_the_store_works_while_it_holds_the_instance_lock(store: Store) -> None:
    with store.instance_lock():
        store.add_articles("https://a.example/rss", [make_article("a-1")])
        assert list(store.articles_by_id(["a-1"])) == ["a-1"]


# ----------------------------------------------------------------------------------------------- stats


def test_stats_count_every_table_and_the_articles_span(store: Store) -> None:
    store.add_articles("https://a.example/rss", [make_article("a-1", NOW - timedelta(days=2)), make_article("a-2")])
    found = store.stats()
    rows = dict.fromkeys(TABLES, 0) | {"articles": 2, "article_feeds": 2}
    assert (found.rows, found.oldest_article, found.newest_article) == (rows, NOW - timedelta(days=2), NOW)
    assert (found.backend, found.location, found.size_bytes > 0) == (store.backend, store.location, True)


# ------------------------------------------------------------------------------------------------ threads


def test_transactions_on_two_threads_do_not_mix(store: Store) -> None:
    """PostgreSQL hands each thread its own pooled connection; SQLite's store belongs to its thread, so only
    the server backend is asked to do this."""
    if store.backend == "sqlite":
        pytest.skip("a SQLite store is used from the thread that opened it")
    entered, release = threading.Event(), threading.Event()

    def other() -> None:
        with store.transaction():
            store.add_articles("https://b.example/rss", [make_article("b-1")])
            entered.set()
            release.wait(10)
            raise RuntimeError("rolled back")

    def guarded() -> None:
        with pytest.raises(RuntimeError):
            other()

    thread = threading.Thread(target=guarded)
    thread.start()
    entered.wait(10)
    store.add_articles("https://a.example/rss", [make_article("a-1")])
    release.set()
    thread.join(10)
    assert sorted(store.articles_by_id(["a-1", "b-1"])) == ["a-1"]


# ------------------------------------------------------------------------------------- the sends ledger


def test_a_claim_takes_only_what_is_not_done_and_counts_a_resend_of_an_interrupted_handover(store: Store) -> None:
    wanted = [(address, f"<{address}>") for address in ("a@example.org", "b@example.org", "c@example.org")]
    store.claim_sends("email", "e-1", wanted, "first run", NOW)
    store.mark_handing_over("email", "e-1", "a@example.org", NOW)
    store.mark_sent("email", "e-1", "a@example.org", NOW)
    store.mark_handing_over("email", "e-1", "b@example.org", NOW)  # the first run dies here

    claimed = store.claim_sends("email", "e-1", wanted, "second run", NOW)

    assert (claimed, store.take_unreported_resends("email", "e-1"), store.take_unreported_resends("email", "e-1")) == (
        {"b@example.org", "c@example.org"},
        ["b@example.org"],
        [],
    )


def test_a_channel_that_cannot_resend_leaves_an_interrupted_handover_maybe_sent(store: Store) -> None:
    store.claim_sends("team-chat", "e-1", [("-", "m")], "first run", NOW)
    store.mark_handing_over("team-chat", "e-1", "-", NOW)

    claimed = store.claim_sends("team-chat", "e-1", [("-", "m")], "second run", NOW, resend_interrupted=False)

    assert (claimed, store.sends("e-1", "team-chat")["-"].status) == (set(), SendStatus.MAYBE_SENT)


def test_an_article_keeps_the_zone_its_date_was_written_in(store: Store) -> None:
    singapore = replace(make_article(), published_offset=480)
    store.add_articles("https://example.org/world.xml", [singapore])
    assert store.articles_by_id([singapore.id])[singapore.id].published_offset == 480
    assert store.articles_by_id([singapore.id], texts=False)[singapore.id].published_offset == 480
