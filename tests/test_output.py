"""Issue 2, point 5: the table (Chinese / English), JSON and CSV outputs."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import INDICATORS, by_key

RESULT_KEYS = {
    "unit", "period", "indicator", "name", "value", "numerator", "denominator", "scale",
    "symbol", "min", "max", "severity", "status", "reason", "fields",
}  # fmt: skip
# Keys documented in docs/json.md beyond the brief's contract (area code; evidence intervals).
RESULT_EXTRA_ALLOWED = {
    "code", "ci_low", "ci_high", "p_value", "evidence", "evidence_note",
    "notes",  # registers and period windows (issue 6)
    "period_start", "period_end", "previous",  # reporting periods and history (issue 21)
    "q_value",  # Benjamini–Hochberg, with `evidence: {fdr: true}` (issue 16)
}  # fmt: skip
UNIT_KEYS = {"unit", "period", "status", "failed", "invalid", "warned", "no_data"}
UNIT_EXTRA_ALLOWED = {"code"}
SUMMARY_KEYS = {"units", "checks", "pass", "fail", "warn", "no_data", "invalid",
                "clear_fail", "inconclusive_fail", "fdr_inconclusive"}  # fmt: skip
PROBLEM_KEYS = {"level", "code", "file", "sheet", "row", "column", "cell", "message", "hint"}
PROBLEM_CODES = {
    "not_a_number", "negative", "fractional", "part_exceeds_whole", "births_sum",
    "duplicate_unit", "missing_unit", "excel_error",
    "totals_mismatch", "unit_missing_from_input",  # docs/checks.md: warnings of later issues
    "unknown_sex", "unknown_code", "bad_date", "unknown_unit", "duplicate_id",  # registers
}  # fmt: skip


@pytest.fixture
def every_status(build, tmp_path):
    """Input and rules giving pass, fail, warn, no_data and invalid, plus one problem."""
    rules = tmp_path / "warn.yaml"
    rules.write_text(
        "name: mixed\ntitle: 混合\nextends: default\nindicators:\n"
        "  sex_ratio_at_birth:\n    severity: warn\n",
        encoding="utf-8",
    )
    towns = [
        build.town("张秋镇"),  # all pass
        build.town("阿城镇", births_male=110, births_female=100, births=210),  # warn (110)
        build.town("七级镇", station_staff=9, station_tech_staff=5),  # fail
        build.town("大布乡", migrant_women=0, migrant_archived=0, migrant_certified=0,
                   migrant_contacted=0),  # no_data
        build.town("定水镇", birth_defects="三"),  # invalid
    ]  # fmt: skip
    return build.csv("county.csv", build.grid(towns)), rules


def test_json_document_shape(cli, every_status):
    path, rules = every_status
    result = cli("check", path, "--rules", rules, "--format", "json")
    assert result.exit_code == 1
    data = result.json()
    assert set(data) == {
        "fpmetrics", "ruleset", "inputs", "results", "units", "summary", "problems", "windows",
    }  # fmt: skip
    from fpmetrics import __version__

    assert data["fpmetrics"] == __version__
    assert data["ruleset"] == "mixed"

    for r in data["results"]:
        assert set(r) >= RESULT_KEYS, RESULT_KEYS - set(r)
        assert set(r) - RESULT_KEYS <= RESULT_EXTRA_ALLOWED, set(r) - RESULT_KEYS
        assert r["status"] in {"pass", "fail", "warn", "no_data", "invalid"}
        assert r["reason"] in {None, "field_missing", "value_missing", "denominator_zero",
                               "invalid_data"}  # fmt: skip
        assert isinstance(r["fields"], list)
        assert r["indicator"] in INDICATORS
        assert (r["value"] is None) == (r["status"] in ("no_data", "invalid"))
        assert (r["reason"] is None) == (r["status"] in ("pass", "fail", "warn"))
    assert {r["status"] for r in data["results"]} == {"pass", "fail", "warn", "no_data", "invalid"}

    for u in data["units"]:
        assert set(u) >= UNIT_KEYS, UNIT_KEYS - set(u)
        assert set(u) - UNIT_KEYS <= UNIT_EXTRA_ALLOWED
    status = {u["unit"]: u["status"] for u in data["units"]}
    assert status == {
        "张秋镇": "pass",
        "阿城镇": "warn",
        "七级镇": "fail",
        "大布乡": "pass",
        "定水镇": "invalid",
    }
    units = {u["unit"]: u for u in data["units"]}
    assert units["阿城镇"]["warned"] == ["sex_ratio_at_birth"]
    assert units["七级镇"]["failed"] == ["tech_staff_share"]
    assert units["定水镇"]["invalid"] == ["birth_defect_rate"]

    assert set(data["summary"]) == SUMMARY_KEYS
    assert data["summary"] == {
        "units": 5, "checks": 50, "pass": 44, "fail": 1, "warn": 1, "no_data": 3, "invalid": 1,
        # 5 of 9 staff against ≥ 70%: P(X ≤ 5 | 9, 0.7) = 0.27, could be chance (issue 16)
        "clear_fail": 0, "inconclusive_fail": 1, "fdr_inconclusive": 0,
    }  # fmt: skip

    [problem] = data["problems"]
    assert set(problem) == PROBLEM_KEYS
    assert problem["code"] in PROBLEM_CODES
    assert problem["level"] in {"error", "warning"}
    assert (problem["code"], problem["row"], problem["column"]) == ("not_a_number", 6, "出生缺陷数")


def test_json_example_values(cli, build):
    """The issue's example: 阿城镇 268 boys / 250 girls = 107.2, unrounded, fails 103–107."""
    town = build.town(
        "阿城镇",
        births_male=268,
        births_female=250,
        births=518,
        births_policy=516,
        population=55000,
        deaths=391,
    )
    data = cli("check", build.csv("t.csv", build.grid([town])), "-f", "json").json()
    r = by_key(data)[("阿城镇", "sex_ratio_at_birth")]
    assert r["name"] == "出生人口性别比"
    assert r["value"] == pytest.approx(107.2)
    assert (r["numerator"], r["denominator"], r["scale"]) == (268, 250, 100)
    assert (r["min"], r["max"], r["severity"], r["status"]) == (103, 107, "fail", "fail")
    assert r["period"] is None
    assert r["reason"] is None and r["fields"] == []
    assert data["units"][0]["failed"] == ["sex_ratio_at_birth"]


