"""What every bullet must pass before it is published: the sentence rules, and the grounding check.

The check is injected (`Checker`): review never imports `briefing.ground`, so the pipeline decides which check
runs (lexical, or one with a sentence encoder and its cache) and tests can stand one in.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from briefing.errors import GroundingError
from briefing.models import Article, Bullet, Cluster, Verdict
from briefing.review._plan import Plan
from briefing.summarise import leaning, repeats, rules, timewords
from briefing.summarise.rules import Rejection

log = logging.getLogger(__name__)

Checker = Callable[[Bullet, Cluster], Verdict]  # the grounding check: `ground.check_bullet` with its settings


@dataclass
class Tally:
    """Bullets checked, judged, repaired and dropped for one story, and candidates skipped by reason."""

    checked: int = 0
    judged: int = 0
    repaired: int = 0
    dropped: int = 0
    rejected: Counter[str] = field(default_factory=Counter)

    def reject(self, reason: Rejection, count: int = 1) -> None:
        self.rejected[str(reason)] += count


def verdict_of(check: Checker, bullet: Bullet, cluster: Cluster) -> Verdict:
    """The check's verdict; a check that cannot run rejects the bullet (it must never look supported)."""
    try:
        return check(bullet, cluster)
    except GroundingError as exc:
        log.warning("grounding check failed on a bullet of %s: %s", cluster.id, exc)
        return Verdict(False, 0.0, (f"the grounding check could not run: {exc}",))


def vetted(bullet: Bullet, plan: Plan, kept: Sequence[Bullet]) -> Rejection | None:
    """Why a drafted (or repaired) bullet may not be published, or None: the sentence rules, relative times its
    cited older articles no longer support, and repeats of a kept bullet or of what earlier editions said."""
    text = bullet.text
    reason = rules.junk_reason(text)
    if reason is not None:
        return reason
    if leaning.leans_back(text) or (not kept and leaning.reported_subject(text)):
        return Rejection.DANGLING  # "The move comes amid ..." may follow a bullet that states the move
    if _stale(bullet, plan):
        return Rejection.STALE_TIME
    if repeats.repeats(text, [b.text for b in kept] + list(plan.context.said)):
        return Rejection.REPEAT
    return None


def _stale(bullet: Bullet, plan: Plan) -> bool:
    return stale(bullet.text, [a for a in plan.cluster.articles if a.id in bullet.sources], plan)


def stale(text: str, sources: Sequence[Article], plan: Plan) -> bool:
    """Whether `text` says a relative time that is wrong on the edition's day for one of `sources`' writers."""
    day = plan.context.edition_day
    if day is None:
        return False
    return any(timewords.stale_words(text, plan.context.published_day(a), day) for a in sources)
