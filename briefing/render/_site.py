"""The static site: the latest edition as index.html, a page per edition, an archive, Atom and JSON feeds.

Every page lives in one flat folder and links to the others by bare file name, so the folder can be served from
any path. Edition pages are the edition's Markdown converted with the `markdown` package (the same text a Hugo,
Jekyll or Eleventy site would convert), inside the `site/edition.html` layout. Feed entry ids are stable:
`site_url`-based when a site URL is configured, else `tag:` URIs; set `site_url` before publishing feeds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from urllib.parse import urlsplit

import jinja2
import markdown
from markupsafe import Markup

from briefing.config import RenderSettings
from briefing.errors import ConfigError
from briefing.models import Edition
from briefing.render._env import environment, render_template
from briefing.render._view import Earlier, EditionView, build_view, clean_text, earlier_of, site_base

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
FEED_VERSION = "https://jsonfeed.org/version/1.1"


@dataclass(frozen=True)
class SiteInfo:
    title: str
    base: str | None  # site_url without the trailing slash, when configured and http(s)
    feed_id: str
    updated: str
    home_url: str
    feed_url: str | None


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    href: str
    published: str
    updated: str
    stories: int
    tags: tuple[str, ...]
    summary: str
    content_html: str


def markdown_to_html(text: str) -> str:
    """The body of a `briefing.md` (front matter removed) as HTML."""
    converter = _converter()
    html: str = converter.reset().convert(_FRONT_MATTER.sub("", text, count=1))
    return html


@cache
def _converter() -> markdown.Markdown:
    """One converter, reset between documents: building one costs more than converting a short edition."""
    return markdown.Markdown(output_format="html")


def _site_info(settings: RenderSettings, latest: Edition | None) -> SiteInfo:
    base = site_base(settings.site_url)
    updated = latest.generated_at.isoformat() if latest else "1970-01-01T00:00:00+00:00"
    return SiteInfo(
        title=clean_text(settings.site_title),
        base=base,
        # A tag: URI's date is when its minter held the name; a fixed one keeps the id stable forever.
        feed_id=f"{base}/feed.xml" if base else f"tag:{_authority(base)},2026:feed",
        updated=updated,
        home_url=f"{base}/index.html" if base else "index.html",
        feed_url=f"{base}/feed.xml" if base else None,
    )


def _authority(base: str | None) -> str:
    return (urlsplit(base).hostname if base else None) or "briefing.invalid"


def _entry(edition: Edition, view: EditionView, content_html: str, base: str | None) -> Entry:
    page = f"{edition.id}.html"
    day = edition.window_end.date().isoformat()
    headlines = [story.headline for section in view.sections for story in section.stories]
    return Entry(
        id=f"{base}/{page}" if base else f"tag:{_authority(base)},{day}:edition/{edition.id}",
        title=view.title,
        href=f"{base}/{page}" if base else page,
        published=edition.window_end.isoformat(),
        updated=edition.generated_at.isoformat(),
        stories=view.story_count,
        tags=tuple(section.name for section in view.sections if section.stories),
        summary="; ".join(headlines[:5]) or "No new stories.",
        content_html=content_html,
    )


def _json_feed(site: SiteInfo, entries: Sequence[Entry]) -> bytes:
    feed: dict[str, object] = {
        "version": FEED_VERSION,
        "title": site.title,
        "items": [
            {
                "id": e.id,
                **({"url": e.href} if site.base else {}),  # JSON Feed has no base URL: no relative links
                "title": e.title,
                "summary": e.summary,
                "content_html": e.content_html,
                "date_published": e.published,
                "date_modified": e.updated,
                "tags": list(e.tags),
            }
            for e in entries
        ],
    }
    if site.base:
        feed["home_page_url"] = site.home_url
        feed["feed_url"] = f"{site.base}/feed.json"
    return (json.dumps(feed, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def render_site_files(
    editions: Sequence[Edition], settings: RenderSettings, markdown_of: Callable[[Edition, EditionView], str]
) -> dict[str, bytes]:
    """Every file of `site/`, keyed `site/<name>`, for `editions` in any order (sorted here, newest first)."""
    ordered = sorted(editions, key=lambda e: (e.window_end, e.id), reverse=True)
    reporting = [e for e in ordered if e.stories]  # an edition with no stories never leads the site or a feed
    site = _site_info(settings, reporting[0] if reporting else None)
    files: dict[str, bytes] = {}
    pages = []
    for edition, earlier in zip(ordered, _earlier_in_order(ordered, settings.site_url), strict=True):
        view = build_view(edition, site_url=settings.site_url, earlier=earlier)
        html = markdown_to_html(markdown_of(edition, view))
        pages.append((edition, view, html, _entry(edition, view, html, site.base)))
    local = [(e, v, h, _entry(e, v, h, None)) for e, v, h, _ in pages]  # relative links between pages
    if site.base is None:  # a feed has no base URL: its entries link earlier editions only absolutely
        pages = [_feed_page(settings, p[0], p[1], markdown_of) if _links_pages(p[1]) else p for p in pages]
    front = next((edition.id for edition in reporting), None)
    for i, (edition, view, html, _) in enumerate(local):
        newer = local[i - 1][3] if i > 0 else None
        older = local[i + 1][3] if i + 1 < len(local) else None
        page = _page(settings, site, view, html, newer, older)
        files[f"site/{edition.id}.html"] = page
        if edition.id == front:  # the front page has no "newer" link: a later edition had nothing to say
            files["site/index.html"] = _page(settings, site, view, html, None, older) if newer else page
    if front is None:
        files["site/index.html"] = _text(settings, "site/archive.html", site=site, entries=[])
    files["site/archive.html"] = _text(settings, "site/archive.html", site=site, entries=[p[3] for p in local])
    feed_entries = [p[3] for p in pages if p[0].stories][: settings.feed_entries]
    files["site/feed.xml"] = _text(settings, "site/feed.xml", site=site, entries=feed_entries)
    files["site/feed.json"] = _json_feed(site, feed_entries)
    files["site/style.css"] = _static(settings, "site/style.css")
    return files


def _links_pages(view: EditionView) -> bool:
    return any(story.earlier is not None for section in view.sections for story in section.stories)


def _feed_page(
    settings: RenderSettings, edition: Edition, view: EditionView, markdown_of: Callable[[Edition, EditionView], str]
) -> tuple[Edition, EditionView, str, Entry]:
    """A feed entry without the relative links to earlier pages (no site_url: nothing to make them absolute)."""
    stories = [story for section in view.sections for story in section.stories]
    earlier = {story.id: replace(story.earlier, url=None) for story in stories if story.earlier is not None}
    bare = build_view(edition, site_url=None, earlier=earlier)
    html = markdown_to_html(markdown_of(edition, bare))
    return edition, bare, html, _entry(edition, bare, html, None)


def _earlier_in_order(newest_first: Sequence[Edition], site_url: str | None) -> list[dict[str, Earlier]]:
    """For each edition, where its stories were last reported: one pass from the oldest edition up."""
    last_seen: dict[str, Earlier] = {}
    found = []
    for edition in reversed(newest_first):
        found.append({s.id: last_seen[s.id] for s in edition.stories if s.id in last_seen})
        earlier = earlier_of(edition, site_url)
        page = earlier if earlier.url else replace(earlier, url=f"{edition.id}.html")  # pages share one folder
        last_seen.update({s.id: page for s in edition.stories})
    return found[::-1]


def _page(
    settings: RenderSettings, site: SiteInfo, view: EditionView, html: str, newer: Entry | None, older: Entry | None
) -> bytes:
    content = Markup(html)  # made by `markdown` from text escaped by md_escape; see test_render_safety
    return _text(settings, "site/edition.html", site=site, view=view, content=content, newer=newer, older=older)


def _text(settings: RenderSettings, name: str, **values: object) -> bytes:
    return render_template(settings.templates_dir, name, **values).encode()


def _static(settings: RenderSettings, name: str) -> bytes:
    """A file served as it is (the stylesheet), from the user's folder first like any template."""
    env = environment(settings.templates_dir)
    assert env.loader is not None
    try:
        source, _, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound as exc:
        raise ConfigError(f"template {name} not found") from exc
    return source.encode()
