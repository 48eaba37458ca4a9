"""The sentence-vector cache in the store: vectors by text digest and model, float16 on disk, pruned by age."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from briefing.store import Store, open_store
from briefing.store.sqlite.schema import MIGRATIONS

MODEL = "test-model"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(tmp_path / "briefing.sqlite")


def _vectors(rows: int, seed: int = 0) -> np.ndarray:
    values = np.random.default_rng(seed).normal(size=(rows, 8)).astype(np.float32)
    return values / np.linalg.norm(values, axis=1, keepdims=True)


def test_vectors_come_back_for_the_same_model_within_float16_precision(store: Store) -> None:
    kept = {"d-1": _vectors(3, 1), "d-2": _vectors(5, 2)}
    store.cache_vectors(MODEL, kept)
    found = store.cached_vectors(MODEL, ["d-1", "d-2", "unknown"])
    assert sorted(found) == ["d-1", "d-2"]
    assert all(np.allclose(found[k], kept[k], atol=1e-3) and found[k].dtype == np.float32 for k in kept)


def test_another_models_vectors_are_never_returned(store: Store) -> None:
    store.cache_vectors(MODEL, {"d-1": _vectors(2)})
    assert store.cached_vectors("other-model", ["d-1"]) == {}


def test_many_digests_are_read_in_chunks(store: Store) -> None:
    store.cache_vectors(MODEL, {f"d-{i}": _vectors(1, i) for i in range(1200)})
    assert len(store.cached_vectors(MODEL, [f"d-{i}" for i in range(1200)])) == 1200


def test_a_text_without_sentences_keeps_an_empty_entry(store: Store) -> None:
    store.cache_vectors(MODEL, {"empty": np.zeros((0, 8), dtype=np.float32)})
    assert store.cached_vectors(MODEL, ["empty"])["empty"].shape == (0, 8)


def test_an_unreadable_row_is_a_miss(store: Store) -> None:
    store._db.execute(
        "INSERT INTO sentence_vectors (digest, model, sentences, dimensions, vectors) VALUES ('bad', ?, 4, 8, x'00')",
        (MODEL,),
    )
    assert store.cached_vectors(MODEL, ["bad"]) == {}


def test_prune_drops_only_rows_written_before_the_date(store: Store) -> None:
    store.cache_vectors(MODEL, {"old": _vectors(1)})
    store._db.execute("UPDATE sentence_vectors SET created = '2020-01-01T00:00:00Z'")
    store.cache_vectors(MODEL, {"new": _vectors(1)})
    pruned = store.prune_vectors(datetime.now(UTC) - timedelta(days=1))
    assert (pruned, sorted(store.cached_vectors(MODEL, ["old", "new"]))) == (1, ["new"])


def test_a_version_4_database_gains_the_vector_table(tmp_path: Path) -> None:
    path = tmp_path / "briefing.sqlite"
    db = sqlite3.connect(path)
    for step in MIGRATIONS[:4]:
        db.executescript(step)
    db.execute("PRAGMA user_version = 4")
    db.commit()
    db.close()
    with open_store(path) as store:
        store.cache_vectors(MODEL, {"d-1": _vectors(1)})
        assert (store.schema_version, list(store.cached_vectors(MODEL, ["d-1"]))) == (len(MIGRATIONS), ["d-1"])
