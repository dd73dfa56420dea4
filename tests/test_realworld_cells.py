"""Issue 3, point 4: cells as clerks type them: text numbers, empty markers, Excel errors."""

from __future__ import annotations

import pytest

from realworld_builders import (
    check,
    problems,
    result,
    sheet,
    status,
    text_file,
    units,
    where,
    workbook,
)

HEADER = ["乡镇", "出生男婴数", "出生女婴数", "年平均人口", "流入已婚育龄妇女数", "已建档数",
          "已查验证数"]  # fmt: skip
WEST = ["西镇", 104, 100, 20000, 100, 95, 95]


@pytest.mark.parametrize("kind", ["xlsx", "gb18030-tab"])
def test_numbers_stored_as_text(tmp_path, kind):
    rows = [
        HEADER,
        ["东镇", "２５０", " 240 ", "58,000", "１，２００", "1\u3000140", "\u30001 100\u3000"],
        WEST,
    ]
    if kind == "xlsx":
        path = sheet(tmp_path / "text.xlsx", rows)
    else:
        path = text_file(tmp_path / "text.txt", rows, encoding="gb18030", sep="\t")
    report = check(path)
    sex_ratio = result(report, "东镇", "sex_ratio_at_birth")
    assert (sex_ratio["numerator"], sex_ratio["denominator"]) == (250, 240)
    assert status(report, "东镇", "sex_ratio_at_birth") == ("pass", 104.1667)
    birth_rate = result(report, "东镇", "crude_birth_rate")
    assert (birth_rate["numerator"], birth_rate["denominator"]) == (490, 58000)
    assert status(report, "东镇", "migrant_archive_rate") == ("pass", 95.0)
    assert status(report, "东镇", "migrant_certificate_rate") == ("pass", 91.6667)
    assert problems(report) == []


@pytest.mark.parametrize("empty", ["—", "——", "-", "/", "无", "", " ", "\u3000"])
def test_empty_markers_are_missing_values(tmp_path, empty):
    rows = [HEADER, ["东镇", empty, 100, 20000, 100, 95, 95], WEST]
    report = check(sheet(tmp_path / "empty.xlsx", rows))
    row = result(report, "东镇", "sex_ratio_at_birth")
    assert (row["status"], row["reason"], row["fields"]) == (
        "no_data",
        "value_missing",
        ["births_male"],
    )
    assert status(report, "东镇", "migrant_archive_rate") == ("pass", 95.0)
    assert status(report, "西镇", "sex_ratio_at_birth") == ("pass", 104.0)
    assert problems(report) == []


@pytest.mark.parametrize("kind", ["xlsx-text", "csv"])
@pytest.mark.parametrize("error", ["#DIV/0!", "#VALUE!"])
def test_excel_error_text_is_empty_with_a_warning(tmp_path, kind, error):
    rows = [["2024年流动人口"], HEADER, WEST, ["东镇", 104, 100, 20000, 100, error, 95]]
    if kind == "csv":
        path = text_file(tmp_path / "err.csv", rows, encoding="utf-8-sig")
    else:
        path = workbook(tmp_path / "err.xlsx", {"流动": rows}, text_cells={"流动": ["F4"]})
    report = check(path, lang="en")
    sheet_name = "流动" if kind == "xlsx-text" else None
    assert where(report, "excel_error") == [("warning", sheet_name, 4, "已建档数")]
    (warning,) = problems(report)
    assert error in warning["message"]
    row = result(report, "东镇", "migrant_archive_rate")
    assert (row["status"], row["reason"], row["fields"]) == (
        "no_data",
        "value_missing",
        ["migrant_archived"],
    )
    assert status(report, "东镇", "migrant_certificate_rate") == ("pass", 95.0)


def test_excel_error_cell_is_reported_too(tmp_path):
    """A real error cell (a formula that gave #DIV/0!, saved as an error value) is empty and
    reported, like the same text."""
    rows = [HEADER, WEST, ["东镇", 104, 100, 20000, 100, "#DIV/0!", 95]]
    path = sheet(tmp_path / "error_cell.xlsx", rows)  # openpyxl stores "#DIV/0!" as an error
    report = check(path)
    assert status(report, "东镇", "migrant_archive_rate") == ("no_data", None)
    assert where(report, "excel_error") == [("warning", "报表", 3, "已建档数")]


def test_rate_stored_in_a_count_column_is_flagged_fractional(tmp_path):
    rows = [HEADER, ["东镇", 104, 100, 20000, 100, 0.953, 95], WEST]
    report = check(sheet(tmp_path / "fraction.xlsx", rows), lang="en")
    assert where(report, "fractional") == [("error", "报表", 2, "已建档数")]
    (error,) = problems(report)
    assert "0.953" in error["message"]
    row = result(report, "东镇", "migrant_archive_rate")
    assert (row["status"], row["reason"], row["fields"]) == (
        "invalid",
        "invalid_data",
        ["migrant_archived"],
    )
    assert status(report, "东镇", "migrant_certificate_rate") == ("pass", 95.0)
    assert status(report, "西镇", "migrant_archive_rate") == ("pass", 95.0)


def test_area_codes_stay_text(tmp_path):
    rows = [
        ["乡镇", "统计用区划代码", "出生男婴数", "出生女婴数"],
        ["东镇", 371521100000, 104, 100],
        ["西镇", "371521001000", 105, 100],
    ]
    report = check(sheet(tmp_path / "codes.xlsx", rows))
    assert units(report) == ["东镇", "西镇"]
    assert result(report, "东镇", "sex_ratio_at_birth")["code"] == "371521100000"
    assert result(report, "西镇", "sex_ratio_at_birth")["code"] == "371521001000"
