"""Turns a fetched feed body into clean `Article`s. Knows feeds and HTML, not HTTP.

`parse_feed` reads RSS, Atom and RDF (feedparser) and JSON Feed 1.x (stdlib json, which feedparser cannot
read), and returns a `ParsedFeed`: the articles, or an `error` saying why the body is not a usable feed (empty,
an HTML page, no version and no entries, zero entries, broken XML with nothing recoverable). Partial entries
of a truncated feed are kept with a `warning`.

Each entry is cleaned (text and URLs in `_clean`): a stable id, a canonical URL without tracking parameters,
a title without markup or entities, plain text with block elements turned into sentence breaks and
boilerplate lines dropped, a UTC published time (missing, unreadable or before EARLIEST_PUBLISHED such as the
.NET/Go zero date -> first seen; future -> now) and the language.
`extract_article` pulls the body out of an article page for `full_text` feeds (trafilatura). Instructions
addressed to a language model (prompt injections) are removed from titles and text here (`_injection`), so the
stored text that summaries are written from and checked against never holds them.

What is read of a hostile body is bounded before the expensive steps (`_budget`): the body is cut after the
last whole item within a budget of items and markup before feedparser reads it, and each entry's fields are cut
before they are cleaned, so no feed costs more than about a second of CPU.

This package is the only place that imports feedparser, trafilatura, dateparser, lxml and ftfy (`_clean`).
"""

from __future__ import annotations

import calendar
import hashlib
import html
import json
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import feedparser

from briefing.models import Article, Feed, ParsedFeed
from briefing.parse._budget import MAX_ENTRIES, MAX_TITLE_MARKUP, MAX_URL, bounded_body, bounded_url
from briefing.parse._clean import (
    MAX_MARKUP,
    canonical_url,
    clean_body,
    clean_text,
    clean_title,
    looks_like_url,
    one_line,
    title_from_text,
)
from briefing.parse._injection import is_instruction, without_instructions
from briefing.parse._media import KEY as MEDIA_DESCRIPTION
from briefing.parse._media import keep_media_descriptions_apart

__all__ = ["canonical_url", "clean_title", "extract_article", "parse_feed", "without_instructions"]

# feedparser's own cleaning is off: markup is cleaned here (`_clean`), and links are resolved against the feed URL.
# bench/poll.py's floor parses with the same options.
FEEDPARSER_OPTIONS: dict[str, bool] = {"sanitize_html": False, "resolve_relative_uris": False}
keep_media_descriptions_apart()  # a photo caption is not the item's text (`_media`); the floor parses so too
MAX_FOREIGN_DATES = 50
MAX_JSON_DEPTH = 64  # JSON Feed nests three levels; deeper is an attack on the decoder's recursion
EARLIEST_PUBLISHED = datetime(1990, 1, 1, tzinfo=UTC)  # before the web: a placeholder date, not a real one
DATE_LANGUAGES = ["en", "it", "pt", "es", "fr", "de", "nl"]
CUT_MIN_ITEMS = 3  # descriptions at one length, open-ended, before a feed is taken to cut them (`_cut_at_...`)
CUT_NEAR = 0.95  # ... within this share of the longest


@dataclass(frozen=True)
class _Entry:
    """One item as read from any format, before cleaning."""

    guid: str | None
    guid_is_link: bool  # RSS isPermaLink="true" (the default), or a JSON Feed id that is its url
    link: str | None
    title: str
    content: str  # the richest HTML or text field
    published: datetime | None
    raw_date: str | None  # kept when the format's date parser gave up (Italian/Portuguese month names)
    language: str | None
    offset: int | None = None  # the zone the date was written in, minutes east of UTC (`_written_offset`)


# ------------------------------------------------------------------------------------------------ public API


def parse_feed(body: bytes, headers: Mapping[str, str], feed: Feed, now: datetime) -> ParsedFeed:
    """Read one feed body. Never raises for bad input: an unusable body comes back as `ParsedFeed.error`."""
    try:
        return _parse_body(body, headers, feed, now)
    except Exception as exc:  # the contract's last line: a parser bug on hostile input is this feed's error
        return ParsedFeed((), error=f"unreadable feed: {type(exc).__name__}: {one_line(str(exc))[:160]}")


