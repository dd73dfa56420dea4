"""Issue 4, point 1: `fpmetrics score`: points, graded deductions, vetoes, award gates, ranks."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import pytest

from conftest import assert_clean_error, run_cli
from scoring_builders import (
    AWARD_GROUP,
    AWARD_INDICATORS,
    COUNT_FIELDS,
    INDICATORS,
    SAMPLE_XLSX,
    VETO_GROUP,
    VETO_INDICATORS,
    failing,
    scores_by_unit,
    statuses,
    town,
    write_csv,
    write_rules,
)

SCORE_KEYS = {
    "unit", "code", "period", "rank", "rank_from_bottom", "units_ranked", "total", "max_total",
    "vetoed", "vetoed_by", "veto_unverified", "award_eligible", "award_blocked_by", "points",
}  # fmt: skip

# The shipped scheme's full points per indicator (rules/default.yaml `scoring:`).
DEFAULT_POINTS = {
    "sex_ratio_at_birth": 20,
    "tech_staff_share": 10,
    "birth_defect_rate": 10,
    "migrant_archive_rate": 8,
    "migrant_certificate_rate": 8,
    "migrant_contact_rate": 8,
    "policy_birth_rate": 10,
    "birth_stat_error_rate": 10,
    "crude_birth_rate": 8,
    "natural_growth_rate": 8,
}

# A larger township, so that births can be set to round numbers (250 births: 128 boys,
# 122 girls, sex ratio 104.92; all other indicators pass).
BIG = {
    "population": 25000,
    "births": 250,
    "births_male": 128,
    "births_female": 122,
    "births_policy": 245,
    "births_reported": 250,
    "births_verified": 250,
    "deaths": 150,
}


def score_json(*args: object) -> tuple[int, dict]:
    run = run_cli("score", *args, "--format", "json")
    assert run.exit_code in (0, 1), run
    return run.exit_code, run.json()


def assert_rank_consistency(scores: list[dict]) -> None:
    """rank and rank_from_bottom are standard competition ranks over the same ordering."""
    by_period: dict[object, list[dict]] = {}
    for s in scores:
        by_period.setdefault(s["period"], []).append(s)
    for group in by_period.values():
        n = len(group)
        keys = [(not s["vetoed"], round(s["total"], 6)) for s in group]
        for s, key in zip(group, keys, strict=True):
            assert s["units_ranked"] == n
            better = sum(k > key for k in keys)
            worse = sum(k < key for k in keys)
            ties = sum(k == key for k in keys)
            assert s["rank"] == better + 1, s
            assert s["rank_from_bottom"] == worse + 1, s
            assert s["rank"] + s["rank_from_bottom"] + ties - 2 == n, s


# ---------------------------------------------------------------- the shipped scheme


@pytest.fixture(scope="module")
def sample():
    return score_json(SAMPLE_XLSX)


def test_sample_county_shipped_scheme(sample):
    code, data = sample
    assert code == 1  # some checks fail
    assert set(data) == {
        "fpmetrics", "ruleset", "inputs", "results", "units", "windows", "scores", "summary",
        "problems",
    }  # fmt: skip
    assert data["ruleset"] == "default"
    scores = scores_by_unit(data)
    assert len(scores) == 18
    for s in data["scores"]:
        assert set(s) == SCORE_KEYS
        assert set(s["points"]) == set(INDICATORS)
        assert s["max_total"] == 100
        assert s["units_ranked"] == 18
        assert s["total"] == pytest.approx(sum(s["points"].values()))
        for key, points in s["points"].items():
            assert 0 <= points <= DEFAULT_POINTS[key]
        assert s["award_eligible"] == (
            not s["vetoed"] and not s["veto_unverified"] and not s["award_blocked_by"]
        )
        assert s["vetoed"] == bool(s["vetoed_by"])
        assert s["veto_unverified"] == []  # every field is there

    vetoed = {u: s for u, s in scores.items() if s["vetoed"]}
    assert {u: s["vetoed_by"] for u, s in vetoed.items()} == {
        "狮子楼街道": [{"group": VETO_GROUP, "indicators": ["crude_birth_rate"]}],
        "定水镇": [{"group": VETO_GROUP, "indicators": ["birth_stat_error_rate"]}],
        "寿张镇": [{"group": VETO_GROUP, "indicators": ["policy_birth_rate"]}],
    }
    # Vetoed units rank last (16–18), in order of their totals, although all three score
    # more than 七级镇 (90.00) or, for 寿张镇, about the same.
    assert [(s["unit"], s["rank"]) for s in data["scores"] if s["vetoed"]] == [
        ("狮子楼街道", 16),
        ("定水镇", 17),
        ("寿张镇", 18),
    ]
    assert scores["寿张镇"]["rank_from_bottom"] == 1
    assert scores["狮子楼街道"]["total"] > scores["七级镇"]["total"]
    assert max(s["rank"] for s in scores.values() if not s["vetoed"]) == 15
    assert [s["rank"] for s in data["scores"]] == sorted(s["rank"] for s in data["scores"])
    assert_rank_consistency(data["scores"])

    # Every unit failing a veto indicator is vetoed, every other unit is not.
    st = statuses(data)
    for unit, s in scores.items():
        trips = [i for i in VETO_INDICATORS if st[(unit, i)] in ("fail", "invalid")]
        assert s["vetoed"] == bool(trips), unit
        gate = [i for i in AWARD_INDICATORS if st[(unit, i)] in ("fail", "invalid")]
        expected = [{"group": AWARD_GROUP, "indicators": gate}] if gate else []
        assert s["award_blocked_by"] == expected, unit


def test_sample_county_sex_ratio_deduction(sample):
    """阿城镇: sex ratio 268/250 = 107.2 against ≤ 107: 0.2 × 4 = 0.8 points off."""
    _, data = sample
    value = {(r["unit"], r["indicator"]): r["value"] for r in data["results"]}
    assert value[("阿城镇", "sex_ratio_at_birth")] == pytest.approx(107.2)
    s = scores_by_unit(data)["阿城镇"]
    assert s["points"]["sex_ratio_at_birth"] == pytest.approx(19.2)
    assert s["total"] == pytest.approx(99.2)
    assert s["award_eligible"] is True


# ---------------------------------------------------------------- points per indicator


# (township, indicator, overrides, points off): each township fails exactly that indicator.
DEDUCTIONS = [
    # 107.2 vs max 107: 0.2 ratio points × 4
    ("高", "sex_ratio_at_birth", {"births_male": 268, "births_female": 250, "births": 518,
                                 "births_policy": 510, "births_reported": 518,
                                 "births_verified": 518, "population": 50000, "deaths": 300},
     0.8),
    # 102 vs min 103: 1 ratio point below × 4
    ("低", "sex_ratio_at_birth", {"births_male": 102, "births": 202, "births_policy": 200,
                                 "births_reported": 202, "births_verified": 202}, 4),
    # 65% vs 70%: 5 percentage points × 1
    ("技术", "tech_staff_share", {"station_staff": 20, "station_tech_staff": 13}, 5),
    # 50% vs 70%: 20 × 1 = 20, capped at the item's 10 points
    ("封顶", "tech_staff_share", {"station_staff": 20, "station_tech_staff": 10}, 10),
    # 7‰ vs 6‰: 1‰ × 2
    ("缺陷", "birth_defect_rate", {"perinatal_births": 1000, "birth_defects": 7}, 2),
    # 85% vs 90%: 5 × 1
    ("建档", "migrant_archive_rate", {"migrant_archived": 85}, 5),
    # 94% vs 95%: 1 × 2
    ("政策", "policy_birth_rate", {**BIG, "births_policy": 235}, 2),
    # |240 − 250| / 250 = 4% vs 3%: 1 × 2
    ("误差", "birth_stat_error_rate", {**BIG, "births_reported": 240}, 2),
    # 250 / 20000 = 12.5‰ vs 11.5‰: 1‰ × 4
    ("出生", "crude_birth_rate", {**BIG, "population": 20000}, 4),
    # (205 − 85) / 20000 = 6‰ vs 5.5‰: 0.5‰ × 4
    ("增长", "natural_growth_rate", {"deaths": 85}, 2),
]  # fmt: skip


def test_graded_deduction_in_the_indicators_units(tmp_path):
    towns = [town(name, **overrides) for name, _, overrides, _ in DEDUCTIONS]
    _, data = score_json(write_csv(tmp_path / "in.csv", towns))
    st = statuses(data)
    scores = scores_by_unit(data)
    for name, indicator, _, deduction in DEDUCTIONS:
        assert [i for i in INDICATORS if st[(name, i)] != "pass"] == [indicator], name
        s = scores[name]
        expected = DEFAULT_POINTS[indicator] - deduction
        assert s["points"][indicator] == pytest.approx(expected), (name, indicator)
        for other in INDICATORS:
            if other != indicator:
                assert s["points"][other] == DEFAULT_POINTS[other], (name, other)
        assert s["total"] == pytest.approx(100 - deduction), name


def test_value_on_the_bound_scores_full_points(tmp_path):
    """3 defects in 500 perinatal births is exactly 6‰: within "≤ 6‰", full points."""
    path = write_csv(tmp_path / "in.csv", [town("甲镇", perinatal_births=500, birth_defects=3)])
    _, data = score_json(path)
    assert statuses(data)[("甲镇", "birth_defect_rate")] == "pass"
    s = scores_by_unit(data)["甲镇"]
    assert s["points"]["birth_defect_rate"] == 10
    assert s["total"] == 100


def test_deduction_per_cap_and_floor(tmp_path):
    rules = write_rules(
        tmp_path / "r.yaml",
        points={
            "tech_staff_share": {"points": 10, "deduct": {"points": 1, "per": 1, "cap": 4}},
            "policy_birth_rate": {"points": 10, "deduct": {"points": 2, "per": 0.5}},
            "crude_birth_rate": {"points": 8, "deduct": {"points": 3, "per": 1, "cap": 50}},
            "natural_growth_rate": 10,  # no deduction: outside the bounds scores 0
        },
    )
    towns = [
        # 60% vs 70%: 10 short × 1 = 10, capped at 4 → 6
        failing("cap", "tech_staff_share"),
        # 94% vs 95%: 1 short / 0.5 × 2 = 4 → 6
        town("per", **{**BIG, "births_policy": 235}),
        # 205 / 10000 = 20.5‰ vs 11.5‰: 9 × 3 = 27 (cap 50) → 8 − 27 < 0 → 0
        town("floor", population=10000, deaths=160),
        # 7.25‰ vs 5.5‰, no deduction → 0
        failing("none", "natural_growth_rate"),
    ]
    path = write_csv(tmp_path / "in.csv", towns)
    _, data = score_json(path, "--rules", rules)
    st = statuses(data)
    assert st[("floor", "crude_birth_rate")] == "fail"
    assert st[("floor", "natural_growth_rate")] == "pass"
    s = scores_by_unit(data)
    assert s["cap"]["max_total"] == 10 * 9 + 8
    assert s["cap"]["points"]["tech_staff_share"] == pytest.approx(6)
    assert s["cap"]["total"] == pytest.approx(98 - 4)
    assert s["per"]["points"]["policy_birth_rate"] == pytest.approx(6)
    assert s["per"]["total"] == pytest.approx(98 - 4)
    assert s["floor"]["points"]["crude_birth_rate"] == 0
    assert s["floor"]["total"] == pytest.approx(90)
    assert s["none"]["points"]["natural_growth_rate"] == 0
    assert s["none"]["total"] == pytest.approx(88)


def test_warn_is_graded_and_does_not_veto(tmp_path):
    rules = write_rules(
        tmp_path / "r.yaml",
        points={"policy_birth_rate": {"points": 10, "deduct": {"points": 2, "per": 1}}},
        veto=[{"name": "三控", "indicators": ["policy_birth_rate"]}],
        indicators={"policy_birth_rate": {"severity": "warn"}},
    )
    path = write_csv(tmp_path / "in.csv", [town("甲镇", **{**BIG, "births_policy": 235})])
    code, data = score_json(path, "--rules", rules)
    assert statuses(data)[("甲镇", "policy_birth_rate")] == "warn"
    s = scores_by_unit(data)["甲镇"]
    assert s["points"]["policy_birth_rate"] == pytest.approx(8)
    assert s["vetoed"] is False
    assert s["vetoed_by"] == []
    assert s["award_eligible"] is True
    assert code == 0  # a warning alone does not fail the run
    assert run_cli("score", path, "--rules", rules, "--fail-on", "warn").exit_code == 1


def test_invalid_scores_zero_and_vetoes(tmp_path):
    towns = [town("甲镇", births_policy=-5), town("乙镇")]
    path = write_csv(tmp_path / "in.csv", towns)
    code, data = score_json(path)
    assert code == 1
    assert statuses(data)[("甲镇", "policy_birth_rate")] == "invalid"
    s = scores_by_unit(data)
    assert s["甲镇"]["points"]["policy_birth_rate"] == 0
    assert s["甲镇"]["total"] == pytest.approx(90)
    assert s["甲镇"]["vetoed_by"] == [{"group": VETO_GROUP, "indicators": ["policy_birth_rate"]}]
    assert s["甲镇"]["award_eligible"] is False
    assert (s["乙镇"]["rank"], s["甲镇"]["rank"]) == (1, 2)


def test_invalid_trips_the_award_gate(tmp_path):
    path = write_csv(tmp_path / "in.csv", [town("甲镇", station_tech_staff="八")])
    _, data = score_json(path)
    assert statuses(data)[("甲镇", "tech_staff_share")] == "invalid"
    s = scores_by_unit(data)["甲镇"]
    assert s["points"]["tech_staff_share"] == 0
    assert s["vetoed"] is False
    assert s["award_blocked_by"] == [{"group": AWARD_GROUP, "indicators": ["tech_staff_share"]}]
    assert s["award_eligible"] is False


NO_MIGRANTS = {"migrant_women": 0, "migrant_archived": 0, "migrant_certified": 0,
               "migrant_contacted": 0}  # fmt: skip
MIGRANT_RATES = ["migrant_archive_rate", "migrant_certificate_rate", "migrant_contact_rate"]


def test_zero_denominator_scores_full_by_default(tmp_path):
    path = write_csv(tmp_path / "in.csv", [town("甲镇", **NO_MIGRANTS)])
    code, data = score_json(path)
    assert code == 0
    for key in MIGRANT_RATES:
        result = next(r for r in data["results"] if r["indicator"] == key)
        assert (result["status"], result["reason"]) == ("no_data", "denominator_zero")
    s = scores_by_unit(data)["甲镇"]
    assert [s["points"][k] for k in MIGRANT_RATES] == [8, 8, 8]
    assert s["total"] == 100
    assert s["award_eligible"] is True


def test_zero_denominator_scores_zero_when_the_scheme_says_so(tmp_path):
    rules = write_rules(tmp_path / "r.yaml", no_data="zero")
    path = write_csv(tmp_path / "in.csv", [town("甲镇", **NO_MIGRANTS)])
    _, data = score_json(path, "--rules", rules)
    s = scores_by_unit(data)["甲镇"]
    assert [s["points"][k] for k in MIGRANT_RATES] == [0, 0, 0]
    assert s["total"] == 70
    assert s["max_total"] == 100
    assert s["vetoed"] is False


def test_missing_data_scores_zero_and_does_not_veto(tmp_path):
    """A column nobody sent, or an empty cell, is not a zero denominator: 0 points. It does
    not veto either, but it leaves the veto unverified and blocks award eligibility."""
    fields = [f for f in COUNT_FIELDS if f not in NO_MIGRANTS]  # no migrant columns at all
    towns = [town("甲镇", deaths=None), town("乙镇")]
    path = write_csv(tmp_path / "in.csv", towns, fields=fields)
    code, data = score_json(path)
    results = {(r["unit"], r["indicator"]): r for r in data["results"]}
    assert results[("乙镇", "migrant_archive_rate")]["reason"] == "field_missing"
    assert results[("甲镇", "natural_growth_rate")]["reason"] == "value_missing"
    s = scores_by_unit(data)
    assert [s["乙镇"]["points"][k] for k in MIGRANT_RATES] == [0, 0, 0]
    assert s["乙镇"]["total"] == 76
    assert s["甲镇"]["points"]["natural_growth_rate"] == 0
    assert s["甲镇"]["total"] == 68
    assert s["甲镇"]["vetoed"] is False  # no data is not a failure
    assert s["甲镇"]["vetoed_by"] == []
    assert s["甲镇"]["veto_unverified"] == [
        {"group": VETO_GROUP, "indicators": ["natural_growth_rate"]}
    ]
    assert s["乙镇"]["veto_unverified"] == []
    for unit in ("甲镇", "乙镇"):  # nobody sent the migrant figures: nobody is eligible
        assert s[unit]["award_blocked_by"] == [{"group": AWARD_GROUP, "indicators": MIGRANT_RATES}]
        assert s[unit]["award_eligible"] is False
    assert (s["乙镇"]["rank"], s["甲镇"]["rank"]) == (1, 2)  # unverified is not vetoed
    assert code == 0


# ---------------------------------------------------------------- absent data and the gates


def test_award_gate_field_missing_blocks_eligibility(tmp_path):
    """H1: every gate indicator field_missing used to leave the unit award-eligible."""
    fields = [f for f in COUNT_FIELDS if f not in ("station_staff", "station_tech_staff")]
    path = write_csv(tmp_path / "in.csv", [town("甲镇")], fields=fields)
    run = run_cli("score", path, "--format", "json")
    s = scores_by_unit(run.json())["甲镇"]
    assert s["vetoed"] is False
    assert s["veto_unverified"] == []
    assert s["award_blocked_by"] == [{"group": AWARD_GROUP, "indicators": ["tech_staff_share"]}]
    assert s["award_eligible"] is False
    assert s["total"] == 90
    assert s["rank"] == 1
    # The run says so, on stderr, in one line naming the columns and the indicator.
    [line] = [x for x in run.stderr.splitlines() if "注意" in x]
    assert "服务站在编人员数" in line and "在编专业技术人员数" in line
    assert "技术人员占比" in line


def test_award_gate_value_missing_blocks_only_that_unit(tmp_path):
    towns = [town("甲镇", birth_defects=None), town("乙镇")]
    path = write_csv(tmp_path / "in.csv", towns)
    run = run_cli("score", path, "--format", "json")
    s = scores_by_unit(run.json())
    assert s["甲镇"]["award_blocked_by"] == [
        {"group": AWARD_GROUP, "indicators": ["birth_defect_rate"]}
    ]
    assert s["甲镇"]["award_eligible"] is False
    assert s["乙镇"]["award_blocked_by"] == [] and s["乙镇"]["award_eligible"] is True
    assert "注意" not in run.stderr  # the column is there: only a cell is empty


def test_award_gate_zero_denominator_does_not_block(tmp_path):
    path = write_csv(tmp_path / "in.csv", [town("甲镇", **NO_MIGRANTS)])
    s = scores_by_unit(score_json(path)[1])["甲镇"]
    assert s["award_blocked_by"] == [] and s["veto_unverified"] == []
    assert s["award_eligible"] is True


@pytest.mark.slow
def test_veto_field_missing_is_unverified_not_vetoed(tmp_path):
    fields = [f for f in COUNT_FIELDS if f not in ("births_reported", "births_verified")]
    towns = [town("甲镇"), failing("乙镇", "crude_birth_rate")]
    path = write_csv(tmp_path / "in.csv", towns, fields=fields)
    run = run_cli("score", path, "--format", "json")
    s = scores_by_unit(run.json())
    for unit in ("甲镇", "乙镇"):
        assert s[unit]["veto_unverified"] == [
            {"group": VETO_GROUP, "indicators": ["birth_stat_error_rate"]}
        ]
        assert s[unit]["award_blocked_by"] == []  # the gate itself is fine
        assert s[unit]["award_eligible"] is False  # but the veto could not be checked
    assert s["甲镇"]["vetoed"] is False and s["甲镇"]["rank"] == 1
    assert s["乙镇"]["vetoed_by"] == [{"group": VETO_GROUP, "indicators": ["crude_birth_rate"]}]
    assert "统计误差率" in run.stderr and "上报出生数" in run.stderr


@pytest.mark.slow
def test_veto_invalid_still_vetoes_and_is_not_unverified(tmp_path):
    path = write_csv(tmp_path / "in.csv", [town("甲镇", births_verified="x")])
    s = scores_by_unit(score_json(path)[1])["甲镇"]
    assert s["vetoed_by"] == [{"group": VETO_GROUP, "indicators": ["birth_stat_error_rate"]}]
    assert s["veto_unverified"] == []


def test_monthly_births_only_file_is_not_award_eligible():
    """The reviewer's case: a file with births by sex only."""
    from scoring_builders import REPO

    run = run_cli("score", REPO / "sample_data" / "county_2024_monthly.csv", "--format", "json")
    data = run.json()
    assert all(not s["award_eligible"] for s in data["scores"])
    assert all(not s["vetoed"] for s in data["scores"])
    third = data["scores"][2]
    assert third["total"] == 0
    assert [h["group"] for h in third["veto_unverified"]] == [VETO_GROUP]
    assert sorted(third["veto_unverified"][0]["indicators"]) == sorted(VETO_INDICATORS)
    assert third["award_blocked_by"] == [{"group": AWARD_GROUP, "indicators": AWARD_INDICATORS}]
    assert len([x for x in run.stderr.splitlines() if x.startswith("注意")]) == 1


