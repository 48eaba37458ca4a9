"""The review stage: every published bullet is checked, failures are dropped, summaries are cached by content.

Also the store's summary cache, which review reads and writes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from factories import WHEN, article

from briefing.config import GroundingSettings, SummariserSettings
from briefing.errors import GroundingError
from briefing.ground import check_bullet
from briefing.models import Article, Bullet, Cluster, EditionContext, Summary, SummaryStats, Verdict
from briefing.review import Checker, MemoryCache, SummaryCache, cache_key, checked_summaries
from briefing.store import Store
from briefing.summarise import extractive, prompt
from briefing.summarise.sentences import StoryContext

EXTRACTIVE = SummariserSettings()
GROUNDING = GroundingSettings()
CHECK = functools.partial(check_bullet, settings=GROUNDING)


def review(
    clusters: list[Cluster],
    *,
    cache: SummaryCache | None = None,
    checker: Checker = CHECK,
    context: EditionContext | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Summary]:
    """The review stage with the extractive backend and the offline check (or the check a test stands in)."""
    return checked_summaries(
        clusters, EXTRACTIVE, GROUNDING, checker=checker, cache=cache, context=context, progress=progress
    )


@pytest.fixture
def bridge() -> Cluster:
    return Cluster(
        "c-bridge",
        (
            article(
                "a-1",
                "The harbour bridge will close for repairs for six weeks from Monday, the city council said. "
                "Engineers found corrosion in two of the bridge's main steel cables during an inspection in October.",
            ),
            article(
                "a-2",
                "Commuters will be offered a free ferry service while the bridge is closed, the council said. "
                "About 40,000 vehicles cross the bridge on an average weekday, according to council figures.",
                outlet="The Courier",
            ),
        ),
    )


def rejecting(word: str) -> Checker:
    """A stand-in check that rejects bullets containing `word` and supports the rest."""

    def check(bullet: Bullet, cluster: Cluster) -> Verdict:
        if word in bullet.text:
            return Verdict(False, 0.1, (f"{word!r} is not in the sources",))
        return Verdict(True, 0.9)

    return check


# ----------------------------------------------------------------------------------------------- checking


def test_every_extractive_bullet_carries_a_supported_verdict(bridge: Cluster) -> None:
    [summary] = review([bridge])

    assert len(summary.bullets) >= 2
    assert all(b.grounding is not None and b.grounding.supported for b in summary.bullets)
    assert summary.stats.bullets_checked == len(summary.bullets)


def test_a_failing_extractive_bullet_is_dropped_and_the_next_sentence_used(bridge: Cluster) -> None:
    [summary] = review([bridge], checker=rejecting("ferry"))

    assert not any("ferry" in b.text for b in summary.bullets)
    assert (len(summary.bullets), summary.stats.bullets_dropped) == (3, 1)


def test_a_check_that_cannot_run_never_lets_a_bullet_through(bridge: Cluster) -> None:
    def broken(bullet: Bullet, cluster: Cluster) -> Verdict:
        raise GroundingError("the check's model is missing")

    [summary] = review([bridge], checker=broken)

    assert (summary.bullets, summary.stats.bullets_dropped) == ((), 4)


def test_a_story_that_breaks_the_summariser_does_not_take_the_edition_with_it(
    bridge: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = replace(bridge, id="c-broken")
    real = extractive.candidates

    def fragile(cluster: Cluster, limit: int, context: StoryContext | None = None) -> extractive.Candidates:
        if cluster.id == "c-broken":
            raise ValueError("an input nobody foresaw")
        return real(cluster, limit, context)

    monkeypatch.setattr(extractive, "candidates", fragile)

    summaries = review([broken, bridge])

    assert [len(s.bullets) >= 2 for s in summaries] == [False, True]
    assert "an input nobody foresaw" in (summaries[0].stats.fallback_reason or "")


def test_a_huge_story_is_summarised_from_a_bounded_part_of_it() -> None:
    text = " ".join(f"The council approved item {i} of the budget on Monday after a long debate." for i in range(4000))
    huge = Cluster(
        "c-huge", tuple(article(f"a-{n}", text, outlet=f"Outlet {n}", title="Budget " * 500) for n in range(100))
    )

    [summary] = review([huge])

    assert len(summary.bullets) >= 1 and len(summary.headline.split()) <= 26
    assert all(b.grounding is not None and b.grounding.supported for b in summary.bullets)


# -------------------------------------------------------------------------------------------------- caching


def test_the_cache_key_ignores_article_order_but_not_content(bridge: Cluster) -> None:
    reordered = replace(bridge, articles=bridge.articles[::-1])
    edited = replace(
        bridge, articles=(replace(bridge.articles[0], text="Something else entirely."), bridge.articles[1])
    )

    assert cache_key(reordered, EXTRACTIVE, GROUNDING) == cache_key(bridge, EXTRACTIVE, GROUNDING)
    assert cache_key(edited, EXTRACTIVE, GROUNDING) != cache_key(bridge, EXTRACTIVE, GROUNDING)


def test_the_cache_key_changes_with_model_prompt_version_and_check(
    bridge: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm = SummariserSettings(backend="openai", model="model-a")
    key = cache_key(bridge, llm, GROUNDING)
    other_model = cache_key(bridge, llm.model_copy(update={"model": "model-b"}), GROUNDING)
    stricter = cache_key(bridge, llm, GroundingSettings(threshold=0.9))
    semantic = cache_key(bridge, llm, GROUNDING, checker_identity="semantic:all-MiniLM-L6-v2:wordnet")
    monkeypatch.setattr(prompt, "PROMPT_VERSION", "next")

    assert len({key, other_model, stricter, semantic, cache_key(bridge, llm, GROUNDING)}) == 5


def test_a_cached_summary_is_reused_and_marked_cached(bridge: Cluster) -> None:
    cache = MemoryCache()
    [first] = review([bridge], cache=cache)

    [again] = review([bridge], cache=cache, checker=rejecting("bridge"))

    assert (again.bullets, again.stats.cached) == (first.bullets, True)


def test_progress_counts_cached_and_fresh_stories_up_to_the_total(bridge: Cluster) -> None:
    cache, seen = MemoryCache(), []
    review([bridge], cache=cache)
    other = replace(bridge, id="c-other", articles=bridge.articles[:1])

    review([bridge, other], cache=cache, progress=lambda *p: seen.append(p))

    assert seen == [(2, 2)]  # the cached story counts as done before any work starts


def test_the_store_keeps_summaries_across_connections(store: Store) -> None:
    bullet = Bullet("The bridge closes on Monday.", ("a-1",), ("The bridge closes on Monday.",), Verdict(True, 0.9))
    summary = Summary("Bridge closes", (bullet, bullet), "openai", "m", SummaryStats(llm_calls=1, llm_tokens=99))

    store.summary_cache(WHEN).put("key-1", summary)

    assert (store.summary_cache(WHEN).get("key-1"), store.summary_cache(WHEN).get("key-2")) == (summary, None)
    assert store.cached_summaries() == 1


@pytest.mark.parametrize("verdict", [None, Verdict(False, 0.2, ("not in the sources",))], ids=["none", "unsupported"])
def test_a_cached_bullet_without_a_supporting_verdict_is_a_miss(store: Store, verdict: Verdict | None) -> None:
    bullet = Bullet("The bridge closes on Monday.", ("a-1",), grounding=verdict)

    store.cache_summary("key-1", Summary("Bridge closes", (bullet,), "extractive"), WHEN)

    assert store.cached_summary("key-1") is None


# ------------------------------------------------------------------------ bullets a reader trusts (issue 13)

RATE = "The Norvale central bank raised its main interest rate by a quarter point to 4.25% on Tuesday."
RATE_AGAIN = "Norvale's central bank increased its benchmark rate to 4.25 percent, its third increase this year."
INFLATION = "Governor Ana Ruiz said inflation of 3.9% was still too high for the bank's liking."


def _noisy_rate_story() -> Cluster:
    """One fact told twice in other words, one more fact, and every kind of line that is no fact."""
    return Cluster(
        "c-rate",
        (
            article(
                "a-ledger",
                f"{RATE} {INFLATION} "
                "A trader at the exchange in Norvale City during the morning session. "
                "Market Wire's Lena Hart reports from the trading floor. #Markets #MarketWire",
                title="Norvale central bank raises rate to 4.25%",
                outlet="Ledger",
            ),
            article(
                "a-wire",
                f"{RATE_AGAIN} "
                "But the tale of the bank's long fight with prices is far from over. "
                "The rise is not a worry for most households. It is a worry for renters. "
                "Subscribe to our daily markets newsletter for more.",
                title="Norvale lifts benchmark rate",
                outlet="Wire",
            ),
        ),
    )


def test_extractive_bullets_are_the_distinct_facts_and_nothing_else() -> None:
    [summary] = review([_noisy_rate_story()])

    assert [b.text for b in summary.bullets] == [RATE, INFLATION]


def test_every_skipped_candidate_is_counted_by_reason() -> None:
    [summary] = review([_noisy_rate_story()])

    assert summary.stats.rejected == {  # "But the tale ..." follows its lead: joined to it, then a repeat
        "caption": 1,
        "dangling": 1,
        "repeat": 1,
        "setup": 1,
        "signoff": 1,
        "social": 1,
    }


def test_today_in_a_two_day_old_article_is_anchored_to_its_date_and_passes_the_check() -> None:
    story = Cluster(
        "c-pool",
        (article("a-pool", "The city council voted today to close the Eastside swimming pool for the winter."),),
    )
    two_days_later = EditionContext(day=date(2026, 11, 27), timezone="UTC")

    [summary] = review([story], context=two_days_later)

    assert [b.text for b in summary.bullets] == [
        "The city council voted on Wednesday 25 November to close the Eastside swimming pool for the winter."
    ]
    assert summary.bullets[0].grounding is not None and summary.bullets[0].grounding.supported


@pytest.mark.parametrize(
    "quoted",
    [
        '"We voted today to close the Eastside pool for the winter," the mayor said.',
        "'Today is a sad day for every swimmer in the city,' the club's chair said after the vote.",
    ],
)
def test_a_relative_time_inside_a_quotation_is_never_rewritten(quoted: str) -> None:
    story = Cluster(
        "c-pool",
        (article("a-pool", f"{quoted} The city council voted to close the Eastside swimming pool for the winter."),),
    )
    two_days_later = EditionContext(day=date(2026, 11, 27), timezone="UTC")

    [summary] = review([story], context=two_days_later)

    assert ([b.text for b in summary.bullets], summary.stats.rejected) == (
        ["The city council voted to close the Eastside swimming pool for the winter."],
        {"stale_time": 1},
    )


def test_a_relative_time_that_cannot_be_anchored_is_not_used() -> None:
    story = Cluster(
        "c-pool",
        (
            article(
                "a-pool",
                "Swimming clubs protested outside the town hall this week. "
                "The city council voted to close the Eastside swimming pool for the winter.",
            ),
        ),
    )
    two_days_later = EditionContext(day=date(2026, 11, 30), timezone="UTC")  # the next Monday: another week

    [summary] = review([story], context=two_days_later)

    assert ([b.text for b in summary.bullets], summary.stats.rejected) == (
        ["The city council voted to close the Eastside swimming pool for the winter."],
        {"stale_time": 1},
    )


VOTE = "The city council voted to close the Eastside swimming pool for the winter."
PROTEST = "Swimmers protested after the council voted to close the Eastside pool for the winter."


def titled(article_id: str, text: str, title: str, **changes: object) -> Article:
    """An article (`factories.article`) under its own title, with any other field changed."""
    return replace(article(article_id, text), title=title, **changes)  # type: ignore[arg-type]


def test_a_headline_from_a_zone_ahead_of_the_reader_has_its_today_anchored() -> None:
    """Singapore's paper of Wednesday (05:00 +08:00) says "from today"; in Tuesday's edition (UTC) that is
    Wednesday."""
    wednesday_morning_in_singapore = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
    trains = titled(
        "a-trains",
        "Trains and buses return to their usual frequency as offices reopen on Tuesday.",
        "Trains, buses return to full frequency from today",
        published=wednesday_morning_in_singapore,
        published_offset=480,
    )
    tuesday = EditionContext(day=date(2026, 11, 24), timezone="UTC")

    [summary] = review([Cluster("c-trains", (trains,))], context=tuesday)

    assert summary.headline == "Trains, buses return to full frequency from Wednesday 25 November"


def test_a_headline_whose_relative_time_cannot_be_anchored_gives_way_to_another_title() -> None:
    older = titled("a-1", VOTE, "Council to close pool this week")
    newer = titled(
        "a-2", PROTEST, "Swimmers protest as council closes Eastside pool", published=WHEN + timedelta(days=5)
    )
    next_monday = EditionContext(day=date(2026, 11, 30), timezone="UTC")  # "this week" was last week

    [summary] = review([Cluster("c-pool", (older, newer))], context=next_monday)

    assert summary.headline == "Swimmers protest as council closes Eastside pool"


def test_a_headline_never_rewrites_a_speakers_today() -> None:
    """ "We close the pool today", said two days ago: anchoring it inside the quotation would misquote the mayor,
    so another title names the story."""
    quoted = titled("a-1", VOTE, "Mayor: 'We close the pool today'")
    plain = titled("a-2", PROTEST, "Council closes Eastside pool for the winter")
    two_days_later = EditionContext(day=date(2026, 11, 27), timezone="UTC")

    [summary] = review([Cluster("c-pool", (quoted, plain))], context=two_days_later)

    assert summary.headline == "Council closes Eastside pool for the winter"


def test_an_update_does_not_repeat_what_an_earlier_edition_said(bridge: Cluster) -> None:
    said = EditionContext(said={"c-bridge": ("The harbour bridge will shut for six weeks of repairs from Monday.",)})

    [summary] = review([bridge], context=said)

    assert not any("six weeks" in b.text for b in summary.bullets) and summary.bullets


def test_a_line_printed_under_every_story_is_never_a_bullet(bridge: Cluster) -> None:
    helpline = "Anyone worried about their health can talk to a trained nurse at the city clinic line."
    museum = Cluster(
        "c-museum",
        (article("a-museum", f"The city museum will reopen on Saturday after a two-year renovation. {helpline}"),),
    )
    with_line = replace(bridge, articles=(replace(bridge.articles[0], text=bridge.articles[0].text + " " + helpline),))

    summaries = review([with_line, museum])

    assert not any(helpline in b.text for s in summaries for b in s.bullets)
    assert [s.stats.rejected.get("advisory") for s in summaries] == [1, 1]


def test_a_live_page_in_a_story_supplies_no_bullet_and_no_headline(bridge: Cluster) -> None:
    live = article(
        "a-live",
        "The harbour bridge will close for repairs for six weeks from Monday, the city council said.",
        title="Live updates: harbour bridge, storm and council news",
        outlet="Live Desk",
    )
    story = replace(bridge, articles=(live, *bridge.articles))

    [summary] = review([story])

    assert "a-live" not in {s for b in summary.bullets for s in b.sources}
    assert (summary.headline, summary.stats.rejected.get("non_news")) == ("Harbour bridge to close", 1)


def test_a_story_whose_sources_hold_one_fact_gets_one_bullet() -> None:
    story = Cluster(
        "c-one",
        (
            article("a-1", "The museum will reopen on Saturday after a two-year renovation, the city said."),
            article("a-2", "After two years of renovation the museum reopens on Saturday.", outlet="Courier"),
        ),
    )

    [summary] = review([story])

    assert len(summary.bullets) == 1


def test_a_lead_bullet_that_became_the_headline_is_not_printed_again_below_it(bridge: Cluster) -> None:
    asking = tuple(replace(a, title="Is the harbour bridge safe? | Morning Talk") for a in bridge.articles)

    [summary] = review([replace(bridge, articles=asking)])

    assert summary.headline.startswith("The harbour bridge will close for repairs for six weeks from Monday")
    assert summary.bullets and not any(b.text.startswith("The harbour bridge will close") for b in summary.bullets)


def test_a_bullet_that_says_the_news_title_again_gives_way_to_the_next(bridge: Cluster) -> None:
    # the title is the article's first sentence, as many feeds print it
    said = "The harbour bridge will close for repairs for six weeks from Monday, the city council said"
    lead = replace(bridge.articles[0], title=said)

    [summary] = review([replace(bridge, articles=(lead, *bridge.articles[1:]))])

    assert summary.headline == lead.title
    assert len(summary.bullets) >= 2
    assert not any(b.text.startswith("The harbour bridge will close") for b in summary.bullets)


def test_a_lone_bullet_stays_under_the_headline_it_became() -> None:
    story = Cluster("c-one", (article("a-1", "The museum will reopen on Saturday.", title="Will the museum reopen?"),))

    [summary] = review([story])

    assert (summary.headline, [b.text for b in summary.bullets]) == (
        "The museum will reopen on Saturday",
        ["The museum will reopen on Saturday."],
    )