def _parse_body(body: bytes, headers: Mapping[str, str], feed: Feed, now: datetime) -> ParsedFeed:
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        return ParsedFeed((), error="empty body")
    if stripped[:1] in (b"{", b"["):
        return _parse_json_feed(stripped, feed, now)
    page_title = _html_page_title(stripped)
    if page_title is not None:
        return ParsedFeed((), error=f"an HTML page, not a feed{page_title}")
    return _parse_xml_feed(body, headers, feed, now)


def extract_article(page: str, url: str) -> str | None:
    """The main text of an article page, or None when trafilatura finds no article in it."""
    import trafilatura  # imported late: ~1 s of start-up that only full-text feeds need

    try:
        text = trafilatura.extract(page, url=url, include_comments=False, include_tables=False, favor_precision=True)
    except Exception:  # trafilatura on hostile HTML: no extraction is the documented outcome
        return None
    if not text:
        return None
    return without_instructions(clean_text(str(text), markup=False)) or None


# ------------------------------------------------------------------------------------------------ formats


def _parse_xml_feed(body: bytes, headers: Mapping[str, str], feed: Feed, now: datetime) -> ParsedFeed:
    body, cut = bounded_body(body)  # before feedparser, whose cost grows with the items and tags it meets
    if not body:
        return ParsedFeed((), error=f"not read: {cut}")
    parsed = _parse_xml_body(body, headers, feed, now)
    if cut is None:
        return parsed
    return replace(parsed, warning="; ".join(note for note in (cut, parsed.warning) if note))


def _parse_xml_body(body: bytes, headers: Mapping[str, str], feed: Feed, now: datetime) -> ParsedFeed:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = feedparser.parse(body, response_headers=dict(headers), **FEEDPARSER_OPTIONS)
        version = parsed.get("version") or ""
        channel = parsed.get("feed", {})
        # feedparser warns when `updated_parsed` falls back to `published_parsed`; both are read on purpose
        entries = [_from_feedparser(e, channel) for e in parsed.get("entries", [])[:MAX_ENTRIES]]
    problem = _bozo_reason(parsed)
    if problem and entries and _truncated(body):
        entries = entries[:-1]  # the item the cut went through: its title or text stops mid-word
    if not entries:
        return ParsedFeed((), title=_channel_title(channel), error=_why_no_entries(version, problem))
    articles = _articles(entries, feed, _channel_title(channel), now, headers)
    warning = f"malformed feed, kept {len(entries)} entries: {problem}" if problem else None
    return ParsedFeed(articles, title=_channel_title(channel), ttl=_ttl(channel.get("ttl")), warning=warning)


def _why_no_entries(version: str, problem: str | None) -> str:
    if not version:
        return "not a feed: no RSS/Atom version detected and no entries" + (f" ({problem})" if problem else "")
    if problem:
        return f"malformed {version} feed with no readable entries: {problem}"
    return f"{version} feed has no entries"


def _truncated(body: bytes) -> bool:
    """The document stops before its root element closes (a cut-off download)."""
    return re.search(rb"</(?:[\w.-]+:)?(?:rss|feed|RDF)>\s*$", body[-256:]) is None


def _bozo_reason(parsed: Any) -> str | None:
    """The XML error that matters; encoding guesses that feedparser recovered from are not problems."""
    if not parsed.get("bozo"):
        return None
    exc = parsed.get("bozo_exception")
    if exc is None or type(exc).__name__ in ("CharacterEncodingOverride", "NonXMLContentType"):
        return None
    return one_line(f"{type(exc).__name__}: {exc}")[:200]


