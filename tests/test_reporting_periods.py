"""Reporting periods (issue 21): the rule file's year start, halves, quarters, and labels
that say what they cover."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import Build

HEADER = ["乡镇", "出生日期", "性别"]
# Births of one township across two statistical years, with the sex of each: the counts per
# statistical year (1 Oct – 30 Sep) below are made by hand from this list.
BIRTHS = [
    ("2022-12-31", "男"),  # 2023统计年度
    ("2023-01-15", "女"),  # 2023统计年度
    ("2023-09-30", "男"),  # 2023统计年度, its last day
    ("2023-10-01", "男"),  # 2024统计年度, its first day
    ("2023-11-20", "女"),  # 2024统计年度 (calendar 2023)
    ("2023-12-31", "女"),  # 2024统计年度 (calendar 2023)
    ("2024-03-31", "男"),  # 2024统计年度, last day of its first half
    ("2024-04-01", "男"),  # 2024统计年度, second half
    ("2024-09-30", "女"),  # 2024统计年度, its last day
    ("2024-10-01", "男"),  # 2025统计年度
]
Y2024 = "2024统计年度 (2023-10-01 – 2024-09-30)"


def _register(build: Build) -> Path:
    rows = [["阿城镇", day, sex] for day, sex in BIRTHS]
    return build.csv("births.csv", [HEADER, *rows])


def _statistical_rules(build: Build) -> Path:
    return build.text("stat.yaml", 'extends: default\nperiods:\n  year_start: "10-01"\n')


def _sex_ratio(data: dict) -> dict[str, tuple]:
    return {
        r["period"]: (r["numerator"], r["denominator"], r["period_start"], r["period_end"])
        for r in data["results"]
        if r["indicator"] == "sex_ratio_at_birth"
    }


def test_a_register_is_counted_in_statistical_years_when_the_rules_say_so(build, cli):
    path = _register(build)
    data = cli("check", path, "-r", _statistical_rules(build), "--period", "year", "-f", "json")
    counts = _sex_ratio(data.json())
    # By hand: 2023统计年度 2 boys 1 girl; 2024统计年度 3 boys 3 girls; 2025统计年度 1 boy.
    assert counts == {
        "2023统计年度 (2022-10-01 – 2023-09-30)": (2, 1, "2022-10-01", "2023-09-30"),
        Y2024: (3, 3, "2023-10-01", "2024-09-30"),
        "2025统计年度 (2024-10-01 – 2025-09-30)": (1, 0, "2024-10-01", "2025-09-30"),
    }


def test_calendar_years_stay_as_they_were_under_01_01_rules(build, cli):
    data = cli("check", _register(build), "--period", "year", "-f", "json").json()
    counts = _sex_ratio(data)
    # By hand: 2022 1 boy; 2023 2 boys 3 girls; 2024 3 boys 1 girl.
    assert counts == {
        "2022": (1, 0, "2022-01-01", "2022-12-31"),
        "2023": (2, 3, "2023-01-01", "2023-12-31"),
        "2024": (3, 1, "2024-01-01", "2024-12-31"),
    }


def test_halves_and_quarters_follow_the_statistical_year(build, cli):
    path, rules = _register(build), _statistical_rules(build)
    halves = _sex_ratio(cli("check", path, "-r", rules, "--period", "half", "-f", "json").json())
    first = "2024统计年度上半年 (2023-10-01 – 2024-03-31)"
    second = "2024统计年度下半年 (2024-04-01 – 2024-09-30)"
    assert halves[first][:2] == (2, 2) and halves[second][:2] == (1, 1)
    quarters = _sex_ratio(
        cli("check", path, "-r", rules, "--period", "quarter", "-f", "json").json()
    )
    assert quarters["2024统计年度第1季度 (2023-10-01 – 2023-12-31)"][:2] == (1, 2)
    assert quarters["2024统计年度第2季度 (2024-01-01 – 2024-03-31)"][:2] == (1, 0)


def test_the_terminal_shows_what_the_period_covers(build, cli):
    path = _register(build)
    result = cli("check", path, "-r", _statistical_rules(build), "--period", "year")
    assert result.exit_code in (0, 1), result.stderr
    assert "2024统计年度" in result.stdout and "2023-10-01" in result.stdout


def test_a_year_start_other_than_the_two_is_a_located_rule_error(build, cli):
    rules = build.text("bad.yaml", 'extends: default\nperiods:\n  year_start: "07-01"\n')
    result = cli("check", _register(build), "-r", rules)
    assert result.exit_code == 2
    assert "bad.yaml" in result.stderr and "year_start" in result.stderr


def test_shipped_rules_state_their_year_and_cite_the_source():
    from fpmetrics.ruleset.rules import load_ruleset

    calendar, statistical = load_ruleset("default"), load_ruleset("statistical-year")
    assert calendar.periods.year_start == "01-01"
    assert statistical.periods.year_start == "10-01"
    for periods in (calendar.periods, statistical.periods):
        assert "新统计报表填报说明" in periods.source and "9月30日24时" in periods.source
    assert statistical.indicators == calendar.indicators


def test_the_shipped_statistical_year_rules_count_october_to_september(build, cli):
    data = cli("check", _register(build), "-r", "statistical-year", "--period", "half", "-f",
               "json").json()  # fmt: skip
    halves = _sex_ratio(data)
    assert halves["2024统计年度上半年 (2023-10-01 – 2024-03-31)"] == (
        2, 2, "2023-10-01", "2024-03-31",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("label", "start", "expected"),
    [
        ("2024", 1, ("2024-01-01", "2024-12-31")),
        ("2024", 10, ("2023-10-01", "2024-09-30")),
        ("2024-02", 10, ("2024-02-01", "2024-02-29")),
        ("2024年5月", 1, ("2024-05-01", "2024-05-31")),
        (Y2024, 10, ("2023-10-01", "2024-09-30")),
        ("5月", 1, (None, None)),
        (None, 1, (None, None)),
    ],
)
def test_bounds_of_labels(label, start, expected):
    from fpmetrics.normalise.reporting import bounds

    assert bounds(label, start) == expected


def test_label_dates_is_a_column_operation_over_missing_dates_too():
    from fpmetrics.normalise.reporting import label_dates

    when = pd.to_datetime(pd.Series(["2023-10-01", None, "2024-09-30", "2023-09-30"]))
    labels = label_dates(when, "year@10").tolist()
    assert labels == [Y2024, None, Y2024, "2023统计年度 (2022-10-01 – 2023-09-30)"]
