"""compute.evaluate and unit_verdicts on a small units frame: one column operation per
indicator, exact bounds, invalid and missing data kept apart."""

from __future__ import annotations

from units_frames import units

from conftest import COUNT_FIELDS, INDICATORS
from fpmetrics.indicators.compute import RESULT_COLUMNS, evaluate, summarise, unit_verdicts

MIGRANT = ["migrant_women", "migrant_archived", "migrant_certified", "migrant_contacted"]


def _status(results, unit: str, indicator: str) -> tuple[str, float | None, str | None]:
    row = results[(results["unit"] == unit) & (results["indicator"] == indicator)].iloc[0]
    value = None if row["value"] != row["value"] else round(float(row["value"]), 4)
    return row["status"], value, row["reason"]


def test_evaluate_gives_one_row_per_unit_and_indicator_in_order(default_rules):
    frame = units(
        [
            {"township": "甲镇"},
            {"township": "乙镇", "births_male": 120},  # 120 boys per 100 girls
            {"township": "丙镇", "bad": ["births_male"]},
            {"township": "丁镇", "births_male": 107},  # exactly the upper bound
        ]
    )
    results = evaluate(frame, default_rules, set(COUNT_FIELDS))

    assert list(results.columns[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    assert list(results["unit"]) == [
        u for u in ("甲镇", "乙镇", "丙镇", "丁镇") for _ in INDICATORS
    ]
    assert list(results["indicator"][:10]) == INDICATORS
    assert set(results.loc[results["unit"] == "甲镇", "status"]) == {"pass"}
    assert _status(results, "乙镇", "sex_ratio_at_birth") == ("fail", 120.0, None)
    assert _status(results, "丙镇", "sex_ratio_at_birth") == ("invalid", None, "invalid_data")
    assert _status(results, "丁镇", "sex_ratio_at_birth") == ("pass", 107.0, None)
    # Other indicators of the township with one bad cell are not touched by it.
    assert _status(results, "丙镇", "crude_birth_rate") == ("pass", 10.25, None)

    summary = summarise(results)
    assert (summary["units"], summary["checks"]) == (4, 40)
    assert (summary["pass"], summary["fail"], summary["invalid"]) == (38, 1, 1)


def test_evaluate_marks_absent_fields_and_zero_denominators_as_no_data(default_rules):
    present = set(COUNT_FIELDS) - set(MIGRANT)
    frame = units([{"township": "甲镇", "births_male": 0, "births_female": 0}])
    results = evaluate(frame, default_rules, present)
    assert _status(results, "甲镇", "migrant_archive_rate") == ("no_data", None, "field_missing")
    row = results[results["indicator"] == "migrant_archive_rate"].iloc[0]
    assert sorted(row["fields"]) == ["migrant_archived", "migrant_women"]
    assert _status(results, "甲镇", "sex_ratio_at_birth") == ("no_data", None, "denominator_zero")


def test_unit_verdicts_fail_beats_invalid_and_no_data_alone_does_not_fail(default_rules):
    present = set(COUNT_FIELDS) - set(MIGRANT)
    frame = units(
        [
            {"township": "甲镇"},
            {"township": "乙镇", "births_male": 120, "bad": ["deaths"]},
            {"township": "丙镇", "bad": ["births_male"]},
        ]
    )
    verdicts = unit_verdicts(evaluate(frame, default_rules, present))
    by_unit = verdicts.set_index("unit")
    assert list(verdicts["unit"]) == ["甲镇", "乙镇", "丙镇"]
    assert by_unit["status"].to_dict() == {"甲镇": "pass", "乙镇": "fail", "丙镇": "invalid"}
    assert by_unit.loc["乙镇", "failed"] == ["sex_ratio_at_birth"]
    assert by_unit.loc["乙镇", "invalid"] == ["natural_growth_rate"]
    assert by_unit.loc["丙镇", "invalid"] == ["sex_ratio_at_birth"]
    assert len(by_unit.loc["甲镇", "no_data"]) == 3  # the three migrant rates
