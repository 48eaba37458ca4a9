"""Time to render every format of a 40-story edition, and premailer's share of it.

    .venv/bin/python bench/render.py [--stories 40] [--repeat 5]

Prints the median of `--repeat` runs per format (after one warm-up run that compiles the templates) and the
HTML email's size before and after inlining. No network, no store: the edition is made in memory.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from edition_fixture import large_edition  # noqa: E402

from briefing.config import RenderSettings  # noqa: E402
from briefing.models import Edition  # noqa: E402
from briefing.render import edition_json, render_email, render_markdown, render_site  # noqa: E402
from briefing.render._email import inline_css  # noqa: E402
from briefing.render._env import render_template  # noqa: E402
from briefing.render._view import build_view  # noqa: E402


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    action()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _email_template(edition: Edition, settings: RenderSettings) -> str:
    return render_template(None, "email.html", edition=edition, view=build_view(edition, site_url=settings.site_url))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    settings = RenderSettings(email_max_kb=10_000)
    edition = large_edition(args.stories)
    raw_html = _email_template(edition, settings)
    rows = {
        "briefing.json": _median_ms(lambda: edition_json(edition), args.repeat),
        "briefing.md": _median_ms(lambda: render_markdown(edition, settings), args.repeat),
        "email (html + txt, whole)": _median_ms(lambda: render_email(edition, settings), args.repeat),
        "  email.html template only": _median_ms(lambda: _email_template(edition, settings), args.repeat),
        "  premailer inlining only": _median_ms(lambda: inline_css(raw_html), args.repeat),
        "site (index, page, archive, feeds)": _median_ms(lambda: render_site([edition], settings), args.repeat),
    }
    total = rows["briefing.json"] + rows["briefing.md"] + rows["email (html + txt, whole)"]
    total += rows["site (index, page, archive, feeds)"]
    print(f"{args.stories} stories, median of {args.repeat} runs")
    for name, ms in rows.items():
        print(f"{name:38} {ms:8.1f} ms")
    print(f"{'all formats':38} {total:8.1f} ms")
    print(f"premailer share of all formats: {rows['  premailer inlining only'] / total:.0%}")
    inlined = inline_css(raw_html)
    print(f"email.html: {len(raw_html.encode()) / 1024:.1f} KB before inlining, {len(inlined.encode()) / 1024:.1f} KB after")


if __name__ == "__main__":
    main()
