"""The word statistics the cluster and summarise stages share (briefing.words)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from briefing.words import english_stop_words, tfidf_rows

WORD = re.compile(r"(?u)\b\w\w+\b")


def test_the_stop_words_are_the_common_english_function_words() -> None:
    stop = english_stop_words()
    assert {"the", "and", "of", "which", "would"} <= stop
    assert not {"election", "minister", "flood", "2024"} & stop


def test_a_text_is_most_similar_to_itself_and_then_to_a_text_about_the_same_thing() -> None:
    rows = tfidf_rows(
        [
            "The council approved the harbour bridge budget on Monday",
            "Harbour bridge budget approved by the council",
            "A storm closed schools across the northern valley",
        ],
        WORD,
    )
    similarity = rows @ rows.T
    assert np.allclose(np.diag(similarity), 1.0)
    assert similarity[0, 1] > 0.5 > similarity[0, 2] == pytest.approx(0.0)


def test_weights_are_sublinear_in_repetition_and_favour_rare_words() -> None:
    rows = tfidf_rows(["flood flood flood river", "river bank", "river town"], WORD)
    columns = {"bank": 0, "flood": 1, "river": 2, "town": 3}
    flood, river = rows[0, columns["flood"]], rows[0, columns["river"]]
    # tf 3 -> 1 + ln 3 (not 3); "flood" is in one text of three, "river" in all three
    expected = (1 + np.log(3)) * (np.log(4 / 2) + 1) / ((np.log(4 / 4) + 1) * 1.0)
    assert flood / river == pytest.approx(expected)


def test_texts_of_stop_words_only_give_zero_rows() -> None:
    assert tfidf_rows(["the and of", "it was"], WORD).tolist() == [[0.0], [0.0]]
    rows = tfidf_rows(["the and of", "volcano erupts"], WORD)
    assert rows[0].tolist() == [0.0, 0.0]
    assert np.linalg.norm(rows[1]) == pytest.approx(1.0)
