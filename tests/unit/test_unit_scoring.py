"""scoring.item_points and score_units on results from a small units frame: graded
deductions, one-vote vetoes ranked last, ties sharing a rank."""

from __future__ import annotations

import pytest
from units_frames import units

from conftest import COUNT_FIELDS
from fpmetrics.indicators.compute import evaluate, unit_verdicts
from fpmetrics.scoring.points import item_points, score_units


@pytest.fixture
def results(default_rules):
    frame = units(
        [
            {"township": "甲镇"},
            {"township": "乙镇", "births_male": 108},  # sex ratio 1 point over 107
            {"township": "丙镇", "births_policy": 190},  # 92.7% policy births: a veto item
            {"township": "丁镇"},
        ]
    )
    return evaluate(frame, default_rules, set(COUNT_FIELDS))


def test_item_points_full_within_bounds_and_graded_outside(results, default_rules):
    items = item_points(results, default_rules.scoring)
    points = {(r["unit"], r["indicator"]): r["points"] for r in items.to_dict("records")}
    assert sum(v for (u, _), v in points.items() if u == "甲镇") == 100
    assert points[("乙镇", "sex_ratio_at_birth")] == 16  # 20 less 4 per ratio point
    assert items["max_points"].groupby(items["unit"]).sum().eq(100).all()
    # 95% − 92.68% = 2.32 points short, 2 points per point: 10 − 4.63
    assert points[("丙镇", "policy_birth_rate")] == pytest.approx(5.37)


def test_score_units_ranks_vetoed_units_last_and_ties_share_a_rank(results, default_rules):
    scores = score_units(results, unit_verdicts(results), default_rules)
    by_unit = scores.set_index("unit")
    assert by_unit["total"].to_dict() == pytest.approx(
        {"甲镇": 100.0, "乙镇": 96.0, "丙镇": 95.37, "丁镇": 100.0}
    )
    assert by_unit["rank"].to_dict() == {"甲镇": 1, "丁镇": 1, "乙镇": 3, "丙镇": 4}
    assert list(scores["unit"][:2]) == ["甲镇", "丁镇"] and scores["unit"].iloc[-1] == "丙镇"
    assert by_unit["vetoed"].to_dict() == {
        "甲镇": False,
        "乙镇": False,
        "丙镇": True,
        "丁镇": False,
    }
    assert by_unit.loc["丙镇", "vetoed_by"][0]["indicators"] == ["policy_birth_rate"]
    assert by_unit.loc["甲镇", "award_eligible"] and not by_unit.loc["丙镇", "award_eligible"]
    assert set(by_unit["max_total"]) == {100}
