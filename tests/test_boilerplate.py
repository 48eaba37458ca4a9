"""Per-feed boilerplate: learned from a feed's own items, persisted in the store, removed from title and text."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from briefing.boilerplate import MIN_ITEMS, SpanCounts, learned, site, span_counts
from briefing.models import Article
from briefing.store import Store, open_store

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
CHANNEL = "https://www.example-tv.test/feeds/videos.xml"
PAPER = "https://news.example.org/rss.xml"
BLURB = (
    "Subscribe to Harbour TV for the latest from the coast! Follow us on Pigeonpost: https://pigeon.example/htv "
    "Watch Harbour TV Live every night at 6pm."
)
STORIES = [
    ("Ferry strike ends after nine days", "Ferry crews voted to return to work on Tuesday after a nine-day strike."),
    ("Lighthouse keeper retires at 80", "The keeper of the Gull Point light hands over the lamp after 52 years."),
    ("Storm closes the harbour road", "Waves washed gravel over the harbour road, which stays shut until Friday."),
    ("Council buys two electric buses", "The buses cost 1.2 million and will run the airport route from March."),
]


def video(number: int, title: str, lead: str, feed: str = CHANNEL) -> Article:
    return Article(
        id=f"v-{number}",
        url=f"https://www.example-tv.test/watch?v={number}",
        title=f"{title} | Harbour Tonight",
        text=f"{lead} {BLURB}",
        outlet="Harbour TV",
        published=NOW,
        first_seen=NOW,
        feeds=(feed,),
    )


def channel() -> list[Article]:
    return [video(number, title, lead) for number, (title, lead) in enumerate(STORIES)]


def test_a_blurb_under_every_video_is_removed_and_the_story_stays() -> None:
    counts = SpanCounts()
    counts.add(CHANNEL, channel())
    stripped = counts.model().strip(channel()[0])
    assert (stripped.title, stripped.text) == STORIES[0]


def test_a_sentence_that_occurs_once_is_kept() -> None:
    counts = SpanCounts()
    counts.add(CHANNEL, channel())
    assert [a.text for a in counts.model().strip_all(channel())] == [lead for _, lead in STORIES]


def test_fewer_items_than_the_minimum_teach_nothing() -> None:
    counts = SpanCounts()
    counts.add(CHANNEL, channel()[: MIN_ITEMS - 1])
    assert counts.model().strip(channel()[0]) == channel()[0]


def test_boilerplate_is_learned_per_feed() -> None:
    counts = SpanCounts()
    counts.add(CHANNEL, channel())
    elsewhere = replace(channel()[0], feeds=(PAPER,))
    assert counts.model().strip(elsewhere) == elsewhere


def test_words_other_sites_also_write_are_not_boilerplate() -> None:
    """A phrase one feed repeats is kept when other outlets write it too: it is the story, not the feed."""
    phrase = "after the collapse of the Gull Point sea wall"
    items = [video(i, title, f"{lead} Crews worked {phrase}.") for i, (title, lead) in enumerate(STORIES)]
    counts = SpanCounts()
    counts.add(CHANNEL, items)
    for paper in ("https://one.example.com/rss", "https://two.example.net/rss"):
        counts.add(paper, [replace(items[i], id=f"p-{i}", text=f"Damage {i} {phrase}.") for i in range(3)])
    assert counts.model().strip(items[0]).text == f"{STORIES[0][1]} Crews worked {phrase}."


def test_a_repeated_phrase_inside_a_sentence_stays() -> None:
    """Only whole sentences, or runs reaching the start or end of the text, are removed: the text still reads."""
    inside = "said the chief executive of Harbour Ferries Limited on Monday"
    items = [video(i, t, f"{t} soon, {inside}, as {t.lower()} goes on.") for i, (t, _) in enumerate(STORIES)]
    counts = SpanCounts()
    counts.add(CHANNEL, items)
    assert (
        counts.model().strip(items[0]).text
        == f"{STORIES[0][0]} soon, {inside}, as ferry strike ends after nine days goes on."
    )


def test_a_dateline_opening_every_item_is_removed() -> None:
    items = [
        replace(video(i, t, ""), text=f"May {20 + i}, 2026 {i + 1}:00 PM HARBOUR CITY - {lead}")
        for i, (t, lead) in enumerate(STORIES)
    ]
    counts = SpanCounts()
    counts.add(CHANNEL, items)
    assert counts.model().strip(items[1]).text == STORIES[1][1]


def test_a_title_that_is_all_boilerplate_is_kept_whole_and_said_to_be() -> None:
    """An episode titled with the show's name and a date is all boilerplate: the title stays, and its share
    (which marks it as an episode for the kinds classifier) is 1."""
    episodes = [replace(video(i, "", ""), title=f"Red Alert ({i + 1} June 2026) | Harbour Tonight") for i in range(4)]
    counts = SpanCounts()
    counts.add(CHANNEL, [*episodes, *channel()])
    model = counts.model()
    assert (model.strip(episodes[0]).title, model.title_share(episodes[0])) == (episodes[0].title, 1.0)


def test_a_show_name_in_titles_is_removed() -> None:
    counts = SpanCounts()
    counts.add(CHANNEL, channel())
    assert [a.title for a in counts.model().strip_all(channel())] == [title for title, _ in STORIES]


def test_feeds_of_one_site_share_their_boilerplate() -> None:
    assert (site(CHANNEL), site("https://example-tv.test/other.xml"), site("plain-name")) == (
        "example-tv.test",
        "example-tv.test",
        "plain-name",
    )


def test_learned_state_survives_a_new_process(store_url: str, database_password: str | None) -> None:
    """What one poll counted is in the store: a store opened afresh (another process) gives the same model."""
    with open_store(store_url, password=database_password) as store:
        store.count_spans(CHANNEL, span_counts(channel()), NOW)
    with open_store(store_url, password=database_password) as store:
        model = learned(store.frequent_spans(MIN_ITEMS))
    assert model.strip(channel()[0]).text == STORIES[0][1]


def test_the_stored_model_is_the_one_learned_in_memory(store: Store) -> None:
    store.count_spans(CHANNEL, span_counts(channel()), NOW)
    counts = SpanCounts()
    counts.add(CHANNEL, channel())
    assert learned(store.frequent_spans(MIN_ITEMS)) == counts.model()


def test_counts_add_up_across_polls(store: Store) -> None:
    """Two items now and two later teach what four at once teach."""
    store.count_spans(CHANNEL, span_counts(channel()[:2]), NOW)
    store.count_spans(CHANNEL, span_counts(channel()[2:]), NOW)
    model = learned(store.frequent_spans(MIN_ITEMS))
    assert model.strip(channel()[3]).text == STORIES[3][1]


def test_rare_spans_are_forgotten_after_a_while(store: Store) -> None:
    store.count_spans(CHANNEL, span_counts(channel()), NOW)
    forgotten = store.forget_rare_spans(MIN_ITEMS, NOW.replace(day=26))
    remaining = list(store.frequent_spans(MIN_ITEMS))
    assert (forgotten > 0, len(remaining)) == (True, len([s for s, n in span_counts(channel()).items() if n >= 3]))


def test_one_feeds_model_from_the_store_is_what_the_whole_model_says_of_it(store: Store) -> None:
    """Ingest learns only the polled feed's boilerplate: one query for its spans, not every feed's."""
    store.count_spans(CHANNEL, span_counts(channel()), NOW)
    store.count_spans(PAPER, span_counts([video(9, *STORIES[0], feed=PAPER)]), NOW)
    whole = learned(store.frequent_spans(MIN_ITEMS))
    assert learned(store.frequent_spans(MIN_ITEMS, CHANNEL)).by_feed[CHANNEL] == whole.by_feed[CHANNEL]


def test_a_polls_running_totals_give_each_feed_the_model_its_stored_rows_give(store: Store) -> None:
    """A poll keeps every feed's counts of a span once (`SpanTotals`) instead of reading them again for each
    feed: feed after feed, including a sibling feed of the same site and an outlet repeating a sentence, each
    feed's model is what `learned` finds in the store."""
    from briefing.boilerplate import SpanTotals

    def report(number: int) -> Article:  # another site's item: the story's sentence, no blurb
        title, lead = STORIES[number % len(STORIES)]
        return replace(video(number, title, lead, feed=PAPER), title=title, text=lead)

    sibling = "https://example-tv.test/feeds/news.xml"
    polls = [
        (CHANNEL, channel()[:2]),
        (PAPER, [report(n) for n in range(9, 11)]),
        (sibling, [video(n, *STORIES[n % len(STORIES)], feed=sibling) for n in range(11, 16)]),
        (CHANNEL, channel()[2:]),
        (PAPER, [report(n) for n in range(16, 20)]),
    ]
    totals, models = SpanTotals(), []
    for feed, articles in polls:
        counts = span_counts(articles)
        store.count_spans(feed, counts, NOW)
        totals.add(feed, counts)
        own = store.own_spans(feed, MIN_ITEMS)
        totals.read(store.span_rows(totals.missing(own)))
        running, stored = totals.model(feed, own), learned(store.frequent_spans(MIN_ITEMS, feed))
        models.append((running.by_feed.get(feed), stored.by_feed.get(feed)))
    assert [running for running, _ in models] == [stored for _, stored in models]
    assert [bool(running) for running, _ in models] == [False, False, True, True, False]


