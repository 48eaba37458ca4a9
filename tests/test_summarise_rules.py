"""What may become a bullet: each rule on small hand-made sentences, with the reason it gives."""

from __future__ import annotations

import pytest

from briefing.summarise.rules import Rejection, first_person, junk_reason, strip_tags


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
        ("Coverage will be on Harbour TV Player and the Harbour Sport website.", Rejection.PROGRAMME),
        ("What you need to know about the mission launching from Sarn on Saturday.", Rejection.TEASER),
        ("Here's how the storm unfolded across the coast overnight.", Rejection.TEASER),
        ("Will the bridge ever reopen to traffic next year?", Rejection.QUESTION),
        ("Friday Picks: The Long Road, Harbour Lights, Night Shift.", Rejection.LISTING),
        ("- Ferries resume from the islands on Monday morning.", Rejection.LISTING),
        ("Harbour FC: Lind; Reyes, Varga (capt), Okafor, Moss; Quinn, Hale.", Rejection.LISTING),
        ("Replacements: Abel, Brandt, Costa, Dunne, Eriksen, Faure.", Rejection.LISTING),
        ("# Kernel extensions to support the harbour parser.", Rejection.LISTING),
        ("// Ferries are counted twice when the pier is closed.", Rejection.LISTING),
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
        ("Tragic: CCTV footage shows the ferry leaving the pier without its crew.", Rejection.CAPTION),
        ("Never forget: The singer surprised a fan by dropping in at her wedding.", Rejection.CAPTION),
        ("Former state prosecutor Ann Vale reacts.", Rejection.SIGNOFF),
        ("Harbour council leader Tom Reyes explains.", Rejection.SIGNOFF),
        ("Reporting by Jo Lind; Editing by Tom Reyes.", Rejection.SIGNOFF),
        ("Jo Lind contributed reporting from Port Aldren.", Rejection.SIGNOFF),
        ("An earlier version of this article misstated the length of the closure.", Rejection.SIGNOFF),
        ("This story has been updated with comment from the council.", Rejection.SIGNOFF),
        ("Comments are closed for this article.", Rejection.SIGNOFF),
        ("The post Harbour bridge to close for repairs appeared first on Harbour Daily.", Rejection.SIGNOFF),
        ("This article is republished from Harbour Review under a Creative Commons licence.", Rejection.SIGNOFF),
        ("This is a developing story and will be updated.", Rejection.SIGNOFF),
        ("Last modified on Tue 1 Dec 2026 17.30 GMT.", Rejection.SIGNOFF),
        ("Editor's note: This story contains graphic descriptions.", Rejection.SIGNOFF),
        ("The views expressed in this article are the author's own.", Rejection.SIGNOFF),
        ("Jo Lind and Tom Reyes contributed.", Rejection.SIGNOFF),
        ("This article proposes a way of keeping the harbour bridge open.", Rejection.SIGNOFF),
        ("Read the full story at Harbour Daily.", Rejection.SOCIAL),
        ("For the latest news, visit harbourdaily.com.", Rejection.SOCIAL),
        ("The full story is available to subscribers.", Rejection.SOCIAL),
        ("submitted by /u/harbourfan [link] [comments]", Rejection.SOCIAL),
        ("toggle caption", Rejection.CAPTION),
        ("Photo by Jo Lind on Unsplash, taken at the harbour.", Rejection.CAPTION),
        ("Video courtesy of Harbour TV, filmed from the ferry.", Rejection.CAPTION),
        ("The race for mayor heats up against a backdrop of protests; reaction on 'The Panel.'", Rejection.PROGRAMME),
        ("By Jo Lind and Tom Reyes.", Rejection.SIGNOFF),
        ("By Jo Lind, Tom Reyes and Ann Varga", Rejection.SIGNOFF),
        ("Tags: harbour · ferries · Oster · transport.", Rejection.SOCIAL),
        ("Filed under: Politics, Transport.", Rejection.SOCIAL),
        ("Grab a drink and play along with the harbour quiz!", Rejection.TEASER),
        ("Own a unique piece of Oster's history for one dollar!", Rejection.TEASER),
        ("Court reporting is expensive; please consider subscribing to the Harbour Daily.", Rejection.SOCIAL),
        ("Readers like you support our journalism in Oster.", Rejection.SOCIAL),
        ("New ferry timetable, bug fixes and more … 74 posts - 43 participants.", Rejection.SOCIAL),
        ("Ana del Valle and Luis Ortega.", Rejection.CAPTION),
        ("Cats Tattooing Other Cats by Kazu Hori.", Rejection.CAPTION),
        ("Ink of the Week: Harbour Blue (via The Pen Desk).", Rejection.CAPTION),  # a post of links
        ("Dr Jo Lind - Fellow at the Oster Institute for Harbour Health.", Rejection.CAPTION),
        ("P.S. This year the ferry festival falls on the first day of spring.", Rejection.SIGNOFF),
        ("DISCLAIMER: Some items in this review were provided free of charge.", Rejection.SIGNOFF),
        ("HTV speaks with Jo Lind, the former harbour master, about the strike.", Rejection.SIGNOFF),
        ("HTV's Jo Lind asks what the strike means for the island's schools.", Rejection.SIGNOFF),
        ("HTV asks whether the ferry can run without its crews.", Rejection.SIGNOFF),
        ("Warning: clear spoilers for The Harbour Keeper ahead.", Rejection.ADVISORY),
        ("From old ferries to new bridges, here are five harbour sights not to miss.", Rejection.TEASER),
        ("Here, five ferry captains reflect on their favourite crossings.", Rejection.TEASER),
        ("Here five families tell Jo Lind why the bridge matters to them.", Rejection.TEASER),
        ("(Spoilers for the last chapter of Harbour Lights follow.)", Rejection.ADVISORY),
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
        "Ferries from Oster, Sarn, Vale, Tull and Moss were cancelled on Monday.",
        "Insurance coverage on the island rose to 80% after the storm.",
        "Police said: The harbour will stay closed until Monday.",
        "The council's plan first appeared on its website in March.",
        "Her story of the flood was first reported by the Harbour Daily.",
        "Jo Lind contributed $5 million to the mayor's campaign.",
        "The report, first published in March, was updated on Monday with new figures.",
        "Updated figures show the river rose 2 metres overnight.",
        "The streaming service raised prices for subscribers in Oster on Monday.",
        "The minister said the views expressed by the council were out of date.",
        "By Monday the council had closed the bridge.",
        "By 2030 the harbour will need 4,000 more homes.",
        "The council tags every ferry with a tracker.",
        'The crowd outside the town hall chanted, "Open the bridge!"',
        "Fans sang 'We are the champions!' as the ferry docked in Oster.",
        "The streaming service lost 40,000 subscribers in Oster after raising its prices.",
        "Ana del Valle and Luis Ortega won the council seats for Oster.",
        "P.S. 22 in Oster reopened on Monday after the flood.",
        "NATO talks with Russia stalled on Monday in Oster.",
        "The Greens could play spoiler for Labor ahead of the vote in Oster.",
        "The ferry, here in Oster since 1902, made its last crossing on Monday.",
        "Here was clear evidence that the ferry had been overloaded, the inquiry found.",
        "Here in Oster, the council voted to close the pier on Monday.",
    ],
)
def test_a_fact_of_the_story_is_not_junk(sentence: str) -> None:
    assert junk_reason(sentence) is None


