"""Small value factories shared by test modules (import: `from factories import article`)."""

from __future__ import annotations

from datetime import UTC, datetime

from briefing.models import Article

WHEN = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def article(id: str, text: str, title: str = "Harbour bridge to close", outlet: str = "Daily") -> Article:
    """An article published (and first seen) at WHEN, with a URL derived from its id."""
    return Article(
        id=id, url=f"https://example.org/{id}", title=title, text=text, outlet=outlet, published=WHEN, first_seen=WHEN
    )
