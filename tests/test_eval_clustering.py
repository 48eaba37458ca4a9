"""`briefing eval clustering`: the metrics on hand-made labelings, and the dev-set figures as a regression floor."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from sklearn.metrics.cluster import pair_confusion_matrix

from briefing.errors import ConfigError
from briefing.evaluate.clustering import bcubed, evaluate_file, pairwise

DEV = Path(__file__).parent.parent.parent / "shared" / "data" / "eval" / "clustering-dev.jsonl"

# Truth: a, b, c are one story (X), d, e another (Y). Predicted: {a, b} and {c, d, e}.
TRUTH = {"a": "X", "b": "X", "c": "X", "d": "Y", "e": "Y"}
PREDICTED = {"a": 1, "b": 1, "c": 2, "d": 2, "e": 2}


def test_bcubed_on_a_hand_made_labeling() -> None:
    # precision per item: a 1, b 1, c 1/3, d 2/3, e 2/3; recall: a 2/3, b 2/3, c 1/3, d 1, e 1
    assert bcubed(PREDICTED, TRUTH) == pytest.approx(
        {"bcubed_precision": 11 / 15, "bcubed_recall": 11 / 15, "bcubed_f1": 11 / 15}
    )


def test_pairwise_on_a_hand_made_labeling() -> None:
    # true pairs: ab ac bc de (4); predicted pairs: ab cd ce de (4); shared: ab de (2)
    assert pairwise(PREDICTED, TRUTH) == pytest.approx(
        {"pairwise_precision": 0.5, "pairwise_recall": 0.5, "pairwise_f1": 0.5}
    )


def test_perfect_clustering_scores_one() -> None:
    perfect = {**bcubed(TRUTH, TRUTH), **pairwise(TRUTH, TRUTH)}
    assert perfect == pytest.approx(dict.fromkeys(perfect, 1.0))


def test_all_singletons_are_precise_but_recall_nothing_pairwise() -> None:
    singletons = {item: item for item in TRUTH}
    assert pairwise(singletons, TRUTH) == {"pairwise_precision": 1.0, "pairwise_recall": 0.0, "pairwise_f1": 0.0}
    assert bcubed(singletons, TRUTH)["bcubed_recall"] == pytest.approx((1 / 3 * 3 + 1 / 2 * 2) / 5)


def test_pairwise_agrees_with_sklearn_pair_confusion_on_random_labelings() -> None:
    rng = random.Random(7)
    items = [str(i) for i in range(60)]
    truth = {i: rng.randrange(12) for i in items}
    predicted = {i: rng.randrange(9) for i in items}
    (_, fp), (fn, tp) = pair_confusion_matrix([truth[i] for i in items], [predicted[i] for i in items])
    ours = pairwise(predicted, truth)
    assert (ours["pairwise_precision"], ours["pairwise_recall"]) == pytest.approx((tp / (tp + fp), tp / (tp + fn)))


# ------------------------------------------------------------------------------------------------ evaluate_file


def write_jsonl(path: Path, records: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def record(ident: str, story: str, day: int, title: str, text: str, source: str) -> dict[str, str]:
    return {
        "id": ident,
        "title": title,
        "text": text,
        "published": f"2026-03-0{day}T12:00:00Z",
        "source": source,
        "url": f"https://{source}.example/{ident}",
        "cluster": story,
    }


@pytest.fixture
def tiny_file(tmp_path: Path) -> Path:
    return write_jsonl(
        tmp_path / "tiny.jsonl",
        [
            record(
                "1", "quake", 1, "Quake hits Chile's north", "A magnitude 6.8 quake struck Antofagasta in Chile.", "A"
            ),
            record("2", "quake", 1, "Chile earthquake shakes Antofagasta", "Antofagasta, Chile felt a 6.8 quake.", "B"),
            record(
                "3",
                "vote",
                2,
                "Dutch parliament passes housing bill",
                "The Dutch parliament in The Hague passed the housing bill by 81 votes.",
                "A",
            ),
            record(
                "4",
                "vote",
                2,
                "Housing bill clears Dutch parliament",
                "By 81 votes, The Hague's parliament approved the Dutch housing bill.",
                "C",
            ),
        ],
    )


def test_evaluate_file_reports_the_contract_keys_and_counts(tiny_file: Path) -> None:
    scores = evaluate_file(tiny_file)
    assert (scores["pairwise_f1"], scores["bcubed_f1"], scores["articles"], scores["stories"]) == (1.0, 1.0, 4, 2)


def test_evaluate_file_is_the_same_for_any_shuffle_seed(tiny_file: Path) -> None:
    assert evaluate_file(tiny_file, seed=1) == evaluate_file(tiny_file, seed=2)


def test_evaluate_file_names_a_bad_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "title": "t"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.jsonl:1"):
        evaluate_file(bad)


# ---------------------------------------------------------------------------------------------- dev-set floors


@pytest.fixture(scope="module")
def dev() -> Path:
    if not DEV.is_file():
        pytest.skip("../shared/data/eval/clustering-dev.jsonl is absent: the dev-set floors need it")
    return DEV


@pytest.mark.slow
def test_dev_set_day_by_day_stays_above_the_floor(dev: Path) -> None:
    """Measured 0.912 pairwise F1, 0.929 pairwise precision, 0.952 BCubed F1 (README: Stories)."""
    scores = evaluate_file(dev)
    assert scores["pairwise_f1"] >= 0.89
    assert scores["pairwise_precision"] >= 0.91
    assert scores["bcubed_f1"] >= 0.94


@pytest.mark.slow
def test_dev_set_seven_day_window_stays_above_the_floor(dev: Path) -> None:
    """Measured 0.901 pairwise F1, 0.899 pairwise precision, 0.950 BCubed F1."""
    scores = evaluate_file(dev, window_days=7)
    assert scores["pairwise_f1"] >= 0.88
    assert scores["bcubed_f1"] >= 0.94
