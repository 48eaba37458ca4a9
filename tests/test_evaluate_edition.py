"""`briefing check`: the counts a reader's objections add up to, on a hand-made edition and on a real day."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from edition_fixture import END, OK, sample_edition
from feedserver import FeedServer
from realday import REAL_NEWS, build_real_day

from briefing.cli import app
from briefing.evaluate.edition import check_edition
from briefing.models import ArticleKind, ArticleRef, Bullet, Edition, Section, Story, StoryStatus, edition_to_dict


def _ref(n: int, title: str, days_old: int = 0, kind: ArticleKind = ArticleKind.NEWS) -> ArticleRef:
    return ArticleRef(f"a-{n}", title, f"https://example.org/{n}", f"Outlet {n}", END - timedelta(days=days_old), kind)


def _bullet(text: str, ref: ArticleRef) -> Bullet:
    return Bullet(text, (ref.id,), (text,), OK)


def _flawed_edition() -> Edition:
    news, old, live = _ref(1, "Bridge closes"), _ref(2, "Council votes", days_old=2), _ref(3, "Live: bridge news")
    stories = (
        Story(
            "c-junk",
            "Bridge closes for six weeks",
            StoryStatus.NEW,
            (
                _bullet("The harbour bridge closed on Monday for six weeks of repairs.", news),
                _bullet("Harbour TV's Tom Reyes reports from the bridge. #HarbourTV", news),
                _bullet("But the council says it had no choice.", news),
                _bullet("The council voted today to close the pool.", old),
            ),
            (news, old),
        ),
        Story(
            "c-repeat",
            "Rate rises to 4.25%",
            StoryStatus.NEW,
            (
                _bullet("The bank raised its rate to 4.25% on Tuesday.", live),
                _bullet("The bank lifted its benchmark rate to 4.25 percent.", news),
            ),
            (live, news),
        ),
        Story("c-q", "Will the bridge ever reopen?", StoryStatus.NEW, (_bullet("Repairs began.", news),), (news,)),
    )
    return replace(sample_edition(), sections=(Section("World", stories),))


def test_the_check_counts_what_a_reader_would_object_to() -> None:
    counts = check_edition(_flawed_edition()).counts()

    assert {k: v for k, v in counts.items() if k not in ("findings", "rejected", "edition")} == {
        "stories": 3,
        "bullets": 7,
        "junk_bullets": 1,
        "dangling_bullets": 1,
        "dangling_share": round(1 / 7, 4),
        "repeated_pairs": 1,
        "stale_time_words": 1,
        "non_news_leads_or_headlines": 2,  # a story led by a live page, a question for a headline
        "multi_article_stories": 2,
        "multi_article_with_two_bullets": 2,
        "two_bullet_share": 1.0,
    }


def test_a_headline_is_checked_for_stale_times_on_the_day_its_article_was_written() -> None:
    old, fresh = _ref(1, "Council votes today to close pool", days_old=2), _ref(2, "Swimmers protest pool closure")
    pool = _bullet("The council voted to close the pool.", fresh)
    stories = (
        Story("c-old", "Council votes today to close pool", StoryStatus.NEW, (pool,), (old, fresh)),
        Story("c-ok", "Swimmers protest pool closure today", StoryStatus.NEW, (pool,), (old, fresh)),
    )
    edition = replace(sample_edition(), sections=(Section("World", stories),))

    found = check_edition(edition).counts()["findings"]["stale_times"]

    # the first is a two-day-old title; the second names no article, and is right for the fresh one
    assert [(f["story"], f["reason"]) for f in found] == [("c-old", "today")]


def test_a_clean_edition_has_nothing_to_report() -> None:
    counts = check_edition(sample_edition()).counts()

    assert [
        counts[k] for k in ("junk_bullets", "repeated_pairs", "stale_time_words", "non_news_leads_or_headlines")
    ] == [
        0,
        0,
        0,
        0,
    ]


def test_briefing_check_prints_json_for_an_edition_folder(tmp_path: Path) -> None:
    folder = tmp_path / "editions" / "2026-11-25"
    folder.mkdir(parents=True)
    (folder / "briefing.json").write_text(json.dumps(edition_to_dict(_flawed_edition())), encoding="utf-8")

    result = CliRunner().invoke(app, ["check", str(folder), "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["repeated_pairs"] == 1


def test_briefing_check_on_a_missing_edition_is_one_clear_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["check", str(tmp_path / "nowhere.json")])

    assert (result.exit_code, result.output.count("\n")) == (2, 1)
    assert "nowhere.json: no such edition" in result.output


# ------------------------------------------------------------------------------------------- a real day


@pytest.mark.slow
@pytest.mark.parametrize("day", ["2020-05-30", "2020-05-31", "2020-06-01"])
def test_a_real_day_meets_the_bullet_targets(feed_server: FeedServer, tmp_path: Path, day: str) -> None:
    if not REAL_NEWS.is_dir():
        pytest.skip("../shared/data/feeds/real-news is absent: the real-day bullet targets need it")
    built = build_real_day(feed_server, day, tmp_path)
    assert built.exit_code in (0, 3), built.output

    result = CliRunner().invoke(app, ["check", str(tmp_path / "outputs" / "editions" / day), "--json"])

    counts = json.loads(result.output)
    assert counts["stories"] >= 40
    assert [
        counts[k] for k in ("junk_bullets", "repeated_pairs", "stale_time_words", "non_news_leads_or_headlines")
    ] == [
        0,
        0,
        0,
        0,
    ], counts["findings"]
    assert counts["dangling_share"] < 0.02
