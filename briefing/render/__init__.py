"""render: turns an `Edition` into files. The only stage that imports jinja2, premailer, markdown and cssutils.

It knows templates and output formats; it does not know the store, feeds, summarisers or how files are written
(`briefing.deliver.files` writes what it returns). Output keys are paths relative to the outputs folder:

    editions/<id>/briefing.json   edition_to_dict, sorted keys, two-space indent: reruns are byte-identical
    editions/<id>/briefing.md     YAML front matter + Markdown with reference-style links
    editions/<id>/email.html      inlined HTML email, trimmed to `email_max_kb`
    editions/<id>/email.txt       the plain-text part, 72 columns, the same stories as email.html
    site/...                      from `render_site`: index, a page per edition, archive, feed.xml, feed.json

Feed text is hostile: `_view` cleans it and keeps only http(s) links, templates escape it (autoescape for HTML
and XML, `md` for Markdown). `tests/test_render_safety.py` parses every output to prove it stays inert.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import yaml

from briefing.config import RenderSettings
from briefing.errors import ConfigError
from briefing.models import Edition, EmailVariant, RenderedEdition, edition_to_dict
from briefing.render._chat import chat_message as _chat_message
from briefing.render._email import EmailParts, fit_email
from briefing.render._env import bundled_templates_path, render_template
from briefing.render._site import render_site_files
from briefing.render._view import Earlier, EditionView, build_view, clean_text, earlier_reports, zone

__all__ = [
    "bundled_templates_path",
    "chat_message",
    "email_variants",
    "render_edition",
    "render_markdown",
    "render_site",
]

_SAFE_ID = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,99}\Z")


def render_edition(edition: Edition, settings: RenderSettings, previous: Sequence[Edition] = ()) -> RenderedEdition:
    """Every per-edition file of `edition` in the formats `settings.formats` names. `previous` (any order, may
    include `edition` itself) names, for each continuing story, the edition that last reported it."""
    folder = f"editions/{_checked_id(edition)}"
    earlier = earlier_reports(edition, previous, settings.site_url)
    view = build_view(edition, site_url=settings.site_url, earlier=earlier)
    files: dict[str, bytes] = {}
    trimmed, warnings = 0, tuple[str, ...]()
    for name in settings.formats:
        output = FORMATS[name](edition, view, settings, earlier)
        files.update({f"{folder}/{path}": data for path, data in output.files.items()})
        trimmed, warnings = max(trimmed, output.trimmed), warnings + output.warnings
    return RenderedEdition(edition.id, files, trimmed_stories=trimmed, warnings=warnings)


@dataclass(frozen=True)
class _Output:
    files: dict[str, bytes]
    trimmed: int = 0
    warnings: tuple[str, ...] = ()


def _json_format(
    edition: Edition, view: EditionView, settings: RenderSettings, earlier: Mapping[str, Earlier]
) -> _Output:
    return _Output({"briefing.json": edition_json(edition)})


def _markdown_format(
    edition: Edition, view: EditionView, settings: RenderSettings, earlier: Mapping[str, Earlier]
) -> _Output:
    return _Output({"briefing.md": _markdown(edition, view, settings).encode()})


def _email_format(
    edition: Edition, view: EditionView, settings: RenderSettings, earlier: Mapping[str, Earlier]
) -> _Output:
    email = render_email(edition, settings, earlier=earlier)
    return _Output({"email.html": email.html.encode(), "email.txt": email.text.encode()}, email.trimmed, email.warnings)


def _site_format(
    edition: Edition, view: EditionView, settings: RenderSettings, earlier: Mapping[str, Earlier]
) -> _Output:
    return _Output({})  # the site spans every edition: `render_site`, written by the pipeline with the rest


# The registry of output formats (`render.formats`): a new format is a template and one entry here.
FORMATS: dict[str, Callable[[Edition, EditionView, RenderSettings, Mapping[str, Earlier]], _Output]] = {
    "json": _json_format,
    "markdown": _markdown_format,
    "email": _email_format,
    "site": _site_format,
}


def email_variants(
    edition: Edition,
    settings: RenderSettings,
    filters: Iterable[Sequence[str] | None],
    previous: Sequence[Edition] = (),
) -> dict[tuple[str, ...] | None, EmailVariant]:
    """The email of `edition` for each sections filter (and always for None: every section), inlined once each.
    Keys are the filters' sorted section names."""
    earlier = earlier_reports(edition, previous, settings.site_url)
    keys = {None, *(tuple(sorted(f)) for f in filters if f is not None)}
    variants = {}
    for key in keys:
        shown = (
            edition if key is None else replace(edition, sections=tuple(s for s in edition.sections if s.name in key))
        )
        parts = render_email(shown, settings, earlier=earlier)
        variants[key] = EmailVariant(key, shown, parts.text, parts.html)
    return variants


