"""Issue 3, point 3: rows that are not units (totals, blank, signature rows), and the totals
row as a cross-check."""

from __future__ import annotations

import pytest

from conftest import run_cli
from realworld_builders import (
    check,
    cli_json,
    json_results,
    load,
    problems,
    sheet,
    status,
    units,
    where,
    workbook,
)

HEADER = ["乡镇", "出生男婴数", "出生女婴数", "年平均人口"]
EAST = ["东镇", 106, 100, 20000]
WEST = ["西镇", 98, 100, 10000]
# The units add up to 204 boys, 200 girls, 30000 people; the totals row says 205 boys.
TOTALS = [205, 200, 30000]

GRAND_TOTALS = ["合计", "总计", "全县", "全镇", "全乡", "全区", "全市", "合計", "總計", "全縣",
                "合　计", "总 计", "全县合计"]  # fmt: skip


CASES = [("合计", "last")] + [
    (name, "first" if n % 2 == 0 else "last") for n, name in enumerate(GRAND_TOTALS)
]


@pytest.mark.parametrize(("name", "position"), CASES)
def test_grand_totals_row_is_not_a_unit_and_is_cross_checked(tmp_path, name, position):
    totals = [name, *TOTALS]
    body = [totals, EAST, WEST] if position == "first" else [EAST, WEST, totals]
    report = check(sheet(tmp_path / "t.xlsx", [HEADER, *body]), lang="en")
    assert units(report) == ["东镇", "西镇"]
    totals_row = 2 if position == "first" else 4
    assert where(report, "totals_mismatch") == [("warning", "报表", totals_row, "出生男婴数")]
    (mismatch,) = problems(report, "totals_mismatch")
    assert "205" in mismatch["message"]
    assert "204" in mismatch["message"]
    assert len(problems(report)) == 1


@pytest.mark.parametrize("name", ["小计", "小計", "东片小计"])
def test_subtotal_row_is_not_a_unit_nor_a_cross_check(tmp_path, name):
    """A subtotal (also one per area, data-sources.md §4) is neither a township nor a grand
    total to check against."""
    rows = [HEADER, EAST, [name, *TOTALS], WEST]
    report = check(sheet(tmp_path / "t.xlsx", rows))
    assert units(report) == ["东镇", "西镇"]
    assert problems(report) == []


@pytest.mark.parametrize(
    "signature",
    ["填表人:王某", "审核人:李某", "统计负责人:张某", "填报日期:2025年1月6日", "报出日期:2025.1.6"],
)
def test_everything_from_a_signature_row_down_is_not_a_unit(tmp_path, signature):
    rows = [
        HEADER,
        EAST,
        WEST,
        [],
        [signature, None, "联系电话:0635-6212345"],
        ["幽灵镇", 1, 1, 100],  # a note or a stray row under the signature
    ]
    report = check(sheet(tmp_path / "sig.xlsx", rows))
    assert units(report) == ["东镇", "西镇"]
    assert problems(report) == []


def test_signature_row_in_an_ignored_column_still_ends_the_table(tmp_path):
    """The signature starts in column A (序号, not a field); the row and all below are not
    units, even where a township-column cell holds text."""
    rows = [
        ["序号", "乡镇", "出生男婴数", "出生女婴数"],
        [1, "东镇", 106, 100],
        [2, "西镇", 98, 100],
        ["填表人:王某", "联系电话:0635-6212345"],
    ]
    report = check(sheet(tmp_path / "sig.xlsx", rows))
    assert units(report) == ["东镇", "西镇"]
    assert problems(report) == []


def test_totals_label_in_a_merged_serial_number_cell(tmp_path):
    """合计 written in 序号 and merged across 序号:乡镇 (a common layout) is the totals row."""
    rows = [
        ["序号", "乡镇", "出生男婴数", "出生女婴数", "年平均人口"],
        [1, *EAST],
        [2, *WEST],
        ["合计", None, *TOTALS],
    ]
    report = check(sheet(tmp_path / "merged_total.xlsx", rows, ["A4:B4"]))
    assert units(report) == ["东镇", "西镇"]
    assert where(report, "missing_unit") == []
    assert where(report, "totals_mismatch") == [("warning", "报表", 4, "出生男婴数")]


