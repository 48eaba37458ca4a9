"""Generated feeds with real news text, for the poll and cron benchmarks.

The titles and descriptions of the real items in `../shared/data/feeds/real-news` are read at run time (never
copied into the repository) and become story seeds. Each generated feed is an RSS 2.0 document like a news
outlet's (CDATA title and description, a link with tracking parameters, a GUID, a date, a category, an author, a
thumbnail); each of its items retells one seed, so the same story runs in many feeds, with varied wording, and
clustering has real stories to form. How many feeds carry a story is heavy-tailed (a few stories everywhere, most
in a handful), as in a day of real feeds.

    seeds = load_seeds()                       # raises MissingData with a clear message when the data is absent
    body = news_feed(index=7, items=30, seeds=seeds, now=NOW)
"""

from __future__ import annotations

import hashlib
import html
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

REAL_NEWS = Path(__file__).resolve().parents[2] / "shared" / "data" / "feeds" / "real-news"
_ITEM = re.compile(rb"<(item|entry)[\s>].*?</\1>", re.S)
_FIELD = {
    "title": re.compile(rb"<title[^>]*>(.*?)</title>", re.S),
    "text": re.compile(rb"<(description|media:description|summary)[^>]*>(.*?)</\1>", re.S),
}
_TAG = re.compile(r"<[^>]+>")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


class MissingData(SystemExit):
    """The real-news folder is absent: the benchmark cannot generate realistic feeds, and says so."""


@dataclass(frozen=True)
class Seed:
    """One real item: its title and the sentences of its description."""

    title: str
    sentences: tuple[str, ...]


def load_seeds(folder: Path = REAL_NEWS) -> list[Seed]:
    """Every distinct real item with a title and at least one sentence, in a stable order."""
    files = sorted(folder.glob("*/*.xml")) if folder.is_dir() else []
    if not files:
        raise MissingData(
            f"{folder} is absent: the benchmark generates its feeds from the real news items there; "
            "run it from a checkout next to ../shared/data"
        )
    seeds: dict[str, Seed] = {}
    for path in files:
        for item in _ITEM.finditer(path.read_bytes()):
            seed = _seed(item.group(0))
            if seed is not None:
                seeds.setdefault(seed.title, seed)
    return list(seeds.values())


def _seed(item: bytes) -> Seed | None:
    title_match, text_match = _FIELD["title"].search(item), _FIELD["text"].search(item)
    if title_match is None or text_match is None:
        return None
    title, text = _plain(title_match.group(1)), _plain(text_match.group(2))
    sentences = tuple(s.strip() for s in _SENTENCE_END.split(text) if len(s.split()) >= 4)[:6]
    return Seed(title, sentences) if title and sentences else None


def _plain(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace").replace("<![CDATA[", "").replace("]]>", "")
    for _ in range(2):  # feeds double-escape: &amp;#8217;
        text = html.unescape(_TAG.sub(" ", html.unescape(text)))
    return " ".join(_TAG.sub(" ", text).split())


def popularity(seeds: list[Seed], rng: random.Random) -> list[float]:
    """Heavy-tailed weights: a few stories in most feeds, most stories in a few."""
    order = list(range(len(seeds)))
    rng.shuffle(order)
    weights = [0.0] * len(seeds)
    for rank, index in enumerate(order):
        weights[index] = 1 / (rank + 1) ** 0.9
    return weights


def news_feed(
    index: int, items: int, seeds: list[Seed], weights: list[float], now: datetime, padding: int = 0
) -> bytes:
    """An RSS 2.0 feed of `items` items from outlet `index`, each retelling a seed, dated in the last day.

    `padding` appends the sentences of that many other seeds to each item (for large bodies)."""
    rng = random.Random(index)
    chosen = rng.choices(range(len(seeds)), weights, k=items)
    entries = "".join(_item(index, n, _padded(seeds, seed, padding), seed, rng, now) for n, seed in enumerate(chosen))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">'
        f"<channel><title><![CDATA[Outlet {index} - Top Stories]]></title>"
        f"<link>https://outlet{index}.example.org/</link><description>Latest news from outlet {index}</description>"
        f"<language>en-gb</language><ttl>15</ttl>{entries}</channel></rss>"
    ).encode()


def _padded(seeds: list[Seed], seed: int, padding: int) -> Seed:
    if not padding:
        return seeds[seed]
    others = (seeds[(seed + k) % len(seeds)].sentences for k in range(1, padding + 1))
    return Seed(seeds[seed].title, seeds[seed].sentences + tuple(s for group in others for s in group))


def _item(index: int, n: int, seed: Seed, number: int, rng: random.Random, now: datetime) -> str:
    """One outlet's telling of a story: its own title or the lead sentence, a sentence sometimes left out."""
    sentences = list(seed.sentences)
    if len(sentences) > 1 and rng.random() < 0.3:
        sentences.pop(rng.randrange(1, len(sentences)))
    title = seed.title if rng.random() < 0.7 or len(seed.sentences) < 2 else seed.sentences[0]
    story_time = now - timedelta(minutes=int(hashlib.sha256(seed.title.encode()).hexdigest()[:6], 16) % 1380)
    published = min(now, story_time + timedelta(minutes=rng.randint(0, 120)))
    slug = "-".join(re.findall(r"[a-z0-9]+", title.lower())[:8])
    paragraphs = "".join(f"<p>{html.escape(s)}</p>" for s in sentences)
    return (
        f"<item><title><![CDATA[{title}]]></title>"
        f"<link>https://outlet{index}.example.org/news/{slug}-{number}?utm_source=rss&amp;utm_medium=feed</link>"
        f'<guid isPermaLink="false">outlet{index}-{number}-{n}</guid>'
        f"<pubDate>{published.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
        f"<category>{rng.choice(('World', 'Politics', 'Business', 'Science', 'Health'))}</category>"
        f"<dc:creator>Reporter {rng.randint(1, 40)}</dc:creator>"
        f'<media:thumbnail url="https://outlet{index}.example.org/img/{number}.jpg" width="240" height="135"/>'
        f"<description><![CDATA[{paragraphs}]]></description></item>"
    )