@pytest.mark.slow
def test_absent_data_in_the_table_and_in_english(tmp_path):
    fields = [f for f in COUNT_FIELDS if f not in ("births_policy", "station_staff")]
    path = write_csv(tmp_path / "in.csv", [town("甲镇")], fields=fields)
    run = run_cli("score", path)
    assert "三控制一达标 未核实(缺数据): 政策生育率" in run.stdout
    assert "否 (优质服务 缺数据: 技术人员占比; 一票否决项未核实)" in run.stdout
    assert "1 个乡镇的一票否决项缺数据、未能核实" in run.stdout
    en = run_cli("score", path, "--lang", "en")
    assert "unverified (no data): Policy births" in en.stdout
    [line] = [x for x in en.stderr.splitlines() if x.startswith("Note:")]
    assert "births_policy, station_staff" in line
    assert "注意" not in en.stderr


def test_full_data_gives_no_absent_warning():
    run = run_cli("score", SAMPLE_XLSX)
    assert "注意" not in run.stderr
    assert "未核实" not in run.stdout


def test_disabled_indicator_does_not_score(tmp_path):
    """Full marks are counted over the enabled indicators only."""
    rules = tmp_path / "r.yaml"
    rules.write_text(
        "extends: default\nname: fewer\nindicators:\n"
        "  tech_staff_share: {enabled: false}\n  crude_birth_rate: {enabled: false}\n",
        encoding="utf-8",
    )
    path = write_csv(
        tmp_path / "in.csv", [town("甲镇"), failing("乙镇", "tech_staff_share", "crude_birth_rate")]
    )
    code, data = score_json(path, "--rules", rules)
    assert code == 0  # the failing indicators are not checked
    assert {r["indicator"] for r in data["results"]} == set(INDICATORS) - {
        "tech_staff_share",
        "crude_birth_rate",
    }
    for s in data["scores"]:
        assert s["max_total"] == 100 - 10 - 8
        assert s["total"] == 82
        assert set(s["points"]) == set(INDICATORS) - {"tech_staff_share", "crude_birth_rate"}
        assert s["vetoed"] is False and s["award_eligible"] is True
        assert s["rank"] == 1


