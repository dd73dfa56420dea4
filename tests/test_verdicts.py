"""Issue 2, point 4: verdicts. Inclusive bounds compared exactly, zero denominators, missing
fields, derived births, and values never displayed as a passing number when they fail."""

from __future__ import annotations

import math
import random
from decimal import Decimal

import pytest

from conftest import INDICATORS
from fpmetrics.pipeline import run_check
from fpmetrics.report.values import display_value
from fpmetrics.ruleset.rules import load_ruleset


@pytest.fixture(scope="module")
def default_rules():
    return load_ruleset("default")


@pytest.fixture
def evaluate(build, default_rules):
    """Check one township with exactly the given columns; results keyed by indicator."""

    def run(fields: dict[str, object], rules=None, name: str = "张秋镇"):
        town = {"township": name, **fields}
        path = build.csv("one.csv", build.grid([town], fields=list(fields)))
        report = run_check([path], rules or default_rules)
        return {r["indicator"]: r for r in report.results.to_dict("records")}

    return run


# (indicator, counts, status, exact value); bounds are inclusive.
BOUNDARIES = [
    ("sex_ratio_at_birth", {"births_male": 103, "births_female": 100}, "pass", 103),
    ("sex_ratio_at_birth", {"births_male": 107, "births_female": 100}, "pass", 107),
    ("sex_ratio_at_birth", {"births_male": 1071, "births_female": 1000}, "fail", 107.1),
    ("sex_ratio_at_birth", {"births_male": 1029, "births_female": 1000}, "fail", 102.9),
    ("sex_ratio_at_birth", {"births_male": 10299, "births_female": 10000}, "fail", 102.99),
    ("sex_ratio_at_birth", {"births_male": 107004, "births_female": 100000}, "fail", 107.004),
    ("sex_ratio_at_birth", {"births_male": 10700001, "births_female": 10000000}, "fail",
     107.00001),
    ("tech_staff_share", {"station_staff": 10, "station_tech_staff": 7}, "pass", 70),
    ("tech_staff_share", {"station_staff": 1000, "station_tech_staff": 699}, "fail", 69.9),
    ("tech_staff_share", {"station_staff": 3, "station_tech_staff": 2}, "fail", 200 / 3),
    ("tech_staff_share", {"station_staff": 100000, "station_tech_staff": 69999}, "fail",
     69.999),
    ("birth_defect_rate", {"perinatal_births": 500, "birth_defects": 3}, "pass", 6),
    ("birth_defect_rate", {"perinatal_births": 500, "birth_defects": 4}, "fail", 8),
    ("birth_defect_rate", {"perinatal_births": 500000, "birth_defects": 3001}, "fail", 6.002),
    ("birth_defect_rate", {"perinatal_births": 500, "birth_defects": 0}, "pass", 0),
    ("migrant_archive_rate", {"migrant_women": 10, "migrant_archived": 9}, "pass", 90),
    ("migrant_archive_rate", {"migrant_women": 1000, "migrant_archived": 899}, "fail", 89.9),
    ("migrant_certificate_rate", {"migrant_women": 10, "migrant_certified": 9}, "pass", 90),
    ("migrant_certificate_rate", {"migrant_women": 10000, "migrant_certified": 8999}, "fail",
     89.99),
    ("migrant_contact_rate", {"migrant_women": 10, "migrant_contacted": 9}, "pass", 90),
    ("migrant_contact_rate", {"migrant_women": 100000, "migrant_contacted": 89999}, "fail",
     89.999),
    ("policy_birth_rate", {"births": 20, "births_policy": 19}, "pass", 95),
    ("policy_birth_rate", {"births": 200, "births_policy": 189}, "fail", 94.5),
    ("policy_birth_rate", {"births": 100000, "births_policy": 94999}, "fail", 94.999),
    ("birth_stat_error_rate", {"births_verified": 100, "births_reported": 103}, "pass", 3),
    ("birth_stat_error_rate", {"births_verified": 100, "births_reported": 97}, "pass", 3),
    ("birth_stat_error_rate", {"births_verified": 100, "births_reported": 104}, "fail", 4),
    ("birth_stat_error_rate", {"births_verified": 100000, "births_reported": 96999}, "fail",
     3.001),
    ("crude_birth_rate", {"births": 23, "population": 2000}, "pass", 11.5),
    ("crude_birth_rate", {"births": 24, "population": 2000}, "fail", 12),
    ("crude_birth_rate", {"births": 11501, "population": 1000000}, "fail", 11.501),
    ("natural_growth_rate", {"births": 23, "deaths": 12, "population": 2000}, "pass", 5.5),
    ("natural_growth_rate", {"births": 23, "deaths": 11, "population": 2000}, "fail", 6),
    ("natural_growth_rate", {"births": 10, "deaths": 20, "population": 2000}, "pass", -5),
    ("natural_growth_rate", {"births": 5501, "deaths": 0, "population": 1000000}, "fail",
     5.501),
]  # fmt: skip


