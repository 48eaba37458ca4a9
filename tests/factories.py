"""Small value factories shared by test modules (import: `from factories import article`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from briefing.models import Article, Feed

WHEN = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def article(id: str, text: str, title: str = "Harbour bridge to close", outlet: str = "Daily") -> Article:
    """An article published (and first seen) at WHEN, with a URL derived from its id."""
    return Article(
        id=id, url=f"https://example.org/{id}", title=title, text=text, outlet=outlet, published=WHEN, first_seen=WHEN
    )


def make_feed(key: str = "https://example.org/world.xml", section: str = "World", **changes: object) -> Feed:
    """A configured feed keyed (and fetched) by `key`."""
    return replace(Feed(key=key, url=key, section=section), **changes)  # type: ignore[arg-type]


def make_article(article_id: str = "a-1", published: datetime = WHEN, **changes: object) -> Article:
    """A stored-article-shaped value, published (and first seen) at `published`."""
    article = Article(
        id=article_id,
        url=f"https://example.org/{article_id}",
        title=f"Title {article_id}",
        text="Some text.",
        outlet="Example",
        published=published,
        first_seen=published,
    )
    return replace(article, **changes)  # type: ignore[arg-type]
