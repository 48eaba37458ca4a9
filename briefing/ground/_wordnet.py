"""Which English words are opposites, from WordNet 3.0: "the rate rose" where the source says "fell".

The relations come from the WordNet database files (Princeton WordNet 3.0 in its WNDB format, as
Debian's `wordnet-base` installs them in /usr/share/wordnet). Nothing is loaded up front: a word is found by
binary search in the sorted index file and its synsets are read at their byte offsets in the data file (which is
what the format is designed for), so opening costs nothing and memory stays small. Without the files the check
runs on, with no word relations.

Knows words and the WordNet files; knows nothing of claims, sources or verdicts.
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_POS = ("n", "v", "a", "r")
_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
# Inflection rules of WordNet's own lemmatiser (morphy): suffix -> replacement, per part of speech.
_DETACH = {
    "n": (("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"),
          ("ies", "y")),
    "v": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")),
    "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "r": (),
}  # fmt: skip

Synset = tuple[str, int]  # (part of speech, byte offset in its data file)


@dataclass(frozen=True)
class _Entry:
    words: tuple[str, ...]
    pointers: tuple[tuple[str, Synset, int, int], ...]  # (symbol, target, source word, target word); 0 = all


class WordNet:
    """Opposites, read on demand from the database files; each word's synsets are remembered once looked up."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._index = {pos: _mapped(root / f"index.{name}") for pos, name in _FILES.items()}
        self._data = {pos: _mapped(root / f"data.{name}") for pos, name in _FILES.items()}
        self._exceptions = {pos: _mapped(root / f"{name}.exc") for pos, name in _FILES.items()}
        self._entries: dict[Synset, _Entry] = {}
        self._synsets: dict[str, frozenset[Synset]] = {}
        self._opposed: dict[str, frozenset[Synset]] = {}

    def opposite(self, word: str, other: str) -> bool:
        """Whether `word` is an antonym of `other` ("rose"/"fell", "won"/"lost", "cheap"/"expensive"), or of the
        head adjective `other` is a satellite of ("scorching" is similar to "hot", the opposite of "cold")."""
        return bool(self._opposites(word) & self.synsets(other)) or bool(self._opposites(other) & self.synsets(word))

    def synsets(self, word: str) -> frozenset[Synset]:
        """Every synset of every dictionary form `word` may be an inflection of ("fell": fall, fell)."""
        if word not in self._synsets:
            self._synsets[word] = self._lookup(word)
        return self._synsets[word]

    def _lookup(self, word: str) -> frozenset[Synset]:
        found: set[Synset] = set()
        for pos in _POS:
            for lemma in self._lemmas(word.lower(), pos):
                line = _find(self._index[pos], lemma)
                if line:
                    fields = line.split()
                    count, pointers = int(fields[2]), int(fields[3])
                    found.update((pos, int(o)) for o in fields[6 + pointers : 6 + pointers + count])
        return frozenset(found)

    def _opposites(self, word: str) -> frozenset[Synset]:
        if word not in self._opposed:
            mine = self.synsets(word)
            heads = set(mine) | {t for s in mine for sym, t, _, _ in self._entry(s).pointers if sym == "&"}
            self._opposed[word] = frozenset(t for s in heads for sym, t, _, _ in self._entry(s).pointers if sym == "!")
        return self._opposed[word]

    def _lemmas(self, word: str, pos: str) -> set[str]:
        forms = {word}
        exception = _find(self._exceptions[pos], word)
        if exception:
            forms.update(exception.split()[1:])
        for suffix, ending in _DETACH[pos]:
            if word.endswith(suffix) and len(word) > len(suffix) + 1:
                forms.add(word[: -len(suffix)] + ending)
        return forms

    def _entry(self, synset: Synset) -> _Entry:
        if synset not in self._entries:
            self._entries[synset] = _parse(_line_at(self._data[synset[0]], synset[1]))
        return self._entries[synset]


def _mapped(path: Path) -> mmap.mmap | bytes:
    if not path.is_file() or path.stat().st_size == 0:
        return b""
    with path.open("rb") as handle:
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


def _find(data: mmap.mmap | bytes, key: str) -> str | None:
    """The line of a sorted file whose first field is `key` (binary search over byte positions)."""
    target = key.encode("utf-8")
    low, high = 0, len(data)
    while low < high:
        middle = (low + high) // 2
        start = data.rfind(b"\n", 0, middle) + 1
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        first = data[start:end].split(b" ", 1)[0]
        if first == target:
            return data[start:end].decode("utf-8", errors="replace")
        if first < target:
            low = end + 1
        else:
            high = start
    return None


def _line_at(data: mmap.mmap | bytes, offset: int) -> str:
    end = data.find(b"\n", offset)
    return data[offset : len(data) if end < 0 else end].decode("utf-8", errors="replace")


def _parse(line: str) -> _Entry:
    """One data line: offset, lexicographer file, type, word count (hex), words with lex ids, pointers."""
    fields = line.split(" | ", 1)[0].split()
    count = int(fields[3], 16)
    words = tuple(w.split("(", 1)[0].lower() for w in fields[4 : 4 + 2 * count : 2])
    at = 4 + 2 * count
    pointers = []
    for i in range(at + 1, at + 1 + 4 * int(fields[at]), 4):
        symbol, offset, pos, link = fields[i : i + 4]
        pointers.append((symbol, ("a" if pos == "s" else pos, int(offset)), int(link[:2], 16), int(link[2:], 16)))
    return _Entry(words, tuple(pointers))


@lru_cache(maxsize=2)
def load_wordnet(folder: str) -> WordNet | None:
    """The database in `folder`, or None when its files are absent (the check then runs without it)."""
    root = Path(folder)
    if not all((root / f"{kind}.{name}").is_file() for name in _FILES.values() for kind in ("index", "data")):
        return None
    return WordNet(root)