def test_trailing_hashtags_are_removed_and_the_sentence_kept() -> None:
    assert strip_tags("The minister resigned on Friday. #Politics #News") == "The minister resigned on Friday."


@pytest.mark.parametrize(
    ("sentence", "voice"),
    [
        ("Crowds outside the embassy chanted 'I can't breathe,' the words of the dying man.", False),
        ('The minister said "we will rebuild the harbour" after the storm.', False),
        ("I can't say the players' union was wrong about the harbour.", True),
        ("The 'opportunistic' looters were wrong, and our city deserves better.", True),
        ("Don't look for anything profound in the name: it refers to the harbour's smell.", True),
        ("Please see the About page for more details.", True),
        ('"Don\'t close the pier," the mayor told the council on Monday.', False),
    ],
)
def test_first_person_words_inside_a_quotation_are_the_speakers_not_the_writers(sentence: str, voice: bool) -> None:
    assert first_person(sentence) is voice


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


@pytest.mark.usefixtures("wordnet_installed")
@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("How a tiny ferry crossed the frozen harbour in 1902 with forty passengers.", Rejection.TEASER),
        ("Why the new harbour bridge is required for the island.", Rejection.TEASER),
        ("Whether the harbour toll really pays for the new bridge.", Rejection.TEASER),
        ("Whether the ferry runs depends on the weather, the council said.", None),
        ("Whether it's a storm or a strike, the ferry office is behind it.", None),
        ("How the ferry sank remains unclear, the inquiry said on Monday.", None),
        ("How we relate to the harbour can change over a lifetime, the survey found.", None),
    ],
)
def test_a_heading_that_promises_an_explanation_is_a_teaser_a_wh_clause_subject_is_not(
    sentence: str, reason: Rejection | None
) -> None:
    """ "How", "Why" or "Whether" and one verb is a heading; a second verb is the sentence's own (WordNet tells
    verbs)."""
    assert junk_reason(sentence) is reason
