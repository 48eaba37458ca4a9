"""Relative times in older articles: anchored to the article's own date, or the sentence is not used."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from briefing.summarise.timewords import anchored, dateline, stale_words, writers_day

SATURDAY = date(2026, 5, 30)  # the article's day
MONDAY = date(2026, 6, 1)  # the edition's day, two days later


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("A woman was robbed in the city centre today.", "A woman was robbed in the city centre on Saturday 30 May."),
        ("Police said yesterday that 12 people were held.", "Police said on Friday 29 May that 12 people were held."),
        ("Today, the council voted to close the pool.", "On Saturday 30 May, the council voted to close the pool."),
        (
            "The glider crashed near the lake this afternoon.",
            "The glider crashed near the lake on the afternoon of Saturday 30 May.",
        ),
        ("The council will vote on Monday.", "The council will vote on Monday."),  # the same Monday to both
        ("The rocket lifted off on Saturday from Sarn.", "The rocket lifted off on Saturday from Sarn."),
        ("Talks began on Saturday (May 30) in Oster.", "Talks began on Saturday (May 30) in Oster."),
        ("Talks began on Saturday morning (May 30).", "Talks began on Saturday morning (May 30)."),
        ("The vote is on Tuesday.", "The vote is on Tuesday."),  # the coming Tuesday to both
        # the weekday dates "said", not the future the sentence reports: last Friday to both
        ("The pool will close, the council said Friday.", "The pool will close, the council said Friday."),
        ("Two men will be charged in court on Tuesday.", "Two men will be charged in court on Tuesday."),
        ("Crowds gathered over the weekend.", "Crowds gathered over the weekend."),  # the weekend just past
    ],
)
def test_relative_times_in_an_older_article_are_anchored_to_its_date(sentence: str, expected: str) -> None:
    assert anchored(sentence, SATURDAY, MONDAY) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "Protests spread across the country this week.",
        "The vote is tomorrow.",
        "He spoke to reporters on Sunday.",  # last Sunday to the writer, yesterday to the reader
        "Today's decision surprised the markets.",
        "The wind should ease by the evening.",
        "The pool will reopen on Sunday.",  # the Sunday just past to the writer, the next one to the reader
        "The directive is set to expire Sunday.",
        "The pool closed hours ago.",
        "Firefighters arrived minutes ago.",
        "The council will vote in the coming hours.",
        "The pool will reopen by the weekend.",  # this weekend to the writer, the next to the reader
    ],
)
def test_a_relative_time_that_cannot_be_anchored_faithfully_drops_the_sentence(sentence: str) -> None:
    assert anchored(sentence, SATURDAY, MONDAY) is None


def test_a_range_that_runs_into_the_editions_day_is_read_alike() -> None:
    sentence = "The city imposed a curfew from 8 p.m. Saturday to 5:30 a.m. Sunday, the mayor announced."
    assert anchored(sentence, SATURDAY, date(2026, 5, 31)) == sentence


def test_an_article_from_the_editions_day_keeps_its_words() -> None:
    assert anchored("The pool closed today.", MONDAY, MONDAY) == "The pool closed today."


WEDNESDAY = date(2026, 5, 27)  # an article five days older than the edition


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Crowds gathered on Wednesday night.", "Crowds gathered on Wednesday night (27 May)."),
        ("The rocket lifted off this afternoon.", "The rocket lifted off on the afternoon of Wednesday 27 May."),
        ("Talks began on Wednesday morning (May 27).", "Talks began on Wednesday morning (May 27)."),
        ("The road was shut until this evening.", "The road was shut until the evening of Wednesday 27 May."),
    ],
)
def test_what_anchoring_writes_the_check_reads_as_dated(sentence: str, expected: str) -> None:
    """`briefing check` counts what the summariser would have had to anchor: an anchored sentence has nothing
    left to count (a weekday with its part of the day and its date is not a bare weekday)."""
    assert anchored(sentence, WEDNESDAY, MONDAY) == expected
    assert stale_words(expected, WEDNESDAY, MONDAY) == []


def test_stale_words_are_what_a_reader_on_the_editions_day_would_misread() -> None:
    assert stale_words("Schools closed today and will reopen this week.", SATURDAY, MONDAY) == ["today", "this week"]


def test_the_dateline_states_the_articles_day_and_the_day_before() -> None:
    assert dateline(SATURDAY) == "Published on Saturday 30 May 2026; the day before was Friday 29 May 2026."


# ------------------------------------------------------------------------------------------ the writer's zone

UTC_READER = ZoneInfo("UTC")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_the_writers_day_is_read_in_the_zone_the_feed_wrote_its_date_in() -> None:
    wellington_morning = at("2020-06-02T10:16:00+12:00")  # still 1 June in UTC
    assert writers_day(wellington_morning, 720, UTC_READER) == date(2020, 6, 2)
    assert writers_day(wellington_morning, None, UTC_READER) == date(2020, 6, 1)  # no zone given: the reader's


def test_today_from_a_zone_ahead_of_the_reader_is_anchored_to_the_writers_day() -> None:
    singapore = writers_day(at("2020-06-02T05:00:00+08:00"), 480, UTC_READER)
    edition = date(2020, 6, 1)  # 21:00 UTC: the reader's day is still 1 June

    assert (
        anchored("Commuters return to work today.", singapore, edition) == "Commuters return to work on Tuesday 2 June."
    )
    assert stale_words("Commuters return to work today.", singapore, edition) == ["today"]


def test_yesterday_in_a_print_edition_dated_the_editions_next_day_is_the_editions_day() -> None:
    manila = writers_day(at("2020-06-02T00:00:00+08:00"), 480, UTC_READER)
    sentence = "Enrollment was successful on its first day yesterday."

    assert (
        anchored(sentence, manila, date(2020, 6, 1)) == "Enrollment was successful on its first day on Monday 1 June."
    )


@pytest.mark.parametrize(
    "sentence",
    ["In two days, the circuit breaker period will be over.", "The ferry sank three days ago off the coast."],
)
def test_days_counted_from_the_writers_day_drop_the_sentence_in_a_later_edition(sentence: str) -> None:
    assert anchored(sentence, SATURDAY, MONDAY) is None
    assert stale_words(sentence, SATURDAY, MONDAY)
    assert anchored(sentence, MONDAY, MONDAY) == sentence


def test_a_span_of_days_is_not_a_date() -> None:
    sentence = "Police made 200 arrests in 10 days of protests."
    assert anchored(sentence, SATURDAY, MONDAY) == sentence