def _from_feedparser(entry: Any, channel: Any) -> _Entry:
    """One feedparser entry, its keys read as a plain dict: FeedParserDict's own lookup (aliases such as
    `description`, and `updated` falling back to `published`) costs more per key than the rest of this, and
    none of these keys is an alias; `updated` is read only when `published` is empty, so its fallback would
    give nothing more."""
    get = dict.get
    guid = get(entry, "id") or None
    link = get(entry, "link") or _alternate_link(get(entry, "links", []))
    struct = get(entry, "published_parsed") or get(entry, "updated_parsed") or get(entry, "created_parsed")
    published = _from_struct(struct)
    raw_date = get(entry, "published") or get(entry, "updated") or None
    content, language = _richest(entry)
    offset = _written_offset(str(raw_date)) if raw_date else None
    return _Entry(
        guid=str(guid) if guid else None,
        guid_is_link=bool(get(entry, "guidislink")) or looks_like_url(str(guid or "")),
        link=str(link) if link else None,
        title=str(get(entry, "title", "")),
        content=content,
        published=published,
        raw_date=str(raw_date) if raw_date and not published else None,
        language=language or channel.get("language"),
        offset=offset,
    )


def _from_struct(struct: Any) -> datetime | None:
    """feedparser's UTC struct_time as a datetime; None when it is out of datetime's range (year 0, 10000)."""
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _richest(entry: Any) -> tuple[str, str | None]:
    """The longest of content, summary and description, with its language when given; the media description
    (a photo's caption, or a video's text) only when there is nothing else (`_media`)."""
    get = dict.get  # see `_from_feedparser`
    candidates = [(get(c, "value", ""), get(c, "language")) for c in get(entry, "content", []) or []]
    detail = get(entry, "summary_detail") or {}
    candidates.append((get(entry, "summary", "") or "", get(detail, "language")))
    value, language = max(candidates, key=lambda c: len(c[0] or ""))
    if not value:
        media = get(entry, MEDIA_DESCRIPTION + "_detail") or {}
        value, language = get(entry, MEDIA_DESCRIPTION, "") or "", get(media, "language")
    return str(value or ""), language


def _alternate_link(links: Iterable[Any]) -> str | None:
    for link in links:
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    return None


def _parse_json_feed(body: bytes, feed: Feed, now: datetime) -> ParsedFeed:
    """JSON Feed 1 and 1.1 (https://jsonfeed.org/version/1.1)."""
    if _json_depth(body) > MAX_JSON_DEPTH:
        return ParsedFeed((), error="not a feed: JSON nested too deeply")
    try:
        data = json.loads(body.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError) as exc:
        return ParsedFeed((), error=f"not a feed: invalid JSON ({one_line(str(exc))[:120]})")
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith("https://jsonfeed.org/version/1"):
        return ParsedFeed((), error="not a feed: JSON without a JSON Feed version")
    title = _channel_title(data)
    listed = data.get("items")
    items = [i for i in listed if isinstance(i, dict)][:MAX_ENTRIES] if isinstance(listed, list) else []
    if not items:
        return ParsedFeed((), title=title, error="JSON Feed has no items")
    language = data.get("language") if isinstance(data.get("language"), str) else None
    entries = [_from_json_item(item, language) for item in items]
    return ParsedFeed(_articles(entries, feed, title, now, {}), title=title)


def _from_json_item(item: dict[str, Any], language: str | None) -> _Entry:
    guid = str(item.get("id") or "") or None
    link = item.get("url") or item.get("external_url")
    content = max((str(item.get(k) or "") for k in ("content_html", "content_text", "summary")), key=len)
    raw_date = str(item.get("date_published") or item.get("date_modified") or "") or None
    published = _iso_date(raw_date)
    return _Entry(
        guid=guid,
        guid_is_link=bool(guid and link and guid == link) or looks_like_url(guid or ""),
        link=str(link) if link else None,
        title=str(item.get("title") or ""),
        content=content,
        published=published,
        raw_date=raw_date if raw_date and not published else None,
        language=str(item.get("language") or language or "") or None,
        offset=_written_offset(raw_date) if raw_date else None,
    )


def _json_depth(body: bytes) -> int:
    """The deepest nesting of brackets outside strings (a linear scan; json.loads recurses per level)."""
    depth = deepest = 0
    for token in re.finditer(rb'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]', body):
        char = token.group(0)[:1]
        if char in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in b"]}":
            depth -= 1
    return deepest


