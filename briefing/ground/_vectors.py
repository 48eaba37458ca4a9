"""Sentence vectors of the cited sources, embedded once per text and encoder and kept for the next check.

An edition checks every bullet against the articles it cites, and a story's bullets cite the same few articles:
each article's sentences are embedded once, then read from memory. A persistent `VectorStore` (the store's
`sentence_vectors` table) keeps them across builds; it is read and written only by `preload` and `flush`, on
the thread that owns it, because the checks themselves may run on the summariser's worker threads (a SQLite
connection belongs to one thread).

Knows sentences, vectors and the encoder; knows nothing of claims, bullets or verdicts.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

import numpy as np

from briefing.encoder import Encoder, Vectors
from briefing.ground._text import split_sentences

# Part of every key: a change to how sources are split into sentences must not reuse vectors of the old split.
SPLIT_VERSION = "1"
# Sentences of one source that are embedded (the first ones): a 200,000-character feed payload would otherwise
# cost minutes of encoder time. Feed articles, even full texts, rarely reach 150 sentences.
MAX_SENTENCES = 300


class VectorStore(Protocol):
    """Where vectors outlive the process (`briefing.store.Store` is one)."""

    def cached_vectors(self, model: str, digests: Sequence[str]) -> dict[str, Vectors]: ...

    def cache_vectors(self, model: str, vectors: Mapping[str, Vectors]) -> None: ...


def _sentences(text: str) -> list[str]:
    return split_sentences(text)[:MAX_SENTENCES]


def digest(text: str) -> str:
    """The key of a source text's sentence vectors: its content, not its id (an edited article is new)."""
    return hashlib.sha256(f"{SPLIT_VERSION}/{MAX_SENTENCES}\n{text}".encode()).hexdigest()


class SentenceVectors:
    """Each source text's sentence vectors, in memory (thread-safe, the least recently used dropped past
    `limit` texts), optionally read from and written back to a `VectorStore`."""

    def __init__(self, encoder: Encoder, store: VectorStore | None = None, limit: int = 2048) -> None:
        self.encoder = encoder
        self._store = store
        self.limit = limit
        self._memory: OrderedDict[str, Vectors] = OrderedDict()
        self._unsaved: set[str] = set()
        self._lock = threading.Lock()

    def of(self, text: str) -> Vectors:
        """One row per sentence of `text` (as `split_sentences` splits it; the first MAX_SENTENCES)."""
        key = digest(text)
        with self._lock:
            found = self._memory.get(key)
            if found is not None:
                self._memory.move_to_end(key)
                return found
        vectors = self.encoder.embed(_sentences(text))
        self._remember({key: vectors}, unsaved=True)
        return vectors

    def preload(self, texts: Iterable[str]) -> int:
        """Bring the vectors of `texts` into memory: from the store where it has them, else embedded (in one
        batch) and saved. Call it on the store's thread before checking. Returns how many were embedded."""
        wanted = {digest(t): t for t in texts}
        with self._lock:
            missing = [k for k in wanted if k not in self._memory]
        stored = self._store.cached_vectors(self.encoder.name, missing) if self._store and missing else {}
        self._remember(stored, unsaved=False)
        fresh = {k: wanted[k] for k in missing if k not in stored}
        sentences = [_sentences(fresh[k]) for k in fresh]
        embedded = self.encoder.embed([s for group in sentences for s in group])
        bounds = np.cumsum([0, *(len(group) for group in sentences)])
        self._remember({k: embedded[bounds[i] : bounds[i + 1]] for i, k in enumerate(fresh)}, unsaved=True)
        self.flush()
        return len(fresh)

    def flush(self) -> None:
        """Write vectors embedded since the last flush to the store (on the store's thread)."""
        with self._lock:
            pending = {k: self._memory[k] for k in self._unsaved if k in self._memory}
            self._unsaved.clear()
        if self._store is not None and pending:
            self._store.cache_vectors(self.encoder.name, pending)

    def _remember(self, vectors: Mapping[str, Vectors], unsaved: bool) -> None:
        with self._lock:
            for key, value in vectors.items():
                self._memory[key] = value
                self._memory.move_to_end(key)
                if unsaved and self._store is not None:
                    self._unsaved.add(key)
            while len(self._memory) > self.limit:
                dropped, _ = self._memory.popitem(last=False)
                self._unsaved.discard(dropped)
