"""The sentence-vector cache: each source text's sentence embeddings, per encoder, so that an article is embedded
once, not at every build that checks a bullet citing it.

Rows are keyed by the digest of the text (`briefing.ground` computes it: the text and how it is split), not by
article id, so an edited article gets new vectors and identical texts share them; `model` is the encoder's name,
so vectors of another model are never mixed in. Vectors are stored as float16 (half the space; cosines move by
less than 0.001). A row that cannot be read back is a miss, never an error. `prune_vectors` drops rows not
written since a date (the retention of articles decides which).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

log = logging.getLogger(__name__)

# Appended to `MIGRATIONS` (schema version 3); not part of version 1.
MIGRATION = """
CREATE TABLE IF NOT EXISTS sentence_vectors (
    digest TEXT NOT NULL,        -- sha256 of the split version and the source text
    model TEXT NOT NULL,         -- the encoder's name: vectors of different models never mix
    sentences INTEGER NOT NULL,
    dimensions INTEGER NOT NULL,
    vectors BLOB NOT NULL,       -- float16, one row per sentence
    created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),  -- UTC, for pruning
    PRIMARY KEY (digest, model)
) WITHOUT ROWID;
"""

_CHUNK = 500  # digests per query: SQLite caps the number of bound parameters


class VectorStore:
    """Mixin of `Store`: sentence vectors by text digest and model (a `briefing.ground.VectorStore`)."""

    _db: sqlite3.Connection

    if TYPE_CHECKING:

        def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def cached_vectors(self, model: str, digests: Sequence[str]) -> dict[str, NDArray[np.float32]]:
        found: dict[str, NDArray[np.float32]] = {}
        for start in range(0, len(digests), _CHUNK):
            chunk = list(digests[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT digest, sentences, dimensions, vectors FROM sentence_vectors"
                f" WHERE model = ? AND digest IN ({marks})",
                (model, *chunk),
            )
            for digest, sentences, dimensions, blob in rows:
                vectors = _decoded(blob, sentences, dimensions)
                if vectors is None:
                    log.warning("sentence vectors: unreadable entry %s; it will be embedded again", digest[:12])
                else:
                    found[digest] = vectors
        return found

    def cache_vectors(self, model: str, vectors: Mapping[str, NDArray[np.float32]]) -> None:
        """Store (or replace) the vectors of several texts in one transaction."""
        rows = [
            (digest, model, int(v.shape[0]), int(v.shape[1]) if v.ndim == 2 else 0, v.astype("<f2").tobytes())
            for digest, v in vectors.items()
        ]
        with self.transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO sentence_vectors (digest, model, sentences, dimensions, vectors)"
                " VALUES (?, ?, ?, ?, ?)",
                rows,
            )

    def prune_vectors(self, created_before: datetime) -> int:
        """Drop vectors written before `created_before` (aware); returns how many rows went."""
        cutoff = created_before.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        cursor = self._db.execute("DELETE FROM sentence_vectors WHERE created < ?", (cutoff,))
        return int(cursor.rowcount)


def _decoded(blob: bytes, sentences: int, dimensions: int) -> NDArray[np.float32] | None:
    if len(blob) != 2 * sentences * dimensions:
        return None
    return np.frombuffer(blob, dtype="<f2").reshape(sentences, dimensions).astype(np.float32)
