"""Two bullets that state the same fact, however they are worded, are a repeat; distinct facts are not."""

from __future__ import annotations

import pytest

from briefing.summarise.repeats import claim, main_claim, repeated_pairs, repeats


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            "The Norvale central bank raised its main interest rate by a quarter point to 4.25% on Tuesday.",
            "Norvale's central bank increased its benchmark rate to 4.25 percent, its third increase this year.",
        ),
        (
            "Five northern states backed a 12 billion euro rail link between Valen and Oster on Tuesday.",
            "The plan is expected to cost 12 billion euros.",
        ),
        (
            "The premier said he is postponing the regional summit until at least September.",
            "The premier says he will delay the meeting of regional leaders until September.",
        ),
        (
            "The Helios-3 weather satellite reached its planned orbit after launching from the Sarn spaceport.",
            "A rocket carrying the Helios-3 weather satellite lifted off from Sarn and placed it in orbit.",
        ),
        ("Officials denied the claims.", "Officials refused the claims on Friday."),  # "denied" is "deny"
        (  # "temporarily closed" and "the temporary closure" are one word each
            "On Monday Norvale said it temporarily closed the Sarn strait, a vital international shipping route, as it "
            "entered a new round of talks with Valen over its naval capabilities.",
            "On Monday Norvale announced the temporary closure of the Sarn strait for live military drills as its "
            "negotiators held another round of indirect talks with Valen in Oster over its disputed naval program.",
        ),
        (  # the same announcement of the same open question
            "The mayor will announce this week whether the city will build a second harbour bridge.",
            "The mayor plans to announce this week whether a second bridge will be built over the harbour.",
        ),
        (  # a restatement is still one when it ends on a background clause
            "Jo Vale was charged with fraud over the bridge repair contracts on Friday.",
            "Jo Vale has been charged with fraud over the bridge contracts, after a two-year audit of the board.",
        ),
        (  # what the earlier bullet only recalled as background is still said
            "Ferry operators added 12 sailings a day, after the harbour bridge closed for repairs on Monday.",
            "The harbour bridge closed for repairs.",
        ),
        (  # a later bullet that says nothing the earlier did not, behind an opening attribution
            "The Helios-3 weather satellite reached its planned orbit on Tuesday after launching from Sarn.",
            "The space agency confirmed that Helios-3 reached orbit.",
        ),
        (
            "No accidents have been linked to the fault, according to the company.",
            "The company said no accidents had been reported.",
        ),
        (  # one day, however it is written, and what happens on it in other words
            "The regional government approves the return of indoor public swimming behind closed doors from Monday, "
            "1 June.",
            "Ministers on Saturday gave the green light for the return of public swimming in Norvale from June 1, with "
            "outdoor lidos and club training likely to be the first back.",
        ),
    ],
)
def test_the_same_fact_in_other_words_is_a_repeat(first: str, second: str) -> None:
    assert repeats(second, [first])


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            "The harbour bridge will close for repairs for six weeks from Monday, the city council said.",
            "Commuters will be offered a free ferry service while the bridge is closed, the council said.",
        ),
        (
            "There were 12 new cases in the northern region on Friday.",
            "There were 31 new cases in the northern region on Saturday.",
        ),
        (
            "Talks are under way with two neighbours on travel lanes, said Trade Minister Jo Lind on Saturday.",
            "The fate of the city's grand prix will be announced next week, said Trade Minister Jo Lind on Saturday.",
        ),
        (  # a new fact that recalls the earlier one as background
            "The harbour bridge closed for repairs on Monday.",
            "Ferry operators added 12 sailings a day, after the harbour bridge closed for repairs.",
        ),
        (  # an inquiry the earlier bullet does not mention, into what it stated
            "The minister attended a dinner that broke the lockdown rules.",
            "Police are investigating whether the dinner attended by the minister broke the lockdown rules.",
        ),
        (  # as few words, but about someone else
            "Brazil reported more deaths from the virus on Monday.",
            "Officials said Mexico reported deaths from the virus.",
        ),
        (  # the same day, other news: a date is no fact by itself ("Jan. 6" may name an event)
            "Ferry crews went on strike on 1 June over pay.",
            "The harbour bridge reopened to traffic on June 1 after six weeks of repairs.",
        ),
        (  # a day that names the event both bullets are about ("the Jan. 6 attack") is the topic, not a fact
            "The March 14 flood inquiry will hear evidence from harbour engineers and weather forecasters over the "
            "next two weeks.",
            "Families of the March 14 flood victims will give evidence to the inquiry in person and ask for "
            "compensation for lost homes and businesses.",
        ),
        (  # one date and the same names, a new fact
            "The Sarn council will vote on the harbour budget on 8 June.",
            "Sarn's mayor Jo Lind will resign from the council after the June 8 vote, her office said.",
        ),
        (  # an aside about who she is, and a background clause, around a new fact
            "Former harbour board chair Jo Vale was charged with fraud over the bridge contracts.",
            "Jo Vale, a former harbour board chair, has resigned from the yacht club, her lawyer said, following the "
            "fraud charge over the bridge contracts.",
        ),
    ],
)
def test_distinct_facts_are_not_a_repeat(first: str, second: str) -> None:
    assert not repeats(second, [first])


def test_the_attribution_is_not_part_of_the_claim() -> None:
    assert (
        claim("The bridge will close for six weeks, the city council said.") == "The bridge will close for six weeks."
    )


def test_the_main_claim_leaves_out_a_background_clause_and_an_aside_about_who_someone_is() -> None:
    facts_kept = "The board approved its plan, a $2 billion rebuild, on Friday, which angered the unions."

    assert [
        main_claim("Jo Vale, the harbour board chair, resigned, her lawyer said, following the fraud charge."),
        main_claim(facts_kept),
    ] == ["Jo Vale resigned.", facts_kept]


def test_a_later_bullet_may_recall_an_earlier_one_but_not_restate_it() -> None:
    closed = "The harbour bridge closed for repairs on Monday."
    ferries = "Ferry operators added 12 sailings a day, after the harbour bridge closed for repairs."

    assert (repeated_pairs([closed, ferries]), repeated_pairs([ferries, closed])) == ([], [(0, 1)])


def test_a_day_of_a_month_is_not_a_count() -> None:
    closures = "The council closed 30 beaches on Saturday."
    reopening = "The council reopened the beaches on 30 May."

    assert (repeats(reopening, [closures]), repeats(closures, [reopening])) == (False, False)


def test_repeated_pairs_are_found_by_index() -> None:
    texts = [
        "The rate rose to 4.25% on Tuesday.",
        "Governor Ana Ruiz said inflation was still too high.",
        "The bank lifted its rate to 4.25 per cent.",
    ]
    assert repeated_pairs(texts) == [(0, 2)]