def test_json_value_is_unrounded(cli, build):
    town = build.town("张秋镇", station_staff=9, station_tech_staff=7)
    data = cli("check", build.csv("t.csv", build.grid([town])), "-f", "json").json()
    value = by_key(data)[("张秋镇", "tech_staff_share")]["value"]
    assert value == pytest.approx(700 / 9, rel=1e-15)


def test_json_names_follow_lang(cli, build):
    path = build.csv("t.csv", build.grid([build.town("张秋镇")]))
    zh = by_key(cli("check", path, "-f", "json").json())
    en = by_key(cli("check", path, "-f", "json", "--lang", "en").json())
    assert zh[("张秋镇", "sex_ratio_at_birth")]["name"] == "出生人口性别比"
    assert en[("张秋镇", "sex_ratio_at_birth")]["name"] == "Sex ratio at birth"


def test_json_on_stdout_stays_clean_when_there_are_problems(cli, every_status):
    path, _ = every_status
    result = cli("check", path, "--format", "json")
    json.loads(result.stdout)  # nothing but the document on stdout
    assert "三" in result.stderr  # the problem is reported on stderr


# ---------------------------------------------------------------------- CSV


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_on_stdout_has_no_bom(cli, every_status):
    path, _ = every_status
    result = cli("check", path, "--format", "csv")
    assert result.exit_code == 1
    assert not result.stdout.startswith("\ufeff")
    rows = _rows(result.stdout)
    assert len(rows) == 50
    assert set(rows[0]) >= RESULT_KEYS
    invalid = [r for r in rows if r["status"] == "invalid"]
    assert invalid and invalid[0]["reason"] == "invalid_data"
    missing = [r for r in rows if r["reason"] == "denominator_zero"]
    assert len(missing) == 3


@pytest.mark.slow
def test_csv_on_stdout_bytes_have_no_bom(run_fpmetrics, every_status):
    path, _ = every_status
    proc = run_fpmetrics("check", path, "--format", "csv")
    assert proc.returncode == 1, proc.stderr.decode()
    assert proc.stdout.startswith(b"unit,")
    assert len(_rows(proc.stdout.decode("utf-8"))) == 50


def test_csv_file_has_a_bom_and_the_same_rows(cli, every_status, tmp_path):
    path, _ = every_status
    out = tmp_path / "results.csv"
    result = cli("check", path, "--output", out)  # format from the suffix
    assert result.exit_code == 1
    assert result.stdout == ""
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\xef\xbb\xbf") == 1
    from_file = _rows(raw.decode("utf-8-sig"))
    from_stdout = _rows(cli("check", path, "--format", "csv").stdout)
    assert from_file == from_stdout
    assert {r["unit"] for r in from_file} == {"张秋镇", "阿城镇", "七级镇", "大布乡", "定水镇"}


