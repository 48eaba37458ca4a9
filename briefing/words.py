"""Word statistics shared by the stages that compare texts: the English stop words and TF-IDF rows.

Why not scikit-learn: importing it costs about a second (it pulls in `scipy.stats`), paid by every process that
clusters or summarises, for a vectoriser that is twenty lines of numpy. The stop words are scikit-learn's own
list (shipped as data in `stopwords-en.txt`), and `tfidf_rows` computes what `TfidfVectorizer(stop_words=
"english", sublinear_tf=True)` computes, so summaries and stories are the same as they were with it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import cache
from importlib.resources import files

import numpy as np

__all__ = ["english_stop_words", "tfidf_rows"]


@cache
def english_stop_words() -> frozenset[str]:
    """scikit-learn's English stop words (the Glasgow IR group's list), lower case."""
    text = files("briefing").joinpath("stopwords-en.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def tfidf_rows(texts: Sequence[str], token_pattern: re.Pattern[str]) -> np.ndarray:
    """One l2-normalised TF-IDF row per text (so a dot product is a cosine similarity); columns are the words
    the texts use, stop words left out. Term frequency is sublinear (1 + log tf), idf smoothed
    (1 + log((1 + n) / (1 + df))). Texts with no usable word get a zero row; when no text has one, the rows have
    a single zero column."""
    stop = english_stop_words()
    counts = [Counter(w for w in token_pattern.findall(text.lower()) if w not in stop) for text in texts]
    vocabulary = {word: column for column, word in enumerate(sorted(set().union(*counts)))}
    if not vocabulary:
        return np.zeros((len(texts), 1))
    rows = np.zeros((len(texts), len(vocabulary)))
    for row, words in enumerate(counts):
        for word, count in words.items():
            rows[row, vocabulary[word]] = 1.0 + np.log(count)
    document_frequency = np.count_nonzero(rows, axis=0)
    rows *= np.log((1.0 + len(texts)) / (1.0 + document_frequency)) + 1.0
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    unit: np.ndarray = np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)
    return unit
