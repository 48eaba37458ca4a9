"""Every file of the shared robustness corpus through `parse_feed`: none may raise or hang.

Each file must yield articles or a `ParsedFeed.error` saying why not. The corpus (5,211 files from eight feed
parsers' fixtures plus real-world anomalies) lives outside the repository in `../shared/data/feeds/robustness/`;
the tests skip when it is absent. Files are parsed in two worker processes (about 35 s of parsing on one core),
each under its own alarm, so one hanging file fails the test by name instead of stalling the suite.
"""

from __future__ import annotations

import multiprocessing
import signal
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import pytest

from briefing.models import Feed
from briefing.parse import parse_feed

ROBUSTNESS = Path(__file__).parent.parent.parent / "shared" / "data" / "feeds" / "robustness"
ANOMALIES = ROBUSTNESS / "real-world-anomalies"
PER_FILE_SECONDS = 60  # the largest file (2.5 MB) takes ~2 s alone; CI machines may be busy
NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
FEED = Feed(key="https://feeds.example.org/rss.xml", url="https://feeds.example.org/rss.xml", section="World")


@dataclass(frozen=True)
class Outcome:
    path: str
    articles: int = 0
    error: str | None = None  # the reason parse gave
    crash: str | None = None  # an exception or a hang: a bug


def _corpus() -> list[Path]:
    if not ROBUSTNESS.is_dir():
        pytest.skip(f"../shared/data/feeds/robustness is absent ({ROBUSTNESS}): the robustness corpus is not here")
    return sorted(path for path in ROBUSTNESS.rglob("*") if path.is_file())


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise TimeoutError(f"parse took longer than {PER_FILE_SECONDS} s")


def _parse_one(path: str) -> Outcome:
    """Runs in a worker process, so SIGALRM can interrupt a hanging parse."""
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(PER_FILE_SECONDS)
    try:
        parsed = parse_feed(Path(path).read_bytes(), {}, FEED, NOW)
    except BaseException as exc:
        return Outcome(path, crash=f"{type(exc).__name__}: {exc}")
    finally:
        signal.alarm(0)
    return Outcome(path, articles=len(parsed.articles), error=parsed.error)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_every_corpus_file_yields_articles_or_a_reason() -> None:
    files = _corpus()
    started = time.perf_counter()
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        outcomes = list(pool.map(_parse_one, map(str, files), chunksize=50))
    seconds = time.perf_counter() - started

    crashes = [f"{o.path}: {o.crash}" for o in outcomes if o.crash]
    silent = [o.path for o in outcomes if not o.crash and not o.articles and not o.error]
    reasons = Counter((o.error or "").split(":")[0] for o in outcomes if o.error)
    print(
        f"\nrobustness corpus: {len(files)} files in {seconds:.1f} s: "
        f"{sum(1 for o in outcomes if o.articles)} with articles ({sum(o.articles for o in outcomes)} articles), "
        f"{sum(reasons.values())} with a reason, {len(crashes)} crashed or hung\n"
        + "\n".join(f"  {count:5d}  {reason}" for reason, count in reasons.most_common(12))
    )
    assert (crashes, silent) == ([], [])


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("bbc-news_empty-body.xml", "empty body"),
        ("latimes_cloudfront-403-html-page.xml", "an HTML page, not a feed"),
        ("straitstimes_403-forbidden-xhtml-page.xml", "an HTML page, not a feed"),
        ("straitstimes_channel-with-zero-items.xml", "rss20 feed has no entries"),
    ],
)
def test_real_world_anomalies_give_their_reason(name: str, reason: str) -> None:
    if not ANOMALIES.is_dir():
        pytest.skip(f"../shared/data/feeds/robustness/real-world-anomalies is absent ({ANOMALIES})")

    parsed = parse_feed((ANOMALIES / name).read_bytes(), {}, FEED, NOW)

    assert parsed.articles == () and (parsed.error or "").startswith(reason)


@pytest.mark.parametrize(
    "name",
    [
        "foxnews_truncated-at-4096-bytes.xml",
        "latimes_truncated-at-106496-bytes.xml",
        "nzherald_truncated-at-16384-bytes.xml",
    ],
)
def test_truncated_real_feeds_keep_their_complete_items_or_say_why(name: str) -> None:
    if not ANOMALIES.is_dir():
        pytest.skip(f"../shared/data/feeds/robustness/real-world-anomalies is absent ({ANOMALIES})")

    parsed = parse_feed((ANOMALIES / name).read_bytes(), {}, FEED, NOW)

    if parsed.articles:
        assert parsed.warning is not None and parsed.warning.startswith("malformed feed, kept")
        assert all(article.title and not article.title.endswith("<") for article in parsed.articles)
    else:
        assert parsed.error is not None and "no readable entries" in parsed.error
