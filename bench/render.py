"""Time to render every format of a large edition as a build does, trim-to-fit included, and premailer's share.

    .venv/bin/python bench/render.py [--stories 60] [--repeat 15] [--write-docs]

Each run renders every format once, in order, with the default settings: a 60-story edition is over the
default email budget (`email_max_kb` 90), so the email takes the trim-to-fit path a user's build takes
(bisection over how many stories to leave out, inlining each candidate). The baseline, in the same runs, is the
same email with a budget it fits (rendered and inlined once). premailer's inlining is timed inside the email
rendering by wrapping it, so its share comes from the same runs as the totals (stable even on a busy machine,
where the absolute times are not). Prints medians after one warm-up run that compiles the templates, the HTML
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from edition_fixture import large_edition
from measure import markdown_table, write_figures

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


EMAIL = "email.html + email.txt, trimmed to fit"
UNTRIMMED = "baseline: the same email, untrimmed (fits)"


def _formats(edition: Edition, settings: RenderSettings) -> dict[str, Callable[[], object]]:
    roomy = RenderSettings(email_max_kb=10_000)
    return {
        "briefing.json": lambda: edition_json(edition),
        "briefing.md": lambda: render_markdown(edition, settings),
        EMAIL: lambda: render_email(edition, settings),
        "site (index, page, archive, feeds)": lambda: render_site([edition], settings),
        UNTRIMMED: lambda: render_email(edition, roomy),
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
    parser.add_argument("--stories", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--write-docs", action="store_true", help="write the table into docs/figures/")
    args = parser.parse_args()
    email_module.inline_css = _timed_inline_css
    settings = RenderSettings()
    edition = large_edition(args.stories)
    formats = _formats(edition, settings)
    _run(formats)
    runs = [_run(formats) for _ in range(args.repeat)]
    table = _table(formats, runs, edition, settings)
    print(f"{args.stories} stories, median of {args.repeat} runs\n{table}")
    _sizes(edition)
    _site_scaling(settings)
    if args.write_docs:
        command = f"bench/render.py --stories {args.stories} --repeat {args.repeat}"
        print(f"wrote {write_figures('render', command, table)}")


def _table(
    formats: dict[str, Callable[[], object]],
    runs: list[tuple[dict[str, float], float]],
    edition: Edition,
    settings: RenderSettings,
) -> str:
    def ms(name: str) -> float:
        return statistics.median(r[0][name] for r in runs) * 1000

    build = [name for name in formats if name != UNTRIMMED]
    totals = [sum(r[0][name] for name in build) for r in runs]
    rows = [(f"`{name}`" if "." in name.split()[0] else name, f"{ms(name):.1f}") for name in formats]
    rows.append(("all formats of a build", f"{statistics.median(totals) * 1000:.1f}"))
    trimmed = render_email(edition, settings).trimmed
    ratio = statistics.median(r[0][EMAIL] / r[0][UNTRIMMED] for r in runs)
    inlining = statistics.median(r[1] for r in runs) * 1000
    return (
        markdown_table(("format", "median ms"), rows)
        + f"\n\nTrim-to-fit left out {trimmed} of {len(edition.stories)} stories to stay under "
        f"{settings.email_max_kb} KB; it costs {ratio:.1f}x the untrimmed email. premailer's inlining: "
        f"{inlining:.0f} ms of each run (all its candidates included)."
    )


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
