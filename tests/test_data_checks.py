"""Issue 2, point 3: data checks, all collected, located by file/sheet/row/column; a bad cell
makes only the checks it feeds `invalid`."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import HEADERS, INDICATORS, by_key, problem_set
from fpmetrics.pipeline import run_check
from fpmetrics.ruleset.rules import load_ruleset
from fpmetrics.wording import worded

# One township per problem; header is row 1, so 甲镇 is row 2 and so on.
# (name, overrides, expected problems as (code, column field), indicators that go invalid)
CASES = [
    ("甲镇", {}, [], []),
    ("乙镇", {"births_male": "abc"}, [("not_a_number", "births_male")], ["sex_ratio_at_birth"]),
    ("丙镇", {"birth_defects": -1}, [("negative", "birth_defects")], ["birth_defect_rate"]),
    ("丁镇", {"migrant_archived": 9.5}, [("fractional", "migrant_archived")],
     ["migrant_archive_rate"]),
    ("戊镇", {"station_staff": 10, "station_tech_staff": 11},
     [("part_exceeds_whole", "station_tech_staff")], ["tech_staff_share"]),
    ("己镇", {"migrant_archived": 101}, [("part_exceeds_whole", "migrant_archived")],
     ["migrant_archive_rate"]),
    ("庚镇", {"migrant_certified": 101}, [("part_exceeds_whole", "migrant_certified")],
     ["migrant_certificate_rate"]),
    ("辛镇", {"migrant_contacted": 101}, [("part_exceeds_whole", "migrant_contacted")],
     ["migrant_contact_rate"]),
    ("壬镇", {"birth_defects": 211}, [("part_exceeds_whole", "birth_defects")],
     ["birth_defect_rate"]),
    ("癸镇", {"births_policy": 206}, [("part_exceeds_whole", "births_policy")],
     ["policy_birth_rate"]),
    ("子镇", {"births": 206}, [("births_sum", "births")],
     ["sex_ratio_at_birth", "policy_birth_rate", "crude_birth_rate", "natural_growth_rate"]),
    ("丑镇", {"deaths": "１２０", "population": "20,000", "station_staff": " 10 "}, [], []),
]  # fmt: skip
# Indicators a part-larger-than-whole may also make invalid (the whole is suspect too).
SHARES_WHOLE = {
    "己镇": {"migrant_certificate_rate", "migrant_contact_rate"},
    "庚镇": {"migrant_archive_rate", "migrant_contact_rate"},
    "辛镇": {"migrant_archive_rate", "migrant_certificate_rate"},
    "癸镇": {"crude_birth_rate", "natural_growth_rate"},
}


@pytest.fixture
def many_problems(build, cli):
    towns = [build.town(name, **over) for name, over, _, _ in CASES]
    towns.append(build.town("甲镇"))  # the same township twice
    path = build.csv("county.csv", build.grid(towns))
    result = cli("check", path, "--format", "json")
    return path, result


def test_every_problem_is_collected_with_its_location(many_problems):
    path, result = many_problems
    data = result.json()
    expected = set()
    for row, (_, _, problems, _) in enumerate(CASES, start=2):
        for code, field in problems:
            expected.add((code, "error", row, HEADERS[field]))
    duplicate_rows = {2, len(CASES) + 2}
    for row in duplicate_rows:
        expected.add(("duplicate_unit", "error", row, HEADERS["township"]))
    assert problem_set(data) == expected
    for problem in data["problems"]:
        assert problem["file"] is not None and Path(problem["file"]).name == path.name
        assert problem["sheet"] is None  # CSV
        assert problem["message"]
    # The problems are reported on stderr too, and the JSON on stdout stays clean.
    assert "abc" in result.stderr


def test_bad_cells_make_only_their_checks_invalid(many_problems):
    _, result = many_problems
    assert result.exit_code == 1
    results = by_key(result.json())
    for name, _, _, invalid in CASES:
        if name == "甲镇":
            continue
        allowed = set(invalid) | SHARES_WHOLE.get(name, set())
        for key in INDICATORS:
            r = results[(name, key)]
            if key in invalid:
                assert r["status"] == "invalid", (name, key, r)
                assert r["reason"] == "invalid_data"
                assert r["value"] is None
                assert r["fields"], (name, key)
            elif key not in allowed:
                assert r["status"] == "pass", (name, key, r)


def test_invalid_result_names_the_bad_fields(many_problems):
    results = by_key(many_problems[1].json())
    assert "births_male" in results[("乙镇", "sex_ratio_at_birth")]["fields"]
    assert "birth_defects" in results[("丙镇", "birth_defect_rate")]["fields"]
    assert "migrant_archived" in results[("丁镇", "migrant_archive_rate")]["fields"]
    assert "births" in results[("子镇", "crude_birth_rate")]["fields"]


def test_duplicate_township_makes_all_its_checks_invalid(many_problems):
    data = many_problems[1].json()
    for r in data["results"]:
        if r["unit"] == "甲镇":
            assert r["status"] == "invalid"
    [unit] = [u for u in data["units"] if u["unit"] == "甲镇"]
    assert unit["status"] == "invalid"
    assert sorted(unit["invalid"]) == sorted(INDICATORS)


def test_summary_counts_add_up(many_problems):
    data = many_problems[1].json()
    s = data["summary"]
    assert s["units"] == len(CASES)  # 甲镇 counted once
    assert s["checks"] == len(data["results"])
    assert s["pass"] + s["fail"] + s["warn"] + s["no_data"] + s["invalid"] == s["checks"]
    assert s["invalid"] == sum(r["status"] == "invalid" for r in data["results"])
    assert s["invalid"] >= 10 + 11


def test_numbers_as_clerks_type_them_are_not_problems(build, cli):
    """Full-width digits, thousands separators and padding spaces are numbers."""
    town = build.town("张秋镇", population="20,000", deaths="１２０", station_staff=" 10 ")
    data = cli("check", build.csv("t.csv", build.grid([town])), "--format", "json").json()
    assert data["problems"] == []
    assert {r["status"] for r in data["results"]} == {"pass"}


def test_problems_in_xlsx_carry_sheet_and_spreadsheet_row(build, cli):
    grid = build.grid(
        [build.town("张秋镇"), build.town("阿城镇", migrant_women=-5)],
        title=["阳谷县2024年度基础数据(合成)"],
        headers={"migrant_women": "流入已婚育龄妇女数(人)"},
    )
    data = cli("check", build.xlsx("t.xlsx", {"乡镇汇总": grid}), "--format", "json").json()
    [problem] = data["problems"]
    assert problem["code"] == "negative"
    assert problem["level"] == "error"
    assert problem["sheet"] == "乡镇汇总"
    assert problem["row"] == 4  # title 1, header 2, 张秋镇 3, 阿城镇 4
    assert problem["column"] == "流入已婚育龄妇女数(人)"
    assert problem["file"].endswith("t.xlsx")


def test_missing_township_name_is_reported(build, cli):
    grid = build.grid([build.town("张秋镇"), build.town("")])
    data = cli("check", build.csv("t.csv", grid), "--format", "json").json()
    assert ("missing_unit", "error", 3, HEADERS["township"]) in problem_set(data)
    assert data["summary"]["units"] == 1


def test_excel_error_text_is_a_warning_and_read_as_empty(build, cli):
    grid = build.grid([build.town("张秋镇", births_male="#DIV/0!")])
    data = cli("check", build.csv("t.csv", grid), "--format", "json").json()
    assert problem_set(data) == {("excel_error", "warning", 2, HEADERS["births_male"])}
    r = by_key(data)[("张秋镇", "sex_ratio_at_birth")]
    assert r["status"] == "no_data"
    assert r["reason"] == "value_missing"
    assert r["fields"] == ["births_male"]


def test_excel_error_cell_in_xlsx_is_a_warning(build, cli):
    """A formula that divides by zero leaves an error cell (#DIV/0!) in the .xlsx: it is read
    as empty, and said so, just like the same text in a CSV."""
    grid = build.grid([build.town("张秋镇", births_male="#DIV/0!")])  # openpyxl: error cell
    data = cli("check", build.xlsx("t.xlsx", grid), "--format", "json").json()
    assert by_key(data)[("张秋镇", "sex_ratio_at_birth")]["status"] == "no_data"
    assert ("excel_error", "warning", 2, HEADERS["births_male"]) in problem_set(data)


def test_births_sum_only_when_all_three_given(build, cli):
    towns = [build.town("张秋镇", births=""), build.town("阿城镇", births_male="")]
    data = cli("check", build.csv("t.csv", build.grid(towns)), "--format", "json").json()
    assert not [p for p in data["problems"] if p["code"] == "births_sum"]


def test_part_equal_to_whole_is_fine(build, cli):
    town = build.town(
        "张秋镇", station_tech_staff=10, migrant_archived=100, births_policy=205, birth_defects=0
    )
    data = cli("check", build.csv("t.csv", build.grid([town])), "--format", "json").json()
    assert data["problems"] == []


def test_same_name_in_two_sheets_of_one_workbook_is_not_a_duplicate_row(build, cli):
    """The duplicate check is about one table: the same township twice in it."""
    path = build.xlsx(
        "t.xlsx",
        {
            "出生": build.grid([build.town("张秋镇")], fields=["births_male", "births_female"]),
            "人员": build.grid(
                [build.town("张秋镇")], fields=["station_staff", "station_tech_staff"]
            ),
        },
    )
    data = cli("check", path, "--format", "json").json()
    r = by_key(data)
    assert r[("张秋镇", "sex_ratio_at_birth")]["status"] == "pass"
    assert r[("张秋镇", "tech_staff_share")]["status"] == "pass"


def test_run_check_collects_problems_as_a_frame(build):
    towns = [build.town("张秋镇", births_male="x"), build.town("阿城镇", birth_defects=1.5)]
    path = build.csv("t.csv", build.grid(towns))
    report = run_check([path], load_ruleset("default"))
    problems = report.problems
    assert list(problems["code"]) == ["not_a_number", "fractional"]
    assert list(problems["row"]) == [2, 3]
    assert list(problems["column"]) == [HEADERS["births_male"], HEADERS["birth_defects"]]
    assert list(problems["message_key"]) == ["p_not_a_number", "p_fractional"]
    assert list(problems["params"]) == [{"value": "x"}, {"value": "1.5"}]
    assert "message" not in problems  # worded only when rendered
    assert list(worded(problems, "en")["message"]) == [
        'not a number: "x" (a whole number ≥ 0 is expected)',
        "not a whole number: 1.5 (a count is a whole number)",
    ]
    results = report.results.set_index(["unit", "indicator"])
    assert results.loc[("张秋镇", "sex_ratio_at_birth"), "status"] == "invalid"
    assert results.loc[("张秋镇", "birth_defect_rate"), "status"] == "pass"
    assert results.loc[("阿城镇", "birth_defect_rate"), "status"] == "invalid"
    assert results.loc[("阿城镇", "sex_ratio_at_birth"), "status"] == "pass"
    assert report.summary["invalid"] == 2
