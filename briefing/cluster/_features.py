"""Article features for clustering: hashed word counts and, in a second space, names and numbers.

Knows `Article` text; knows nothing of clusters or windows. Hashing is stateless, so there is no vocabulary to
keep between polls. Each article is featurised once per process and kept in `FEATURES` (every poll sees the
whole window again). The caller hands articles already stripped of their feed's boilerplate
(`briefing.boilerplate`); links in the text are not words of the story and are skipped.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace

import mmh3
import numpy as np
import scipy.sparse as sp

from briefing._workers import idle_cores, process_pool
from briefing.models import Article
from briefing.words import english_stop_words

WORD_BITS = 20  # 2**20 hashed word columns (few collisions in any window); names use the next 2**20
_WORD_RE = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_LINK_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_NUMBER_RE = re.compile(r"[$£€]?\d[\d,.]*(?:%|\s?(?:percent|billion|million|trillion|bn|m)\b)?")
_CAPITAL_RE = re.compile(r"\b[A-Z][\w'’&\-]*")
_LOWER_RE = re.compile(r"\b[a-z][\w'’&\-]*")
_DASH_DIGIT = re.compile(r"-\d")  # found fast (a literal first): most texts have no code to fold
_CODE_RE = re.compile(r"\b([A-Za-z]{1,3})-(\d{1,3})\b")  # "G-7", "F-35", "MRT-3": written with or without the dash
_STOP = english_stop_words() | {"said", "says", "say", "mr", "ms", "mrs", "new", "news", "just", "like"}
_NOT_NAMES = _STOP | {  # capitalised, but they name a time, not who or where
    *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    *("january", "february", "march", "april", "june", "july", "august"),
    *("september", "october", "november", "december"),
}


def _tokens(text: str) -> list[str]:
    return [word for word in map(_folded, _WORD_RE.findall(_spelled(_prose(text)).lower())) if word]


def _spelled(text: str) -> str:
    """The text with short letter-number codes written one way: "G-7" as "G7", "MRT-3" as "MRT3".

    Outlets differ here in house style only, and left apart the two spellings share nothing: "G-7" is two
    single characters, which do not count as words, against the word "g7", so the one word that names the
    story is missing on one side."""
    return _CODE_RE.sub(r"\1\2", text) if _DASH_DIGIT.search(text) else text


def _prose(text: str) -> str:
    """The text without its links ("https://video.example/playlist/..."), which would make a channel's items
    look alike."""
    return _LINK_RE.sub(" ", text) if "/" in text else text


@functools.lru_cache(maxsize=200_000)
def _folded(word: str) -> str:
    """A word as it counts (`_stem`), or "" when it does not count (stop words, single letters)."""
    return "" if word in _STOP or len(word) <= 1 else _stem(word)


@functools.lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    """A crude plural/possessive fold: "storms" and "storm's" count as "storm"."""
    word = word.replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return word


def _entities(text: str) -> list[str]:
    """Names and numbers: the who, where and how-much that tell two similar events apart.

    A name is a capitalised word that the text never writes in lower case (so "Declaring" opening a sentence
    is not one, "Biden" is), folded like plain words; "Joe Biden" and "Biden" then share "biden".
    """
    text = _spelled(text)
    lower = set(_LOWER_RE.findall(text))
    capitals = [w.lower() for w in _CAPITAL_RE.findall(text)]
    names = [w for w in capitals if w not in lower and w not in _NOT_NAMES]
    found = [_stem(w) for w in names if "-" not in w]
    found.extend(_stem(part) for w in names if "-" in w for part in _joined_names(w, lower))
    found.extend(n.strip(" .,").lower().replace(",", "") for n in _NUMBER_RE.findall(text))
    return found


def _joined_names(word: str, lower: set[str]) -> list[str]:
    """The names a hyphen joins ("Russia-Ukraine talks", "US-China trade"), each a name of its own: a report of
    the "Russia-Ukraine peace talks" shares "Russia" and "Ukraine" with one of talks between "Ukraine and Russia"
    (apart, they shared no name, and the two reports of one day's talks stayed two stories). A word whose parts
    are not two names of three letters or more ("Al-Jazeera", "Post-Brexit" in a text that writes "post") is
    one name, as before."""
    parts = [p for p in word.split("-") if len(p) > 2 and p not in lower and p not in _NOT_NAMES]
    return parts if len(parts) >= 2 else [word]


LEAD_WORDS = 200  # of an article's text, what clustering reads (`_lead`)


def _lead(text: str) -> str:
    """The text's first `LEAD_WORDS` words. News is written lead-first, and most feeds give a lead or a summary:
    an outlet whose feed carries the whole article ("Tarique Rahman sworn in ..." and eleven paragraphs more, on a
    held-out day) shared so few of its many words with another outlet's one-sentence summary of the same swearing-in
    that the two never joined. Below 200 words the cut reached into the labelled days' longer items and moved
    their stories (at 100, a 178-word video blurb joined another event's story on its lead's name); at 200 no
    labelled figure moves (AllSides' texts are at most 125 words)."""
    if len(text) <= 2 * LEAD_WORDS:  # too short to hold more words than that: most feed summaries
        return text
    words = text.split(maxsplit=LEAD_WORDS)
    return text if len(words) <= LEAD_WORDS else " ".join(words[:LEAD_WORDS])


def _is_title_case(title: str) -> bool:
    words = [w for w in title.split() if w[:1].isalpha()]
    return len(words) > 2 and sum(w[0].isupper() for w in words) / len(words) > 0.6


def word_analyzer(article: Article, title_weight: int) -> list[str]:
    return _tokens(article.title) * title_weight + _tokens(_lead(article.text))


def entity_analyzer(article: Article) -> list[str]:
    return _names(article.title, _lead(article.text))


def _names(title: str, lead: str) -> list[str]:
    """Names and numbers of a title (unless in Title Case, where every word is capitalised) and a text's lead."""
    return _entities(("" if _is_title_case(title) else title) + "\n" + _prose(lead))


@dataclass(frozen=True)
class Rows:
    """Raw features of some articles, concatenated: hashed column indices and sublinear term frequencies, with
    each article's entry count (its row length)."""

    indices: np.ndarray
    data: np.ndarray
    lengths: np.ndarray


class _Pool:
    """Every cached article's features in two growing arrays, so a window's rows are gathered in one numpy step
    instead of concatenating one small array per article on every poll."""

    def __init__(self) -> None:
        self.indices = np.zeros(0, np.int32)
        self.data = np.zeros(0, np.float32)
        self.size = 0

    def append(self, indices: np.ndarray, data: np.ndarray) -> int:
        """Store entries at the end (growing by doubling); return where they start."""
        start, end = self.size, self.size + len(indices)
        if end > len(self.indices):
            capacity = max(end, 2 * len(self.indices), 1024)
            self.indices = np.resize(self.indices, capacity)
            self.data = np.resize(self.data, capacity)
        self.indices[start:end] = indices
        self.data[start:end] = data
        self.size = end
        return start

    def gather(self, starts: np.ndarray, lengths: np.ndarray) -> Rows:
        """The entries of the rows starting at `starts`, concatenated in that order."""
        ends = np.cumsum(lengths)
        positions = np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(starts - (ends - lengths), lengths)
        return Rows(self.indices[positions], self.data[positions], lengths)


class FeatureCache:
    """Raw features per article id, computed once: every poll sees the whole window again.

    Keyed by id, checked against title and text length (the text an article is clustered on is its stored
    text without its feed's boilerplate, which can change when the feed teaches more). Bounded: the oldest
    entries go first, and the pool is rebuilt from the live entries when it is mostly dead ones.
    """

    def __init__(self, limit: int = 400_000, compact_above: int = 2**20) -> None:
        self._rows: dict[str, tuple[str, int, int, int, int]] = {}  # id -> (title, text length, pool start,
        # word entries, name entries): an article's words, then its names, are consecutive in the pool
        self._pool = _Pool()
        self._live = 0  # pool entries still referenced by `_rows`
        self._limit = limit
        self._compact_above = compact_above  # pool entries below which dead ones are not worth reclaiming
        self._title_weight: int | None = None
        self._unsaved: set[str] = set()  # featurised here, not recalled: `unsaved_rows`
        self._text_version = ""  # how the caller prepared the texts (see `use_text_version`)

    def rows(self, articles: Sequence[Article], title_weight: int) -> tuple[Rows, Rows]:
        """The articles' word features and name features, each concatenated in the order of `articles`."""
        self._settle(title_weight)
        cached = self._rows.get
        where = [cached(a.id) for a in articles]
        stale = [i for i, (a, w) in enumerate(zip(articles, where, strict=True)) if _stale(a, w)]
        if stale:
            self._add([articles[i] for i in stale], title_weight)
            for i in stale:
                where[i] = self._rows[articles[i].id]
        starts = np.fromiter((w[2] for w in where if w), np.int64, len(where))
        words = np.fromiter((w[3] for w in where if w), np.int64, len(where))
        names = np.fromiter((w[4] for w in where if w), np.int64, len(where))
        name_rows = self._pool.gather(starts + words, names)  # an article's words come first, then its names
        word_rows = self._pool.gather(starts, words)
        self._evict()  # after gathering: a window larger than the limit still gets all its rows
        return word_rows, replace(name_rows, indices=name_rows.indices - 2**WORD_BITS)

    def use_text_version(self, version: str) -> None:
        """Forget every article's features when the caller prepares texts differently from now on (another
        learned boilerplate): the same id then stands for another text."""
        if version != self._text_version:
            self._rows.clear()
            self._pool, self._live = _Pool(), 0
            self._unsaved.clear()
            self._text_version = version

    def holds(self, article: Article, title_weight: int) -> bool:
        """Whether this article's features are cached (for `title_weight`)."""
        return title_weight == self._title_weight and not _stale(article, self._rows.get(article.id))

    def recall(self, articles: Sequence[Article], encoded: Mapping[str, bytes], title_weight: int) -> list[str]:
        """Take stored features (`encoded`, by article id, as `unsaved_rows` wrote them) for those `articles` not
        cached; return the ids of the articles still without features (none stored, or unreadable)."""
        self._settle(title_weight)
        wanted = [a for a in articles if not self.holds(a, title_weight) and a.id in encoded]
        entries, words, names = _decoded([encoded[a.id] for a in wanted])
        start = self._pool.append(entries["column"], entries["weight"])
        for article, word_count, name_count in zip(wanted, words.tolist(), names.tolist(), strict=True):
            if word_count >= 0:
                self._forget(article.id)
                self._rows[article.id] = (article.title, len(article.text), start, word_count, name_count)
                self._live += word_count + name_count
                start += word_count + name_count
        return [a.id for a in articles if not self.holds(a, title_weight)]

    def unsaved_rows(self) -> dict[str, bytes]:
        """The features of every article featurised (not recalled) since the last call, each as bytes that
        `recall` reads back, by article id: a record (word entries, name entries), then one per entry."""
        found: dict[str, bytes] = {}
        for article_id in self._unsaved & self._rows.keys():
            _, _, start, words, names = self._rows[article_id]
            records = np.zeros(1 + words + names, _ENTRY)
            records[0] = (words, names)
            records["column"][1:] = self._pool.indices[start : start + words + names]
            records["weight"][1:] = self._pool.data[start : start + words + names]
            found[article_id] = records.tobytes()
        self._unsaved.clear()
        return found

    def _settle(self, title_weight: int) -> None:
        if title_weight != self._title_weight:
            self._rows.clear()  # features depend on the setting
            self._pool, self._live = _Pool(), 0
            self._title_weight = title_weight
            self._unsaved.clear()

    def _add(self, missing: Sequence[Article], title_weight: int) -> None:
        matrix = featurise(missing, title_weight)
        start = self._pool.append(matrix.indices, matrix.data)
        lengths = np.diff(matrix.indptr)
        words = np.bincount(np.repeat(np.arange(len(missing)), lengths)[matrix.indices < 2**WORD_BITS])
        words = np.concatenate([words, np.zeros(len(missing) - len(words), np.int64)])
        for article, begin, count, word_count in zip(
            missing, matrix.indptr[:-1].tolist(), lengths.tolist(), words.tolist(), strict=True
        ):
            self._forget(article.id)
            self._rows[article.id] = (article.title, len(article.text), start + begin, word_count, count - word_count)
            self._unsaved.add(article.id)
            self._live += count

    def _evict(self) -> None:
        """Forget the oldest articles beyond the limit; rebuild the pool when it is mostly forgotten entries."""
        for oldest in list(itertools.islice(self._rows, max(0, len(self._rows) - self._limit))):
            self._forget(oldest)
        if self._pool.size > max(2 * self._live, self._compact_above):
            self._compact_pool()

    def _forget(self, article_id: str) -> None:
        self._unsaved.discard(article_id)
        dropped = self._rows.pop(article_id, None)
        if dropped is not None:
            self._live -= dropped[3] + dropped[4]

    def _compact_pool(self) -> None:
        old, self._pool = self._pool, _Pool()
        for key, (title, length, start, words, names) in list(self._rows.items()):
            end = start + words + names
            self._rows[key] = (
                title,
                length,
                self._pool.append(old.indices[start:end], old.data[start:end]),
                words,
                names,
            )


def _stale(article: Article, cached: tuple[str, int, int, int, int] | None) -> bool:
    """Not cached, or cached for another text under the same id (hand-made ids in tests and scripts). An
    article without its text (a stored story's member, read without texts) is known by id and title."""
    return cached is None or cached[0] != article.title or (bool(article.text) and cached[1] != len(article.text))


_ENTRY = np.dtype([("column", "<i4"), ("weight", "<f4")])  # one stored feature (the first: the two counts)


def _decoded(blobs: list[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The entries of the blobs that read back (`unsaved_rows`' format), concatenated, and each blob's word and
    name entry counts (-1 for a blob that does not read back, whose entries are left out)."""
    sizes = np.fromiter(map(len, blobs), np.int64, len(blobs))
    whole = (sizes >= _ENTRY.itemsize) & (sizes % _ENTRY.itemsize == 0)
    records = np.frombuffer(b"".join(b for b, ok in zip(blobs, whole.tolist(), strict=True) if ok), _ENTRY)
    lengths = sizes[whole] // _ENTRY.itemsize
    heads = np.cumsum(lengths) - lengths
    words = np.full(len(blobs), -1, np.int64)
    names = np.full(len(blobs), -1, np.int64)
    head_words, head_names = records["column"][heads].astype(np.int64), records["weight"][heads].astype(np.int64)
    consistent = (head_words >= 0) & (head_names >= 0) & (head_words + head_names + 1 == lengths)
    words[np.flatnonzero(whole)[consistent]] = head_words[consistent]
    names[np.flatnonzero(whole)[consistent]] = head_names[consistent]
    keep = np.repeat(consistent, lengths)
    keep[heads] = False
    return records[keep], words, names


FEATURES = FeatureCache()


def featurise(articles: Sequence[Article], title_weight: int) -> sp.csr_matrix:
    """One row per article: hashed words, then names in the 2**20 columns after them, as sublinear tf.

    The same features as `word_analyzer` and `entity_analyzer` hashed (a test holds them equal), with each
    distinct string's column remembered: this is most of the cost of clustering a new article. Many articles
    at once (a first poll's) are shared with a second process when a core is idle (`_shared`).
    """
    theirs = (len(articles) - HEAD_START) // 2
    if theirs >= MIN_SHARE and idle_cores() >= 2:
        return _shared(articles, title_weight, theirs)
    return _featurised(articles, title_weight)


# A worker process starts featurising about 0.7 s after it is asked (spawn, then numpy and scipy imported), the
# time this process takes for about 10,000 articles (73 us each: 30,000 of a first poll of 1,000 feeds in 2.2 s)
HEAD_START = 10_000
MIN_SHARE = 5_000  # below this, a second process saves too little to be worth starting


def _shared(articles: Sequence[Article], title_weight: int, theirs: int) -> sp.csr_matrix:
    """`featurise` with the first `theirs` articles featurised in a worker process meanwhile: after a first poll,
    clustering runs on one core while the other is idle. Each row depends only on its own article, so the rows
    stacked in order are the rows of one call. A worker that cannot start (a script without a `__main__` guard)
    leaves its share to this process."""
    with process_pool(1) as pool:
        share = pool.submit(_featurised, articles[:theirs], title_weight)
        ours = _featurised(articles[theirs:], title_weight)
        try:
            first = share.result()
        except BrokenProcessPool:
            first = _featurised(articles[:theirs], title_weight)
    stacked: sp.csr_matrix = sp.vstack([first, ours], format="csr")
    return stacked


def _featurised(articles: Sequence[Article], title_weight: int) -> sp.csr_matrix:
    features = [_columns(a, title_weight) for a in articles]
    lengths = [len(row) for row in features]
    columns = np.fromiter(itertools.chain.from_iterable(features), np.int32, sum(lengths))
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    shape = (len(articles), 2 ** (WORD_BITS + 1))
    matrix = sp.csr_matrix((np.ones(len(columns), np.float32), columns, indptr), shape=shape)
    matrix.sum_duplicates()  # counts, and sorted columns: an article's words come before its names
    matrix.data = 1.0 + np.log(matrix.data)  # sublinear tf: the tenth "Biden" adds little
    return matrix


def _columns(article: Article, title_weight: int) -> list[int]:
    word = _WORD_COLUMN.__getitem__
    title = [c for c in map(word, _WORD_RE.findall(_spelled(article.title).lower())) if c >= 0]
    lead = _lead(article.text)
    text = [c for c in map(word, _WORD_RE.findall(_spelled(_prose(lead)).lower())) if c >= 0]
    names = [_NAME_COLUMN[name] for name in _names(article.title, lead)]
    return title * title_weight + text + names


class _Memo(dict[str, int]):
    """A string's column, computed once per distinct string; forgets everything past `limit` strings."""

    def __init__(self, compute: Callable[[str], int], limit: int = 400_000) -> None:
        super().__init__()
        self._compute = compute
        self._limit = limit

    def __missing__(self, key: str) -> int:
        if len(self) >= self._limit:
            self.clear()
        value = self[key] = self._compute(key)
        return value


def _column(feature: str) -> int:
    """A feature's hashed column, exactly where scikit-learn's HashingVectorizer puts it (the same signed 32-bit
    MurmurHash3 of the UTF-8 bytes, seed 0, the same fold of the sign; tests/test_cluster.py holds them equal).
    """
    h = mmh3.hash(feature, 0)
    columns = 1 << WORD_BITS
    if h == -(1 << 31):
        return ((1 << 31) - 1 - (columns - 1)) % columns  # abs(-2**31) overflows an int32 in scikit-learn
    return abs(h) % columns


_WORD_COLUMN = _Memo(lambda raw: _column(folded) if (folded := _folded(raw)) else -1)  # -1: does not count
_NAME_COLUMN = _Memo(lambda name: 2**WORD_BITS + _column(name))
