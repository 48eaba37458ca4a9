"""`briefing check`: what a reader would object to in a built edition, counted.

For each story of a `briefing.json` it re-applies the rules the summarisers follow (`briefing.summarise`):
junk bullets (captions, sign-offs, promos, teasers, questions, listings, helplines, and any bullet printed
in two stories), dangling bullets (an opening connective or pronoun that points at a sentence the reader never
sees, or a contrast set-up), pairs of bullets in one story that state the same fact, relative times that an
older cited article no longer supports, and stories led or named by a non-news item (a live page, gallery,
programme, tool page, question or how-to-watch title). It also reports how many multi-article stories have
two or more bullets, and the candidates the build skipped by reason (from the edition's stats).

It reads an edition and nothing else: an edition built by another version, or by an LLM, is checked the same.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from briefing.errors import ConfigError
from briefing.models import ArticleRef, Edition, Story, edition_from_dict
from briefing.summarise import headlines, leaning, repeats, rules, timewords
from briefing.summarise.rules import fingerprint


@dataclass(frozen=True)
class Finding:
    """One thing a reader would object to: the story, the text, and why."""

    story: str
    text: str
    reason: str


@dataclass
class EditionCheck:
    """The counts `briefing check` prints (see the module docstring)."""

    edition: str
    stories: int = 0
    bullets: int = 0
    multi_article_stories: int = 0
    multi_article_with_two_bullets: int = 0
    junk: list[Finding] = field(default_factory=list)
    dangling: list[Finding] = field(default_factory=list)
    repeats: list[Finding] = field(default_factory=list)
    stale_times: list[Finding] = field(default_factory=list)
    non_news: list[Finding] = field(default_factory=list)  # leads and headlines
    rejected: dict[str, int] = field(default_factory=dict)

    @property
    def dangling_share(self) -> float:
        return len(self.dangling) / self.bullets if self.bullets else 0.0

    @property
    def two_bullet_share(self) -> float:
        return self.multi_article_with_two_bullets / self.multi_article_stories if self.multi_article_stories else 1.0

    def counts(self) -> dict[str, Any]:
        """The figures, for a table or `--json` (with the findings themselves under `findings`)."""
        return {
            "edition": self.edition,
            "stories": self.stories,
            "bullets": self.bullets,
            "junk_bullets": len(self.junk),
            "dangling_bullets": len(self.dangling),
            "dangling_share": round(self.dangling_share, 4),
            "repeated_pairs": len(self.repeats),
            "stale_time_words": len(self.stale_times),
            "non_news_leads_or_headlines": len(self.non_news),
            "multi_article_stories": self.multi_article_stories,
            "multi_article_with_two_bullets": self.multi_article_with_two_bullets,
            "two_bullet_share": round(self.two_bullet_share, 4),
            "rejected": dict(sorted(self.rejected.items())),
            "findings": {
                name: [asdict(f) for f in getattr(self, name)]
                for name in ("junk", "dangling", "repeats", "stale_times", "non_news")
            },
        }


def load_edition(path: Path) -> Edition:
    """The edition at `path` (a briefing.json, or the folder holding one); a clear error when it is not one."""
    file = path / "briefing.json" if path.is_dir() else path
    try:
        return edition_from_dict(json.loads(file.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such edition (expected a briefing.json or its folder)") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{file}: not a briefing.json edition ({type(exc).__name__}: {exc})") from None


def check_edition(edition: Edition) -> EditionCheck:
    """Every count of `briefing check` for one edition."""
    zone = _zone(edition.timezone)
    day = edition.window_end.astimezone(zone).date()
    shared = _printed_twice(edition.stories)
    result = EditionCheck(edition.id, rejected=dict(edition.stats.rejected))
    for story in edition.stories:
        result.stories += 1
        result.bullets += len(story.bullets)
        if len(story.articles) > 1:
            result.multi_article_stories += 1
            result.multi_article_with_two_bullets += len(story.bullets) >= 2
        result.junk += _junk(story, shared)
        result.dangling += _dangling(story)
        result.repeats += _repeats(story)
        result.stale_times += _stale(story, day, zone)
        result.non_news += _non_news(story)
    return result


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _printed_twice(stories: tuple[Story, ...]) -> set[str]:
    """Bullets printed in two or more stories: an advisory or blurb, not a fact of either."""
    seen = Counter(fingerprint(b.text) for story in stories for b in {b.text: b for b in story.bullets}.values())
    return {key for key, count in seen.items() if count > 1}


def _junk(story: Story, shared: set[str]) -> list[Finding]:
    found = []
    for bullet in story.bullets:
        reason = rules.junk_reason(bullet.text)
        if reason is None and fingerprint(bullet.text) in shared:
            reason = rules.Rejection.ADVISORY
        if reason is not None:
            found.append(Finding(story.id, bullet.text, str(reason)))
    return found


def _dangling(story: Story) -> list[Finding]:
    found = []
    for position, bullet in enumerate(story.bullets):
        if leaning.leans_back(bullet.text) or (position == 0 and leaning.reported_subject(bullet.text)):
            found.append(Finding(story.id, bullet.text, "leans on a sentence the reader does not see"))
        elif leaning.sets_up_contrast(bullet.text, None):
            found.append(Finding(story.id, bullet.text, "sets up a contrast it does not resolve"))
    return found


def _repeats(story: Story) -> list[Finding]:
    texts = [b.text for b in story.bullets]
    return [Finding(story.id, f"{texts[i]} | {texts[j]}", "same fact") for i, j in repeats.repeated_pairs(texts)]


def _stale(story: Story, day: date, zone: ZoneInfo) -> list[Finding]:
    articles = {a.id: a for a in story.articles}
    found = _stale_headline(story, day, zone)
    for bullet in story.bullets:
        cited = [articles[s] for s in bullet.sources if s in articles]
        written = [_written(a, zone) for a in cited]
        words = {w for on in written for w in timewords.stale_words(bullet.text, on, day)}
        if words:
            found.append(Finding(story.id, bullet.text, ", ".join(sorted(words))))
    return found


def _stale_headline(story: Story, day: date, zone: ZoneInfo) -> list[Finding]:
    """A headline that is an article's title is read as written on that article's day; any other headline (the
    model's, or the lead bullet's) is stale only when it is so for every article of the story."""
    named_by = [a for a in story.articles if headlines.clean_title(a.title, a.outlet) == story.headline]
    stale = [set(timewords.stale_words(story.headline, _written(a, zone), day)) for a in named_by or story.articles]
    if not stale:
        return []
    words = set.union(*stale) if named_by else set.intersection(*stale)
    return [Finding(story.id, story.headline, ", ".join(sorted(words)))] if words else []


def _written(article: ArticleRef, zone: ZoneInfo) -> date:
    return timewords.writers_day(article.published, article.published_offset, zone)


def _non_news(story: Story) -> list[Finding]:
    found = []
    lead = _lead(story)
    if lead is not None and _not_news(lead):
        found.append(Finding(story.id, lead.title, f"led by a {_kind_of(lead)} item"))
    named_by = [a for a in story.articles if headlines.clean_title(a.title, a.outlet) == story.headline]
    reason = _headline_problem(story.headline, named_by)
    if reason is not None:
        found.append(Finding(story.id, story.headline, reason))
    return found


def _lead(story: Story) -> ArticleRef | None:
    """The article a reader meets first: the first source of the first bullet."""
    articles = {a.id: a for a in story.articles}
    first = next((s for b in story.bullets for s in b.sources if s in articles), None)
    return articles[first] if first else None


def _not_news(article: ArticleRef) -> bool:
    return headlines.effective_kind(article.title, article.kind).standalone


def _kind_of(article: ArticleRef) -> str:
    return str(headlines.effective_kind(article.title, article.kind))


def _headline_problem(headline: str, named_by: list[ArticleRef]) -> str | None:
    if headlines.question_title(headline):
        return "a question for a headline"
    kind = headlines.title_kind(headline)
    if kind is not None:
        return f"a {kind} title for a headline"
    source = next((a for a in named_by if _not_news(a)), None)
    return f"headline taken from a {_kind_of(source)} item" if source else None
