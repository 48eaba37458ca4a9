"""Whether a sentence stands on its own: each rule on small hand-made sentences."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing import wordnet as wordnet_module
from briefing.summarise.leaning import (
    leans_back,
    opens_story,
    reported_subject,
    sets_up_contrast,
    unreferenced_pronoun,
    without_additive_opener,
    without_also,
)
from briefing.wordnet import WordNet, default_wordnet


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
        "After all, the ferry is supposedly the town's lifeline.",
        "Notably, the airline kept its forecast.",
        "The mayor goes on to say the curfew will stay.",
        "U.S. President Jo Park goes on to say the curfew will stay.",
        "Because it finally turns the old publicity game into money.",
        "Which is unrealistic for any ferry that sails in winter.",
        "Where people are too busy to look into their neighbours' boats.",
        "Most visitors think the harbour bridge looks like this.",
        "The two other ferry operators in Oster did not.",
        "Several councillors say they will.",
        "In other words, the ferry will not run before the summer.",
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
        "After all the votes were counted, the council closed the pool.",
        "The trial went on for three weeks.",
        "Days after the bridge closed, a second ferry began to run.",
        "The mayor condemned the riot. The mayor goes on to say the curfew will stay.",
        "Norvale's council voted to close the pool.",
        "Stillwater's mayor resigned on Friday.",
        "Because of the storm, every ferry was cancelled.",
        "Where the river floods, farmers plant rice after the summer.",
        "Which of the harbour's two ferries sails first is decided by the tide tables in Oster.",
        "A five-day closure helped the harbour traders but a ten-day closure did not.",
        'The mayor said the council would "get the harbour building again".',
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
        "Two officers said they saw him leave the building on Friday.",  # "him" is no officer: a plural is no one
        "'We will reopen the pier in Oster,' he said.",  # the quotation's names are the speaker's words
        '"We will reopen the pier in Oster," he said.',
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
        "The officer said she saw the driver leave the building on Friday.",
        "Song was taken to hospital, where surgeons said his injuries were grave.",  # a name, though once a dynasty
        "Harbour chairman Steve Parish said he was proud of the crew.",  # a name, though a parish is a group
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
        "Unknown to the council, he had sold the pier.",
        "Despite calling the plan reckless, she voted for it.",
        "Watching the footage later, he said the crowd had been calm.",
        "Thanks to a late goal, she kept her seat on the board.",
    ],
)
def test_an_opening_participle_or_preposition_is_no_one_a_he_or_she_can_stand_for(
    sentence: str, wordnet: WordNet
) -> None:
    assert leans_back(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "The 34-year-old had met the skipper at a harbour party.",
        "The 21-year-old died in hospital on Sunday.",
        "The 52-year-old, who is wanted in three countries, was arrested at the port.",
        "The 18-year-old's account was closed by the platform.",
        "The mother-of-two from Oster said the ferry had left early.",
        "The Briton finished two minutes ahead of the field.",
        "The young Spaniard scored his second goal of the season.",
    ],
)
def test_an_age_family_or_nationality_epithet_standing_alone_may_follow_but_never_open_a_story(
    sentence: str, wordnet: WordNet
) -> None:
    """It refers to someone named before: after a bullet that names them, as in its source, it reads well."""
    assert reported_subject(sentence)
    assert not opens_story(sentence)
    assert not leans_back(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "The 35-year-old woman was taken to hospital after the attack.",
        "The 34-year-old Ines Varga won the vote by 12 seats.",
        "The German government said it would pay for the ferry.",
        "The Scots have won all five qualifiers.",
        "The Australian reported that the pier would close.",
    ],
)
def test_an_epithet_with_its_noun_or_name_says_whom_it_means(sentence: str, wordnet: WordNet) -> None:
    assert opens_story(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "In many ways, their troubles are nothing new.",
        "In other words, they were caught in the middle.",
        "After being reduced to 8-2, they recovered to win by 40 runs.",
        "In 1988, they won every race of the season.",
        "Superficially, it appeared to be a compromise.",
        "If anything, they have been better than last season.",
        "On Monday, it announced a recall of 40,000 cars.",
        "Sometimes they close the pier at night.",
        "Increasingly it is used by ferry crews.",
        "Through this the ferry kept running all winter.",
        "Though small, they have large megaphones.",
        "Once completed, it will carry 4,000 cars a day.",
        "When asked, they said the pier would stay shut.",
        "Despite hosting the ferry summit, it is a bystander in the race for new routes.",
        "Since taking office, they have cut the ferry budget twice.",
    ],
)
def test_they_or_it_after_an_opening_phrase_with_nothing_to_stand_for_is_dangling(
    sentence: str, wordnet: WordNet
) -> None:
    assert leans_back(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "When the officers arrived, they closed the road.",
        "If Oster fails to pay, it will lose the ferry.",
        "While the victory was expected, it still surprised the council.",
        "For a moment, it seemed the bridge would hold.",
        "In the end, it is clear that the plan failed.",
        "In this case the council voted to close the pier.",
        "For this reason the pier closed early.",
        "For those on the island, the ferry is a lifeline.",
        "Though Oster voted no, it kept the ferry.",
        "When the storm hit, they closed the road.",
        "If true, it is likely that the pier will close.",
        "After reviewing the data, it is clear that the pier must close.",
    ],
)
def test_they_or_it_with_a_noun_or_name_before_it_or_standing_for_nothing_is_not_dangling(
    sentence: str, wordnet: WordNet
) -> None:
    assert not leans_back(sentence)


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
        "Now, the harbour master is being sued by the port authority.",
        "In total, 40 ferries were cancelled over the weekend, the operator said.",
        "In part, that is the council's own fault.",
        "The town, though, is by far the largest to use the scheme.",
        "The minister will not, however, meet her own deadline for the bridge.",
        "Take, for example, the ferry pier at Oster.",
        "Two smuggling gangs used these small harbours, the coastguard said.",
        "Without it, most villages would have had no bus at all.",
        "Amid that, the council will gain two seats.",
        "Of that figure, 4 million pounds goes to the ferry.",
        "Call that good news, because it comes with more jobs.",
        "Second, the early plans were mixed up with rumours.",
        "Many fired flares from the pier, celebrating the truce.",
        "One results from demand growing faster than supply.",
    ],
)
def test_a_connective_or_a_bare_it_or_these_that_points_back_is_dangling(sentence: str, wordnet: WordNet) -> None:
    assert leans_back(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "In May, the council closed the outdoor pool.",
        "In Oster, the ferry pier reopened on Monday.",
        "In court, the harbour master denied the charge.",
        "In hospital, the injured sailor thanked the crew.",
        "Now that the bridge is open, the free ferry will stop.",
        "Those aged over 70 will be offered the vaccine first.",
        "The ferry will run every hour, but the council said it would review the timetable.",
        "Most commuters cross the harbour by bus these days.",
        "This week, the council closed the outdoor pool.",
        "Officials said that 1,200 people, mostly children, had left.",
        "Some Harbour Board members resigned on Friday.",
        "Some 200 people were rescued from the flood.",
        "Some people have taken to shouting at joggers without masks.",
        "One issue is that ballots, once counted, are kept by the council.",
    ],
)
def test_a_dated_or_placed_opener_and_those_naming_people_are_not_dangling(sentence: str, wordnet: WordNet) -> None:
    assert not leans_back(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "The move comes amid a rise in flooding along the coast.",
        "The new measures come into force on Monday.",
        "The decision was made by a show of hands.",
        "The announcement came after a long day of talks.",
        "The data bolsters the case for a second bridge.",
    ],
)
def test_an_act_or_event_named_only_as_the_move_or_the_data_is_a_reported_subject(
    sentence: str, wordnet: WordNet
) -> None:
    assert reported_subject(sentence, wordnet)
    assert not leans_back(sentence)  # after a bullet that states the move, a reader knows which move
    assert not opens_story(sentence)  # as a story's first bullet, nothing says which


@pytest.mark.parametrize(
    "sentence",
    [
        "The decision to close the pool was taken on Monday.",
        "The stock market rose 2% on Friday.",
        "The vote count showed a narrow lead for the mayor.",
        "The mayor said the bridge would reopen in March.",
        "The number coding scheme is still lifted in the capital.",
        "The move by the council surprised the ferry operators.",
        "The latest data compiled by the harbour board show fewer crossings.",
    ],
)
def test_a_description_that_says_which_or_names_a_standing_thing_is_no_reported_subject(
    sentence: str, wordnet: WordNet
) -> None:
    assert not reported_subject(sentence, wordnet)
    assert opens_story(sentence)


def test_a_mid_sentence_also_is_removed_but_a_quoted_one_is_left_as_printed() -> None:
    assert without_also("Councillor Jo Vale also has two challengers.") == "Councillor Jo Vale has two challengers."
    assert (
        without_also('Vale said "we also want a bridge" and also left.')
        == 'Vale said "we also want a bridge" and left.'
    )
    assert without_also("The ferry, also known as the Blue Line, was late.") == (
        "The ferry, also known as the Blue Line, was late."
    )
    assert without_also("The Harbour Board (HB) also closed the pier.") == "The Harbour Board (HB) closed the pier."


@pytest.mark.parametrize(
    ("sentence", "dangling"),
    [
        ("“The committee will announce its decision on Monday,” it said.", True),
        ('"We have decided to close the pier," they wrote to the council.', True),
        ('"We will rebuild," it said, adding that work would start on Monday in Oster.', True),
        ('"We will rebuild the harbour," the ministry said.', False),
        ('The ministry said "we will rebuild the harbour", and it said work starts Monday.', False),
    ],
)
def test_a_quotation_whose_only_speaker_is_it_or_they_is_dangling(sentence: str, dangling: bool) -> None:
    """Who "it" is was named in a sentence the reader never sees."""
    assert leans_back(sentence) is dangling