@pytest.mark.parametrize(("indicator", "counts", "status", "value"), BOUNDARIES)
def test_bounds_are_inclusive_and_exact(evaluate, indicator, counts, status, value):
    result = evaluate(counts)[indicator]
    assert result["status"] == status, result
    assert result["value"] == pytest.approx(value, rel=1e-12, abs=1e-12)
    assert result["reason"] is None


def test_value_is_not_rounded(evaluate):
    result = evaluate({"station_staff": 9, "station_tech_staff": 7})["tech_staff_share"]
    assert result["value"] == pytest.approx(700 / 9, rel=1e-15)
    assert result["value"] != round(result["value"], 2)
    assert result["numerator"] == 7
    assert result["denominator"] == 9


@pytest.mark.slow
def test_no_failing_value_just_beyond_a_bound_passes(evaluate):
    """However close to the bound, a value beyond it is never rounded into a pass."""
    for girls in (10**3, 10**5, 10**7):
        boys = girls * 107 // 100 + 1
        result = evaluate({"births_male": boys, "births_female": girls})["sex_ratio_at_birth"]
        assert result["status"] == "fail", (boys, girls, result["value"])


@pytest.mark.parametrize(
    ("indicator", "counts"),
    [
        ("sex_ratio_at_birth", {"births_male": 0, "births_female": 0}),  # 5/0 is ∞: a fail
        ("tech_staff_share", {"station_staff": 0, "station_tech_staff": 0}),
        ("birth_defect_rate", {"perinatal_births": 0, "birth_defects": 0}),
        ("migrant_archive_rate", {"migrant_women": 0, "migrant_archived": 0}),
        ("policy_birth_rate", {"births": 0, "births_policy": 0}),
        ("birth_stat_error_rate", {"births_verified": 0, "births_reported": 0}),
        ("crude_birth_rate", {"births": 0, "population": 0}),
        ("natural_growth_rate", {"births": 0, "deaths": 0, "population": 0}),
    ],
)
def test_zero_denominator_is_no_data(evaluate, indicator, counts):
    result = evaluate(counts)[indicator]
    assert result["status"] == "no_data"
    assert result["reason"] == "denominator_zero"
    assert math.isnan(result["value"])


def test_denominator_zero_names_the_denominator_field(evaluate):
    """`fields` lists the fields concerned: for a zero denominator, the denominator's field."""
    results = evaluate({"migrant_women": 0, "migrant_archived": 0, "migrant_certified": 0})
    for key in ("migrant_archive_rate", "migrant_certificate_rate"):
        assert results[key]["reason"] == "denominator_zero"
        assert results[key]["fields"] == ["migrant_women"], results[key]


@pytest.mark.slow
def test_zero_denominator_does_not_fail_the_township(build, cli):
    town = build.town(
        "大布乡", migrant_women=0, migrant_archived=0, migrant_certified=0, migrant_contacted=0
    )
    result = cli("check", build.csv("t.csv", build.grid([town])), "--format", "json")
    assert result.exit_code == 0
    data = result.json()
    [unit] = data["units"]
    assert unit["status"] == "pass"
    assert sorted(unit["no_data"]) == sorted(
        ["migrant_archive_rate", "migrant_certificate_rate", "migrant_contact_rate"]
    )
    assert data["summary"]["no_data"] == 3


def test_field_absent_from_input_is_no_data_field_missing(evaluate):
    results = evaluate({"births_male": 105, "births_female": 100, "deaths": 80})
    crude = results["crude_birth_rate"]
    assert crude["status"] == "no_data"
    assert crude["reason"] == "field_missing"
    assert crude["fields"] == ["population"]
    growth = results["natural_growth_rate"]
    assert growth["reason"] == "field_missing"
    assert list(growth["fields"]) == ["population"]
    tech = results["tech_staff_share"]
    assert tech["reason"] == "field_missing"
    assert sorted(tech["fields"]) == ["station_staff", "station_tech_staff"]
    assert results["sex_ratio_at_birth"]["status"] == "pass"


def test_empty_cell_is_no_data_value_missing(evaluate):
    results = evaluate({"births": 205, "population": ""})
    assert results["crude_birth_rate"]["status"] == "no_data"
    assert results["crude_birth_rate"]["reason"] == "value_missing"
    assert results["crude_birth_rate"]["fields"] == ["population"]


