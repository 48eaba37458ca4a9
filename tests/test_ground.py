"""The grounding check, one rule at a time: what passes, what fails, and the reason a reader is given."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from briefing.config import GroundingSettings
from briefing.errors import GroundingError
from briefing.ground import check_bullet, check_claim, normalise
from briefing.models import Article, Bullet, Cluster, Verdict

SOURCE = (
    "The city council approved a $2.5 billion budget on June 1, with 6,000 new jobs promised by 2027. "
    "Mayor Jane Okafor said 50% of the money would go to schools in Riverton. "
    "The council did not approve the stadium plan, and the police union refused to comment."
)


def _verdict(claim: str, source: str = SOURCE) -> Verdict:
    return check_claim(claim, [source], GroundingSettings())


def _article(article_id: str, text: str, title: str = "Council passes budget") -> Article:
    when = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
    return Article(article_id, f"https://example.org/{article_id}", title, text, "Example News", when, when)


@pytest.fixture
def cluster() -> Cluster:
    return Cluster("c-1", (_article("a-1", SOURCE), _article("a-2", "Rain is expected all week in the hills.")))


# --------------------------------------------------------------------------------------------- faithful


def test_a_sentence_copied_from_the_source_is_supported() -> None:
    verdict = _verdict("Mayor Jane Okafor said 50% of the money would go to schools in Riverton.")
    assert (verdict.supported, verdict.reasons) == (True, ())
    assert verdict.score >= GroundingSettings().threshold


def test_a_light_paraphrase_is_supported() -> None:
    verdict = _verdict("The council approved a $2.5 billion budget that promises 6,000 new jobs by 2027.")
    assert (verdict.supported, verdict.reasons) == (True, ())


def test_the_score_falls_as_support_falls() -> None:
    copied = _verdict("The city council approved a $2.5 billion budget on June 1.").score
    reworded = _verdict("On June 1 the council passed a budget worth $2.5 billion.").score
    unrelated = _verdict("Storms flooded the coastal highway overnight.").score
    assert copied > reworded > unrelated


# ---------------------------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "claim",
    [
        "The budget promises 6000 new jobs.",  # 6,000 = 6000
        "The budget promises 6k new jobs.",
        "Okafor said 50 percent of the money would go to schools.",  # 50% = 50 percent
        "Okafor said fifty per cent of the money would go to schools.",
        "The council approved a $2.5bn budget.",  # $2.5 billion = 2.5bn
        "The council approved a budget of 2.5 billion dollars.",
    ],
)
def test_numbers_in_an_equivalent_form_are_supported(claim: str) -> None:
    assert _verdict(claim).reasons == ()


def test_a_number_missing_from_the_sources_is_unsupported() -> None:
    verdict = _verdict("The budget promises 7,500 new jobs by 2027.")
    assert verdict.supported is False
    assert "number '7,500' not in cited sources" in verdict.reasons


def test_a_magnitude_changed_is_unsupported() -> None:
    verdict = _verdict("The council approved a $2.5 million budget.")
    assert "number '2.5 million' not in cited sources" in verdict.reasons


# ------------------------------------------------------------------------------------------------ dates


def test_a_date_written_the_other_way_round_is_supported() -> None:
    assert _verdict("The council approved the budget on 1 June.").reasons == ()


def test_a_date_missing_from_the_sources_is_unsupported() -> None:
    verdict = _verdict("The council approved the budget on June 3.")
    assert verdict.supported is False
    assert "date 'june 3' not in cited sources" in verdict.reasons


# ------------------------------------------------------------------------------------------------ names


def test_a_surname_alone_is_supported() -> None:
    assert _verdict("Schools in Riverton will get half the money, Okafor said.").reasons == ()


def test_a_name_missing_from_the_sources_is_unsupported() -> None:
    verdict = _verdict("Mayor Jane Smith said 50% of the money would go to schools in Riverton.")
    assert verdict.supported is False
    assert "name 'Smith' not in cited sources" in verdict.reasons


def test_a_place_missing_from_the_sources_is_unsupported() -> None:
    verdict = _verdict("Okafor said 50% of the money would go to schools in Lakeside.")
    assert "name 'Lakeside' not in cited sources" in verdict.reasons


def test_an_acronym_the_source_writes_out_is_supported() -> None:
    source = "The chief executive officer of the city council said half the money would go to schools."
    assert _verdict("The CEO of the council said half the money would go to schools.", source).reasons == ()


def test_an_acronym_the_source_never_writes_out_is_unsupported() -> None:
    source = "The chief executive officer of the city council said half the money would go to schools."
    verdict = _verdict("The CFO of the council said half the money would go to schools.", source)
    assert "name 'CFO' not in cited sources" in verdict.reasons


def test_a_name_opening_the_bullet_is_checked() -> None:
    verdict = _verdict("Smith said 50% of the money would go to schools in Riverton.")
    assert "name 'Smith' not in cited sources" in verdict.reasons


def test_a_common_word_opening_the_bullet_is_not_taken_for_a_name() -> None:
    assert _verdict("Schools in Riverton will get 50% of the money.").reasons == ()
    assert _verdict("Officials said 50% of the money would go to schools in Riverton.").reasons == ()


# --------------------------------------------------------------------------------------------- negation


def test_a_negation_added_is_unsupported() -> None:
    verdict = _verdict("Mayor Jane Okafor said 50% of the money would not go to schools in Riverton.")
    assert verdict.supported is False
    assert any(r.startswith("negation differs from source: the claim says 'not go'") for r in verdict.reasons)


def test_a_negation_removed_is_unsupported() -> None:
    verdict = _verdict("The council approved the stadium plan.")
    assert verdict.supported is False
    assert any(r.startswith("negation differs from source: the source says 'not approve'") for r in verdict.reasons)


def test_a_negation_in_other_words_is_supported() -> None:
    assert _verdict("The police union did not comment.").reasons == ()
    assert _verdict("The council refused to approve the stadium plan.").reasons == ()


# ------------------------------------------------------------------------------------------ low overlap


def test_a_claim_the_sources_do_not_carry_is_unsupported() -> None:
    verdict = _verdict("The council also raised parking fees to fund a new tram line.")
    assert verdict.supported is False
    assert verdict.score < GroundingSettings().threshold
    assert verdict.reasons[-1].startswith("low support from cited sources")
    assert "tram" in verdict.reasons[-1]


def test_a_stricter_threshold_rejects_a_looser_paraphrase() -> None:
    claim = "On June 1 the council passed a budget worth $2.5 billion."
    assert check_claim(claim, [SOURCE], GroundingSettings(threshold=0.99)).supported is False


# -------------------------------------------------------------------------------------- bullets and ids


def test_a_bullet_citing_its_article_is_supported(cluster: Cluster) -> None:
    bullet = Bullet("The council did not approve the stadium plan.", ("a-1",))
    assert check_bullet(bullet, cluster, GroundingSettings()).supported is True


def test_a_bullet_citing_an_id_outside_the_cluster_is_unsupported(cluster: Cluster) -> None:
    bullet = Bullet("The council did not approve the stadium plan.", ("a-1", "a-99"))
    verdict = check_bullet(bullet, cluster, GroundingSettings())
    assert verdict == Verdict(False, 0.0, ("cited id 'a-99' is not an article of cluster c-1",))


def test_a_bullet_citing_the_wrong_article_of_the_cluster_is_unsupported(cluster: Cluster) -> None:
    bullet = Bullet("The council did not approve the stadium plan.", ("a-2",))
    assert check_bullet(bullet, cluster, GroundingSettings()).supported is False


def test_a_bullet_citing_nothing_is_unsupported(cluster: Cluster) -> None:
    verdict = check_bullet(Bullet("The council met.", ()), cluster, GroundingSettings())
    assert verdict == Verdict(False, 0.0, ("cites no source",))


def test_the_article_title_counts_as_source_text(cluster: Cluster) -> None:
    bullet = Bullet("Council passes budget.", ("a-1",))
    assert check_bullet(bullet, cluster).supported is True


# ---------------------------------------------------------------------------------------- evidence spans


def test_an_evidence_span_is_matched_across_quotes_case_and_whitespace(cluster: Cluster) -> None:
    span = "MAYOR JANE OKAFOR said  50% of the money"
    bullet = Bullet("Okafor said 50% of the money would go to schools.", ("a-1",), evidence=(span,))
    assert check_bullet(bullet, cluster, GroundingSettings()).reasons == ()


def test_an_evidence_span_shortened_with_an_ellipsis_is_matched_piece_by_piece(cluster: Cluster) -> None:
    span = "\u201cCity council approved a $2.5 billion budget \u2026 with 6,000 new jobs\u201d"
    bullet = Bullet("The council approved a $2.5 billion budget with 6,000 new jobs.", ("a-1",), evidence=(span,))
    assert check_bullet(bullet, cluster, GroundingSettings()).reasons == ()


def test_an_evidence_span_not_in_a_cited_source_is_unsupported(cluster: Cluster) -> None:
    span = "the money would go to hospitals"
    bullet = Bullet("Okafor said 50% of the money would go to schools.", ("a-1",), evidence=(span,))
    verdict = check_bullet(bullet, cluster, GroundingSettings())
    assert verdict.supported is False
    assert verdict.reasons == ("evidence 'the money would go to hospitals' does not occur in a cited source",)


def test_normalise_folds_typography() -> None:
    assert normalise("  \u201cIt\u2019s  done\u201d \u2014 she SAID ") == '"it\'s done" - she said'


# --------------------------------------------------------------------------------------- cannot run


def test_an_empty_claim_cannot_be_checked() -> None:
    with pytest.raises(GroundingError):
        check_claim("  ", [SOURCE])


def test_sources_without_text_cannot_check_anything() -> None:
    with pytest.raises(GroundingError):
        check_claim("The council approved a budget.", ["", "   "])


def test_a_bullet_too_long_to_be_one_is_rejected_not_checked_in_part() -> None:
    claim = "The council approved a $2.5 billion budget. " + "Aliens landed in Riverton. " * 100
    verdict = check_claim(claim, [SOURCE])
    assert verdict == Verdict(False, 0.0, ("too long to be a bullet (2743 characters; at most 2000)",))


def test_a_huge_source_is_checked_without_failing() -> None:
    huge = SOURCE + " filler" * 200_000
    assert check_claim("The council approved a $2.5 billion budget.", [huge]).supported is True