def _iso_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):  # not ISO 8601, or year 1 / 9999 pushed out of range by its offset
        return None


# ------------------------------------------------------------------------------------------------ articles


def _articles(
    entries: list[_Entry], feed: Feed, channel_title: str | None, now: datetime, headers: Mapping[str, str]
) -> tuple[Article, ...]:
    """Clean every entry; one article per id (feeds repeat items)."""
    entries = [_bounded(entry) for entry in entries]
    repeated = Counter(e.guid for e in entries if e.guid)
    titles_by_link: dict[str, set[str]] = {}
    for entry in entries:
        titles_by_link.setdefault(entry.link or "", set()).add(entry.title)
    outlet = feed.name or feed.title or channel_title or feed.outlet
    fallback_language = _language(headers.get("content-language") or headers.get("Content-Language"))
    foreign = _foreign_dates(entry.raw_date for entry in entries if entry.raw_date)
    articles: dict[str, Article] = {}
    ends_open: set[str] = set()
    for entry in entries:
        trusted_link = len(titles_by_link[entry.link or ""]) == 1  # not a home page shared by every item
        published = _published(entry.published or foreign.get(entry.raw_date or ""), now)
        article, open_end = _article(
            entry, feed, outlet, published, now, trusted_guid=repeated[entry.guid or ""] == 1, trusted_link=trusted_link
        )
        if article.id not in articles:
            articles[article.id] = article if article.language else _with_language(article, fallback_language)
            if open_end:
                ends_open.add(article.id)
    cut = tuple(_cut_mid_sentence(a) if a.id in ends_open else a for a in articles.values())
    return _without_source_credits(_without_repeated_lines(_cut_at_a_fixed_length(cut, ends_open)))


# Words no sentence ends on: a text whose last line, without a full stop of its own, ends on one was cut off by
# the feed ("... converted my images to one of", "... explains that Amazon's"). Not prepositions or verbs, on
# which a sentence may end ("the two sides cannot agree on", "it used to be").
_OPEN_WORD = re.compile(r"(?:\b(?:a|an|the|and|or|but|nor|of|than|its|their|his|our|your|my)|['’]s)\.$", re.IGNORECASE)


def _cut_mid_sentence(article: Article) -> Article:
    return _marked_cut(article) if _OPEN_WORD.search(article.text) else article


def _marked_cut(article: Article) -> Article:
    """The article with its last full stop, which cleaning added, turned into the ellipsis the feed left out."""
    return replace(article, text=article.text[:-1] + "…")


def _cut_at_a_fixed_length(articles: tuple[Article, ...], ends_open: set[str]) -> tuple[Article, ...]:
    """Descriptions the feed cut at a fixed length, mid-sentence and without an ellipsis ("... then moved to
    application programming, then back and"): most of the feed's long texts that end without a full stop of
    their own end within a few characters of the longest. Their last sentence is marked as cut ("…", as if the
    feed had said so), so that it is never printed as a whole sentence. A feed whose descriptions merely omit
    the final full stop writes them at all lengths."""
    open_ended = [a for a in articles if a.id in ends_open and a.text.endswith(".")]
    if len(open_ended) < CUT_MIN_ITEMS:
        return articles
    cap = max(len(a.text) for a in open_ended)
    at_cap = {a.id for a in open_ended if len(a.text) >= cap * CUT_NEAR}
    long = [a for a in open_ended if len(a.text) >= cap / 2]
    if len(at_cap) < CUT_MIN_ITEMS or 2 * len(at_cap) < len(long):
        return articles
    return tuple(_marked_cut(a) if a.id in at_cap else a for a in articles)


def _bounded(entry: _Entry) -> _Entry:
    """The entry's fields cut to what cleaning reads, so that no field's length sets the cost (see `_budget`)."""
    if (
        len(entry.guid or "") <= MAX_URL
        and len(entry.link or "") <= MAX_URL
        and len(entry.title) <= MAX_TITLE_MARKUP
        and len(entry.content) <= MAX_MARKUP
    ):
        return entry  # every field within its cap (almost every entry): nothing to cut
    return replace(
        entry,
        guid=entry.guid[:MAX_URL] if entry.guid else entry.guid,
        link=bounded_url(entry.link),
        title=entry.title[:MAX_TITLE_MARKUP],
        content=entry.content[:MAX_MARKUP],
    )