# ---------------------------------------------------------------- vetoes and award gates


def test_veto_lists_every_failing_indicator_and_ranks_below(tmp_path):
    rules = write_rules(
        tmp_path / "r.yaml",
        veto=[{"name": "三控制一达标", "indicators": VETO_INDICATORS}],
        award_gate=[{"name": "优质服务", "indicators": AWARD_INDICATORS}],
    )
    towns = [
        failing("V2", "policy_birth_rate", "birth_stat_error_rate"),  # 80, vetoed
        failing("B", "tech_staff_share", "birth_defect_rate", "migrant_archive_rate"),  # 70
        town("A"),  # 100
        failing("V1", "crude_birth_rate"),  # 90, vetoed
    ]
    path = write_csv(tmp_path / "in.csv", towns)
    code, data = score_json(path, "--rules", rules)
    assert code == 1
    s = scores_by_unit(data)
    assert {u: s[u]["total"] for u in s} == {"A": 100, "B": 70, "V1": 90, "V2": 80}
    assert [x["unit"] for x in data["scores"]] == ["A", "B", "V1", "V2"]
    assert {u: (s[u]["rank"], s[u]["rank_from_bottom"]) for u in s} == {
        "A": (1, 4),
        "B": (2, 3),
        "V1": (3, 2),
        "V2": (4, 1),
    }
    assert s["V1"]["vetoed_by"] == [{"group": "三控制一达标", "indicators": ["crude_birth_rate"]}]
    [hit] = s["V2"]["vetoed_by"]
    assert hit["group"] == "三控制一达标"
    assert sorted(hit["indicators"]) == ["birth_stat_error_rate", "policy_birth_rate"]
    for unit in ("V1", "V2"):
        assert s[unit]["vetoed"] is True
        assert s[unit]["award_eligible"] is False
    assert s["A"]["vetoed_by"] == [] and s["A"]["award_eligible"] is True
    [gate] = s["B"]["award_blocked_by"]
    assert gate["group"] == "优质服务"
    assert sorted(gate["indicators"]) == sorted(
        ["tech_staff_share", "birth_defect_rate", "migrant_archive_rate"]
    )
    assert s["B"]["vetoed"] is False
    assert s["B"]["award_eligible"] is False
    assert_rank_consistency(data["scores"])


