"""Headlines and leads: a news title from the most representative news article, never a live page, gallery,
programme, tool page, question or how-to-watch title; show names learnt from the edition are removed."""

from __future__ import annotations

from dataclasses import replace

import pytest
from factories import article

from briefing.models import ArticleKind, Cluster
from briefing.summarise import headlines, recurring


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Live updates: storm batters the coast", ArticleKind.LIVE),
        ("Storm updates LIVE: 40,000 homes without power", ArticleKind.LIVE),
        ("Photos of the week, 25 November 2026", ArticleKind.ROUNDUP),
        ("Best of cartoons: the week in politics", ArticleKind.ROUNDUP),
        ("Morning Talk (25 Nov 2026) | Radio One", ArticleKind.PROMO),
        ("Morning Talk full episode", ArticleKind.PROMO),
        ("What Time Is the Rocket Launch? How to Watch", ArticleKind.PROMO),
        ("TV for Tuesday, December 1", ArticleKind.PROMO),
        ("How many cases are in my area?", ArticleKind.OTHER),
        ("Can you spot the owl in this picture?", ArticleKind.OTHER),
        ("Your daily horoscope for Tuesday", ArticleKind.OTHER),
        ("The Latest: Storm batters the coast", ArticleKind.LIVE),
        ("Sponsored: The best ferry deals this winter", ArticleKind.PROMO),
        ("Wordle 1,234 answer and hints for Tuesday", ArticleKind.OTHER),
        ("The week in review: storms, strikes and a new mayor", ArticleKind.ROUNDUP),
        ("Holiday gift guide: presents for every budget", ArticleKind.OTHER),
        ("The best ferry passes to buy this winter", ArticleKind.OTHER),
        ("Mayor's Swearing-In Highlights: Jo Lind Takes Oath As Mayor Of Oster", ArticleKind.LIVE),
        ("12/18: Harbour Evening News", ArticleKind.PROMO),
    ],
)
def test_a_title_that_announces_a_page_that_is_not_news_is_recognised(title: str, kind: ArticleKind) -> None:
    assert headlines.title_kind(title) is kind


@pytest.mark.parametrize(
    "title",
    [
        "Storm Elin batters the coast, 40,000 homes without power",
        "Art Gallery reopens after two years",
        "She watched a livestream of her shop being looted",
        "Pianist plays live to an empty hall",
        "Newspaper buys Wordle for a seven-figure sum",
        "Sudoku solvers become an internet sensation",
        "Council reviews the week in parliament",
        "Report highlights risks to the harbour budget",
    ],
)
def test_a_news_title_is_news(title: str) -> None:
    assert headlines.title_kind(title) is None


def _story(*titles_and_kinds: tuple[str, ArticleKind]) -> Cluster:
    return Cluster(
        "c-1",
        tuple(
            replace(article(f"a-{n}", "The storm cut power to 40,000 homes.", title=title, outlet=f"O{n}"), kind=kind)
            for n, (title, kind) in enumerate(titles_and_kinds)
        ),
    )


def test_the_headline_never_comes_from_a_standalone_kind() -> None:
    story = _story(("Storm: what we know so far", ArticleKind.LIVE), ("Storm cuts power to 40,000", ArticleKind.NEWS))
    assert headlines.headline(story) == "Storm cuts power to 40,000"


def test_the_headline_is_never_a_question_or_a_how_to_watch_title() -> None:
    story = _story(
        ("Will the storm return?", ArticleKind.NEWS),
        ("What Time Is the Storm Briefing? How to Watch", ArticleKind.NEWS),
        ("Storm cuts power to 40,000 homes", ArticleKind.NEWS),
    )
    assert headlines.headline(story) == "Storm cuts power to 40,000 homes"


def test_news_titles_are_preferred_to_opinion() -> None:
    story = _story(("Why the storm should worry us", ArticleKind.OPINION), ("Storm hits coast", ArticleKind.NEWS))
    assert headlines.headline(story) == "Storm hits coast"


@pytest.mark.parametrize(
    ("title", "asks"),
    [
        ("Will the storm return?", True),
        ("What Time Is the Storm Briefing? How to Watch", True),
        ("How can schools be kept safe in a storm? I Inside Story", True),
        ("Is the grid ready? | Morning Talk", True),
        ("Is the grid ready? Not after this storm, engineers say", False),
        ("Storm cuts power to 40,000 homes", False),
        ("'Why me?' asks farmer whose barn the storm flattened", False),
    ],
)
def test_a_question_followed_by_a_show_name_is_still_a_question(title: str, asks: bool) -> None:
    assert headlines.question_title(title) is asks