def _without_repeated_lines(articles: tuple[Article, ...]) -> tuple[Article, ...]:
    """Drop lines that recur across a feed's items: channel blurbs, sign-offs and promotions, not news.

    A line counts as boilerplate when it appears in at least 3 items and a quarter of them (video channels
    append the same "Subscribe ..." block to every description).
    """
    seen = Counter(line for article in articles for line in set(article.text.split("\n")) if line)
    floor = max(3, len(articles) / 4)
    repeated = {line for line, count in seen.items() if count >= floor}
    if not repeated:
        return articles
    return tuple(
        replace(a, text="\n".join(line for line in a.text.split("\n") if line not in repeated)) for a in articles
    )


# "[Premium Times] The witnesses denied ...": an aggregator's credit to the outlet it took the item from.
_SOURCE_CREDIT = re.compile(r"^\[[^\]\n]{1,60}\]\s+(?=[\w\"“‘'])")


def _without_source_credits(articles: tuple[Article, ...]) -> tuple[Article, ...]:
    """Drop the bracketed credit that opens the text of most of a feed's items (at least 3 and a quarter of
    them, as `_without_repeated_lines` counts): an aggregator naming its source before each item's text, which
    differs from item to item, so no repeated line shows it. Left in, it opens every bullet and is words two
    items of one source share although their stories do not. One item opening on a bracket keeps it ("[Updated]
    ...", a blog's "[After Bear blew up] ...")."""
    credits = {a.id: credit.end() for a in articles if (credit := _SOURCE_CREDIT.match(a.text))}
    if len(credits) < max(3, len(articles) / 4):
        return articles
    return tuple(replace(a, text=a.text[credits[a.id] :]) if a.id in credits else a for a in articles)


def _article(
    entry: _Entry,
    feed: Feed,
    outlet: str,
    published: datetime,
    now: datetime,
    *,
    trusted_guid: bool,
    trusted_link: bool,
) -> tuple[Article, bool]:
    """The article, and whether its text's last line had no end of its own (`clean_body`)."""
    url = (canonical_url(entry.link, base=feed.url) if entry.link and entry.link.strip() else None) or ""
    cleaned, ends_open = clean_body(entry.content, markup=True)
    text = without_instructions(cleaned)
    title = _title(entry.title, text)
    guid = _trustworthy_guid(entry, feed, url) if trusted_guid else None
    identity = guid or (url if trusted_link else "") or "content:" + title + "\n" + text
    return Article(
        id="a-" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:16],
        url=url,
        title=title,
        text=text,
        outlet=outlet,
        published=published,
        first_seen=now,
        feeds=(feed.key,),
        language=_language(entry.language),
        guid=entry.guid,
        published_offset=entry.offset if published == entry.published else None,  # not for a first-seen time
    ), ends_open and text.rsplit("\n", 1)[-1] == cleaned.rsplit("\n", 1)[-1]


def _title(raw: str, text: str) -> str:
    """The entry's title, or the text's first sentence when it has none or the title is an instruction."""
    title = clean_title(raw)
    return title if title and not is_instruction(title) else title_from_text(text)


def _with_language(article: Article, language: str | None) -> Article:
    return replace(article, language=language)


def _trustworthy_guid(entry: _Entry, feed: Feed, url: str) -> str | None:
    """The GUID as an identity, or None when it cannot be trusted to name one article across feeds.

    URL-shaped GUIDs are canonicalised like links; other GUIDs are only unique within a publisher, so they are
    qualified by the host of the article link (or the feed).
    """
    guid = (entry.guid or "").strip()
    if len(guid) < 6 or guid in (feed.url, feed.key):
        return None
    if entry.guid_is_link or looks_like_url(guid):
        return canonical_url(guid, base=feed.url)
    host = urlsplit(url or feed.url).hostname or ""
    return f"guid:{host.removeprefix('www.')}:{guid}"


