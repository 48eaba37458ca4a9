"""Item kinds: live blogs, digests, show episodes and horoscopes are told from reports of one development."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefing.boilerplate import Boilerplate, SpanCounts
from briefing.kinds import _CUE_PATTERNS, _LIVE_MARK, _LIVE_TITLE, FEATURES, _cues, _may_say_live, classify, features
from briefing.models import Article, ArticleKind

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
FEED = "https://news.example.org/rss.xml"
REAL_STORIES = Path(__file__).parent.parent.parent / "shared" / "data" / "eval" / "real-stories-dev.jsonl"

LABELLED = [  # written for this test: (title, text, kind)
    (
        "Harbour bridge reopens after repairs",
        "The bridge reopened to traffic on Monday after six weeks of repairs.",
        "news",
    ),
    ("Council approves budget for new library", "Councillors voted 9-2 to fund the library on Elm Street.", "news"),
    ("Two injured as tram derails in city centre", "A tram left the rails near the station, police said.", "news"),
    ("Live updates: storm batters the coast", "Follow the latest as the storm makes landfall.", "live"),
    ("Election night live: results as they come in", "Rolling coverage of the count across the region.", "live"),
    ("In pictures: the week in photos", "A selection of the best photos from around the world this week.", "roundup"),
    ("Your horoscope for Tuesday", "Aries: a good day to start something new.", "other"),
    ("Full episode: Harbour Tonight, 24 November", "Watch the full episode on demand.", "promo"),
]


def article(number: int, title: str, text: str) -> Article:
    return Article(
        id=f"a-{number}",
        url=f"https://news.example.org/{number}",
        title=title,
        text=text,
        outlet="Example News",
        published=NOW,
        first_seen=NOW,
        feeds=(FEED,),
    )


def kinds_of(titles: list[str], text: str) -> list[ArticleKind]:
    """The kinds given to items with these titles and one ordinary news text, with no boilerplate learned."""
    return [a.kind for a in classify([article(n, t, text) for n, t in enumerate(titles)], Boilerplate())]


def test_labelled_examples_get_their_side_news_or_not() -> None:
    items = [article(n, title, text) for n, (title, text, _) in enumerate(LABELLED)]
    found = [a.kind.standalone for a in classify(items, Boilerplate())]
    assert found == [ArticleKind(kind).standalone for _, _, kind in LABELLED]


def test_a_format_word_also_counts_for_its_group_so_a_rare_format_weighs_as_its_kin() -> None:
    def shape(title: str, text: str) -> dict[str, float]:
        return dict(zip(FEATURES, features(article(1, title, text), Boilerplate()), strict=True))

    digest = shape("Gossip: who wore what at the gala", "Monday: snapshots from the red carpet.")
    news = shape("Harbour bridge reopens: traffic flows again", "The bridge reopened on Monday after repairs.")

    assert (digest["title: any digest"], digest["label: any digest"], digest["text opens with a day"]) == (1, 1, 1)
    assert (news["title: any digest"], news["label: any digest"], news["text opens with a day"]) == (0, 0, 0)


def test_a_live_blog_is_live() -> None:
    [found] = classify(
        [article(1, "Live: storm batters the coast - latest updates", "Rolling coverage.")], Boilerplate()
    )
    assert found.kind == ArticleKind.LIVE


def test_a_page_whose_text_says_it_rolls_is_live_whatever_its_title() -> None:
    [found] = classify(
        [article(1, "Tablet edition: Storms across the north", "Follow our rolling coverage.")], Boilerplate()
    )
    assert found.kind == ArticleKind.LIVE


def test_a_title_that_shouts_live_is_live() -> None:
    [found] = classify(
        [article(1, "Harbour storm LIVE: ferries cancelled as winds rise", "Ferries stopped.")], Boilerplate()
    )
    assert found.kind == ArticleKind.LIVE


def test_a_stream_of_one_address_and_the_word_live_are_not_live_pages() -> None:
    """(What else they are is the model's call: the rule only says what is live.)"""
    items = [
        article(1, "Watch live: mayor addresses the flood", "WATCH LIVE: the mayor speaks at noon about the flood."),
        article(2, "Where families live now that the river has moved", "Two hundred homes were rebuilt uphill."),
    ]
    assert [a.kind == ArticleKind.LIVE for a in classify(items, Boilerplate())] == [False, False]


def test_live_pages_that_say_so_in_other_words_are_live() -> None:
    titles = [
        "Live World Updates on the Storm",
        "Live Harbour Market News During the Strike",
        "Flood Today Live: News Updates and Video",
        "Storm Updates: Ferries Cancelled as Winds Rise",
        "The Latest: Ferries cancelled as winds rise",
    ]
    assert kinds_of(titles, "The storm made landfall on Monday.") == [ArticleKind.LIVE] * len(titles)


def test_a_title_that_declares_a_format_gives_the_item_that_format() -> None:
    """Said in the words outlets everywhere use for it: a definition the weights cannot overrule, since a new
    outlet's digest or listing is exactly what a model fitted on other outlets has not seen."""
    declared = [
        ("The Papers: 'Storm chaos' leads the front pages", ArticleKind.ROUNDUP),
        ("Harbour Tonight Express: November 24, 2026 [HD]", ArticleKind.ROUNDUP),
        ("Ferry fares and other stories you may have missed", ArticleKind.ROUNDUP),
        ("Link Love: Harbour Inks", ArticleKind.ROUNDUP),
        ("links for 2026-11-24", ArticleKind.ROUNDUP),
        ("Harbour bridge reopens. And, ferry crews vote to strike", ArticleKind.ROUNDUP),
        ("This Day in History: November 25", ArticleKind.OTHER),
        ("Race-by-race tips and preview for the harbour cup", ArticleKind.OTHER),
        ("Harbour Tonight: full episode, 24 November", ArticleKind.PROMO),
        ("Join us for a conversation about the harbour's future", ArticleKind.PROMO),
    ]
    titles = [title for title, _ in declared]
    assert kinds_of(titles, "The harbour was busy on Monday.") == [kind for _, kind in declared]


def test_a_newsletter_that_welcomes_its_reader_back_is_a_digest() -> None:
    """Its title names one of its stories; the bullets would come from the others. A news opening that only
    welcomes someone back stays news."""
    issue = article(
        1, "Astronomers grow crystals in the lab", "Welcome back to the Harbour Digest! These are the week's studies."
    )
    sports = article(
        2, "Promoted side loses its opener", "Welcome back to the top flight, Harbour Town. They lost 3-0 on Saturday."
    )
    assert [a.kind for a in classify([issue, sports], Boilerplate())] == [ArticleKind.ROUNDUP, ArticleKind.NEWS]


def test_news_titles_that_only_share_a_word_with_a_format_stay_news() -> None:
    titles = [
        "Storm puzzle: why the forecast missed the surge",  # puzzles and quizzes are left to the weights
        "Officials provide updates on the ferry strike",
        "Watch live: mayor addresses the flood",
        "Ferry operator promises express service from Monday",
        "Union says the ferry plan is a recipe for disaster",
        "Families who live near the harbour get news of the closure",
    ]
    found = kinds_of(titles, "The council voted 9-2 on Monday to fund repairs.")
    assert [kind.standalone for kind in found] == [False] * len(titles)


def test_a_title_that_is_only_a_show_name_and_a_date_is_an_episode() -> None:
    """The feed's boilerplate says the title is all show name: an episode, not a report."""
    episodes = [article(n, f"Harbour Tonight ({n} November)", "Harbour Tonight. Watch on demand.") for n in range(1, 6)]
    counts = SpanCounts()
    counts.add(FEED, episodes)
    assert {a.kind.standalone for a in classify(episodes, counts.model())} == {True}


def test_news_keeps_its_kind_whatever_the_feed_repeats() -> None:
    """A channel whose every item ends in the same blurb still has news items."""
    blurb = "Subscribe to Harbour TV for more. Follow us on Pigeonpost."
    items = [article(n, title, f"{text} {blurb}") for n, (title, text, kind) in enumerate(LABELLED) if kind == "news"]
    counts = SpanCounts()
    counts.add(FEED, items)
    assert [a.kind for a in classify(items, counts.model())] == [ArticleKind.NEWS] * len(items)


def cue_definition(lowered: str) -> list[float]:
    """What each cue column means: a separate search for the cue as a whole word or phrase."""
    return [1.0 if pattern.search(lowered) else 0.0 for pattern in _CUE_PATTERNS]


def test_one_pass_finds_the_cues_each_search_finds_even_where_they_overlap() -> None:
    texts = [  # written for this test: cues inside cues, at one position, glued to letters and apostrophes
        "how to watch the full episode: what happened, live updates and the daily update",
        "photos/photo gallery; in pictures: pictures of the week in review. today's top stories",
        "deals and deal-breakers; cartoons, cartoon's, livestream, relive, 'live', updates-live",
        "why? who... what's this day in history from the archives, archives. best of tv",
        "",
    ]
    assert [_cues(t) for t in texts] == [cue_definition(t) for t in texts]


def test_one_pass_finds_the_cues_each_search_finds_on_real_items() -> None:
    if not REAL_STORIES.is_file():
        pytest.skip("../shared/data/eval/real-stories-dev.jsonl is absent: the real-item check needs it")
    lines = REAL_STORIES.read_text(encoding="utf-8").splitlines()
    fields = [text.lower() for line in lines for text in (json.loads(line)["title"], json.loads(line)["text"][:200])]
    assert [_cues(t) for t in fields] == [cue_definition(t) for t in fields]


def live_patterns_match(raw: str) -> bool:
    return bool(_LIVE_MARK.search(raw) or _LIVE_TITLE.search(raw))


def test_the_live_pre_test_passes_every_string_the_live_patterns_match() -> None:
    texts = [  # written for this test: the words in any case, and letters that case-blind patterns take for ASCII
        "LIVE: storm hits the coast",
        "Election night Live Updates on the count",
        "Rolling Coverage of the count",
        "ROLL\u0130NG COVERAGE of the count",
        "George Floyd UPDATE\u017f: protests go on",
        "Today L\u0130VE: markets",
        "THE LATEST: storm hits the coast",
        "Where people live and work",
        "Harbour bridge reopens after repairs",
    ]
    if REAL_STORIES.is_file():
        lines = [json.loads(line) for line in REAL_STORIES.read_text(encoding="utf-8").splitlines()]
        texts += [text for item in lines for text in (item["title"], item["text"][:200])]
    matched = [raw for raw in texts if live_patterns_match(raw)]
    assert len(matched) > 5
    assert [raw for raw in matched if not _may_say_live(raw.lower(), raw)] == []
