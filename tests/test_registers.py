"""Register inputs (issue 6): one row per birth, migrant woman or staff member, aggregated to
the canonical counts per township and period, then through the same rules and outputs."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Build, assert_clean_error, problem_set
from register_builders import BIRTH_HEADER, MIGRANT_HEADER, STAFF_HEADER, births, migrants, staff


def results_of(data: dict, unit: str, period: str | None = None) -> dict[str, dict]:
    return {
        r["indicator"]: r for r in data["results"] if r["unit"] == unit and r["period"] == period
    }


# ------------------------------------------------------------------ births


def test_births_register_counts_live_births_by_sex_and_all_outcomes_as_perinatal(build, cli):
    rows = births("阿城镇", 53, 50, outside_policy=4, defects=1, stillbirths=2)
    path = build.csv("births.csv", [BIRTH_HEADER, *rows])
    data = cli("check", path, "-f", "json").json()
    mine = results_of(data, "阿城镇")
    sex = mine["sex_ratio_at_birth"]
    assert (sex["numerator"], sex["denominator"]) == (53, 50)
    assert sex["value"] == 106.0 and sex["status"] == "pass"
    policy = mine["policy_birth_rate"]
    assert (policy["numerator"], policy["denominator"]) == (99, 103)  # live births only
    defects = mine["birth_defect_rate"]
    assert (defects["numerator"], defects["denominator"]) == (1, 105)  # stillbirths included
    # What no register gives is missing, and says so.
    assert mine["tech_staff_share"]["status"] == "no_data"
    assert mine["tech_staff_share"]["reason"] == "field_missing"


def test_sex_codes_in_every_documented_spelling(build, cli):
    header = ["乡镇", "出生日期", "性别"]
    codes = ["男", "女", "1", "2", "M", "F", "m", "f", "男 ", "２"]
    rows = [["张秋镇", "2024-01-02", c] for c in codes]
    data = cli("check", build.csv("b.csv", [header, *rows]), "-f", "json").json()
    sex = results_of(data, "张秋镇")["sex_ratio_at_birth"]
    assert (sex["numerator"], sex["denominator"]) == (5, 5)
    assert data["problems"] == []


def test_births_register_in_gb18030_with_title_row(build, cli):
    rows = births("定水镇", 21, 20)
    path = build.csv("出生.csv", [["2024年出生登记"], BIRTH_HEADER, *rows], encoding="gb18030")
    data = cli("check", path, "-f", "json").json()
    sex = results_of(data, "定水镇")["sex_ratio_at_birth"]
    assert (sex["numerator"], sex["denominator"]) == (21, 20)


def test_births_register_in_xlsx_with_real_dates_and_serials(build, cli):
    import datetime as dt

    header = ["乡镇", "出生日期", "性别", "是否符合政策"]
    rows = [
        ["阿城镇", dt.date(2024, 3, 1), "男", "是"],
        ["阿城镇", dt.datetime(2023, 3, 1, 10, 5), "女", "是"],
        ["阿城镇", "2024年5月6日", "女", "否"],
        ["阿城镇", 45000, "男", "是"],  # Excel serial: 2023-03-15
    ]
    path = build.xlsx("births.xlsx", {"出生登记": [["出生登记表"], header, *rows]})
    data = cli("check", path, "--period", "year", "-f", "json").json()
    y2023 = results_of(data, "阿城镇", "2023")
    y2024 = results_of(data, "阿城镇", "2024")
    sex, policy = y2023["sex_ratio_at_birth"], y2024["policy_birth_rate"]
    assert (sex["numerator"], sex["denominator"]) == (1, 1)
    assert (policy["numerator"], policy["denominator"]) == (1, 2)
    assert data["problems"] == []


# ------------------------------------------------------------------ migrants and staff


def test_migrant_register_rates_and_yes_no_spellings(build, cli):
    rows = migrants("七级镇", 100, archived=90, certified=89, contacted=100)
    # Other spellings of yes/no on extra rows: 有/无, Y/N, 1/0, √/×
    extra = [
        ["七级镇", "A1", "有", "√", "Y"],
        ["七级镇", "A2", "无", "×", "N"],
        ["七级镇", "A3", "1", "0", "1"],
    ]
    path = build.csv("流入.csv", [MIGRANT_HEADER, *rows, *extra], encoding="gb18030")
    data = cli("check", path, "-f", "json").json()
    mine = results_of(data, "七级镇")
    archive = mine["migrant_archive_rate"]
    assert (archive["numerator"], archive["denominator"]) == (92, 103)
    certified = mine["migrant_certificate_rate"]
    assert (certified["numerator"], certified["denominator"]) == (90, 103)
    contacted = mine["migrant_contact_rate"]
    assert (contacted["numerator"], contacted["denominator"]) == (102, 103)
    assert data["problems"] == []


def test_staff_register_counts_only_staff_on_establishment(build, cli):
    # 7 of 10 on establishment are technical: exactly 70% passes "≥ 70%";
    # the 5 technical staff off establishment count in neither side.
    rows = staff("寿张镇", established=10, technical=7, outside=5)
    rows += staff("西湖镇", established=10, technical=6)
    path = build.xlsx("staff.xlsx", {"人员": [STAFF_HEADER, *rows]})
    data = cli("check", path, "-f", "json").json()
    share = results_of(data, "寿张镇")["tech_staff_share"]
    assert (share["numerator"], share["denominator"], share["status"]) == (7, 10, "pass")
    assert results_of(data, "西湖镇")["tech_staff_share"]["status"] == "fail"


def test_kind_forces_the_register_and_a_mismatch_is_a_clear_error(build, cli):
    rows = staff("寿张镇", established=4, technical=3)
    path = build.csv("staff.csv", [STAFF_HEADER, *rows])
    data = cli("check", path, "--kind", "staff", "-f", "json").json()
    share = results_of(data, "寿张镇")["tech_staff_share"]
    assert (share["numerator"], share["denominator"]) == (3, 4)
    result = cli("check", path, "--kind", "births")
    assert_clean_error(result)
    assert "出生日期" in result.stderr and "性别" in result.stderr  # what a births register needs


# ------------------------------------------------------------------ combining inputs


def test_register_and_report_form_join_on_the_township(build, cli):
    """Births from the register, population and deaths from the township form: the birth rate
    and natural growth use both."""
    register = build.csv("births.csv", [BIRTH_HEADER, *births("阿城镇", 105, 100)])
    form = build.xlsx(
        "population.xlsx",
        [["乡镇(街道)", "年平均人口", "死亡人数"], ["阿城镇", 20000, 120]],
    )
    data = cli("check", register, form, "-f", "json").json()
    mine = results_of(data, "阿城镇")
    birth_rate = mine["crude_birth_rate"]
    assert (birth_rate["numerator"], birth_rate["denominator"]) == (205, 20000)
    growth = mine["natural_growth_rate"]
    assert (growth["numerator"], growth["denominator"]) == (85, 20000)
    assert [u["unit"] for u in data["units"]] == ["阿城镇"]


# ------------------------------------------------------------------ periods


def _two_years(build: Build) -> Path:
    rows = births("阿城镇", 100, 95, defects=1, date="2023-06-01")  # 1 in 195: 5.13‰
    rows += births("阿城镇", 100, 95, defects=2, date="2024-06-01")  # 2 in 195: 10.26‰
    rows += births("张秋镇", 100, 95, defects=1, date="2023-02-01")
    rows += births("张秋镇", 100, 95, defects=1, date="2024-02-01")
    return build.csv("births.csv", [BIRTH_HEADER, *rows])


def test_period_year_gives_a_result_per_year_and_a_window_naming_the_failed_year(build, cli):
    data = cli("check", _two_years(build), "--period", "year", "-f", "json").json()
    assert results_of(data, "阿城镇", "2023")["birth_defect_rate"]["status"] == "pass"
    assert results_of(data, "阿城镇", "2024")["birth_defect_rate"]["status"] == "fail"
    windows = {(w["unit"], w["indicator"]): w for w in data["windows"]}
    acheng = windows[("阿城镇", "birth_defect_rate")]
    assert acheng["status"] == "fail"
    assert acheng["periods"] == ["2023", "2024"] and acheng["failed_periods"] == ["2024"]
    assert acheng["periods_required"] == 2 and acheng["notes"] == []
    assert windows[("张秋镇", "birth_defect_rate")]["status"] == "pass"


def test_period_window_uses_only_the_last_n_periods(build, cli):
    rows = births("阿城镇", 100, 95, defects=5, date="2022-06-01")  # fails, but too old
    rows += births("阿城镇", 100, 95, defects=1, date="2023-06-01")
    rows += births("阿城镇", 100, 95, defects=1, date="2024-06-01")
    path = build.csv("births.csv", [BIRTH_HEADER, *rows])
    data = cli("check", path, "--period", "year", "-f", "json").json()
    window = next(w for w in data["windows"] if w["indicator"] == "birth_defect_rate")
    assert window["periods"] == ["2023", "2024"]
    assert window["status"] == "pass" and window["failed_periods"] == []


def test_a_single_period_is_checked_and_noted_not_no_data(build, cli):
    rows = births("阿城镇", 100, 95, defects=2, date="2024-06-01")
    path = build.csv("births.csv", [BIRTH_HEADER, *rows])
    data = cli("check", path, "--period", "year", "-f", "json").json()
    defect = results_of(data, "阿城镇", "2024")["birth_defect_rate"]
    assert defect["status"] == "fail"
    assert "fewer_periods" in defect["notes"]
    window = next(w for w in data["windows"] if w["indicator"] == "birth_defect_rate")
    assert window["notes"] == ["fewer_periods"] and window["status"] == "fail"
    # Indicators whose rule needs one period carry no such note.
    assert "fewer_periods" not in results_of(data, "阿城镇", "2024")["sex_ratio_at_birth"]["notes"]


def test_window_takes_the_last_periods_in_natural_order(build, cli):
    """2月 comes before 10月 (as text it would not); a unit without a value in one of the
    last two periods is checked on the one it has, and noted."""
    grid = [["乡镇(街道)", "月份", "围产儿数", "出生缺陷数"]]
    grid += [["阿城镇", "1月", 200, 5], ["阿城镇", "2月", 200, 1], ["阿城镇", "10月", 200, 1]]
    grid += [["张秋镇", "1月", 200, 1], ["张秋镇", "2月", 200, 5]]
    data = cli("check", build.xlsx("monthly.xlsx", grid), "-f", "json").json()
    windows = {w["unit"]: w for w in data["windows"] if w["indicator"] == "birth_defect_rate"}
    assert windows["阿城镇"]["periods"] == ["2月", "10月"]
    assert windows["阿城镇"]["status"] == "pass"  # January's 25‰ is outside the window
    assert windows["张秋镇"]["periods"] == ["2月"] and windows["张秋镇"]["notes"] == [
        "fewer_periods"
    ]
    assert windows["张秋镇"]["failed_periods"] == ["2月"]


def test_period_month_groups_by_month(build, cli):
    rows = births("阿城镇", 3, 2, date="2024-01-15") + births("阿城镇", 1, 4, date="2024-02-03")
    path = build.csv("births.csv", [BIRTH_HEADER, *rows])
    data = cli("check", path, "--period", "month", "-f", "json").json()
    jan = results_of(data, "阿城镇", "2024-01")["sex_ratio_at_birth"]
    feb = results_of(data, "阿城镇", "2024-02")["sex_ratio_at_birth"]
    assert (jan["numerator"], jan["denominator"]) == (3, 2)
    assert (feb["numerator"], feb["denominator"]) == (1, 4)


def test_undated_registers_join_the_latest_period_without_false_coverage_warnings(build, cli):
    """A migrant register has no dates: it describes the present, so it joins the latest
    period of the births; the earlier year is not reported as missing from it."""
    birth_rows = births("阿城镇", 50, 48, date="2023-03-01") + births(
        "阿城镇", 51, 49, date="2024-03-01"
    )
    b = build.csv("births.csv", [BIRTH_HEADER, *birth_rows])
    m = build.csv("migrants.csv", [MIGRANT_HEADER, *migrants("阿城镇", 50, archived=48)])
    data = cli("check", b, m, "--period", "year", "-f", "json").json()
    latest = results_of(data, "阿城镇", "2024")["migrant_archive_rate"]
    assert (latest["numerator"], latest["denominator"]) == (48, 50)
    assert results_of(data, "阿城镇", "2023")["migrant_archive_rate"]["status"] == "no_data"
    assert not [p for p in data["problems"] if p["code"] == "unit_missing_from_input"]


# ------------------------------------------------------------------ levels


def _villages(build: Build) -> Path:
    # 阿城镇: 东村 60/40 (150), 西村 45/55 (81.8); 张秋镇: 北村 10/10.
    rows = births("阿城镇", 60, 40, village="东村") + births("阿城镇", 45, 55, village="西村")
    rows += births("张秋镇", 10, 10, village="北村")
    return build.csv("births.csv", [BIRTH_HEADER, *rows])


def test_by_village_reports_each_village(build, cli):
    data = cli("check", _villages(build), "--by", "village", "-f", "json").json()
    units = [u["unit"] for u in data["units"]]
    assert units == ["阿城镇/东村", "阿城镇/西村", "张秋镇/北村"]
    east = results_of(data, "阿城镇/东村")["sex_ratio_at_birth"]
    assert (east["numerator"], east["denominator"]) == (60, 40)


def test_villages_roll_up_to_townships_by_summing_counts(build, cli):
    data = cli("check", _villages(build), "-f", "json").json()
    acheng = results_of(data, "阿城镇")["sex_ratio_at_birth"]
    assert (acheng["numerator"], acheng["denominator"]) == (105, 95)
    assert acheng["value"] == pytest.approx(10500 / 95)  # not the mean of 150 and 81.8


def test_by_county_sums_counts_never_averages_rates(build, cli):
    data = cli("check", _villages(build), "--by", "county", "-f", "json").json()
    assert [u["unit"] for u in data["units"]] == ["全县"]
    county = results_of(data, "全县")["sex_ratio_at_birth"]
    assert (county["numerator"], county["denominator"]) == (115, 105)
    english = cli("check", _villages(build), "--by", "county", "-f", "json", "--lang", "en")
    assert [u["unit"] for u in english.json()["units"]] == ["county"]


def test_by_county_uses_a_county_column_when_given(build, cli):
    header = ["县", "乡镇", "出生日期", "性别"]
    rows = [["阳谷县", "阿城镇", "2024-01-01", "男"]] * 3
    rows.append(["阳谷县", "张秋镇", "2024-01-01", "女"])
    rows += [["莘县", "古城镇", "2024-01-01", "男"], ["莘县", "古城镇", "2024-01-01", "女"]]
    data = cli("check", build.csv("b.csv", [header, *rows]), "--by", "county", "-f", "json").json()
    assert [u["unit"] for u in data["units"]] == ["阳谷县", "莘县"]
    yanggu = results_of(data, "阳谷县")["sex_ratio_at_birth"]
    assert (yanggu["numerator"], yanggu["denominator"]) == (3, 1)


def test_report_form_village_rows_roll_up_to_townships(build, cli):
    grid = [
        ["乡镇(街道)", "村(居)", "出生男婴数", "出生女婴数"],
        ["阿城镇", "东村", 60, 40],
        ["阿城镇", "西村", 45, 55],
    ]
    data = cli("check", build.xlsx("villages.xlsx", grid), "-f", "json").json()
    acheng = results_of(data, "阿城镇")["sex_ratio_at_birth"]
    assert (acheng["numerator"], acheng["denominator"]) == (105, 95)
    assert not [p for p in data["problems"] if p["code"] == "duplicate_unit"]
    by_village = cli("check", build.root / "villages.xlsx", "--by", "village", "-f", "json")
    assert [u["unit"] for u in by_village.json()["units"]] == ["阿城镇/东村", "阿城镇/西村"]


# ------------------------------------------------------------------ drill-down


def test_explain_a_unit_lists_the_counts_behind_each_indicator(build, cli):
    rows = births("阿城镇", 53, 50, outside_policy=4) + births("张秋镇", 21, 20)
    path = build.csv("births.csv", [BIRTH_HEADER, *rows])
    result = cli("check", path, "--explain", "阿城镇")
    assert result.exit_code == 0
    assert "births_male = 53" in result.stderr and "births_female = 50" in result.stderr
    assert "births_policy = 99" in result.stderr
    assert "“性别”" in result.stderr  # the column the count came from
    missing = cli("check", path, "--explain", "没有这个镇")
    assert_clean_error(missing)
    assert "阿城镇" in missing.stderr  # lists the units there are


def test_records_writes_the_rows_behind_a_failing_check(build, cli):
    rows = migrants("七级镇", 10, archived=8) + migrants("定水镇", 10, archived=10, first_id=100)
    path = build.csv("migrants.csv", [MIGRANT_HEADER, *rows])
    out = build.root / "behind.csv"
    result = cli("check", path, "--records", out, "-f", "json")
    assert result.exit_code == 1
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # opens in Excel / WPS
    table = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    archive = [r for r in table if r["indicator"] == "migrant_archive_rate"]
    # the two women without a file, on rows 10 and 11 (header on row 1)
    assert [(r["unit"], r["row"], r["是否建档"]) for r in archive] == [
        ("七级镇", "10", "否"),
        ("七级镇", "11", "否"),
    ]
    assert {r["indicator"] for r in table} == {"migrant_archive_rate"}


def test_records_for_a_high_defect_rate_lists_the_defect_births(build, cli):
    rows = births("阿城镇", 100, 95, defects=3)  # 15.4‰
    path = build.csv("births.csv", [BIRTH_HEADER, *rows])
    out = build.root / "behind.csv"
    cli("check", path, "--records", out)
    table = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    defects = [r for r in table if r["indicator"] == "birth_defect_rate"]
    assert [r["row"] for r in defects] == ["2", "3", "4"]
    assert {r["是否出生缺陷"] for r in defects} == {"是"}


def test_records_refuses_to_overwrite_an_input(build, cli):
    path = build.csv("births.csv", [BIRTH_HEADER, *births("阿城镇", 100, 95, defects=3)])
    before = path.read_bytes()
    result = cli("check", path, "--records", path)
    assert_clean_error(result)
    assert path.read_bytes() == before


# ------------------------------------------------------------------ bad records


def test_bad_records_are_counted_located_and_do_not_stop_the_run(build, cli):
    rows = births("阿城镇", 10, 10)
    rows += [
        ["阿城镇", "东村", "2024-05-01", "X", "是", "否", "活产"],  # row 22: unknown sex
        ["阿城镇", "东村", "2024-13-40", "男", "是", "否", "活产"],  # row 23: not a date
        ["阿城镇", "东村", "2024-05-01", "男", "也许", "否", "活产"],  # row 24: unknown yes/no
        ["", "东村", "2024-05-01", "男", "是", "否", "活产"],  # row 25: no township
    ]
    path = build.csv("births.csv", [BIRTH_HEADER, *rows])
    result = cli("check", path, "--period", "year", "-f", "json")
    data = result.json()
    problems = problem_set(data)
    assert ("unknown_sex", "error", 22, "性别") in problems
    assert ("bad_date", "error", 23, "出生日期") in problems
    assert ("unknown_code", "error", 24, "是否符合政策") in problems
    assert ("missing_unit", "error", 25, "乡镇") in problems
    assert all(p["file"] == str(path) for p in data["problems"])
    sex = results_of(data, "阿城镇", "2024")["sex_ratio_at_birth"]
    assert (sex["numerator"], sex["denominator"]) == (10, 10)  # the bad records not counted
    assert "records_excluded" in sex["notes"]
    assert [u["unit"] for u in data["units"]] == ["阿城镇"]  # no phantom unit or period


def test_dates_in_every_spelling_and_spaces_count_in_their_period(build, cli):
    """ISO dates take a fast path; every other spelling is read like before; both land in
    the same period, and spaces around a value change nothing."""
    spellings = [
        "2024-05-01", " 2024-05-02 ", "2024-5-3", "2024/05/04", "2024.5.5", "20240506",
        "2024年5月7日", "2024-05-08 10:30", "２０２４-05-09", "2023-12-31",
    ]  # fmt: skip
    rows = [["阿城镇", "东村", d, "男" if n % 2 else " 女 ", "是", "否", "活产"]
            for n, d in enumerate(spellings)]  # fmt: skip
    rows.append(["  阿城镇 ", "东村", "+2024-05-01", "男", "是", "否", "活产"])  # not a date
    data = cli("check", build.csv("b.csv", [BIRTH_HEADER, *rows]), "--period", "month", "-f",
               "json").json()  # fmt: skip
    may = results_of(data, "阿城镇", "2024-05")["sex_ratio_at_birth"]
    december = results_of(data, "阿城镇", "2023-12")["sex_ratio_at_birth"]
    assert (may["numerator"], may["denominator"]) == (4, 5)  # 9 May births, boys at odd n
    assert (december["numerator"], december["denominator"]) == (1, 0)
    assert ("bad_date", "error", 12, "出生日期") in problem_set(data)


@pytest.mark.parametrize("times", [1, 2, 3, 7])
def test_a_bad_value_is_located_on_every_row_however_often_it_repeats(build, cli, times):
    """A bad value seen once or twice is located from the grouping itself; seen more often,
    by a second scan. Both give every row."""
    good = births("阿城镇", 3, 3)
    bad = [["阿城镇", "东村", "2024-05-01", "X", "是", "否", "活产"]]
    rows = []
    for _ in range(times):
        rows += bad + good
    data = cli("check", build.csv("b.csv", [BIRTH_HEADER, *rows]), "-f", "json").json()
    located = sorted(p["row"] for p in data["problems"] if p["code"] == "unknown_sex")
    assert located == [2 + n * 7 for n in range(times)]


def test_blank_rows_are_not_records_when_bad_rows_are_fetched(build, cli):
    """Rows without a township, seen three times (a second scan locates them), among
    blank lines: only the real rows are problems."""
    rows = births("阿城镇", 5, 5)
    for _ in range(3):
        rows += [["", "东村", "2024-05-01", "男", "是", "否", "活产"], [""] * 7]
    data = cli("check", build.csv("b.csv", [BIRTH_HEADER, *rows]), "-f", "json").json()
    located = sorted(p["row"] for p in data["problems"] if p["code"] == "missing_unit")
    assert located == [12, 14, 16]


def test_bad_date_without_period_is_a_warning_and_the_birth_counts(build, cli):
    rows = [*births("阿城镇", 10, 10), ["阿城镇", "东村", "不详", "男", "是", "否", "活产"]]
    data = cli("check", build.csv("b.csv", [BIRTH_HEADER, *rows]), "-f", "json").json()
    assert ("bad_date", "warning", 22, "出生日期") in problem_set(data)
    sex = results_of(data, "阿城镇")["sex_ratio_at_birth"]
    assert (sex["numerator"], sex["denominator"]) == (11, 10)


def test_township_not_in_the_units_list(build, cli):
    rows = births("阿城镇", 10, 10) + births("阿成镇", 1, 0)  # a typo of the name
    path = build.csv("births.csv", [BIRTH_HEADER, *rows])
    names = build.text("乡镇名单.txt", "乡镇\n阿城镇\n张秋镇\n")
    for units in (names, "阿城镇,张秋镇"):
        data = cli("check", path, "--units", units, "-f", "json").json()
        assert ("unknown_unit", "error", 22, "乡镇") in problem_set(data)
        assert [u["unit"] for u in data["units"]] == ["阿城镇"]


def test_the_same_id_twice_is_located_and_counted_once(build, cli):
    rows = migrants("七级镇", 10, archived=10)
    rows.append(rows[3])  # row 12 repeats row 5
    path = build.csv("migrants.csv", [MIGRANT_HEADER, *rows])
    data = cli("check", path, "-f", "json").json()
    duplicates = [p for p in data["problems"] if p["code"] == "duplicate_id"]
    assert [(p["row"], p["column"]) for p in duplicates] == [(12, "身份证号")]
    assert "5" in duplicates[0]["message"]
    archive = results_of(data, "七级镇")["migrant_archive_rate"]
    assert (archive["numerator"], archive["denominator"]) == (10, 10)


def test_repeated_ids_ignore_case_and_spaces_and_every_later_copy_is_located(build, cli):
    """Ids are compared trimmed and upper-cased; a third copy is a repeat too; ids that only
    look alike (one character apart) are not."""
    rows = [
        ["七级镇", "37030119900101123x", "是", "是", "是"],  # row 2
        ["七级镇", "370301199001011234", "是", "是", "是"],  # row 3: a different id
        ["七级镇", " 37030119900101123X ", "是", "是", "是"],  # row 4: row 2 again
        ["七级镇", "37030119900101123X", "否", "是", "是"],  # row 5: row 2 again
        ["七级镇", "370301199001011235", "否", "是", "是"],  # row 6
    ]
    data = cli("check", build.csv("m.csv", [MIGRANT_HEADER, *rows]), "-f", "json").json()
    repeats = [(p["row"], p["message"]) for p in data["problems"] if p["code"] == "duplicate_id"]
    assert [row for row, _ in repeats] == [4, 5]
    assert all("首次出现在第 2 行" in message for _, message in repeats)
    archive = results_of(data, "七级镇")["migrant_archive_rate"]
    assert (archive["numerator"], archive["denominator"]) == (2, 3)


def test_many_bad_records_are_listed_up_to_a_limit_with_a_total(build, cli):
    from fpmetrics.aggregate.registers.aggregate import LISTED_PER_PROBLEM

    bad = [["阿城镇", "东村", "2024-05-01", "?", "是", "否", "活产"]] * (LISTED_PER_PROBLEM + 5)
    rows = births("阿城镇", 10, 10) + bad
    data = cli("check", build.csv("b.csv", [BIRTH_HEADER, *rows]), "-f", "json").json()
    sex_problems = [p for p in data["problems"] if p["code"] == "unknown_sex"]
    located = [p for p in sex_problems if p["row"] is not None]
    assert len(located) == LISTED_PER_PROBLEM
    summary = [p for p in sex_problems if p["row"] is None]
    assert len(summary) == 1 and str(LISTED_PER_PROBLEM + 5) in summary[0]["message"]


# ------------------------------------------------------------------ outputs


def test_register_runs_through_table_csv_and_score(build, cli):
    rows = births("阿城镇", 53, 50) + births("张秋镇", 80, 50)
    path = build.csv("births.csv", [BIRTH_HEADER, *rows])
    table = cli("check", path)
    assert table.exit_code == 1 and "阿城镇" in table.stdout and "106.00" in table.stdout
    csv_out = cli("check", path, "-f", "csv")
    lines = list(csv.DictReader(io.StringIO(csv_out.stdout)))
    assert {r["unit"] for r in lines} == {"阿城镇", "张秋镇"}
    assert "notes" in lines[0]
    score = cli("score", path, "-f", "json")
    assert {s["unit"] for s in score.json()["scores"]} == {"阿城镇", "张秋镇"}


@pytest.mark.slow
def test_register_cli_as_a_subprocess(build, run_fpmetrics):
    path = build.csv("births.csv", [BIRTH_HEADER, *births("阿城镇", 53, 50)])
    done = run_fpmetrics("check", path, "--period", "year", "--lang", "en")
    assert done.returncode == 0, done.stderr.decode()
    assert b"Traceback" not in done.stderr
    assert "阿城镇" in done.stdout.decode()


def test_village_codes_roll_up_without_a_village_column(build, cli):
    """12-digit codes name the village, its township (9 digits) and its county (6)."""
    grid = [
        ["乡镇(街道)", "统计用区划代码", "出生男婴数", "出生女婴数"],
        ["阿城镇", "371521101201", 60, 40],
        ["阿城镇", "371521101202", 45, 55],
        ["张秋镇", "371521102001", 21, 20],
        ["古城镇", "371522100001", 10, 10],  # another county
    ]
    path = build.xlsx("villages.xlsx", grid)
    data = cli("check", path, "-f", "json").json()
    assert not [p for p in data["problems"] if p["code"] == "duplicate_unit"]
    towns = {u["unit"]: u["code"] for u in data["units"]}
    assert towns == {"阿城镇": "371521101000", "张秋镇": "371521102000", "古城镇": "371522100000"}
    acheng = results_of(data, "阿城镇")["sex_ratio_at_birth"]
    assert (acheng["numerator"], acheng["denominator"]) == (105, 95)
    villages = cli("check", path, "--by", "village", "-f", "json").json()
    assert [u["unit"] for u in villages["units"]][:2] == [
        "阿城镇/371521101201",
        "阿城镇/371521101202",
    ]
    counties = cli("check", path, "--by", "county", "-f", "json").json()
    assert {u["unit"]: u["code"] for u in counties["units"]} == {
        "371521000000": "371521000000",
        "371522000000": "371522000000",
    }
    yanggu = results_of(counties, "371521000000")["sex_ratio_at_birth"]
    assert (yanggu["numerator"], yanggu["denominator"]) == (126, 115)


@pytest.mark.slow
def test_console_exit_delivers_all_output_and_removes_the_utf8_copy(build, tmp_path):
    """The console script skips the interpreter's teardown (``fpmetrics.cli.run``): stdout
    through a pipe is still complete, the exit code is kept, and the temporary UTF-8 copy of
    a GB18030 register is still removed."""
    import json

    from conftest import run_process

    rows = [r for n in range(300) for r in births(f"镇{n:03d}", 30 + n % 9, 28)]
    path = build.csv("出生.csv", [BIRTH_HEADER, *rows], encoding="gb18030")
    temp = tmp_path / "temp"
    temp.mkdir()
    # stdout buffered, as a pipe normally is
    env: dict[str, str | None] = {"TMPDIR": str(temp), "PYTHONUNBUFFERED": None}
    done = run_process("check", path, "-f", "json", env=env)
    assert done.returncode == 1, done.stderr.decode()  # some sex ratios fail
    data = json.loads(done.stdout)  # every byte arrived: the document parses
    assert len(data["results"]) == 300 * 10
    assert list(temp.iterdir()) == []

    missing = run_process("check", tmp_path / "nope.csv", env=env)
    assert missing.returncode == 2
    assert "nope.csv" in missing.stderr.decode()


@pytest.mark.slow
@pytest.mark.parametrize(("given", "expected"), [(None, str(4 << 20)), ("65536", "65536")])
def test_polars_reads_registers_in_small_chunks_unless_the_user_says_otherwise(
    given, expected, tmp_path
):
    """The chunk size halves the scan's memory (benchmarks/README); a user's setting stands.
    Importing fpmetrics leaves the environment alone: reading a register sets it."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "POLARS_CSV_CHUNK_SIZE"}
    if given is not None:
        env["POLARS_CSV_CHUNK_SIZE"] = given
    path = tmp_path / "births.csv"
    path.write_text("乡镇,出生日期,性别,是否符合政策\n甲镇,2024-01-02,男,是\n", encoding="utf-8")
    code = (
        "import os, sys; from pathlib import Path; from fpmetrics.aggregate.registers.source import"
        " csv_register; before = os.environ.get('POLARS_CSV_CHUNK_SIZE');"
        " csv_register(Path(sys.argv[1]), None).scan_raw().collect();"
        " print(before, os.environ['POLARS_CSV_CHUNK_SIZE'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(given), expected]