def _published(published: datetime | None, now: datetime) -> datetime:
    """Missing or a placeholder before EARLIEST_PUBLISHED -> first seen (now); in the future -> now.

    Every stored date then lies between 1990 and now, so a later stage can add or subtract any window."""
    if published is None or published > now or published < EARLIEST_PUBLISHED:
        return now
    return published


# RFC 822's zones (feedparser reads the same): a number, or one of these names
_ZONE = re.compile(r"(?:([+-])(\d\d):?(\d\d)|\b([ECMP][SD]T))\s*$", re.IGNORECASE)
_NAMED_ZONES = {"EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360, "PST": -480, "PDT": -420}


def _written_offset(raw: str) -> int | None:
    """The zone a date was written in, in minutes east of UTC: "Tue, 02 Jun 2020 05:00:00 +0800" -> 480.

    None for no zone, and for UTC (+00:00, Z, GMT), which tells nothing of the writer: many feeds write every
    date in UTC. The writer's zone matters for what "today" meant to them (`models.Article.published_offset`)."""
    match = _ZONE.search(raw[-40:])
    if match is None:
        return None
    if match[4]:
        return _NAMED_ZONES[match[4].upper()]
    minutes = int(match[2]) * 60 + int(match[3])
    if minutes == 0 or minutes > 14 * 60:  # UTC, or no zone on Earth
        return None
    return -minutes if match[1] == "-" else minutes


def _foreign_dates(raws: Iterable[str]) -> dict[str, datetime]:
    """Dates feedparser cannot read (Italian/Portuguese month names), for at most MAX_FOREIGN_DATES per feed.

    dateparser costs ~8 ms a call after a ~1 s warm-up; the cap bounds a feed of unreadable dates.
    """
    found: dict[str, datetime] = {}
    for raw in list(dict.fromkeys(raws))[:MAX_FOREIGN_DATES]:
        date = _foreign_date(raw)
        if date is not None:
            found[raw] = date
    return found


def _foreign_date(raw: str) -> datetime | None:
    if len(raw) > 80:
        return None
    import dateparser  # type: ignore[import-untyped]  # imported late: only unusual dates pay for its data

    try:
        found = dateparser.parse(
            raw, languages=DATE_LANGUAGES, settings={"TO_TIMEZONE": "UTC", "RETURN_AS_TIMEZONE_AWARE": True}
        )
        return found.astimezone(UTC) if found else None
    except Exception:  # dateparser on junk (or a date out of range): first-seen time is the documented fallback
        return None


_LANGUAGE = re.compile(r"[a-z]{2,3}")


def _language(value: object) -> str | None:
    """The primary language subtag ("en-GB" -> "en"), when the feed gives one."""
    if not isinstance(value, str):
        return None
    primary = value.strip().lower().replace("_", "-").split("-")[0]
    return primary if _LANGUAGE.fullmatch(primary) else None


def _ttl(value: object) -> timedelta | None:
    try:
        minutes = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return timedelta(minutes=minutes) if 0 < minutes <= 60 * 24 * 7 else None


def _channel_title(channel: Any) -> str | None:
    title = clean_title(str(channel.get("title", ""))[:MAX_TITLE_MARKUP])
    return title if title and not is_instruction(title) else None


# ------------------------------------------------------------------------------------------------ sniffing

_ROOT = re.compile(rb"<([A-Za-z][\w:.-]*)")
_COMMENT = re.compile(rb"<!--.*?-->", re.S)
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.S | re.I)


def _html_page_title(body: bytes) -> str | None:
    """When the document's root element is <html>: ": <its title>" (or ""), else None.

    feedparser does not flag an HTML error page (a CDN's 403) served where a feed should be.
    """
    head = _COMMENT.sub(b"", body[:8192])
    head = re.sub(rb"<[?!][^>]*>", b"", head)
    root = _ROOT.search(head)
    if root is None or root.group(1).lower() != b"html":
        return None
    title = _TITLE.search(body[:65536])
    if title is None:
        return ""
    text = " ".join(html.unescape(title.group(1).decode("utf-8", errors="replace")).split())
    return f": {text[:120]!r}" if text else ""