def test_several_veto_groups(tmp_path):
    rules = write_rules(
        tmp_path / "r.yaml",
        veto=[
            {"name": "出生", "indicators": ["crude_birth_rate", "policy_birth_rate"]},
            {"name": "性别比", "indicators": ["sex_ratio_at_birth"]},
        ],
        award_gate=[
            {"name": "服务", "indicators": ["tech_staff_share"]},
            {"name": "流动", "indicators": MIGRANT_RATES},
        ],
    )
    towns = [
        failing("两组", "crude_birth_rate", "sex_ratio_at_birth"),
        failing("一组", "sex_ratio_at_birth", "tech_staff_share", "migrant_contact_rate"),
        failing("无", "natural_growth_rate", "migrant_archive_rate"),
    ]
    path = write_csv(tmp_path / "in.csv", towns)
    _, data = score_json(path, "--rules", rules)
    s = scores_by_unit(data)
    assert s["两组"]["vetoed_by"] == [
        {"group": "出生", "indicators": ["crude_birth_rate"]},
        {"group": "性别比", "indicators": ["sex_ratio_at_birth"]},
    ]
    assert s["一组"]["vetoed_by"] == [{"group": "性别比", "indicators": ["sex_ratio_at_birth"]}]
    assert s["一组"]["award_blocked_by"] == [
        {"group": "服务", "indicators": ["tech_staff_share"]},
        {"group": "流动", "indicators": ["migrant_contact_rate"]},
    ]
    assert s["无"]["vetoed"] is False
    assert s["无"]["award_blocked_by"] == [
        {"group": "流动", "indicators": ["migrant_archive_rate"]}
    ]
    assert s["无"]["rank"] == 1  # 80 points, the only one not vetoed
    assert s["一组"]["total"] == 70 and s["两组"]["total"] == 80
    # Both vetoed: ranked between themselves by total.
    assert (s["两组"]["rank"], s["一组"]["rank"]) == (2, 3)