def test_csv_fields_are_joined(cli, build):
    path = build.csv("t.csv", build.grid([build.town("张秋镇")], fields=["births_male"]))
    rows = _rows(cli("check", path, "--format", "csv").stdout)
    tech = next(r for r in rows if r["indicator"] == "tech_staff_share")
    assert tech["reason"] == "field_missing"
    assert sorted(tech["fields"].split(";")) == ["station_staff", "station_tech_staff"]


def test_json_file_from_suffix(cli, every_status, tmp_path):
    path, _ = every_status
    out = tmp_path / "results.json"
    result = cli("check", path, "--output", out)
    assert result.exit_code == 1
    assert result.stdout == ""
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["summary"]["checks"] == 50
    assert not out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_explicit_format_wins_over_the_suffix(cli, every_status, tmp_path):
    path, _ = every_status
    out = tmp_path / "results.json"
    cli("check", path, "--format", "csv", "--output", out)
    assert out.read_text(encoding="utf-8-sig").startswith("unit,")


# ---------------------------------------------------------------------- table


def test_table_is_chinese_by_default(cli, every_status):
    path, _ = every_status
    result = cli("check", path)
    assert result.exit_code == 1
    out = result.stdout
    assert "性别比" in out
    assert "个乡镇" in out
    assert "50 项检查" in out
    for name in ("张秋镇", "阿城镇", "七级镇", "大布乡", "定水镇"):
        assert name in out
    assert "—" in out  # no data
    assert "数据有误" in out  # invalid
    assert "55.6%" in out  # 5 / 9 tech staff, failing
    assert "不达标乡镇" in out and "七级镇" in out
    assert "townships" not in out
    # Data problems go to stderr, not into the table.
    assert "三" in result.stderr
    assert "三" not in out


def test_table_in_english(cli, every_status):
    path, _ = every_status
    result = cli("check", path, "--lang", "en")
    out = result.stdout
    assert "SRB" in out
    assert "5 townships" in out
    assert "个乡镇" not in out
    assert "性别比" not in out


def test_table_language_from_environment(cli, every_status):
    path, _ = every_status
    assert "townships" in cli("check", path, env={"FPMETRICS_LANG": "en"}).stdout


@pytest.mark.parametrize(
    ("boys", "girls", "shown", "never"),
    [
        (1071, 1000, "107.10", None),
        (107004, 100000, "107.01", "107.00"),
        (102996, 100000, "102.99", "103.00"),
        (107, 100, "107.00", None),  # exactly the bound: passes, shown as is
    ],
)
def test_table_never_shows_a_failing_value_as_passing(cli, build, boys, girls, shown, never):
    town = build.town("阿城镇", births_male=boys, births_female=girls, births=boys + girls)
    result = cli("check", build.csv("t.csv", build.grid([town])))
    assert shown in result.stdout
    if never is not None:
        assert never not in result.stdout
        assert result.exit_code == 1


def test_table_keeps_percent_and_permille_units(cli, build):
    result = cli("check", build.csv("t.csv", build.grid([build.town("张秋镇")])))
    assert result.exit_code == 0
    assert "80.0%" in result.stdout  # tech staff 8 / 10
    assert "10.25‰" in result.stdout  # births 205 / 20000
    assert "105.00" in result.stdout  # sex ratio has no unit


def test_summary_counts_townships_and_periods_not_unit_periods(cli):
    from conftest import REPO

    result = cli("check", REPO / "sample_data" / "county_2024_monthly.csv")
    assert "18 个乡镇 × 12 期, 2160 项检查" in result.stdout


def test_lists_under_the_table_break_between_names_at_80_columns(cli):
    from conftest import SAMPLE_XLSX

    result = cli("check", SAMPLE_XLSX, env={"COLUMNS": "80"})
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("不达标乡镇: "))
    block = [lines[start].removeprefix("不达标乡镇: ")]
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        block.append(line.strip())
    names = [n for line in block for n in line.split("、") if n]
    assert names == [
        "侨润街道", "狮子楼街道", "阿城镇", "七级镇", "定水镇", "石佛镇", "寿张镇", "西湖镇",
        "大布乡", "郭屯镇",
    ]  # fmt: skip
    assert all(len(line) <= 80 for line in lines[start:])
    # Without periods the two-year defect rule is noted once, not per township.
    window = [line for line in lines if line.startswith("出生缺陷(近 2 期均须达标)")]
    assert len(window) == 1 and "输入没有统计期" in window[0]