def test_blank_rows_are_skipped_and_row_numbers_stay_the_sheet_rows(tmp_path):
    rows = [
        ["2024年出生情况"],
        HEADER,
        [],
        EAST,
        [None, None, None, None],
        ["", " ", "\u3000", ""],
        ["西镇", 98, 100, 10000.5],
    ]
    report = check(sheet(tmp_path / "blank.xlsx", rows))
    assert units(report) == ["东镇", "西镇"]
    (table,) = report.inputs.tables
    assert list(table.data.index) == [4, 7]
    assert where(report, "fractional") == [("error", "报表", 7, "年平均人口")]


def test_totals_mismatch_warning_keeps_unit_verdicts_and_exit_code(tmp_path):
    rows = [["某县出生情况"], HEADER, ["合计", 209, 200, 40000], EAST, ["西镇", 104, 100, 20000]]
    path = sheet(tmp_path / "totals.xlsx", rows)
    proc = run_cli("check", path, "--format", "json")
    assert proc.exit_code == 0, proc.stderr
    data = cli_json(proc)
    results = json_results(data)
    # Verdicts from the unit rows (106/100 and 104/100), not from the totals row.
    assert results[("东镇", "sex_ratio_at_birth")] == ("pass", 106.0)
    assert results[("西镇", "sex_ratio_at_birth")] == ("pass", 104.0)
    assert results[("东镇", "crude_birth_rate")] == ("pass", 10.3)
    assert {r["unit"] for r in data["results"]} == {"东镇", "西镇"}
    assert [(p["level"], p["code"], p["row"], p["column"]) for p in data["problems"]] == [
        ("warning", "totals_mismatch", 3, "出生男婴数")
    ]
    assert "209" in data["problems"][0]["message"]
    assert "210" in data["problems"][0]["message"]
    assert "出生男婴数" in proc.stderr  # the warning is also shown to the user


def test_totals_row_checks_only_the_units_of_its_own_table(tmp_path):
    path = workbook(
        tmp_path / "two.xlsx",
        {
            "东片": [HEADER, EAST, ["合计", 106, 100, 20000]],
            "西片": [HEADER, WEST, ["北镇", 100, 100, 5000], ["合计", 198, 199, 15000]],
        },
    )
    report = check(path, lang="en")
    assert units(report) == ["东镇", "西镇", "北镇"]
    assert where(report, "totals_mismatch") == [("warning", "西片", 4, "出生女婴数")]
    (mismatch,) = problems(report)
    assert mismatch["message"] == (
        "totals row says 199, the townships add up to 200 (difference 1)"
    )


def test_same_township_twice_in_one_table(tmp_path):
    rows = [HEADER, EAST, WEST, ["东镇", 104, 100, 20000]]
    report = check(sheet(tmp_path / "dup.xlsx", rows))
    assert where(report, "duplicate_unit") == [
        ("error", "报表", 2, "乡镇"),
        ("error", "报表", 4, "乡镇"),
    ]
    assert status(report, "东镇", "sex_ratio_at_birth") == ("invalid", None)
    assert status(report, "东镇", "crude_birth_rate") == ("invalid", None)
    assert status(report, "西镇", "sex_ratio_at_birth") == ("fail", 98.0)
    assert status(report, "西镇", "crude_birth_rate") == ("fail", 19.8)
    verdict = report.verdicts.set_index("unit").loc["东镇"]
    assert verdict["status"] == "invalid"


def test_unit_names_are_trimmed_and_otherwise_kept(tmp_path):
    rows = [
        HEADER,
        ["  东镇 ", 106, 100, 20000],
        ["\u3000西镇\u3000", 98, 100, 10000],
        ["城关镇（东区）", 104, 100, 10000],
        ["侨润街道办事处", 104, 100, 10000],
    ]
    inputs = load(sheet(tmp_path / "names.xlsx", rows))
    assert list(inputs.records["township"]) == ["东镇", "西镇", "城关镇（东区）", "侨润街道办事处"]


def test_a_township_named_like_a_column_letter_is_kept(tmp_path):
    """甲 乙 丙 label a form's 栏次 row (甲 乙 丙 1 2 3 …); a township called 甲 with its own
    figures (10 5 5) is a township, not that row, and is never dropped without a word."""
    data = tmp_path / "letters.csv"
    data.write_text(
        "乡镇,出生人数,出生男婴数,出生女婴数\n甲,1,2,3\n乙,12,6,6\n丙镇,10,5,5\n丁,8,4,4\n",
        encoding="utf-8",
    )
    result = run_cli("check", data, "-f", "json")
    assert result.exit_code in (0, 1), result.stderr
    units = {r["unit"] for r in result.json()["results"]}
    assert units == {"乙", "丙镇", "丁"}  # 甲 1 2 3 in the first row is the 栏次 row
