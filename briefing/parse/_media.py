"""`<media:description>` kept apart from the item's own text.

feedparser files Media RSS's `<media:description>` as if it were the item's `<description>`: when the item's
description came first, the media one becomes the item's `content` (kurtmckee/feedparser#53, open since 2016).
In an RSS item that media description describes a picture: a photo caption ("Terrence Floyd visits the site
where ..."). Since the body is the longest of content and summary, a caption a few characters longer than the
description replaced the article's text, and captions became bullets.

Here feedparser keeps it under its own key, `media_description`, the way it already keeps `<media:credit>`.
The body falls back to it only when the item has no other text: a YouTube entry's only text is its video's
`<media:description>`, and it is read exactly as before.
"""

from __future__ import annotations

from typing import Any

from feedparser.namespaces.mediarss import Namespace

KEY = "media_description"


def _start_media_description(parser: Any, attrs_d: dict[str, str]) -> None:
    # As feedparser's `<description>`: HTML by default, so entities and markup are read the same way.
    parser.push_content(KEY, attrs_d, "text/html", parser.infeed or parser.inentry or parser.insource)


def _end_media_description(parser: Any) -> None:
    parser.pop_content(KEY)


def keep_media_descriptions_apart() -> None:
    """Install the two handlers on feedparser's Media RSS namespace (idempotent; this process only)."""
    setattr(Namespace, "_start_media_description", _start_media_description)  # noqa: B010
    setattr(Namespace, "_end_media_description", _end_media_description)  # noqa: B010
