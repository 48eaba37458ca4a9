"""Time to render every format of a 40-story edition, and premailer's share of it.

    .venv/bin/python bench/render.py [--stories 40] [--repeat 15]

Each run renders every format once, in order; premailer's inlining is timed inside the email rendering by
wrapping it, so its share comes from the same runs as the totals (stable even on a busy machine, where the
absolute times are not). Prints medians per format after one warm-up run that compiles the templates, the HTML
email's size before and after inlining, and the cost of rebuilding a site of 100 editions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from edition_fixture import large_edition

import briefing.render._email as email_module
from briefing.config import RenderSettings
from briefing.models import Edition
from briefing.render import edition_json, render_email, render_markdown, render_site
from briefing.render._env import render_template
from briefing.render._view import build_view

_inlining: list[float] = []
_inline_css = email_module.inline_css


def _timed_inline_css(html: str) -> str:
    start = time.perf_counter()
    try:
        return _inline_css(html)
    finally:
        _inlining.append(time.perf_counter() - start)


def _formats(edition: Edition, settings: RenderSettings) -> dict[str, Callable[[], object]]:
    return {
        "briefing.json": lambda: edition_json(edition),
        "briefing.md": lambda: render_markdown(edition, settings),
        "email.html + email.txt": lambda: render_email(edition, settings),
        "site (index, page, archive, feeds)": lambda: render_site([edition], settings),
    }


def _run(formats: dict[str, Callable[[], object]]) -> tuple[dict[str, float], float]:
    _inlining.clear()
    times = {}
    for name, action in formats.items():
        start = time.perf_counter()
        action()
        times[name] = time.perf_counter() - start
    return times, sum(_inlining)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    email_module.inline_css = _timed_inline_css
    settings = RenderSettings(email_max_kb=10_000)
    edition = large_edition(args.stories)
    formats = _formats(edition, settings)
    _run(formats)
    runs = [_run(formats) for _ in range(args.repeat)]
    print(f"{args.stories} stories, median of {args.repeat} runs")
    for name in formats:
        print(f"{name:38} {statistics.median(r[0][name] for r in runs) * 1000:8.1f} ms")
    totals = [sum(r[0].values()) for r in runs]
    inlining = [r[1] for r in runs]
    emails = [r[0]["email.html + email.txt"] for r in runs]
    print(f"{'all formats':38} {statistics.median(totals) * 1000:8.1f} ms")
    print(f"{'premailer inlining (inside email)':38} {statistics.median(inlining) * 1000:8.1f} ms")
    share, email_share = sum(inlining) / sum(totals), sum(inlining) / sum(emails)
    print(f"premailer share: {share:.0%} of all formats, {email_share:.0%} of the email")
    _sizes(edition)
    _site_scaling(settings)


def _sizes(edition: Edition) -> None:
    html = render_email(edition, RenderSettings(email_max_kb=10_000)).html
    raw = render_template(None, "email.html", edition=edition, view=build_view(edition))
    print(f"email.html: {len(raw.encode()) / 1024:.1f} KB before inlining, {len(html.encode()) / 1024:.1f} KB after")


def _site_scaling(settings: RenderSettings) -> None:
    """Every page of the site is rendered again on each build: the cost grows with the archive."""
    base = large_edition(12)
    archive = [replace(base, id=f"e-{i:03d}", window_end=base.window_end + timedelta(days=i)) for i in range(100)]
    start = time.perf_counter()
    render_site(archive, settings)
    ms = (time.perf_counter() - start) * 1000
    print(f"site of 100 editions of 12 stories: {ms:.0f} ms ({ms / 100:.1f} ms per edition)")


if __name__ == "__main__":
    main()