def chat_message(
    edition: Edition,
    settings: RenderSettings,
    fmt: str,
    max_chars: int,
    *,
    sections: Sequence[str] | None = None,
    previous: Sequence[Edition] = (),
) -> tuple[str, str]:
    """(title, body) of a chat or webhook channel's digest of `edition`, within `max_chars`."""
    shown = (
        edition
        if sections is None
        else replace(edition, sections=tuple(s for s in edition.sections if s.name in sections))
    )
    earlier = earlier_reports(shown, previous, settings.site_url)
    return _chat_message(shown, fmt, max_chars, site_url=settings.site_url, earlier=earlier)


def render_site(editions: Sequence[Edition], settings: RenderSettings) -> dict[str, bytes]:
    """Every file of the static site, keyed `site/<name>`: the latest edition is index.html."""
    for edition in editions:
        _checked_id(edition)
    return render_site_files(editions, settings, lambda e, view: _markdown(e, view, settings))


def edition_json(edition: Edition) -> bytes:
    """`briefing.json`: sorted keys and fixed formatting, so an unchanged edition rewrites identical bytes."""
    return (json.dumps(edition_to_dict(edition), sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def render_markdown(edition: Edition, settings: RenderSettings, previous: Sequence[Edition] = ()) -> str:
    """`briefing.md`: front matter that Hugo, Jekyll and Eleventy accept, then escaped Markdown."""
    earlier = earlier_reports(edition, previous, settings.site_url)
    return _markdown(edition, build_view(edition, site_url=settings.site_url, earlier=earlier), settings)


def _markdown(edition: Edition, view: EditionView, settings: RenderSettings) -> str:
    matter = front_matter(edition)
    return render_template(settings.templates_dir, "briefing.md", edition=edition, view=view, front_matter=matter)


def front_matter(edition: Edition) -> str:
    """YAML (via safe_dump, so any title is quoted correctly) with the date at the edition zone's offset."""
    data = {
        "title": clean_text(edition.title),
        "date": edition.window_end.astimezone(zone(edition.timezone)).isoformat(),
        "id": edition.id,
        "edition": edition.name,
        "tags": [clean_text(s.name) for s in edition.sections if s.stories],
        "summariser": edition.summariser,
        "summarised_by": _summarised_by(edition),
    }
    dumped: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000)
    return dumped


def _summarised_by(edition: Edition) -> dict[str, int]:
    """Stories per summariser that wrote their bullets ("gpt-4o-mini", "extractive")."""
    counts: dict[str, int] = {}
    for story in edition.stories:
        name = clean_text(story.model or story.summariser) if story.summariser == "openai" else "extractive"
        counts[name] = counts.get(name, 0) + 1
    return counts


def render_email(
    edition: Edition, settings: RenderSettings, *, earlier: Mapping[str, Earlier] | None = None
) -> EmailParts:
    """The HTML and text parts, inlined once per edition; per-recipient work is left to delivery.

    `earlier` (from `earlier_reports`) names where each continuing story was last reported."""

    def html(trimmed_edition: Edition, trimmed: int) -> str:
        view = build_view(trimmed_edition, trimmed=trimmed, site_url=settings.site_url, earlier=earlier)
        return render_template(settings.templates_dir, "email.html", edition=trimmed_edition, view=view)

    def text(trimmed_edition: Edition, trimmed: int) -> str:
        view = build_view(trimmed_edition, trimmed=trimmed, site_url=settings.site_url, earlier=earlier)
        return render_template(settings.templates_dir, "email.txt", edition=trimmed_edition, view=view)

    return fit_email(edition, settings.email_max_kb * 1024, html, text)


def _checked_id(edition: Edition) -> str:
    """The edition id, which names a folder and a page: refuse one that could climb out of it."""
    if not _SAFE_ID.match(edition.id) or ".." in edition.id:
        raise ConfigError(f"edition id {edition.id!r} is not a safe file name (letters, digits, '.', '_', '-')")
    return edition.id
