"""Issue 2, point 7: the bundled synthetic county, as .xlsx and as .csv."""

from __future__ import annotations

import json

import pytest

from conftest import INDICATORS, SAMPLE_CSV, SAMPLE_XLSX, by_key
from fpmetrics.pipeline import run_check
from fpmetrics.ruleset.rules import load_ruleset

MIGRANT_RATES = ["migrant_archive_rate", "migrant_certificate_rate", "migrant_contact_rate"]


@pytest.fixture(scope="module")
def sample_reports():
    rules = load_ruleset("default")
    return {
        path.suffix: json.loads(run_check([path], rules).to_json())
        for path in (SAMPLE_XLSX, SAMPLE_CSV)
    }


@pytest.mark.slow
def test_xlsx_and_csv_give_identical_results(sample_reports):
    xlsx, csv = sample_reports[".xlsx"], sample_reports[".csv"]
    assert xlsx["results"] == csv["results"]
    assert xlsx["units"] == csv["units"]
    assert xlsx["summary"] == csv["summary"]
    assert xlsx["problems"] == csv["problems"] == []


def test_sample_has_18_townships_and_some_fail(sample_reports):
    data = sample_reports[".xlsx"]
    assert data["summary"]["units"] == 18
    assert data["summary"]["checks"] == 18 * len(INDICATORS)
    failing = [u["unit"] for u in data["units"] if u["status"] == "fail"]
    assert failing
    assert data["summary"]["fail"] >= 1


def test_dabu_has_no_in_migrants(sample_reports):
    results = by_key(sample_reports[".xlsx"])
    for key in MIGRANT_RATES:
        r = results[("大布乡", key)]
        assert r["status"] == "no_data"
        assert r["reason"] == "denominator_zero"
    [dabu] = [u for u in sample_reports[".xlsx"]["units"] if u["unit"] == "大布乡"]
    assert sorted(dabu["no_data"]) == sorted(MIGRANT_RATES)


def test_hand_set_boundary_cases(sample_reports):
    results = by_key(sample_reports[".xlsx"])
    yanlou = results[("闫楼镇", "tech_staff_share")]  # 7 of 10: exactly 70%
    assert (yanlou["numerator"], yanlou["denominator"], yanlou["status"]) == (7, 10, "pass")
    acheng = results[("阿城镇", "sex_ratio_at_birth")]  # 268 / 250 = 107.2
    assert acheng["status"] == "fail"
    assert acheng["value"] == pytest.approx(107.2)


def test_sample_via_cli_exits_1(cli):
    result = cli("check", SAMPLE_XLSX)
    assert result.exit_code == 1
    assert "18 个乡镇" in result.stdout


def test_sample_workbook_is_labelled_synthetic():
    from openpyxl import load_workbook

    wb = load_workbook(SAMPLE_XLSX, read_only=True)
    first = next(wb.worksheets[0].iter_rows(max_row=1, values_only=True))
    title = " ".join(str(v) for v in first if v)
    assert "合成" in title or "synthetic" in title.lower()
    wb.close()


SAMPLE_DIR = SAMPLE_XLSX.parent
REGISTERS = [
    SAMPLE_DIR / "births_register_2023_2024.csv",
    SAMPLE_DIR / "migrants_register.csv",  # GB18030
    SAMPLE_DIR / "station_staff.xlsx",
    SAMPLE_DIR / "county_2024_population.csv",  # the other office's population and deaths
]


@pytest.fixture(scope="module")
def register_report():
    from fpmetrics.read.load import RegisterOptions

    report = run_check(REGISTERS, load_ruleset("default"), registers=RegisterOptions(period="year"))
    return json.loads(report.to_json())


def test_sample_registers_add_up_to_the_county_sample(register_report, sample_reports):
    """The 2024 records count to the county workbook's figures: the same indicators from
    individual records as from the report form (the births and migrants with a planted
    error excepted)."""
    form = by_key(sample_reports[".xlsx"])
    registers = {
        (r["unit"], r["indicator"]): r for r in register_report["results"] if r["period"] == "2024"
    }
    assert {u for u, _ in registers} == {u for u, _ in form}
    keys = ["sex_ratio_at_birth", "tech_staff_share", "policy_birth_rate", "crude_birth_rate"]
    for key in [*keys, *MIGRANT_RATES]:
        for unit in {u for u, _ in form}:
            mine, theirs = registers[(unit, key)], form[(unit, key)]
            if theirs["denominator"] == 0:  # no in-migrants: no rows in the register, no data
                assert (mine["status"], mine["reason"]) == ("no_data", "value_missing")
                continue
            assert (mine["numerator"], mine["denominator"], mine["status"]) == (
                theirs["numerator"],
                theirs["denominator"],
                theirs["status"],
            ), (unit, key)


def test_sample_registers_locate_their_planted_errors(register_report):
    found = {(p["code"], p["row"]) for p in register_report["problems"] if p["level"] == "error"}
    assert found == {("unknown_sex", 59), ("bad_date", 1205), ("duplicate_id", 302)}
    windows = [w for w in register_report["windows"] if w["status"] == "fail"]
    assert all(w["indicator"] == "birth_defect_rate" and w["failed_periods"] for w in windows)


@pytest.mark.slow
def test_explain_a_township_of_the_sample_registers(cli):
    result = cli("check", *REGISTERS, "--period", "year", "--explain", "寿张镇", "-f", "json")
    assert result.exit_code == 1
    assert "(births - deaths) = 79 / population = 38000" in result.stderr
    assert "migrant_archived = 235 / migrant_women = 254" in result.stderr
    assert "station_staff.xlsx [服务站人员]" in result.stderr  # where each count came from


def test_county_sheet_with_the_staff_register_names_the_clash(cli):
    """The county sheet and the staff register both give 阿城镇's staff counts: each such
    township is an error naming both inputs (the register without a row number), not an
    internal error."""
    staff = SAMPLE_CSV.parent / "station_staff.xlsx"
    result = cli("score", SAMPLE_CSV, staff, "-f", "json")
    assert result.exit_code == 1, result.stderr
    clashes = [
        p for p in result.json()["problems"] if "station_staff.xlsx [服务站人员]" in p["message"]
    ]
    assert clashes and all("county_2024.csv:" in p["message"] for p in clashes)
