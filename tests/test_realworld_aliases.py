"""Issue 3, point 6: a user's own header names (--fields, or aliases: in a rule file), and
--explain."""

from __future__ import annotations

import re

import pytest

from conftest import run_cli
from fpmetrics.errors import InputError
from fpmetrics.ruleset.rules import load_aliases
from realworld_builders import (
    assert_clean_failure,
    check,
    cli_json,
    json_results,
    load,
    result,
    sheet,
    status,
    workbook,
)

OWN_HEADERS = [
    ["2024年出生情况(自制表)"],
    ["序号", "乡镇", "统计用区划代码", "出生情况", None, "备注"],
    [None, None, None, "男孩数", "女孩数", None],
    [1, "张秋镇", "371521100000", 106, 100, None],
    [2, "阿城镇", "371521101000", 120, 100, "含流动人口"],
]
OWN_MERGES = ["D2:E2"]  # the vertical merges were not saved
FIELDS_YAML = "# 本县自制表的表头\naliases:\n  births_male: [男孩数]\n  births_female: 女孩数\n"


@pytest.fixture
def own_sheet(tmp_path):
    return sheet(tmp_path / "自制表.xlsx", OWN_HEADERS, OWN_MERGES, title="出生")


def test_unknown_headers_are_ignored_without_aliases(own_sheet):
    (table,) = load(own_sheet).tables
    assert set(table.columns) == {"township", "code"}
    row = result(check(own_sheet), "张秋镇", "sex_ratio_at_birth")
    assert (row["status"], row["reason"]) == ("no_data", "field_missing")


def test_fields_file_maps_own_headers(tmp_path, own_sheet):
    fields = tmp_path / "my-fields.yaml"
    fields.write_text(FIELDS_YAML, encoding="utf-8")
    aliases = load_aliases(fields)
    assert aliases == {"births_male": ["男孩数"], "births_female": ["女孩数"]}
    report = check(own_sheet, extra_aliases=aliases)
    (table,) = report.inputs.tables
    assert table.header_rows == [2, 3]
    assert table.columns["births_male"] == 3
    assert table.columns["births_female"] == 4
    assert table.headers["births_male"] == "出生情况男孩数"
    assert table.ignored == ["序号", "备注"]
    assert status(report, "张秋镇", "sex_ratio_at_birth") == ("pass", 106.0)
    assert status(report, "阿城镇", "sex_ratio_at_birth") == ("fail", 120.0)


def test_fields_file_and_explain_on_the_command_line(tmp_path, own_sheet):
    fields = tmp_path / "my-fields.yaml"
    fields.write_text(FIELDS_YAML, encoding="utf-8")
    proc = run_cli("check", own_sheet, "--fields", fields, "--explain", "--format", "json")
    assert proc.exit_code == 1, proc.stderr  # 阿城镇 120 fails
    results = json_results(cli_json(proc))  # stdout stays valid JSON
    assert results[("张秋镇", "sex_ratio_at_birth")] == ("pass", 106.0)
    assert results[("阿城镇", "sex_ratio_at_birth")] == ("fail", 120.0)

    err = proc.stderr
    assert f"{own_sheet} [出生]" in err
    assert "第 2–3 行" in err  # the header band
    assert "2 个乡镇行" in err
    assert re.search(r"^\s*B\s+乡镇\s+→ township\b", err, re.M)
    assert re.search(r"^\s*C\s+统计用区划代码\s+→ code\b", err, re.M)
    assert re.search(r"^\s*D\s+出生情况男孩数\s+→ births_male\b", err, re.M)
    assert re.search(r"^\s*E\s+出生情况女孩数\s+→ births_female\b", err, re.M)
    assert re.search(r"未识别\(已忽略\): 序号、备注", err)
    assert "{" not in err  # the explanation is not the JSON


def test_explain_in_english_for_a_workbook_with_several_tables(tmp_path):
    path = tmp_path / "two.xlsx"
    workbook(
        path,
        {
            "出生": [["序号", "乡镇", "出生男婴数", "出生女婴数"], [1, "东镇", 104, 100]],
            "说明": [["本表为示例"]],
            "流动": [
                ["鄉鎮", "流入已婚育齡婦女總數", "已建檔數", "備註"],
                ["东镇", 100, 95, "新建"],
                ["全县", 100, 95, None],
            ],
        },
    )
    proc = run_cli("check", path, "--explain", "--format", "json", "--lang", "en")
    assert proc.exit_code == 0, proc.stderr
    cli_json(proc)
    err = proc.stderr
    assert f"{path} [出生]: header in row 1, 1 unit rows, 0 totals rows" in err
    assert f"{path} [流动]: header in row 1, 1 unit rows, 1 totals rows" in err
    assert "[说明]" not in err
    assert re.search(r"^\s*C\s+出生男婴数\s+→ births_male\b", err, re.M)
    assert re.search(r"^\s*B\s+流入已婚育齡婦女總數\s+→ migrant_women\b", err, re.M)
    assert "not recognised (ignored): 序号" in err
    assert "not recognised (ignored): 備註" in err


def test_unknown_field_in_fields_file_names_file_and_line(tmp_path, own_sheet):
    fields = tmp_path / "my-fields.yaml"
    fields.write_text("aliases:\n  births_male: [男孩数]\n  boys_born: [男婴]\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_aliases(fields)
    assert f"{fields}:3" in caught.value.message
    proc = run_cli("check", own_sheet, "--fields", fields)
    assert_clean_failure(proc)
    assert f"{fields}:3" in proc.stderr
    assert "boys_born" in proc.stderr


def test_rule_file_carries_aliases(tmp_path, own_sheet):
    rules = tmp_path / "本县规则.yaml"
    rules.write_text(
        "extends: default\n"
        "name: county\n"
        "title: 本县考核标准\n"
        "aliases:\n"
        "  births_male: [男孩数]\n"
        "  births_female: [女孩数]\n",
        encoding="utf-8",
    )
    proc = run_cli("check", own_sheet, "--rules", rules, "--format", "json")
    assert proc.exit_code == 1, proc.stderr
    data = cli_json(proc)
    assert data["ruleset"] == "county"
    results = json_results(data)
    assert results[("张秋镇", "sex_ratio_at_birth")] == ("pass", 106.0)
    assert results[("阿城镇", "sex_ratio_at_birth")] == ("fail", 120.0)


def test_explain_shows_headers_with_line_breaks_on_one_line(tmp_path):
    """Ignored headers with a line break inside the cell were printed raw, over two lines."""
    path = tmp_path / "nl.xlsx"
    workbook(
        path,
        {
            "出生": [
                [
                    "乡镇",
                    "出生男婴数\n(人)",
                    "出生女婴数",
                    "建档率\n(%)",
                    "备注\r\n说明",
                    "[bold]x",
                ],
                ["东镇", 104, 100, 95, None, None],
            ]
        },
    )
    proc = run_cli("check", path, "--explain", "--format", "json")
    err = proc.stderr
    assert "未识别(已忽略): 建档率⏎(%)、备注⏎说明、[bold]x" in err
    assert re.search(r"^\s*B\s+出生男婴数⏎?\(人\)\s+→ births_male\b", err, re.M)
    assert "建档率\n" not in err and "出生男婴数\n" not in err
    en = run_cli("check", path, "--explain", "--format", "json", "--lang", "en").stderr
    assert "not recognised (ignored): 建档率⏎(%), 备注⏎说明, [bold]x" in en
