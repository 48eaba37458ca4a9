"""Display values derived from an `Edition`: what templates show, computed once in Python.

Everything that comes from a feed is hostile text. Here it is made plain (control characters and HTML comments
removed, whitespace collapsed) and every URL is checked: only absolute http(s) URLs survive as links, anything
else becomes `None` and the templates print the citation as plain text. Escaping for each output format is the
template's job (Jinja autoescape for HTML/XML, `md_escape` for Markdown).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from urllib.parse import quote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from briefing.models import ArticleRef, Edition, EditionStats, Story, StoryStatus

_MONTHS = (
    "January February March April May June July August September October November December".split()  # noqa: SIM905
)
_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()  # noqa: SIM905
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_SPACE = re.compile(r"\s+")
# Where the email's unsubscribe link goes; delivery substitutes each recipient's link (deliver.email).
UNSUBSCRIBE_PLACEHOLDER = "%%UNSUBSCRIBE_URL%%"
# Characters kept as they are in a URL; everything else is percent-encoded (RFC 3986 reserved + unreserved + %).
_URL_SAFE = "/:?#[]@!$&'()*+,;=%-._~"


@dataclass(frozen=True)
class Citation:
    number: int  # 1-based within its story, in order of first citation; 0 for "also covered by"
    outlet: str
    title: str
    url: str | None  # None when the article's URL is not an http(s) URL: shown, never linked
    time: str  # local time in the edition's zone, "06:10 GMT" or "24 Nov 06:10 GMT"
    label: str  # "s3-1": the Markdown reference label, unique in the edition


@dataclass(frozen=True)
class BulletView:
    text: str
    citations: tuple[Citation, ...]

    @property
    def marks(self) -> str:
        """The citation numbers as plain text: "[1][3]"."""
        return "".join(f"[{c.number}]" for c in self.citations)


@dataclass(frozen=True)
class Earlier:
    """The latest earlier edition that reported a continuing story."""

    title: str
    url: str | None  # its page on the published site, when `site_url` is set


@dataclass(frozen=True)
class StoryView:
    id: str
    number: int  # 1-based position in the edition
    headline: str
    is_update: bool
    bullets: tuple[BulletView, ...]
    sources: tuple[Citation, ...]
    also_covered: tuple[Citation, ...]  # one uncited article per outlet that no bullet cites (number 0)
    earlier: Earlier | None = None  # for an update: where the story was last reported


@dataclass(frozen=True)
class SectionView:
    name: str
    stories: tuple[StoryView, ...]


@dataclass(frozen=True)
class OtherItemsView:
    """Live blogs, digests, episodes and listings, listed without bullets (`rank.non_news: list`)."""

    heading: str
    items: tuple[Citation, ...]  # numbered 0; labels "o1", "o2", ...


@dataclass(frozen=True)
class EditionView:
    id: str
    title: str
    date: str  # "Wednesday 25 November 2026", in the edition's zone
    published: str  # ISO 8601 with the zone's offset
    sections: tuple[SectionView, ...]
    story_count: int
    outlet_count: int
    preheader: str
    made: tuple[str, ...]  # sentences for the "how this edition was made" footer
    trimmed: int  # stories left out of this rendering to stay under the email budget
    full_url: str | None  # the edition's page on the published site, when `site_url` is set
    unsubscribe_url: str = UNSUBSCRIBE_PLACEHOLDER
    others: OtherItemsView | None = None
    empty_note: str = "Nothing new since the last edition."  # what an edition without stories says


def clean_text(value: str) -> str:
    """Plain one-line text: no HTML comments, no control or format characters, whitespace collapsed."""
    if "<!--" in value:
        value = _COMMENT.sub(" ", value)
    if not value.isprintable():  # the common case skips the per-character scan
        value = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in value)
    return _SPACE.sub(" ", value).strip()


def safe_url(value: str) -> str | None:
    """The URL if it is an absolute http(s) URL with a host, percent-encoded where needed; else None.

    Control characters (which browsers strip, turning `java\tscript:` into `javascript:`) reject the URL; spaces
    and non-ASCII characters are percent-encoded, and an international host name becomes its IDNA form.
    """
    value = value.strip()
    if not value or any(unicodedata.category(c)[0] == "C" for c in value):
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname
        if parts.scheme.lower() not in ("http", "https") or not host:
            return None
        netloc = parts.netloc if host.isascii() else parts.netloc.replace(host, host.encode("idna").decode())
    except (ValueError, UnicodeError):
        return None
    return quote(urlunsplit(parts._replace(scheme=parts.scheme.lower(), netloc=netloc)), safe=_URL_SAFE)


def zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def long_date(moment: datetime) -> str:
    return f"{_WEEKDAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def _short_time(moment: datetime, day: datetime) -> str:
    """`06:10 GMT`, or `24 Nov 06:10 GMT` on another day: with its zone, as readers abroad see it."""
    clock = f"{moment.hour:02d}:{moment.minute:02d} {moment.tzname() or 'UTC'}"
    if moment.date() == day.date():
        return clock
    return f"{moment.day} {_MONTHS[moment.month - 1][:3]} {clock}"


def _citation(article: ArticleRef, number: int, label: str, tz: tzinfo, day: datetime) -> Citation:
    return Citation(
        number=number,
        outlet=clean_text(article.outlet) or "source",
        title=clean_text(article.title),
        url=safe_url(article.url),
        time=_short_time(article.published.astimezone(tz), day),
        label=label,
    )


def _story_view(story: Story, number: int, tz: tzinfo, day: datetime, earlier: Earlier | None) -> StoryView:
    """Cited articles are numbered in the order the bullets first cite them; the rest are "also covered by"."""
    articles = {article.id: article for article in story.articles}
    cited_ids = [s for b in story.bullets for s in b.sources if s in articles]
    cited: dict[str, Citation] = {}
    for article_id in dict.fromkeys(cited_ids):
        n = len(cited) + 1
        cited[article_id] = _citation(articles[article_id], n, f"s{number}-{n}", tz, day)
    bullets = tuple(
        BulletView(clean_text(b.text), tuple(cited[s] for s in dict.fromkeys(b.sources) if s in cited))
        for b in story.bullets
        if not (len(story.bullets) == 1 and _same_words(b.text, story.headline))
    )
    cited_outlets = {c.outlet for c in cited.values()}
    also: dict[str, Citation] = {}
    for i, article in enumerate(a for a in story.articles if a.id not in cited):
        other = _citation(article, 0, f"s{number}-x{i + 1}", tz, day)
        if other.outlet not in cited_outlets:
            also.setdefault(other.outlet, other)
    return StoryView(
        id=story.id,
        number=number,
        headline=clean_text(story.headline),
        is_update=story.status == StoryStatus.UPDATE,
        bullets=bullets,
        sources=tuple(cited.values()),
        also_covered=tuple(also.values()),
        earlier=earlier if story.status == StoryStatus.UPDATE else None,
    )


def _same_words(sentence: str, headline: str) -> bool:
    """A story's only bullet that says its headline again ("Protesters clash with police in Santa Ana.", an item
    whose text is its title) is not printed under it: the reader would read one line twice. The story keeps
    the bullet (`briefing.json`), and its source is still listed."""
    return _WORDS.sub(" ", sentence.casefold()).strip() == _WORDS.sub(" ", headline.casefold()).strip()


_WORDS = re.compile(r"\W+")


def _made(edition: Edition) -> tuple[str, ...]:
    """The footer: how the edition was made, from the run's statistics and what wrote each story's bullets."""
    s: EditionStats = edition.stats
    failing = f" ({s.feeds_failed} failing)" if s.feeds_failed else ""  # a build polls nothing: say what it read
    repaired = f"{s.bullets_repaired} repaired, " if s.bullets_repaired else ""
    return (
        f"From {_n(s.feeds, 'feed')}{failing}: {_n(s.articles, 'article')} read, {_n(s.clusters, 'story', 'stories')}"
        f" formed, {_n(len(edition.stories), 'story', 'stories')} in this edition.",
        f"{_n(s.bullets_checked, 'bullet')} checked against their sources; {repaired}{s.bullets_dropped} dropped by "
        "the grounding check.",
        _summarised_by(edition),
    )


def _summarised_by(edition: Edition) -> str:
    """Who wrote the bullets, honestly: the model only for the stories it summarised."""
    stories = edition.stories
    fallbacks = [story for story in stories if story.fallback]
    model = clean_text(edition.model or edition.summariser)
    calls = f" ({_n(edition.stats.llm_calls, 'LLM call')})" if edition.stats.llm_calls else ""
    if not fallbacks and any(story.summariser == "openai" for story in stories):
        return f"Summarised by {model}{calls}."
    if not fallbacks:
        return "Summarised by the offline summariser."
    bullets = _n(sum(len(story.bullets) for story in fallbacks), "bullet")
    if len(fallbacks) == len(stories):
        return f"Summarised by the offline summariser: every story fell back from {model}{calls} ({bullets})."
    fell = _n(len(fallbacks), "story", "stories")
    return f"Summarised by {model}{calls}; {fell} fell back to the offline summariser ({bullets})."


def _n(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def _preheader(sections: tuple[SectionView, ...], count: int) -> str:
    headlines = [story.headline for section in sections for story in section.stories][:3]
    lead = " · ".join(headlines)
    return f"{_n(count, 'story', 'stories')}: {lead}" if lead else "No new stories in this edition."


def site_base(site_url: str | None) -> str | None:
    """`site_url` without its trailing slash, if it is an http(s) URL."""
    checked = safe_url(site_url) if site_url else None
    return checked.rstrip("/") if checked else None


def earlier_reports(edition: Edition, previous: Sequence[Edition], site_url: str | None) -> dict[str, Earlier]:
    """For each story of `edition`, the latest edition before it that carried the same story id."""
    wanted = {story.id for story in edition.stories}
    before = [e for e in previous if e.id != edition.id and e.window_end < edition.window_end]
    found: dict[str, Earlier] = {}
    for old in sorted(before, key=lambda e: (e.window_end, e.id)):
        for story in old.stories:
            if story.id in wanted:
                found[story.id] = earlier_of(old, site_url)
    return found


def earlier_of(edition: Edition, site_url: str | None) -> Earlier:
    base = site_base(site_url)
    return Earlier(clean_text(edition.title), f"{base}/{edition.id}.html" if base else None)


def build_view(
    edition: Edition,
    *,
    trimmed: int = 0,
    site_url: str | None = None,
    earlier: Mapping[str, Earlier] | None = None,
) -> EditionView:
    """Everything the templates show of `edition`, with numbering and local times worked out."""
    earlier = earlier or {}
    tz = zone(edition.timezone)
    day = edition.window_end.astimezone(tz)
    number = 0
    sections = []
    for section in edition.sections:
        stories = []
        for story in section.stories:
            number += 1
            stories.append(_story_view(story, number, tz, day, earlier.get(story.id)))
        sections.append(SectionView(clean_text(section.name), tuple(stories)))
    outlets = {clean_text(a.outlet) for story in edition.stories for a in story.articles}
    base = site_base(site_url)
    return EditionView(
        id=edition.id,
        title=clean_text(edition.title),
        date=long_date(day),
        published=edition.window_end.astimezone(tz).isoformat(),
        sections=tuple(sections),
        story_count=number,
        outlet_count=len(outlets),
        preheader=_preheader(tuple(sections), number),
        made=_made(edition),
        trimmed=trimmed,
        full_url=f"{base}/{edition.id}.html" if base else None,
        empty_note=_empty_note(edition.stats),
        others=_others_view(edition, tz, day),
    )


def _empty_note(stats: EditionStats) -> str:
    """A run where every feed failed must not read as a quiet news day."""
    if stats.feeds and stats.feeds_failed >= stats.feeds:
        return f"Every feed failed to load ({_n(stats.feeds, 'feed')}), so nothing could be checked for news."
    return "Nothing new since the last edition."


def _others_view(edition: Edition, tz: tzinfo, day: datetime) -> OtherItemsView | None:
    others = edition.other_items
    if others is None or not others.articles:
        return None
    items = tuple(_citation(a, 0, f"o{i}", tz, day) for i, a in enumerate(others.articles, start=1))
    return OtherItemsView(clean_text(others.heading), items)