# ---------------------------------------------------------------- ranks


@pytest.mark.slow
def test_ties_share_a_rank_standard_competition(tmp_path):
    rules = write_rules(
        tmp_path / "r.yaml", veto=[{"name": "三控制一达标", "indicators": VETO_INDICATORS}]
    )
    towns = [
        town("T100"),
        failing("T90a", "tech_staff_share"),
        failing("T90b", "birth_defect_rate"),
        failing("T80a", "tech_staff_share", "birth_defect_rate"),
        failing("T80b", "migrant_archive_rate", "migrant_certificate_rate"),
        failing("T80c", "migrant_contact_rate", "sex_ratio_at_birth"),
        failing("T70", "tech_staff_share", "birth_defect_rate", "migrant_archive_rate"),
        failing("V90a", "crude_birth_rate"),
        failing("V90b", "natural_growth_rate"),
        failing(
            "V60",
            "policy_birth_rate",
            "tech_staff_share",
            "birth_defect_rate",
            "migrant_archive_rate",
        ),
    ]
    path = write_csv(tmp_path / "in.csv", towns)
    _, data = score_json(path, "--rules", rules)
    s = scores_by_unit(data)
    expected = {
        # unit: (total, rank, rank_from_bottom)
        "T100": (100, 1, 10),
        "T90a": (90, 2, 8),
        "T90b": (90, 2, 8),
        "T80a": (80, 4, 5),
        "T80b": (80, 4, 5),
        "T80c": (80, 4, 5),
        "T70": (70, 7, 4),
        "V90a": (90, 8, 2),
        "V90b": (90, 8, 2),
        "V60": (60, 10, 1),
    }
    got = {u: (s[u]["total"], s[u]["rank"], s[u]["rank_from_bottom"]) for u in s}
    assert got == expected
    assert all(x["units_ranked"] == 10 for x in data["scores"])
    assert [x["rank"] for x in data["scores"]] == [1, 2, 2, 4, 4, 4, 7, 8, 8, 10]
    assert_rank_consistency(data["scores"])


