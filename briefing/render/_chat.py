"""The message a chat or webhook channel gets: a compact digest (headlines, each story's top bullet, links).

Each service caps a message's length (Discord 2,000 characters, Telegram 4,096, Slack 35,000); the digest is
made to fit the cap it is given by leaving out the lowest-ranked stories, in the email's trim order, and
saying so, rather than being cut mid-story by the service. Text is cleaned by the view and escaped for the
format: Markdown specials escaped, HTML through `html.escape`, links only when they are http(s).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping

from briefing.models import Edition
from briefing.render._email import trim_order, without
from briefing.render._env import md_escape
from briefing.render._view import Earlier, EditionView, StoryView, build_view


def chat_message(
    edition: Edition,
    fmt: str,
    max_chars: int,
    *,
    site_url: str | None = None,
    earlier: Mapping[str, Earlier] | None = None,
) -> tuple[str, str]:
    """(title, body) in `fmt` (markdown | text | html), the body at most `max_chars` characters."""
    order = trim_order(edition)
    compose = _FORMATS[fmt]
    for count in range(len(order) + 1):
        view = build_view(without(edition, order[:count]), trimmed=count, site_url=site_url, earlier=earlier)
        body = compose(view)
        if len(body) <= max_chars:
            return view.title, body
    return view.title, body[: max(0, max_chars - 1)] + "…"


def _markdown(view: EditionView) -> str:
    lines = [f"**{md_escape(view.title)}**", ""]
    for section in view.sections:
        lines.append(f"__{md_escape(section.name)}__")
        lines += [_markdown_story(story) for story in section.stories]
        lines.append("")
    lines += _footer(view, lambda text, url: f"[{md_escape(text)}]({url})")
    return "\n".join(lines).strip()


def _markdown_story(story: StoryView) -> str:
    link = story.sources[0].url if story.sources else None
    headline = f"[{md_escape(story.headline)}]({link})" if link else md_escape(story.headline)
    update = " (update)" if story.is_update else ""
    bullet = f"\n  {md_escape(story.bullets[0].text)}" if story.bullets else ""
    return f"- **{headline}**{update}{bullet}"


def _text(view: EditionView) -> str:
    lines = [view.title, ""]
    for section in view.sections:
        lines.append(section.name.upper())
        for story in section.stories:
            link = story.sources[0].url if story.sources else None
            lines.append(f"- {story.headline}{' (update)' if story.is_update else ''}")
            lines += [f"  {story.bullets[0].text}"] if story.bullets else []
            lines += [f"  {link}"] if link else []
        lines.append("")
    lines += _footer(view, lambda text, url: f"{text}: {url}")
    return "\n".join(lines).strip()


def _html(view: EditionView) -> str:
    parts = [f"<b>{html.escape(view.title)}</b>"]
    for section in view.sections:
        items = []
        for story in section.stories:
            link = story.sources[0].url if story.sources else None
            headline = html.escape(story.headline)
            headline = f'<a href="{html.escape(link)}">{headline}</a>' if link else headline
            bullet = f"<br>{html.escape(story.bullets[0].text)}" if story.bullets else ""
            items.append(f"<li><b>{headline}</b>{' (update)' if story.is_update else ''}{bullet}</li>")
        parts.append(f"<p><b>{html.escape(section.name)}</b></p><ul>{''.join(items)}</ul>")
    parts += [
        f"<p>{line}</p>" for line in _footer(view, lambda t, u: f'<a href="{html.escape(u)}">{html.escape(t)}</a>')
    ]
    return "".join(parts)


def _footer(view: EditionView, link: Callable[[str, str], str]) -> list[str]:
    lines = []
    if view.trimmed:
        lines.append(f"{view.trimmed} more {'story' if view.trimmed == 1 else 'stories'} in the full edition.")
    if view.full_url:
        lines.append(link("Read the full edition", view.full_url))
    return lines


_FORMATS: dict[str, Callable[[EditionView], str]] = {"markdown": _markdown, "text": _text, "html": _html}
