"""The sentence-vector cache: each source text's sentence embeddings, per encoder, so that an article is embedded
once, not at every build that checks a bullet citing it.

Rows are keyed by the digest of the text (`briefing.ground` computes it: the text and how it is split), not by
article id, so an edited article gets new vectors and identical texts share them; `model` is the encoder's name,
so vectors of another model are never mixed in. Vectors are stored as float16 (half the space; cosines move by
less than 0.001). A row that cannot be read back is a miss, never an error. `created` is filled in by the
database (each backend's schema gives the default); `prune_vectors` drops rows written before a time.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from briefing.store._codec import to_db_time
from briefing.store._sql import SqlMixin

if TYPE_CHECKING:  # numpy is loaded when vectors are read: an idle cron tick opens the store without it
    import numpy as np
    from numpy.typing import NDArray

log = logging.getLogger(__name__)

_CHUNK = 500  # digests per query


class VectorsSql(SqlMixin):
    """Sentence vectors by text digest and model (`VectorStore`; structurally a `briefing.ground.VectorStore`)."""

    def cached_vectors(self, model: str, digests: Sequence[str]) -> dict[str, NDArray[np.float32]]:
        found: dict[str, NDArray[np.float32]] = {}
        for start in range(0, len(digests), _CHUNK):
            condition, value = self._db.any_of("digest", list(digests[start : start + _CHUNK]))
            rows = self._db.query(
                f"SELECT digest, sentences, dimensions, vectors FROM sentence_vectors WHERE model = ? AND {condition}",
                (model, value),
            )
            for digest, sentences, dimensions, blob in rows:
                vectors = _decoded(bytes(blob), sentences, dimensions)
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
        with self._db.transaction():
            self._db.execute_many(
                "INSERT INTO sentence_vectors (digest, model, sentences, dimensions, vectors) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (digest, model) DO UPDATE SET sentences = excluded.sentences,"
                " dimensions = excluded.dimensions, vectors = excluded.vectors",
                rows,
            )

    def prune_vectors(self, created_before: datetime) -> int:
        """Drop vectors written before `created_before` (aware); returns how many rows went."""
        return self._db.execute("DELETE FROM sentence_vectors WHERE created < ?", (to_db_time(created_before),))


def _decoded(blob: bytes, sentences: int, dimensions: int) -> NDArray[np.float32] | None:
    if len(blob) != 2 * sentences * dimensions:
        return None
    import numpy as np

    return np.frombuffer(blob, dtype="<f2").reshape(sentences, dimensions).astype(np.float32)