@pytest.mark.parametrize(
    ("title", "text", "headline"),
    [
        (  # the article's opening sentence says how the cut title goes on
            "Ferry strike is an open-ended walkout by crews demanding...",
            "Ferry strike is an open-ended walkout by crews demanding a pay rise of 8%. Talks resume on Monday.",
            "Ferry strike is an open-ended walkout by crews demanding a pay rise of 8%",
        ),
        (  # it does not: the words no headline ends on go
            "Council warns the bridge may close if…",
            "The council said on Monday that repairs could not wait.",
            "Council warns the bridge may close",
        ),
        (  # a whole title with a trail of dots, as a link blog prints it
            "Ferries Are Getting Faster ....",
            "Ferries are getting faster, and the harbour is getting busier.",
            "Ferries Are Getting Faster",
        ),
        (  # the title runs on into the article's second sentence, as the article opens: its first sentence
            "The Ferry That Crossed the Ice . How crews in...",
            "The Ferry That Crossed the Ice. How crews in 1902 kept the harbour open all winter.",
            "The Ferry That Crossed the Ice",
        ),
        (  # a teaser's ellipsis after a word a title may end on stays
            "Author sets out to tame a young robin...",
            "Seeking the balm of nature, the author spent a spring in his garden.",
            "Author sets out to tame a young robin...",
        ),
    ],
)
def test_a_title_the_feed_cut_is_made_whole_from_its_text_or_ends_on_a_word_a_headline_may_end_on(
    title: str, text: str, headline: str
) -> None:
    story = Cluster("c-1", (article("a-1", text, title=title),))
    assert headlines.headline(story) == headline


@pytest.mark.parametrize(
    ("title", "text", "headline"),
    [
        (  # the article writes the same words in an opening sentence: as written there
            "FERRY CREWS HAVE WALKED OUT.",
            "Ferry crews have walked out. Talks resume on Monday.",
            "Ferry crews have walked out",
        ),
        (  # it does not: which words are names is not known, so the capitals stay
            "FERRY CREWS WALK OUT IN OSLO",
            "Crews of the harbour ferries stopped work at dawn.",
            "FERRY CREWS WALK OUT IN OSLO",
        ),
    ],
)
def test_a_title_in_capitals_is_written_as_its_article_writes_it(title: str, text: str, headline: str) -> None:
    story = Cluster("c-1", (article("a-1", text, title=title),))
    assert headlines.headline(story) == headline


def test_without_a_usable_title_the_lead_bullet_names_the_story() -> None:
    story = _story(("Is the grid ready for the next storm?", ArticleKind.NEWS))
    assert headlines.headline(story, fallback="The storm cut power to 40,000 homes.") == (
        "The storm cut power to 40,000 homes"
    )


def test_a_show_name_on_many_titles_is_learnt_and_removed() -> None:
    titles = ["Night News: Storm cuts power", "Night News: Ferries cancelled", "Night News: Schools shut"]
    clusters = [
        Cluster(f"c-{n}", (article(f"a-{n}", "The storm cut power to homes.", title=t),)) for n, t in enumerate(titles)
    ]
    shows = recurring.learn(clusters).title_parts

    assert headlines.clean_title(titles[0], "Daily", shows) == "Storm cuts power"


@pytest.mark.parametrize(
    ("title", "cleaned"),
    [
        ("How the Harbour Wall Failed [Video]", "How the Harbour Wall Failed"),
        ("(PHOTOS) Floods close the valley road", "Floods close the valley road"),
        ("Council approves budget (Video) - Daily", "Council approves budget"),
        ("Talks resume (in Geneva)", "Talks resume (in Geneva)"),
        ("Harbour wall gives way - video", "Harbour wall gives way"),
        ("Council approves budget [Updated]", "Council approves budget"),
    ],
)
def test_a_bracketed_format_label_is_not_part_of_the_headline(title: str, cleaned: str) -> None:
    assert headlines.clean_title(title, "Daily") == cleaned


@pytest.mark.parametrize(
    ("title", "cleaned"),
    [
        ("UPDATE 2-Harbour council votes to close bridge", "Harbour council votes to close bridge"),
        ("EXCLUSIVE-Harbour council weighs closure", "Harbour council weighs closure"),
        ("Opinion | The bridge closure is a mistake", "The bridge closure is a mistake"),
        ("BREAKING NEWS: Harbour council votes", "Harbour council votes"),
        ("US-China talks resume in Geneva", "US-China talks resume in Geneva"),
        ("UK-EU deal agreed after all-night talks", "UK-EU deal agreed after all-night talks"),
    ],
)
def test_a_wires_codes_and_a_format_label_before_the_title_are_not_part_of_the_headline(
    title: str, cleaned: str
) -> None:
    assert headlines.clean_title(title, "Daily") == cleaned


@pytest.mark.parametrize(
    ("title", "cleaned"),
    [
        ("Wildfires burned 1,200 square miles. Here are the key fires", "Wildfires burned 1,200 square miles"),
        ("Varga leads, but the race is not decided. Here's what we know.", "Varga leads, but the race is not decided"),
        ("Here's what we know about the harbour fire", "Here's what we know about the harbour fire"),
    ],
)
def test_a_promise_of_content_after_the_news_title_is_removed(title: str, cleaned: str) -> None:
    assert headlines.clean_title(title, "Daily") == cleaned