def _polls() -> list[tuple[str, list[Article]]]:
    """Feed after feed: a channel in two polls, a sibling feed of its site, another outlet repeating a story."""

    def report(number: int) -> Article:  # another site's item: the story's sentence, no blurb
        title, lead = STORIES[number % len(STORIES)]
        return replace(video(number, title, lead, feed=PAPER), title=title, text=lead)

    sibling = "https://example-tv.test/feeds/news.xml"
    return [
        (CHANNEL, channel()[:2]),
        (PAPER, [report(n) for n in range(9, 11)]),
        (sibling, [video(n, *STORIES[n % len(STORIES)], feed=sibling) for n in range(11, 16)]),
        (CHANNEL, channel()[2:]),
        (PAPER, [report(n) for n in range(16, 20)]),
    ]


def test_a_batch_of_counts_teaches_each_feed_what_counts_written_one_by_one_teach(store: Store) -> None:
    """A poll holds its counts in a batch and learns each feed's boilerplate before counting it (`ingest`):
    each model is the one the counts so far give, and the stored rows afterwards are the same."""
    from briefing.boilerplate import SpanTotals

    totals, reference, models = SpanTotals(), SpanCounts(), []
    with store.transaction(), store.batched_spans():
        for feed, articles in _polls():
            counts = span_counts(articles)
            own = store.own_spans(feed, MIN_ITEMS, adding=counts)
            missing = totals.missing(own)
            totals.read(store.span_rows(missing), missing)
            totals.add(feed, counts)
            store.count_spans(feed, counts, NOW)
            reference.add(feed, articles)
            models.append((totals.model(feed, own).by_feed.get(feed), reference.model().by_feed.get(feed)))
    assert ([running for running, _ in models], learned(store.frequent_spans(MIN_ITEMS))) == (
        [expected for _, expected in models],
        reference.model(),
    )
    assert [bool(running) for running, _ in models] == [False, False, True, True, False]


def test_a_batch_that_fails_writes_none_of_its_counts(store: Store) -> None:
    try:
        with store.transaction(), store.batched_spans():
            store.count_spans(CHANNEL, span_counts(channel()), NOW)
            raise RuntimeError("the poll stopped")
    except RuntimeError:
        pass
    assert list(store.span_rows(list(span_counts(channel())))) == []


def test_a_feed_counted_twice_in_a_batch_keeps_when_each_span_was_last_seen(store: Store) -> None:
    """A batch keeps one time per feed while the feed is counted at one time, and each span's own time once it is
    counted again later (what `forget_rare_spans` goes by)."""
    later = NOW + timedelta(days=40)
    with store.transaction(), store.batched_spans():
        store.count_spans(CHANNEL, Counter({1: 1, 2: 1}), NOW)
        store.count_spans(CHANNEL, Counter({2: 1, 3: 1}), later)
    store.forget_rare_spans(MIN_ITEMS, before=NOW + timedelta(days=1))
    assert sorted(store.span_rows([1, 2, 3])) == [(CHANNEL, 2, 2), (CHANNEL, 3, 1)]
