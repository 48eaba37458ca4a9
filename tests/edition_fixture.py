"""A fixed, hand-made `Edition` for snapshot tests, screenshots and benchmarks (no store, no clock).

`sample_edition()` is small and varied: two sections, a continuing story marked as an update, a story whose
outlets are not all cited ("also covered by"), a citation whose URL is not http(s), a source from the day
before. `large_edition(n)` repeats realistic stories to `n` for size and speed measurements.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from briefing.models import (
    ArticleRef,
    Bullet,
    Edition,
    EditionStats,
    Section,
    Story,
    StoryStatus,
    Verdict,
)

END = datetime(2026, 11, 25, 6, 30, tzinfo=UTC)
OK = Verdict(supported=True, score=0.91)


def _ref(n: int, outlet: str, title: str, minutes_before: int, url: str | None = None) -> ArticleRef:
    return ArticleRef(
        id=f"a-{n:04x}",
        title=title,
        url=url or f"https://{outlet.lower().replace(' ', '')}.example/news/{n}",
        outlet=outlet,
        published=END - timedelta(minutes=minutes_before),
    )


def _bullet(text: str, *sources: ArticleRef) -> Bullet:
    return Bullet(text=text, sources=tuple(s.id for s in sources), evidence=(text[:40],), grounding=OK)


def _launch() -> Story:
    a = _ref(1, "Harbour Times", "Crew capsule docks with station after 19-hour flight", 95)
    b = _ref(2, "Coastal Wire", "Astronauts arrive at the orbiting laboratory", 130)
    c = _ref(3, "Evening Ledger", "Private spacecraft completes docking", 300)
    return Story(
        id="c-1a2b3c",
        headline="Crew capsule docks with the space station after a 19-hour flight",
        status=StoryStatus.NEW,
        bullets=(
            _bullet("The capsule docked at 10:16 local time, carrying two astronauts to the station.", a, b),
            _bullet("It is the first crewed launch from the site in nine years.", a),
            _bullet("The crew will stay for up to four months & run about 200 experiments.", b),
        ),
        articles=(a, b, c),
    )


def _protests() -> Story:
    a = _ref(4, "Coastal Wire", "Curfews extended as protests continue for a sixth night", 60)
    b = _ref(5, "Harbour Times", "City leaders call for calm after another night of marches", 1000)
    return Story(
        id="c-4d5e6f",
        headline="Curfews extended in several cities as protests enter a sixth night",
        status=StoryStatus.UPDATE,
        bullets=(
            _bullet("At least twelve cities have now extended overnight curfews into the weekend.", a),
            _bullet('Officials said the "vast majority" of marchers had been peaceful.', a, b),
        ),
        articles=(a, b),
    )


def _chips() -> Story:
    a = _ref(6, "Silicon Post", "Chipmaker unveils 2nm process, shares rise 4%", 200)
    b = _ref(7, "Market Desk", "New chip plant to open in 2028", 240, url="ftp://market-desk.example/plant")
    return Story(
        id="c-7a8b9c",
        headline="Chipmaker shows a 2 nm process and plans a new plant for 2028",
        status=StoryStatus.NEW,
        bullets=(
            _bullet("The company says the process cuts power use by a quarter at the same speed.", a),
            _bullet("A new plant is due to open in 2028; the site has not been named.", b),
        ),
        articles=(a, b),
    )


def _outage() -> Story:
    a = _ref(8, "Silicon Post", "Cloud outage knocks out thousands of sites", 45)
    return Story(
        id="c-0d0e0f",
        headline="A four-hour cloud outage took thousands of websites offline",
        status=StoryStatus.NEW,
        bullets=(_bullet("The provider blamed a faulty configuration change [sic] pushed to every region.", a),),
        articles=(a,),
    )


def sample_edition() -> Edition:
    """The edition behind the golden files and the README screenshots."""
    return Edition(
        id="2026-11-25-morning",
        title="Morning briefing, 25 November 2026",
        name="morning",
        generated_at=END + timedelta(seconds=2),
        window_start=END - timedelta(days=1),
        window_end=END,
        timezone="Europe/London",
        summariser="extractive",
        sections=(
            Section("World", (_launch(), _protests())),
            Section("Technology", (_chips(), _outage())),
        ),
        stats=EditionStats(
            feeds=12,
            feeds_failed=1,
            articles=148,
            clusters=37,
            stories=4,
            bullets_checked=11,
            bullets_dropped=2,
        ),
    )


def large_edition(stories: int = 40, sections: int = 4) -> Edition:
    """`stories` stories spread over `sections` sections, for size and speed measurements."""
    base = [_launch(), _protests(), _chips(), _outage()]
    made = []
    for i in range(stories):
        story = base[i % len(base)]
        articles = tuple(replace(a, id=f"{a.id}-{i}", url=f"{a.url}/{i}") for a in story.articles)
        bullets = tuple(replace(b, sources=tuple(f"{s}-{i}" for s in b.sources)) for b in story.bullets)
        made.append(replace(story, id=f"{story.id}-{i}", articles=articles, bullets=bullets))
    per = -(-stories // sections)
    return replace(
        sample_edition(),
        sections=tuple(Section(f"Section {k + 1}", tuple(made[k * per : (k + 1) * per])) for k in range(sections)),
        stats=replace(sample_edition().stats, stories=stories),
    )
