"""A story with sources in English and in another language is told from its English sources: its headline and
bullets come from them, the other items are still cited. A story told only in another language keeps them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from factories import article

from briefing.models import Cluster
from briefing.summarise import extractive, headlines, language, prompt_articles

TAGALOG_TITLE = "Tulay ng daungan, isasara bukas para sa pagkukumpuni"
TAGALOG_TEXT = "Isasara ang tulay ng daungan simula bukas matapos magpasya ang konseho na ipaayos ito."
ENGLISH_TITLE = "Harbour bridge to close for two weeks of repairs"
ENGLISH_TEXT = "The council voted to close the harbour bridge for two weeks of repairs from Monday."


@pytest.mark.parametrize(
    "text",
    [
        TAGALOG_TEXT,
        TAGALOG_TITLE,
        "El gobierno anunció el cierre del puente del puerto durante dos semanas por obras de reparación.",
        "Die Regierung hat angekündigt, die Hafenbrücke wegen Reparaturarbeiten zwei Wochen lang zu schließen.",
    ],
)
def test_text_in_another_language_is_recognised(text: str, wordnet_installed: None) -> None:
    assert language.other_language_text(text)


@pytest.mark.parametrize(
    "text",
    [
        ENGLISH_TEXT,
        ENGLISH_TITLE,
        "Harbour Bridge To Close For Two Weeks",  # Title Case: names say nothing of the language
        "Ex-mayor says the long-awaited, much-delayed re-opening is a well-earned relief for commuters.",
        "The bridge, which carries 40,000 vehicles a day, reopens on Monday.",
        "Lind: Reyes, Varga",  # too few words to tell
    ],
)
def test_english_and_text_that_cannot_tell_are_not_another_language(text: str, wordnet_installed: None) -> None:
    assert not language.other_language_text(text)


def test_a_feeds_declared_language_decides_when_the_words_cannot(wordnet_installed: None) -> None:
    title_only = replace(article("a-1", "", "Harbour Bridge To Close"), language="de")
    assert language.in_other_language(title_only)
    assert not language.in_other_language(replace(title_only, language="en"))
    assert not language.in_other_language(replace(title_only, language="eng"))


def test_english_words_outweigh_a_feeds_odd_declaration(wordnet_installed: None) -> None:
    assert not language.in_other_language(replace(article("a-1", ENGLISH_TEXT, ENGLISH_TITLE), language="us"))


def _mixed_story() -> Cluster:
    """The item in another language comes first, as an earlier post of a channel does."""
    return Cluster(
        "c-bridge",
        (
            article("a-tl", TAGALOG_TEXT, TAGALOG_TITLE, outlet="Channel"),
            article("a-en", ENGLISH_TEXT, ENGLISH_TITLE, outlet="Daily"),
        ),
    )


def test_a_mixed_story_is_named_and_told_from_its_english_source(wordnet_installed: None) -> None:
    story = _mixed_story()
    found = extractive.candidates(story, limit=3)

    assert headlines.headline(story) == ENGLISH_TITLE
    assert [b.text for b in found.bullets] == [ENGLISH_TEXT]
    assert found.bullets[0].sources == ("a-en",)
    assert found.rejected["other_language"] == 1


def test_the_llm_is_shown_the_english_sources_of_a_mixed_story(wordnet_installed: None) -> None:
    assert [a.id for a in prompt_articles(_mixed_story(), max_sources=5)] == ["a-en"]


def test_a_story_told_only_in_another_language_keeps_its_items(wordnet_installed: None) -> None:
    story = Cluster("c-bridge", (article("a-tl", TAGALOG_TEXT, TAGALOG_TITLE, outlet="Channel"),))
    found = extractive.candidates(story, limit=3)

    assert headlines.headline(story) == TAGALOG_TITLE
    assert [b.text for b in found.bullets] == [TAGALOG_TEXT]
    assert "other_language" not in found.rejected