@pytest.mark.slow
def test_totals_equal_up_to_float_rounding_tie(tmp_path):
    """0.3 points off in one item and 0.1 + 0.2 in two items are the same total."""
    rules = write_rules(
        tmp_path / "r.yaml",
        points={
            "sex_ratio_at_birth": {"points": 10, "deduct": {"points": 1, "per": 1}},
            "birth_defect_rate": {"points": 10, "deduct": {"points": 1, "per": 1}},
        },
    )

    def boys(n: int, **more: int) -> dict[str, int]:
        """n boys per 1000 girls, in a township of 200 000 where all else passes."""
        births = n + 1000
        return {"population": 200000, "deaths": 1200, "births_male": n, "births_female": 1000,
                "births": births, "births_reported": births, "births_verified": births,
                "births_policy": 2000, "perinatal_births": 5000, "birth_defects": 25,
                **more}  # fmt: skip

    towns = [
        town("first", **boys(1050)),  # 100, so that the tie is for second place
        town("X", **boys(1073)),  # sex ratio 107.3 → 0.3 off
        town("Y", **boys(1071, birth_defects=31)),  # 107.1 → 0.1 off; 6.2‰ → 0.2 off
        town("Z", **boys(1074)),  # 0.4 off: below the tie
    ]
    path = write_csv(tmp_path / "in.csv", towns)
    _, data = score_json(path, "--rules", rules)
    st = statuses(data)
    assert st[("Y", "birth_defect_rate")] == "fail"
    assert st[("first", "sex_ratio_at_birth")] == "pass"
    s = scores_by_unit(data)
    assert s["X"]["total"] == pytest.approx(99.7)
    assert s["Y"]["total"] == pytest.approx(99.7)
    assert [(u, s[u]["rank"], s[u]["rank_from_bottom"]) for u in ("first", "X", "Y", "Z")] == [
        ("first", 1, 4),
        ("X", 2, 2),
        ("Y", 2, 2),
        ("Z", 4, 1),
    ]


