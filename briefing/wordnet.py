"""What English words mean, from WordNet 3.0: which are opposites ("the rate rose" where the source says "fell"),
and which nouns name a kind of person ("officer", "widow") or of group ("board", "agency").

The relations come from the WordNet database files (Princeton WordNet 3.0 in its WNDB format, as
Debian's `wordnet-base` installs them in /usr/share/wordnet). Nothing is loaded up front: a word is found by
binary search in the sorted index file and its synsets are read at their byte offsets in the data file (which is
what the format is designed for), so opening costs nothing and memory stays small. Without the files the
callers run on without word relations: the grounding check has no antonym rule, the sentence rules no person
nouns (`default_wordnet` is None).

Knows words and the WordNet files; knows nothing of claims, sources, sentences or verdicts.
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
FOLDER = "/usr/share/wordnet"  # where Debian's wordnet-base puts the database (the `grounding.wordnet` default)
_HYPERNYMS = frozenset({"@", "@i"})  # "is a kind of", "is an instance of"
# WordNet's lexicographer files 03-28 (noun.Tops ... noun.time), by number: each noun sense's coarse class.
_NOUN_FILES = dict(
    enumerate(
        (
            "Tops", "act", "animal", "artifact", "attribute", "body", "cognition", "communication", "event",
            "feeling", "food", "group", "location", "motive", "object", "person", "phenomenon", "plant",
            "possession", "process", "quantity", "relation", "shape", "state", "substance", "time",
        ),
        start=3,
    )
)  # fmt: skip
_MAX_ANCESTORS = 400  # a noun's hypernym closure is a few dozen synsets; bounds a damaged file


@dataclass(frozen=True)
class _Entry:
    words: tuple[str, ...]
    lexfile: int  # the lexicographer file: 4 = noun.act, 10 = noun.communication, 11 = noun.event, ...
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
        self._kinds: dict[tuple[str, str], bool] = {}

    def opposite(self, word: str, other: str) -> bool:
        """Whether `word` is an antonym of `other` ("rose"/"fell", "won"/"lost", "cheap"/"expensive"), or of the
        head adjective `other` is a satellite of ("scorching" is similar to "hot", the opposite of "cold")."""
        return bool(self._opposites(word) & self.synsets(other)) or bool(self._opposites(other) & self.synsets(word))

    def is_kind_of(self, word: str, kind: str, *, usual: bool = False) -> bool:
        """Whether some noun sense of `word` (or of the noun it inflects: "officers", "women") is a kind or an
        instance of the first noun sense of `kind`: ("president", "person") yes, ("information", "person") no.
        With `usual`, only the most frequent sense of each form counts: "threat" can name a person, but usually
        does not ("men": the first sense of "man" counts)."""
        key = (word.lower(), f"{kind}:{usual}")
        if key not in self._kinds:
            root = self._first_noun_sense(kind)
            if usual:
                firsts = (self._first_noun_sense(lemma) for lemma in self._forms(word.lower(), "n"))
                senses = {first for first in firsts if first}
            else:
                senses = {s for s in self.synsets(word.lower()) if s[0] == "n"}
            self._kinds[key] = root is not None and root in self._ancestors(senses)
        return self._kinds[key]

    def _forms(self, word: str, pos: str) -> list[str]:
        """The dictionary forms `word` may inflect that WordNet has."""
        return [lemma for lemma in sorted(self._lemmas(word, pos)) if _find(self._index[pos], lemma)]

    def is_plural(self, word: str) -> bool:
        """Whether `word` is a noun only as the plural of another: "officers", "women"; not "police", "news"."""
        lower = word.lower()
        forms = self._forms(lower, "n")
        return bool(forms) and lower not in forms

    def knows(self, word: str) -> bool:
        """Whether `word` (or a dictionary form it may inflect) is in WordNet at all, as any part of speech."""
        return bool(self.synsets(word.lower()))

    def has_verb(self, word: str) -> bool:
        return any(s[0] == "v" for s in self.synsets(word.lower()))

    def has_noun(self, word: str) -> bool:
        return any(s[0] == "n" for s in self.synsets(word.lower()))

    def usual_noun_files(self, word: str) -> frozenset[str]:
        """The lexicographer files ("act", "event", "communication", "person", ...) of the most frequent noun
        sense of each dictionary form of `word`: "move" -> {"act"}, "data" -> {"cognition"}, "measures" ->
        {"act"}; empty for a word that is no noun. The file is WordNet's own coarse class of a sense."""
        firsts = (self._first_noun_sense(lemma) for lemma in self._forms(word.lower(), "n"))
        return frozenset(_NOUN_FILES.get(self._entry(first).lexfile, "") for first in firsts if first) - {""}

    def _first_noun_sense(self, lemma: str) -> Synset | None:
        line = _find(self._index["n"], lemma)
        if not line:
            return None
        fields = line.split()
        return ("n", int(fields[6 + int(fields[3])]))

    def _ancestors(self, senses: set[Synset]) -> set[Synset]:
        seen, frontier = set(senses), list(senses)
        while frontier and len(seen) < _MAX_ANCESTORS:
            synset = frontier.pop()
            for symbol, target, _, _ in self._entry(synset).pointers:
                if symbol in _HYPERNYMS and target not in seen:
                    seen.add(target)
                    frontier.append(target)
        return seen

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
    return _Entry(words, int(fields[1]), tuple(pointers))


@lru_cache(maxsize=2)
def load_wordnet(folder: str) -> WordNet | None:
    """The database in `folder`, or None when its files are absent (the check then runs without it)."""
    root = Path(folder)
    if not all((root / f"{kind}.{name}").is_file() for name in _FILES.values() for kind in ("index", "data")):
        return None
    return WordNet(root)


def default_wordnet() -> WordNet | None:
    """The database where Debian installs it (`FOLDER`), or None without it."""
    return load_wordnet(FOLDER)
