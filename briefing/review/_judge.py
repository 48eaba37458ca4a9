"""The LLM judge: where an LLM writes the bullets, a pass the offline check is not sure of is put to the model
as an entailment question, and a "no" fails the bullet (it then goes to the repair round like any failure).

Which passes go to the judge (`summariser.judge`):

- `auto` (the default): a pass whose score is within `judge_band` log-odds above `grounding.threshold`. The
  band is in log-odds because the score is a logistic model's: moving its bias (to put the threshold at another
  operating point) moves every score's log-odds alike, so the band stays the same width of doubt. It was chosen
  from the check's passes on labelled claims (`bench/judge_band.py`; docs/summarising.md, "The LLM judge"):
  from its top up, a pass is wrong less than one time in ten (held out: 7.9% of those passes are wrong, and
  the band holds 83% of the wrong passes for 64% of the passes).
- `llm`: every pass (the most calls).
- `none`: no judge.

The judge never turns a failure into a pass: a failed fact rule (a number, name, date, negation, citation or
quotation) is precise, and a low score already earns the repair round with the check's reasons. Extractive
bullets quote their sources and are never judged.
"""

from __future__ import annotations

import math

from briefing.config import SummariserSettings
from briefing.models import Bullet, Cluster, Verdict

_EDGE = 1e-6  # scores are clipped away from 0 and 1 before taking log-odds


def wants_judge(verdict: Verdict, settings: SummariserSettings, threshold: float) -> bool:
    """Whether the LLM judge should see a bullet the offline check gave `verdict`."""
    if not verdict.supported or settings.judge == "none":
        return False
    return settings.judge == "llm" or verdict.score < band_top(threshold, settings.judge_band)


def band_top(threshold: float, band: float) -> float:
    """The score up to which a pass is borderline: `band` log-odds above the threshold."""
    return _sigmoid(_logit(threshold) + band)


def judge_source(bullet: Bullet, cluster: Cluster) -> str:
    """What the judge reads: the cited articles as the offline check read them (title, dateline, text)."""
    return "\n\n".join(f"{a.title}\n{a.text}" for a in cluster.articles if a.id in bullet.sources)


def overruled(verdict: Verdict, reason: str, threshold: float) -> Verdict:
    """The offline pass turned into a failure by the judge: the score keeps its order but drops below the
    threshold (as a failed rule does in `briefing.ground`), and the judge's reason is the failure's reason."""
    why = f"an LLM judge found it unsupported: {reason}" if reason else "an LLM judge found it unsupported"
    return Verdict(False, min(verdict.score, threshold * verdict.score * 0.999), (*verdict.reasons, why))


def _logit(p: float) -> float:
    p = min(max(p, _EDGE), 1 - _EDGE)
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))