SCHEMA_INPUTS = {
    "county workbook": ["county_2024.xlsx"],
    "messy workbook": ["county_2024_messy.xlsx"],
    "monthly form": ["county_2024_monthly.csv"],
    "registers by year": [
        "births_register_2023_2024.csv", "migrants_register.csv", "station_staff.xlsx",
        "county_2024_population.csv", "--period", "year",
    ],
}  # fmt: skip


@pytest.mark.parametrize("inputs", SCHEMA_INPUTS.values(), ids=SCHEMA_INPUTS.keys())
def test_json_documents_follow_the_declared_schema_key_for_key(cli, inputs):
    """The JSON is written without a pydantic round trip; the declared contract
    (fpmetrics.report.schema) still holds: types, allowed values, and the key order."""
    from pathlib import Path

    from fpmetrics.report.schema import CheckOutput, CheckResult, PeriodWindow, UnitVerdict

    sample = Path(__file__).parent.parent / "sample_data"
    args = [sample / a if a.endswith((".csv", ".xlsx")) else a for a in inputs]
    result = cli("check", *args, "-f", "json")
    assert result.exit_code in (0, 1), result.stderr
    data = result.json()
    CheckOutput.model_validate(data)
    assert list(data) == list(CheckOutput.model_fields)
    for items, model in ((data["results"], CheckResult), (data["units"], UnitVerdict),
                         (data["windows"], PeriodWindow)):  # fmt: skip
        assert all(list(item) == list(model.model_fields) for item in items)
    assert data["results"] and data["units"]


def test_json_has_one_record_per_line(cli, every_status):
    path, _ = every_status
    lines = cli("check", path, "-f", "json").stdout.splitlines()
    records = [line for line in lines if line.lstrip().startswith('{"unit"')]
    assert len(records) == 50 + 5 + 5  # 5 units x 10 results, 5 verdicts, 5 windows
    assert all(json.loads(line.strip().rstrip(",")) for line in records)


def test_json_document_layout_is_one_key_per_line_and_one_item_per_line():
    from fpmetrics.report.machine import EncodedItems, dumps_document

    payload = {
        "name": "规则",
        "results": EncodedItems(['{"a": 1}', '{"a": 2}']),
        "summary": {"units": 2},
        "problems": [{"row": None}],
        "windows": [],
    }
    text = dumps_document(payload).text()
    assert text == (
        '{\n  "name": "规则",\n  "results": [\n    {"a": 1},\n    {"a": 2}\n  ],\n'
        '  "summary": {"units": 2},\n  "problems": [\n    {"row": null}\n  ],\n'
        '  "windows": []\n}\n'
    )
    assert json.loads(text)["results"] == [{"a": 1}, {"a": 2}]


def test_pieces_are_written_as_the_one_text_they_make(tmp_path, capsys):
    """A JSON document goes out piece by piece (never joined, never encoded whole): the same
    bytes as its text, on stdout and in a file, runs of pieces split anywhere, and a CSV's
    BOM written once."""
    from rich.console import Console

    from fpmetrics.files import output
    from fpmetrics.files.output import Pieces, deliver

    parts = [f'{{"镇": {i}}},\n' for i in range(3 * output._PIECES_PER_WRITE + 7)]
    pieces = Pieces(parts)
    text = "".join(parts)
    assert pieces.text() == text
    assert "".join(pieces.chunks()) == text and len(list(pieces.chunks())) == 4
    assert bytes(pieces.encoded("utf-8-sig")) == text.encode("utf-8-sig")
    err = Console(file=io.StringIO())
    deliver(pieces, "json", None, "zh", err)
    assert capsys.readouterr().out == text
    deliver(pieces, "json", tmp_path / "out.json", "zh", err)
    assert (tmp_path / "out.json").read_bytes() == text.encode("utf-8")
    deliver(Pieces(["a,b\n", "1,2\n"]), "csv", tmp_path / "out.csv", "zh", err)
    assert (tmp_path / "out.csv").read_bytes() == "\ufeffa,b\n1,2\n".encode()
    deliver(Pieces([]), "json", tmp_path / "empty.json", "zh", err)
    assert (tmp_path / "empty.json").read_bytes() == b""
