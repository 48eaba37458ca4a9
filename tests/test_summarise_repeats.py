"""Two bullets that state the same fact, however they are worded, are a repeat; distinct facts are not."""

from __future__ import annotations

import pytest

from briefing.summarise.repeats import claim, repeated_pairs, repeats


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
    ],
)
def test_distinct_facts_are_not_a_repeat(first: str, second: str) -> None:
    assert not repeats(second, [first])


def test_the_attribution_is_not_part_of_the_claim() -> None:
    assert (
        claim("The bridge will close for six weeks, the city council said.") == "The bridge will close for six weeks."
    )


def test_repeated_pairs_are_found_by_index() -> None:
    texts = [
        "The rate rose to 4.25% on Tuesday.",
        "Governor Ana Ruiz said inflation was still too high.",
        "The bank lifted its rate to 4.25 per cent.",
    ]
    assert repeated_pairs(texts) == [(0, 2)]