def test_ranking_is_within_each_period(tmp_path):
    rules = write_rules(
        tmp_path / "r.yaml", veto=[{"name": "三控制一达标", "indicators": VETO_INDICATORS}]
    )
    towns = [
        town("甲镇", period=2023),
        failing("乙镇", "tech_staff_share", period=2023),
        failing("丙镇", "crude_birth_rate", period=2023),
        failing("甲镇", "policy_birth_rate", period=2024),
        failing("乙镇", "tech_staff_share", "birth_defect_rate", period=2024),
        failing("丙镇", "migrant_archive_rate", period=2024),
    ]
    path = write_csv(tmp_path / "in.csv", towns)
    _, data = score_json(path, "--rules", rules)
    got = {(x["period"], x["unit"]): (x["rank"], x["rank_from_bottom"], x["vetoed"])
           for x in data["scores"]}  # fmt: skip
    assert got == {
        ("2023", "甲镇"): (1, 3, False),
        ("2023", "乙镇"): (2, 2, False),
        ("2023", "丙镇"): (3, 1, True),
        ("2024", "丙镇"): (1, 3, False),
        ("2024", "乙镇"): (2, 2, False),
        ("2024", "甲镇"): (3, 1, True),
    }
    assert Counter(x["units_ranked"] for x in data["scores"]) == Counter({3: 6})
    assert_rank_consistency(data["scores"])


# ---------------------------------------------------------------- formats and exit codes


@pytest.mark.slow
def test_all_passing_exits_zero_and_fail_on_never(tmp_path):
    ok = write_csv(tmp_path / "ok.csv", [town("甲镇"), town("乙镇")])
    bad = write_csv(tmp_path / "bad.csv", [town("甲镇"), failing("乙镇", "tech_staff_share")])
    assert run_cli("score", ok).exit_code == 0
    assert run_cli("score", bad).exit_code == 1
    assert run_cli("score", bad, "--fail-on", "never").exit_code == 0
    assert run_cli("check", bad).exit_code == 1


