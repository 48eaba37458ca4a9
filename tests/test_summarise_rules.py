"""What may become a bullet: each rule on small hand-made sentences, with the reason it gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing import wordnet as wordnet_module
from briefing.summarise.rules import (
    Rejection,
    first_person,
    junk_reason,
    leans_back,
    sets_up_contrast,
    strip_tags,
    unreferenced_pronoun,
    without_additive_opener,
)
from briefing.wordnet import WordNet, default_wordnet


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("A statue of the founder outside the old town hall in Port Aldren.", Rejection.CAPTION),
        ("The two ministers, left, and the governor at the signing ceremony on Friday.", Rejection.CAPTION),
        ("Images from the flooded streets of the old town on Tuesday evening.", Rejection.CAPTION),
        ("Northern Ledger correspondent Mira Olsen reports on the latest from the coast.", Rejection.SIGNOFF),
        ("Harbour TV's Tom Reyes reports from the flooded square. #HarbourTV #News", Rejection.SIGNOFF),
        ("Firefighters worked through the night; Dana Ruiz reports from Oster.", Rejection.SIGNOFF),
        ("The mayor joins the Evening Hour with reaction on 'Evening Hour Tonight.'", Rejection.SIGNOFF),
        ("Subscribe to our channel and click the bell button for the latest videos.", Rejection.SOCIAL),
        ("Here's the full episode of Morning Talk, 3 March 2026, only available online.", Rejection.PROGRAMME),
        ("Weeknights from 7pm on Channel 4 with the whole news team.", Rejection.PROGRAMME),
        ("Expected live at 6:15 p.m.: the premier to address the nation.", Rejection.PROGRAMME),
        ("What you need to know about the mission launching from Sarn on Saturday.", Rejection.TEASER),
        ("Here's how the storm unfolded across the coast overnight.", Rejection.TEASER),
        ("Will the bridge ever reopen to traffic next year?", Rejection.QUESTION),
        ("Friday Picks: The Long Road, Harbour Lights, Night Shift.", Rejection.LISTING),
        ("- Ferries resume from the islands on Monday morning.", Rejection.LISTING),
        (
            "If you suspect you have the virus, call your doctor or the national helpline on 0800 111.",
            Rejection.ADVISORY,
        ),
        ("(This video contains scenes of graphic violence.)", Rejection.ADVISORY),
        ("The mayor visits the flooded school (wearing a red coat) with two teachers.", Rejection.CAPTION),
        ("Jo Lind, Executive Director at the Open Schools Trust in Oster.", Rejection.CAPTION),
        ("The storm left 4,000 homes dark; Dana Ruiz has the details.", Rejection.SIGNOFF),
        ("Harbour TV's Mira Olsen and Tom Reyes discuss the council's vote.", Rejection.SIGNOFF),
        ("Former senator and Harbour TV contributor Ann Vale weighs in on the vote.", Rejection.SIGNOFF),
        ("The mayor, pictured, toured the flooded school with two teachers.", Rejection.CAPTION),
        ("The mayor is pictured with two teachers at the flooded school.", Rejection.CAPTION),
        ("Former state prosecutor Ann Vale reacts.", Rejection.SIGNOFF),
        ("Harbour council leader Tom Reyes explains.", Rejection.SIGNOFF),
        ("The race for mayor heats up against a backdrop of protests; reaction on 'The Panel.'", Rejection.PROGRAMME),
    ],
)
def test_a_sentence_that_states_no_fact_of_the_story_is_rejected_with_its_reason(
    sentence: str, reason: Rejection
) -> None:
    assert junk_reason(sentence) is reason


@pytest.mark.parametrize(
    "sentence",
    [
        "The central bank raised its main rate to 4.25% on Tuesday.",
        "Facebook said it would label posts that break its rules, after Twitter flagged two of them.",
        "Police reports of looting rose sharply on Friday night, officials said.",
        "The report describes a sharp rise in cases among care workers.",
        "Video shows an officer kneeling on the man's neck for several minutes.",
        "Protesters clash with police in the city centre for a third night.",
        "Former state prosecutor Ann Vale resigned.",
        "Police chief Tom Reyes answers questions from the council on Monday.",
        "The singer was pictured leaving the studio in Oster on Friday, a week after the concert.",
        "The queen has been pictured riding in the park for the first time since March.",
    ],
)
def test_a_fact_of_the_story_is_not_junk(sentence: str) -> None:
    assert junk_reason(sentence) is None


def test_trailing_hashtags_are_removed_and_the_sentence_kept() -> None:
    assert strip_tags("The minister resigned on Friday. #Politics #News") == "The minister resigned on Friday."


@pytest.mark.parametrize(
    "sentence",
    [
        "But the long story of the harbour families is real.",
        "His wife Lena, 40, is accused of fraud.",
        "They include the chip maker Vantor, which will add 1,500 jobs.",
        "It was the third rise this year.",
        "That explanation came 16 hours after the first post.",
        "However, the council rejected the plan.",
        "Many are using it to share videos of the march.",
        "Hours later, crowds gathered outside the town hall.",
        "Later, the mayor lifted the curfew.",
        "Notably, the airline kept its forecast.",
        "The mayor goes on to say the curfew will stay.",
        "U.S. President Jo Park goes on to say the curfew will stay.",
    ],
)
def test_a_sentence_leaning_on_one_the_reader_never_sees_is_dangling(sentence: str) -> None:
    assert leans_back(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "It is unclear whether the vote will pass before the summer.",
        "Those who were in contact with a case will be asked to isolate.",
        "This year the festival was cancelled for the first time.",
        "The council said the bridge would reopen in March.",
        "Later this week the council will vote on the plan.",
        "The trial went on for three weeks.",
        "Days after the bridge closed, a second ferry began to run.",
        "The mayor condemned the riot. The mayor goes on to say the curfew will stay.",
        "Norvale's council voted to close the pool.",
        "Stillwater's mayor resigned on Friday.",
    ],
)
def test_a_self_contained_sentence_is_not_dangling(sentence: str) -> None:
    assert not leans_back(sentence)


def test_an_additive_opener_is_removed_without_changing_what_is_stated() -> None:
    assert without_additive_opener("Meanwhile, police arrested 12 people.") == "Police arrested 12 people."


def test_a_negation_resolved_by_the_next_sentence_is_a_contrast_set_up() -> None:
    assert sets_up_contrast("The sixth mass extinction is not a worry for the future.", "It's happening now.")


def test_not_just_always_sets_up_a_contrast() -> None:
    assert sets_up_contrast("The strike is not just about pay.", None)


def test_a_negation_that_stands_alone_is_a_fact() -> None:
    assert not sets_up_contrast("No accidents have been linked to the fault.", "Shares fell 4% on Tuesday.")


@pytest.mark.parametrize(
    ("sentence", "voice"),
    [
        ("Crowds outside the embassy chanted 'I can't breathe,' the words of the dying man.", False),
        ('The minister said "we will rebuild the harbour" after the storm.', False),
        ("I can't say the players' union was wrong about the harbour.", True),
        ("The 'opportunistic' looters were wrong, and our city deserves better.", True),
    ],
)
def test_first_person_words_inside_a_quotation_are_the_speakers_not_the_writers(sentence: str, voice: bool) -> None:
    assert first_person(sentence) is voice


# ------------------------------------------------------------------------------ a pronoun with no one to stand for


@pytest.fixture
def wordnet(wordnet_installed: None) -> WordNet:
    found = default_wordnet()
    assert found is not None
    return found


@pytest.mark.parametrize(
    "sentence",
    [
        "False rumours about his health are spreading on social media.",
        "The agency denied he had been followed, saying it watches only foreign threats.",
        "In 2019, the Parole Review Board ruled that his release posed no risk.",
        "The harbour authority said she would be replaced next month.",
        "Police said he was arrested on Tuesday near the station.",
        "A week of protests ended with her resignation.",
        "“To answer your question, we have a deal on the harbour,” he said.",
    ],
)
def test_a_he_or_her_inside_a_sentence_with_no_one_it_can_stand_for_is_dangling(
    sentence: str, wordnet: WordNet
) -> None:
    assert unreferenced_pronoun(sentence, wordnet)
    assert leans_back(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "The harbour master said he would close the port at noon.",
        "Mayor Ines Varga said her council would vote on the plan.",
        "Varga said his remarks had been misread.",
        "In her first speech, the new mayor promised cheaper ferries.",
        "The PM says she understands the anger but the rules stay.",
        "The widow of the fisherman said her family wanted answers.",
        "Two officers said they saw him leave the building on Friday.",
        "Someone left his bag on the platform, the operator said.",
        "The council approved the budget on Monday after a long debate.",
    ],
)
def test_a_he_or_her_with_a_name_or_a_person_noun_before_it_is_not_dangling(sentence: str, wordnet: WordNet) -> None:
    assert not unreferenced_pronoun(sentence, wordnet)


def test_a_lead_joined_to_the_sentence_after_it_gives_the_pronoun_its_referent(wordnet: WordNet) -> None:
    joined = "Mayor Ines Varga resigned on Friday. False rumours about her health had spread for weeks."

    assert not unreferenced_pronoun(joined, wordnet)


def test_without_wordnet_no_pronoun_is_judged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wordnet_module, "FOLDER", str(tmp_path))

    assert wordnet_module.default_wordnet() is None
    assert not unreferenced_pronoun("False rumours about his health are spreading on social media.")


@pytest.mark.parametrize(
    "sentence",
    [
        "In another, floodwaters swept through a care home.",
        "In the other, two bridges were closed to traffic.",
    ],
)
def test_an_elliptical_opener_is_dangling(sentence: str) -> None:
    assert leans_back(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Crews bring down the rest of the damaged tower, late Sunday, July 4, 2026, in Port Aldren.",
        "The minister gives an update on the floods, on Thursday afternoon, 15 July 2026.",
    ],
)
def test_a_wire_photo_caption_with_its_dated_dateline_is_a_caption(sentence: str) -> None:
    assert junk_reason(sentence) is Rejection.CAPTION


@pytest.mark.parametrize(
    "sentence",
    [
        "The court ruled on Sunday, July 4, that the harbour law stands.",
        "The bridge, which opened on 15 July 2026, was closed again on Thursday.",
    ],
)
def test_a_weekday_or_a_dated_day_in_prose_is_no_caption(sentence: str) -> None:
    assert junk_reason(sentence) is None
