"""The email parts: HTML with its CSS inlined by premailer, and plain text; trimmed to fit Gmail's clip.

Gmail clips messages whose HTML passes about 102 KB and hides the rest behind a link, so the size is measured
after inlining (which can nearly double it) against `email_max_kb`. Past the budget the lowest-ranked stories
are left out of both parts, in a fixed order: the last story of the section with the most stories goes first
(ties: the later section), so sections shrink evenly and every section keeps its top stories. The trim count
is found by bisection, so a 40-story edition is inlined about six times at worst, and once when it fits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

import premailer

from briefing.models import Edition, Section


@dataclass(frozen=True)
class EmailParts:
    html: str
    text: str
    trimmed: int
    warnings: tuple[str, ...]


def inline_css(html: str) -> str:
    """Inline every CSS rule that can be inlined; keep `@media` rules (and their `!important`) in a style tag."""
    inliner = premailer.Premailer(
        html,
        strip_important=False,  # the @media and dark-mode rules must beat the inlined styles
        allow_network=False,  # never fetch a stylesheet
        disable_link_rewrites=True,
        disable_basic_attributes=["width", "height"],  # keep width="600" for Outlook; CSS caps the rest
        disable_validation=True,
        cssutils_logging_level=logging.CRITICAL,  # it warns on every mso-* property
    )
    result: str = inliner.transform()
    return result


def trim_order(edition: Edition) -> list[tuple[int, int]]:
    """(section index, story index) pairs, the first to be trimmed first."""
    remaining = [len(section.stories) for section in edition.sections]
    order = []
    for _ in range(sum(remaining)):
        largest = max(range(len(remaining)), key=lambda i: (remaining[i], i))
        remaining[largest] -= 1
        order.append((largest, remaining[largest]))
    return order


def without(edition: Edition, trimmed: list[tuple[int, int]]) -> Edition:
    """A copy of `edition` without the given stories."""
    gone = set(trimmed)
    sections = tuple(
        Section(s.name, tuple(story for j, story in enumerate(s.stories) if (i, j) not in gone))
        for i, s in enumerate(edition.sections)
    )
    return replace(edition, sections=sections)


def fit_email(
    edition: Edition,
    budget_bytes: int,
    render_html: Callable[[Edition, int], str],
    render_text: Callable[[Edition, int], str],
) -> EmailParts:
    """Render and inline the email, trimming the lowest-ranked stories until the HTML fits the budget."""
    order = trim_order(edition)
    cache: dict[int, str] = {}

    def inlined(count: int) -> str:
        if count not in cache:
            cache[count] = inline_css(render_html(without(edition, order[:count]), count))
        return cache[count]

    def fits(count: int) -> bool:
        return len(inlined(count).encode()) <= budget_bytes

    count = 0 if not order or fits(0) else _smallest_fitting(fits, len(order) - 1)
    warnings: tuple[str, ...] = ()
    if count:
        size_kb = len(inlined(0).encode()) / 1024
        warnings = (
            f"email.html would be {size_kb:.0f} KB after inlining, over the {budget_bytes // 1024} KB budget: "
            f"left out the {count} lowest-ranked of {len(order)} stories",
        )
        if not fits(count):
            warnings += (f"email.html is still over budget with only {len(order) - count} story left",)
    text = render_text(without(edition, order[:count]), count)
    return EmailParts(inlined(count), text, count, warnings)


def _smallest_fitting(fits: Callable[[int], bool], most: int) -> int:
    """The smallest count in 1..most for which `fits` holds (or `most`), assuming more trimming never grows it."""
    low, high = 1, max(most, 1)
    while low < high:
        middle = (low + high) // 2
        if fits(middle):
            high = middle
        else:
            low = middle + 1
    return low
