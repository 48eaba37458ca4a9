"""What `briefing.parse` reads of a feed at most, decided before the expensive steps (feedparser, lxml).

feedparser's cost grows with the events its XML parser reports: every tag, every entity reference (`&amp;`)
and every line break is one call into Python, about 2 microseconds each. Some of its work per item grows with
the square of the item's elements (categories and links go into lists it searches before each append: 10,000
categories in one item cost 1.7 s). Cleaning's cost grows with the length of each field. So a hostile feed
(150,000 items, thousands of tags or entities in its items, a title or a link of half a megabyte) could cost
tens of seconds of CPU on every poll. The body is cut after the last whole item within the budget (items,
events, and the sum over items of their tags squared) before feedparser sees it, and each field of an entry is
cut before it is cleaned.

The budget is above every real feed: of 5,272 real and test feeds in ../shared/data/feeds, the one with the most
events (a 2.5 MB podcast feed full of entities) has 186,000, the next 54,000; the item with the most tags outside
CDATA has 635, and the largest sum of squares is 1.4 million.
"""

from __future__ import annotations

import re

MAX_ENTRIES = 1_000  # a feed is a window on recent items; more than this is a dump or an attack
MAX_EVENTS = 300_000  # "<", "&" and line breaks in the part of the body read (about 0.7 s of feedparser)
MAX_SQUARED_TAGS = 25_000_000  # sum over items of (tags outside CDATA)^2: one item of 5,000 tags, 0.1 s
MAX_TITLE_MARKUP = 3_000  # a title's markup and entities, read before cleaning (the clean title is capped at 300)
MAX_URL = 4_096  # a longer link is no address anyone can use (it is dropped); a longer GUID is cut

_ITEM_END = re.compile(rb"</(?:[A-Za-z][\w.-]*:)?(?:item|entry)\s*>")
_CDATA = re.compile(rb"<!\[CDATA\[.*?\]\]>", re.S)
_TAIL_SEARCH = 65_536  # where the document's closing tags are looked for, from the end


def bounded_body(body: bytes) -> tuple[bytes, str | None]:
    """The body cut after the last whole item within the budget, and a warning saying so (None if whole).

    When not even the first item fits, the body is empty and the warning says why.
    """
    if _events(body, 0, len(body)) <= MAX_EVENTS and _small_items(body):
        return body, None
    kept = cut = events = squares = 0
    for match in _ITEM_END.finditer(body):
        events += _events(body, cut, match.end())
        squares += _tags_outside_cdata(body, cut, match.end()) ** 2
        if kept == MAX_ENTRIES:
            return _spliced(body, cut), f"more than {MAX_ENTRIES:,} items: read the first {MAX_ENTRIES:,}"
        if events > MAX_EVENTS or squares > MAX_SQUARED_TAGS:
            break
        kept, cut = kept + 1, match.end()
    too_much = "too much markup (tags, entities, lines)"
    if kept == 0:
        return b"", f"{too_much} before the end of the first item"
    return _spliced(body, cut), f"{too_much}: read the first {kept:,} items"


def _events(body: bytes, start: int, end: int) -> int:
    return body.count(b"<", start, end) + body.count(b"&", start, end) + body.count(b"\n", start, end)


def _tags_outside_cdata(body: bytes, start: int, end: int) -> int:
    """Tags of the XML itself: HTML inside CDATA is text to feedparser."""
    tags = body.count(b"<", start, end)
    if tags > 64:
        for section in _CDATA.finditer(body, start, end):
            tags -= body.count(b"<", section.start(), section.end()) - 1
    return tags


def _small_items(body: bytes) -> bool:
    """At most MAX_ENTRIES items, none of them large enough to matter to the sum of squares."""
    start = 0
    for count, match in enumerate(_ITEM_END.finditer(body), 1):
        if count > MAX_ENTRIES or _tags_outside_cdata(body, start, match.end()) ** 2 * MAX_ENTRIES > MAX_SQUARED_TAGS:
            return False
        start = match.end()
    return True


def _spliced(body: bytes, cut: int) -> bytes:
    """The body up to `cut`, then the closing tags after its last item (`</channel></rss>`), so it stays whole."""
    ends = [match.end() for match in _ITEM_END.finditer(body, max(cut, len(body) - _TAIL_SEARCH))]
    return body[:cut] + (body[ends[-1] :] if ends else b"")


def bounded_url(value: str | None) -> str | None:
    """A link, or None when it is too long to be one anybody could use."""
    return value if value is None or len(value) <= MAX_URL else None