def test_births_is_boys_plus_girls_without_a_total_column(evaluate):
    results = evaluate(
        {
            "births_male": 120,
            "births_female": 110,
            "births_policy": 220,
            "deaths": 100,
            "population": 20000,
        }
    )
    assert results["crude_birth_rate"]["status"] == "pass"
    assert results["crude_birth_rate"]["numerator"] == 230
    assert results["crude_birth_rate"]["value"] == pytest.approx(230 / 20000 * 1000)
    assert results["natural_growth_rate"]["value"] == pytest.approx(130 / 20000 * 1000)
    assert results["policy_birth_rate"]["denominator"] == 230
    assert results["policy_birth_rate"]["value"] == pytest.approx(220 / 230 * 100)


def test_births_filled_from_boys_and_girls_where_the_total_cell_is_empty(evaluate):
    results = evaluate(
        {"births": "", "births_male": 120, "births_female": 110, "population": 20000}
    )
    assert results["crude_birth_rate"]["status"] == "pass"
    assert results["crude_birth_rate"]["value"] == pytest.approx(230 / 20000 * 1000)


@pytest.mark.slow
def test_rates_come_from_summed_counts_in_input_order(build, default_rules):
    towns = [build.town("乙镇"), build.town("甲镇", station_staff=9, station_tech_staff=5)]
    report = run_check([build.csv("t.csv", build.grid(towns))], default_rules)
    assert list(report.results["unit"]) == ["乙镇"] * 10 + ["甲镇"] * 10
    assert list(report.results["indicator"]) == INDICATORS * 2
    verdicts = report.verdicts.set_index("unit")
    assert verdicts.loc["甲镇", "status"] == "fail"
    assert list(verdicts.loc["甲镇", "failed"]) == ["tech_staff_share"]
    assert verdicts.loc["乙镇", "status"] == "pass"


def test_warn_severity_gives_warn(build, evaluate, tmp_path):
    rules = tmp_path / "warn.yaml"
    rules.write_text(
        "name: w\ntitle: w\nextends: default\nindicators:\n"
        "  sex_ratio_at_birth:\n    severity: warn\n",
        encoding="utf-8",
    )
    result = evaluate({"births_male": 110, "births_female": 100}, rules=load_ruleset(str(rules)))
    assert result["sex_ratio_at_birth"]["status"] == "warn"
    assert result["sex_ratio_at_birth"]["severity"] == "warn"


# ---------------------------------------------------------------------- display


@pytest.mark.parametrize(
    ("value", "decimals", "minimum", "maximum", "status", "shown"),
    [
        (107.1, 2, 103, 107, "fail", "107.10"),
        (107.004, 2, 103, 107, "fail", "107.01"),
        (107.0000001, 2, 103, 107, "fail", "107.01"),
        (102.996, 2, 103, 107, "fail", "102.99"),
        (102.9999999, 2, 103, 107, "fail", "102.99"),
        (89.96, 1, 90, None, "fail", "89.9"),
        (69.99, 1, 70, None, "fail", "69.9"),
        (6.0001, 2, None, 6, "fail", "6.01"),
        (11.5004, 2, None, 11.5, "fail", "11.51"),
        (5.5001, 2, None, 5.5, "fail", "5.51"),
        (3.0001, 2, None, 3, "warn", "3.01"),
        (11.504, 0, None, 11.5, "fail", "12"),
        (105.0, 2, 103, 107, "pass", "105.00"),
        (106.996, 2, 103, 107, "pass", "107.00"),  # a pass is rounded to nearest
        (90.0, 1, 90, None, "pass", "90.0"),
        (6.0, 2, None, 6, "pass", "6.00"),
        (200 / 3, 1, 70, None, "fail", "66.7"),  # far from the bound: nearest
    ],
)
def test_display_value(value, decimals, minimum, maximum, status, shown):
    assert display_value(value, decimals, minimum, maximum, status) == shown


def test_display_value_of_no_value_is_empty():
    assert display_value(float("nan"), 2, 103, 107, "no_data") == ""


@pytest.mark.parametrize(
    ("minimum", "maximum", "decimals"),
    [(103, 107, 2), (70, None, 1), (None, 6, 2), (None, 11.5, 2), (None, 3, 2), (90, None, 0)],
)
def test_displayed_failing_value_never_looks_like_a_pass(minimum, maximum, decimals):
    rng = random.Random(20240601)
    for _ in range(3000):
        bound = maximum if maximum is not None else minimum
        offset = 10 ** -rng.uniform(0, 9)
        value = bound + offset if maximum is not None else bound - offset
        if math.isclose(value, bound, rel_tol=0, abs_tol=0):
            continue
        shown = Decimal(display_value(value, decimals, minimum, maximum, "fail"))
        if maximum is not None:
            assert shown > Decimal(repr(maximum)), (value, shown)
        else:
            assert shown < Decimal(repr(minimum)), (value, shown)
