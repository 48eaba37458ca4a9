"""What an edition contains: its slot and id, its window, and only what is new since the last one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from briefing.config import EditionSettings
from briefing.edition import (
    Window,
    assemble,
    said_before,
    same_content,
    select_new,
    slot_for,
    stats_for,
    window_for,
)
from briefing.models import (
    Article,
    Bullet,
    Cluster,
    Edition,
    RankedCluster,
    StoryStatus,
    Summary,
    SummaryStats,
    Verdict,
)

MORNING = EditionSettings(name="morning", at="06:30")
EVENING = EditionSettings(name="evening", at="18:00")
T0 = datetime(2026, 11, 25, 6, 30, tzinfo=UTC)


def article(article_id: str, published: datetime, first_seen: datetime | None = None) -> Article:
    return Article(
        id=article_id,
        url=f"https://example.org/{article_id}",
        title=f"Title {article_id}",
        text="Text.",
        outlet="Example",
        published=published,
        first_seen=first_seen or published,
    )


def test_slot_single_edition_is_named_by_local_date() -> None:
    slot = slot_for(T0, [MORNING], "Europe/London")
    assert (slot.id, slot.name, slot.title) == ("2026-11-25", "morning", "Morning briefing, 25 November 2026")


def test_slot_several_editions_a_day_get_the_name_in_the_id() -> None:
    at = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)
    assert slot_for(at, [MORNING, EVENING], "Europe/London").id == "2026-11-25-evening"


def test_slot_uses_the_configured_timezone_for_the_date() -> None:
    late_utc = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)  # already the 26th in Auckland
    assert slot_for(late_utc, [MORNING], "Pacific/Auckland").id == "2026-11-26"


def test_slot_before_the_first_edition_of_the_day_is_an_early_build_of_it() -> None:
    early = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)
    assert slot_for(early, [MORNING, EVENING], "Europe/London").id == "2026-11-25-morning"


def test_slot_can_be_named_by_the_schedule() -> None:
    at = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)
    assert slot_for(at, [MORNING, EVENING], "Europe/London", name="morning").id == "2026-11-25-morning"


def test_window_starts_where_the_previous_edition_ended() -> None:
    previous_end = T0 - timedelta(hours=12)
    assert window_for(T0, previous_end, None, timedelta(hours=24)).start == previous_end


def test_first_window_looks_back() -> None:
    assert window_for(T0, None, None, timedelta(hours=24)).start == T0 - timedelta(hours=24)


def test_select_new_leaves_out_reported_articles_and_marks_updates() -> None:
    old, fresh = article("a-old", T0 - timedelta(hours=20)), article("a-new", T0 - timedelta(hours=2))
    continuing = Cluster("c-1", (old, fresh))
    window = Window(T0 - timedelta(hours=12), T0)
    [candidate] = select_new([continuing], window, reported_articles={"a-old"}, reported_clusters={"c-1"})
    assert candidate.status == StoryStatus.UPDATE
    assert [a.id for a in candidate.cluster.articles] == ["a-new"]


def test_select_new_drops_a_continuing_story_with_nothing_new() -> None:
    old = article("a-old", T0 - timedelta(hours=20))
    window = Window(T0 - timedelta(hours=12), T0)
    assert select_new([Cluster("c-1", (old,))], window, {"a-old"}, {"c-1"}) == []


def test_select_new_keeps_a_late_arrival_first_seen_after_the_previous_build() -> None:
    built = T0 - timedelta(hours=12)
    late = article("a-late", published=built - timedelta(hours=3), first_seen=built + timedelta(hours=1))
    window = Window(built, T0, previous_built_at=built)
    [candidate] = select_new([Cluster("c-2", (late,))], window, set(), set())
    assert candidate.status == StoryStatus.NEW


def test_select_new_ignores_articles_published_after_the_edition_time() -> None:
    future = article("a-future", T0 + timedelta(minutes=5))
    assert select_new([Cluster("c-3", (future,))], Window(T0 - timedelta(hours=24), T0), set(), set()) == []


def _summary(text: str, *, dropped: int = 0) -> Summary:
    bullet = Bullet(text, ("a-1",), grounding=Verdict(True, 0.9))
    return Summary(text, (bullet,) if text else (), "extractive", stats=SummaryStats(bullets_dropped=dropped))


@pytest.fixture
def ranked() -> list[RankedCluster]:
    one = Cluster("c-1", (article("a-1", T0 - timedelta(hours=1)),))
    two = Cluster("c-2", (article("a-2", T0 - timedelta(hours=2)),))
    empty = Cluster("c-3", (article("a-3", T0 - timedelta(hours=3)),))
    return [RankedCluster(one, "Business", 2.0), RankedCluster(two, "World", 1.0), RankedCluster(empty, "World", 0.5)]


def test_assemble_orders_sections_as_configured_and_drops_stories_without_bullets(
    ranked: list[RankedCluster],
) -> None:
    summaries = [_summary("One"), _summary("Two"), _summary("", dropped=2)]
    edition = assemble(
        slot_for(T0, [MORNING], "UTC"),
        Window(T0 - timedelta(hours=24), T0),
        timezone="UTC",
        section_order=["World", "Business"],
        ranked=ranked,
        summaries=summaries,
        statuses={"c-1": StoryStatus.NEW, "c-2": StoryStatus.UPDATE, "c-3": StoryStatus.NEW},
        stats=stats_for(summaries, feeds=3, feeds_failed=1, articles=3, clusters=3, stories=3),
        summariser="extractive",
        model=None,
        generated_at=T0,
    )
    assert [(s.name, [story.id for story in s.stories]) for s in edition.sections] == [
        ("World", ["c-2"]),
        ("Business", ["c-1"]),
    ]
    assert (edition.stats.stories, edition.stats.bullets_dropped, edition.stats.feeds_failed) == (2, 2, 1)
    assert same_content(edition, edition.__class__(**{**vars(edition), "generated_at": T0 + timedelta(hours=1)}))


def _built(ranked: list[RankedCluster], at: datetime, texts: list[str]) -> Edition:
    summaries = [_summary(text) for text in texts]
    return assemble(
        slot_for(at, [MORNING], "UTC"),
        Window(at - timedelta(hours=24), at),
        timezone="UTC",
        section_order=["World", "Business"],
        ranked=ranked,
        summaries=summaries,
        statuses={"c-1": StoryStatus.NEW, "c-2": StoryStatus.NEW, "c-3": StoryStatus.NEW},
        stats=stats_for(summaries, feeds=1, feeds_failed=0, articles=3, clusters=3, stories=3),
        summariser="extractive",
        model=None,
        generated_at=at,
    )


def test_what_earlier_editions_said_about_each_story_is_gathered_for_the_next(ranked: list[RankedCluster]) -> None:
    yesterday = _built(ranked, T0 - timedelta(days=1), ["Rates rose.", "Storm hit.", "Bridge shut."])
    today = _built(ranked, T0, ["Rates rose again.", "Storm passed.", "Bridge reopened."])

    assert said_before([today, yesterday], T0) == {
        "c-1": ("Rates rose.",),
        "c-2": ("Storm hit.",),
        "c-3": ("Bridge shut.",),
    }


def test_a_story_records_what_wrote_its_bullets_and_why_it_fell_back(ranked: list[RankedCluster]) -> None:
    fell_back = Summary(
        "Two",
        (Bullet("Two.", ("a-2",), grounding=Verdict(True, 0.9)),),
        "extractive",
        stats=SummaryStats(fell_back=True, fallback_reason="the LLM call failed: timeout", llm_failed=True),
    )
    llm = replace(_summary("One"), summariser="openai", model="gpt-4o-mini")
    edition = assemble(
        slot_for(T0, [MORNING], "UTC"),
        Window(T0 - timedelta(hours=24), T0),
        timezone="UTC",
        section_order=["World", "Business"],
        ranked=ranked[:2],
        summaries=[llm, fell_back],
        statuses={"c-1": StoryStatus.NEW, "c-2": StoryStatus.NEW},
        stats=stats_for([llm, fell_back], feeds=1, feeds_failed=0, articles=2, clusters=2, stories=2),
        summariser="openai",
        model="gpt-4o-mini",
        generated_at=T0,
    )

    assert [(s.summariser, s.model, s.fallback) for s in edition.stories] == [
        ("extractive", None, "the LLM call failed: timeout"),
        ("openai", "gpt-4o-mini", None),
    ]
    assert (edition.stats.llm_fallbacks, edition.stats.llm_failures, edition.stats.bullets_fallback) == (1, 1, 1)
