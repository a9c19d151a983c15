"""The 5x5 matrix's pure calculations (risks/scoring.py), no database: bands, reading a published score,
deriving likelihood and impact from a bare score, the heat map's counts."""

from __future__ import annotations

import pytest

from risks.scoring import (
    NOT_RECORDED,
    derive_split,
    heat_map,
    parse_score_text,
    resolve_scores,
    risk_score,
    score_band,
    splits,
)

BANDS = {1: "Green", 2: "Green", 3: "Green", 4: "Yellow", 5: "Yellow", 6: "Yellow", 8: "Amber", 9: "Amber",
         10: "Amber", 12: "Amber", 15: "Red", 16: "Red", 20: "Red", 25: "Red"}


def test_banding_follows_domain_md_for_every_cell_of_the_matrix():
    for likelihood in range(1, 6):
        for impact in range(1, 6):
            score = risk_score(likelihood, impact)
            assert score == likelihood * impact
            assert score_band(score) == BANDS[score]


@pytest.mark.parametrize(("edge", "band"), [(3, "Green"), (4, "Yellow"), (6, "Yellow"), (8, "Amber"),
                                            (12, "Amber"), (15, "Red"), (25, "Red")])
def test_band_edges(edge, band):
    assert score_band(edge) == band


def test_a_score_needs_both_halves_and_each_is_1_to_5():
    assert risk_score(None, 4) is None and risk_score(4, None) is None
    with pytest.raises(ValueError, match="likelihood is 1 to 5, not 6"):
        risk_score(6, 1)
    with pytest.raises(ValueError, match="impact is 1 to 5, not 0"):
        risk_score(1, 0)


def test_splits_stay_on_the_matrix():
    assert splits(25) == [(5, 5)]
    assert splits(1) == [(1, 1)]
    assert splits(16) == [(4, 4)]  # 2x8 and 8x2 are off the matrix
    assert splits(9) == [(3, 3)]
    assert splits(12) == [(3, 4), (4, 3)]
    assert splits(4) == [(1, 4), (2, 2), (4, 1)]
    assert splits(7) == []


def test_a_bare_score_is_derived_only_where_one_split_exists_or_the_impact_is_fixed():
    assert derive_split(16) == (4, 4)
    assert derive_split(25) == (5, 5)
    assert derive_split(12) is None  # 3x4 or 4x3
    assert derive_split(12, [4, 4]) == (3, 4)  # the risk's other scores are all impact 4
    assert derive_split(4, [4]) == (1, 4)
    assert derive_split(4, [4, 5]) is None  # the other scores disagree on the impact
    assert derive_split(4, [3]) is None  # no split of 4 has impact 3


@pytest.mark.parametrize(("text", "expected"), [
    ("20 5x4 Red", (20, 5, 4, "Red")),
    ("20 4x4", (20, 4, 4, None)),
    ("16 Red", (16, None, None, "Red")),
    ("4x5", (None, 4, 5, None)),
    ("  12  3 X 4  amber ", (12, 3, 4, "Amber")),
    ("9 (3x3)", (9, 3, 3, None)),
])
def test_published_score_text_is_read(text, expected):
    read = parse_score_text(text)
    assert (read.score, read.likelihood, read.impact, read.band) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("", "is not a risk score"),
    ("high", "is not a risk score"),
    ("20 6x4", "likelihood is 1 to 5, not 6"),
    ("30", "a risk score is 1 to 25, not 30"),
    ("7 Amber", "7 is not a likelihood x impact"),
    ("20 4x5 Purple", '"Purple" is not a band'),
])
def test_unreadable_score_text_is_refused_in_words(text, message):
    with pytest.raises(ValueError, match=message):
        parse_score_text(text)


def test_a_published_score_that_disagrees_with_its_own_pair_is_a_discrepancy():
    assert parse_score_text("20 4x4").disagrees  # 4x4 = 16
    assert parse_score_text("16 4x4 Amber").disagrees  # 16 is Red
    assert not parse_score_text("16 4x4 Red").disagrees
    assert not parse_score_text("16 Red").disagrees  # nothing to disagree with


def test_resolving_cambridgeshires_published_scores():
    # "Failure to provide accurate data ...": "16 Red", "16 4x4", "12 Amber"
    resolved = resolve_scores({stage: parse_score_text(text) for stage, text in
                               (("year_start", "16 Red"), ("current", "16 4x4"), ("target", "12 Amber"))})
    assert resolved["year_start"] == resolved["year_start"].__class__(4, 4, "16 Red", None)
    assert (resolved["current"].likelihood, resolved["current"].impact, resolved["current"].published) == (4, 4, "")
    assert (resolved["target"].likelihood, resolved["target"].impact) == (3, 4)  # impact 4 fixed by the others
    # S117/CHC: current "20 4x4" keeps 4x4 (16) and the published text as a discrepancy.
    s117 = resolve_scores({"year_start": parse_score_text("16 4x4 Red"), "current": parse_score_text("20 4x4"),
                           "target": parse_score_text("4 1x4 Yellow")})
    assert (s117["current"].likelihood, s117["current"].impact, s117["current"].published) == (4, 4, "20 4x4")
    assert s117["target"].published == ""


def test_a_bare_score_with_no_fixed_split_keeps_the_published_score_unrecorded():
    resolved = resolve_scores({"year_start": parse_score_text("12 Amber"), "current": None, "target": None})
    start = resolved["year_start"]
    assert start is not None
    assert (start.likelihood, start.impact, start.published, start.published_score) == (None, None, "12 Amber", 12)
    assert resolved["current"] is None
    assert NOT_RECORDED == "likelihood and impact not recorded"


def test_heat_map_counts_likelihood_rows_by_impact_columns():
    grid = heat_map([(4, 4), (4, 4), (5, 1), (1, 5), (None, 3)])
    assert grid[0] == [1, 0, 0, 0, 0]  # likelihood 5
    assert grid[1] == [0, 0, 0, 2, 0]  # likelihood 4
    assert grid[4] == [0, 0, 0, 0, 1]  # likelihood 1
    assert sum(map(sum, grid)) == 4
