"""The WordNet reader: which nouns name a kind of person or of group (the sentence rules ask), read from the
database files on demand. Skips without the database (Debian: apt install wordnet-base)."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.wordnet import WordNet, default_wordnet, load_wordnet


@pytest.fixture
def wordnet(wordnet_installed: None) -> WordNet:
    found = default_wordnet()
    assert found is not None
    return found


@pytest.mark.parametrize("word", ["president", "officer", "woman", "women", "widow", "officials", "lawyers"])
def test_a_noun_naming_people_is_a_kind_of_person(word: str, wordnet: WordNet) -> None:
    assert wordnet.is_kind_of(word, "person", usual=True)


@pytest.mark.parametrize("word", ["information", "bridge", "agency", "report", "harbour"])
def test_a_noun_naming_no_one_is_not(word: str, wordnet: WordNet) -> None:
    assert not wordnet.is_kind_of(word, "person")


def test_a_rare_person_sense_counts_only_when_every_sense_is_asked_for(wordnet: WordNet) -> None:
    assert wordnet.is_kind_of("threat", "person")  # "a person who inspires fear"
    assert not wordnet.is_kind_of("threat", "person", usual=True)


@pytest.mark.parametrize(("word", "group"), [("board", True), ("senate", True), ("officer", False)])
def test_a_body_of_people_is_a_kind_of_social_group(word: str, group: bool, wordnet: WordNet) -> None:
    assert wordnet.is_kind_of(word, "social_group") is group


def test_a_folder_without_the_database_gives_no_wordnet(tmp_path: Path) -> None:
    assert load_wordnet(str(tmp_path)) is None