def test_csv_format(tmp_path):
    path = write_csv(
        tmp_path / "in.csv",
        [town("甲镇"), failing("乙镇", "natural_growth_rate", "tech_staff_share")],
    )
    run = run_cli("score", path, "--format", "csv")
    assert run.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert [r["unit"] for r in rows] == ["甲镇", "乙镇"]
    for column in ("rank", "rank_from_bottom", "total", "vetoed", "award_eligible"):
        assert column in rows[0]
    assert {f"points_{k}" for k in INDICATORS} <= set(rows[0])
    second = rows[1]
    assert second["vetoed_by"] == f"{VETO_GROUP}: natural_growth_rate"
    assert second["award_blocked_by"] == f"{AWARD_GROUP}: tech_staff_share"
    assert second["veto_unverified"] == ""
    # Booleans as JSON writes them, not Python's True/False.
    assert (rows[0]["vetoed"], rows[0]["award_eligible"]) == ("false", "true")
    assert (second["vetoed"], second["award_eligible"]) == ("true", "false")
    # (205 − 60) / 20000 = 7.25‰ vs 5.5‰: 1.75 × 4 = 7 off
    assert float(second["points_natural_growth_rate"]) == pytest.approx(1)
    assert float(second["points_tech_staff_share"]) == 0
    assert (rows[0]["rank"], rows[1]["rank"]) == ("1", "2")


def test_csv_groups_and_booleans_read_back(tmp_path):
    import pandas as pd

    fields = [f for f in COUNT_FIELDS if f != "births_policy"]
    towns = [failing("乙镇", "crude_birth_rate", "birth_stat_error_rate", "tech_staff_share")]
    path = write_csv(tmp_path / "in.csv", towns, fields=fields)
    run = run_cli("score", path, "--format", "csv")
    [row] = list(csv.DictReader(io.StringIO(run.stdout)))
    assert row["vetoed_by"] == f"{VETO_GROUP}: birth_stat_error_rate, crude_birth_rate"
    assert row["veto_unverified"] == f"{VETO_GROUP}: policy_birth_rate"
    assert row["award_blocked_by"] == f"{AWARD_GROUP}: tech_staff_share"
    frame = pd.read_csv(io.StringIO(run.stdout))
    assert frame["vetoed"].dtype == bool and bool(frame["vetoed"][0]) is True
    assert frame["award_eligible"].dtype == bool and bool(frame["award_eligible"][0]) is False


@pytest.mark.slow
def test_table_format(tmp_path):
    path = write_csv(tmp_path / "in.csv", [town("甲镇"), failing("乙镇", "policy_birth_rate")])
    run = run_cli("score", path)
    assert run.exit_code == 1
    assert "甲镇" in run.stdout and "乙镇" in run.stdout
    assert VETO_GROUP in run.stdout
    assert "名次" in run.stdout
    en = run_cli("score", path, "--lang", "en")
    assert "Rank" in en.stdout
    assert "100.00" in en.stdout


@pytest.mark.parametrize(("suffix", "kind"), [(".json", "json"), (".csv", "csv"), (".md", "md")])
def test_format_from_output_suffix(tmp_path, suffix, kind):
    path = write_csv(tmp_path / "in.csv", [town("甲镇")])
    out = tmp_path / f"report{suffix}"
    run = run_cli("score", path, "--output", out)
    assert run.exit_code == 0, run
    assert run.stdout == ""
    text = out.read_text(encoding="utf-8-sig")
    if kind == "json":
        assert json.loads(text)["scores"][0]["total"] == 100
    elif kind == "csv":
        assert next(csv.DictReader(io.StringIO(text)))["total"] in ("100.0", "100")
    else:
        assert text.lstrip().startswith("#") and "| 甲镇 |" in text


def test_xlsx_needs_an_output_file(tmp_path):
    path = write_csv(tmp_path / "in.csv", [town("甲镇")])
    assert_clean_error(run_cli("score", path, "--format", "xlsx"))
    assert_clean_error(run_cli("check", path, "--format", "xlsx"))


def test_rule_set_without_scoring_is_refused(tmp_path):
    rules = tmp_path / "plain.yaml"
    rules.write_text("extends: default\nname: plain\nscoring: null\n", encoding="utf-8")
    path = write_csv(tmp_path / "in.csv", [town("甲镇")])
    assert run_cli("check", path, "--rules", rules).exit_code == 0
    assert_clean_error(run_cli("score", path, "--rules", rules))


def test_scoring_naming_an_unknown_indicator_is_refused(tmp_path):
    rules = tmp_path / "bad.yaml"
    rules.write_text(
        "extends: default\nname: bad\nscoring:\n  veto:\n"
        "    - name: x\n      indicators: [no_such_rate]\n",
        encoding="utf-8",
    )
    path = write_csv(tmp_path / "in.csv", [town("甲镇")])
    run = run_cli("score", path, "--rules", rules)
    assert_clean_error(run)
    assert "no_such_rate" in run.stderr
