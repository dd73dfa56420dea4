"""Issue 4, point 4: `fpmetrics template`, the fill-in workbook sent to townships."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from conftest import assert_clean_error, run_cli
from scoring_builders import HEADERS, INDICATORS, PASSING, print_scales, print_to_pdf, statuses

HEADER_ROW = 3
# Every count the default rule set needs; no separate births total (boys + girls are asked).
DEFAULT_FIELDS = [
    "births_male",
    "births_female",
    "births_policy",
    "births_reported",
    "births_verified",
    "perinatal_births",
    "birth_defects",
    "population",
    "deaths",
    "station_staff",
    "station_tech_staff",
    "migrant_women",
    "migrant_archived",
    "migrant_certified",
    "migrant_contacted",
]


def make_template(tmp_path, *args, name="form.xlsx"):
    out = tmp_path / name
    run = run_cli("template", out, *args)
    assert run.exit_code == 0, run
    assert out.is_file()
    return load_workbook(out), out


def headers(ws) -> list[str]:
    """The header cells as one line each (they wrap between words: 乡镇⏎(街道))."""
    return [c.value.replace("\n", "") for c in ws[HEADER_ROW] if c.value is not None]


def validations(ws):
    return list(ws.data_validations.dataValidation)


def test_default_template_headers(tmp_path):
    wb, _ = make_template(tmp_path)
    assert wb.sheetnames[0] == "填报表"
    ws = wb["填报表"]
    got = headers(ws)
    assert got[:2] == [HEADERS["township"], "统计期"]
    assert sorted(got[2:]) == sorted(HEADERS[f] for f in DEFAULT_FIELDS)
    assert len(got) == len(set(got)) == 2 + len(DEFAULT_FIELDS)
    assert HEADERS["births"] not in got
    assert ws["A1"].value and "计划生育优质服务先进县考核标准(省级)" in ws["A1"].value
    assert ws.print_title_rows.replace("$", "") == f"{HEADER_ROW}:{HEADER_ROW}"


def test_instructions_sheet(tmp_path):
    wb, _ = make_template(tmp_path)
    assert len(wb.sheetnames) == 2
    help_ws = wb[wb.sheetnames[1]]
    assert wb.sheetnames[1] == "填表说明"
    text = [c for row in help_ws.iter_rows(values_only=True) for c in row if c]
    assert any("整数" in str(c) for c in text)
    for field in DEFAULT_FIELDS:  # every asked-for column is explained
        assert HEADERS[field] in text
        assert field in text


def test_validation_protection_and_units(tmp_path):
    wb, _ = make_template(tmp_path, "--units", "甲镇,乙镇、丙镇", "--rows", "5")
    ws = wb["填报表"]
    ncols = 2 + len(DEFAULT_FIELDS)
    first, last = HEADER_ROW + 1, HEADER_ROW + 5
    assert [ws.cell(row=r, column=1).value for r in range(first, first + 4)] == [
        "甲镇",
        "乙镇",
        "丙镇",
        None,
    ]

    [dv] = [v for v in validations(ws) if v.type == "whole"]
    assert dv.operator == "greaterThanOrEqual"
    assert str(dv.formula1) == "0"
    assert dv.showErrorMessage
    for r in range(first, last + 1):
        for col in range(3, ncols + 1):
            assert f"{get_column_letter(col)}{r}" in dv.sqref, (r, col)
        assert f"B{r}" not in dv.sqref  # 统计期: a year or a month, not a count
    for col in range(1, ncols + 1):
        assert f"{get_column_letter(col)}{HEADER_ROW}" not in dv.sqref  # not the header
    assert f"A{first}" not in dv.sqref  # township names are text

    assert ws.protection.sheet is True
    for col in range(1, ncols + 1):
        assert ws.cell(row=HEADER_ROW, column=col).protection.locked is True
        for r in range(first, last + 1):
            assert ws.cell(row=r, column=col).protection.locked is False, (r, col)
    assert ws["A1"].protection.locked is True


def test_rows_grow_to_fit_the_units(tmp_path):
    wb, _ = make_template(tmp_path, "--units", "甲镇,乙镇,丙镇", "--rows", "1")
    ws = wb["填报表"]
    [dv] = validations(ws)
    for r in range(HEADER_ROW + 1, HEADER_ROW + 4):
        assert ws.cell(row=r, column=3).protection.locked is False
        assert f"C{r}" in dv.sqref
    assert ws.cell(row=HEADER_ROW + 3, column=1).value == "丙镇"


def test_fields_follow_the_rule_set(tmp_path):
    """Without the sex ratio, the total of births is asked for instead of boys and girls."""
    rules = tmp_path / "r.yaml"
    rules.write_text(
        "extends: default\nname: nosrb\nscoring: null\n"
        "indicators:\n  sex_ratio_at_birth: {enabled: false}\n"
        "  tech_staff_share: {enabled: false}\n",
        encoding="utf-8",
    )
    wb, _ = make_template(tmp_path, "--rules", rules)
    got = headers(wb["填报表"])
    assert HEADERS["births"] in got
    assert HEADERS["births_male"] not in got and HEADERS["births_female"] not in got
    assert HEADERS["station_staff"] not in got and HEADERS["station_tech_staff"] not in got
    assert HEADERS["births_policy"] in got and HEADERS["deaths"] in got

    only = tmp_path / "migrants.yaml"
    only.write_text(
        "extends: default\nname: migrants\nscoring: null\nindicators:\n"
        + "".join(
            f"  {key}: {{enabled: false}}\n"
            for key in INDICATORS
            if key not in ("migrant_archive_rate", "migrant_contact_rate")
        ),
        encoding="utf-8",
    )
    wb, _ = make_template(tmp_path, "--rules", only, name="m.xlsx")
    assert headers(wb["填报表"]) == [HEADERS["township"], "统计期"] + [
        HEADERS[f] for f in ("migrant_women", "migrant_archived", "migrant_contacted")
    ]


@pytest.mark.slow
def test_filled_template_goes_through_check(tmp_path):
    _, path = make_template(tmp_path, "--units", "甲镇,乙镇", "--rows", "6")
    wb = load_workbook(path)
    ws = wb["填报表"]
    columns = {c.value.replace("\n", ""): c.column for c in ws[HEADER_ROW] if c.value}
    values = {"甲镇": dict(PASSING), "乙镇": {**PASSING, "births_male": 110}}  # 110: fails
    for r, unit in ((HEADER_ROW + 1, "甲镇"), (HEADER_ROW + 2, "乙镇")):
        assert ws.cell(row=r, column=1).value == unit
        for field, value in values[unit].items():
            if HEADERS[field] in columns:
                ws.cell(row=r, column=columns[HEADERS[field]], value=value)
    wb.save(path)

    run = run_cli("check", path, "--format", "json")
    assert run.exit_code == 1, run
    data = run.json()
    st = statuses(data)
    assert {u for u, _ in st} == {"甲镇", "乙镇"}  # blank rows and the title are not units
    assert all(st[("甲镇", k)] == "pass" for k in INDICATORS), st
    assert [k for k in INDICATORS if st[("乙镇", k)] != "pass"] == ["sex_ratio_at_birth"]
    assert [p for p in data["problems"] if p["level"] == "error"] == []

    score = run_cli("score", path, "--format", "json").json()
    assert [(s["unit"], s["rank"]) for s in score["scores"]] == [("甲镇", 1), ("乙镇", 2)]


@pytest.mark.slow
def test_english_template_keeps_the_chinese_headers(tmp_path):
    wb, _ = make_template(tmp_path, "--lang", "en")
    assert wb.sheetnames == ["Form", "Instructions"]
    got = headers(wb["Form"])
    assert got[:2] == [HEADERS["township"], "统计期"]
    assert sorted(got[2:]) == sorted(HEADERS[f] for f in DEFAULT_FIELDS)


@pytest.mark.parametrize("name", ["form.xls", "form.csv", "form"])
def test_template_must_be_xlsx(tmp_path, name):
    out = tmp_path / name
    assert_clean_error(run_cli("template", out))
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------- instructions, printing, not overwriting (M7)


def _help_rows(ws) -> dict[str, list]:
    """Field name (column B) → the row of the instructions table."""
    return {
        row[1]: list(row)
        for row in ws.iter_rows(values_only=True)
        if row[1] in DEFAULT_FIELDS or row[1] == "births"
    }


def test_instructions_explain_each_field_in_chinese(tmp_path):
    wb, _ = make_template(tmp_path)
    ws = wb["填表说明"]
    rows = _help_rows(ws)
    assert set(rows) == set(DEFAULT_FIELDS)
    for field, (header, _name, meaning, used_by) in rows.items():
        assert header == HEADERS[field]
        assert meaning and not meaning.isascii(), (field, meaning)  # Chinese, not English
        assert used_by and not used_by.isascii(), field
    assert rows["perinatal_births"][2] == "围产儿数(孕满 28 周至出生后 7 天)"
    assert rows["migrant_archived"][2] == "流入已婚育龄妇女中已建档的人数"
    assert "、" in rows["population"][3]  # 人口出生率、人口自然增长率


def test_english_instructions_are_english(tmp_path):
    wb, _ = make_template(tmp_path, "--lang", "en")
    rows = _help_rows(wb["Instructions"])
    assert rows["births_male"][2] == "live births, boys"
    assert rows["population"][3] == "Crude birth rate, Natural growth rate"


def test_every_field_has_a_chinese_meaning():
    from fpmetrics.normalise.fields import FIELDS

    for spec in FIELDS.values():
        assert spec.meaning("zh") and not spec.meaning("zh").isascii(), spec.name
        assert spec.meaning("en") == spec.en


def test_instructions_sheet_prints_one_page_wide_with_wrapped_text(tmp_path):
    wb, _ = make_template(tmp_path)
    ws = wb["填表说明"]
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    widths = [ws.column_dimensions[c].width for c in "ABCD"]
    assert sum(widths) <= 140, widths
    # The intro sentences span the table's width and wrap inside it: nothing is cut.
    merged = {str(r) for r in ws.merged_cells.ranges}
    for row in (1, 2, 3):
        assert f"A{row}:D{row}" in merged
        assert ws.cell(row=row, column=1).alignment.wrap_text
    for row in ws.iter_rows(min_row=6):
        for cell in row:
            if cell.value:
                assert cell.alignment.wrap_text, cell.coordinate


def test_form_prints_one_page_wide_at_a_readable_size(tmp_path):
    wb, _ = make_template(tmp_path, "--units", "张秋镇,阿城镇")
    ws = wb["填报表"]
    widths = [d.width for d in ws.column_dimensions.values() if d.width]
    assert sum(widths) <= 160, widths
    assert all(c.alignment.wrap_text for c in ws[HEADER_ROW] if c.value)


@pytest.mark.slow
def test_form_prints_one_page_wide_through_libreoffice(tmp_path):
    _, path = make_template(tmp_path, "--units", "张秋镇,阿城镇")
    outdir = print_to_pdf(tmp_path, path)  # skips where LibreOffice is not installed
    pdf = outdir / "form.pdf"
    assert pdf.is_file()
    scales = print_scales(outdir, pdf)  # skips without pdftotext
    assert len(scales) == 2, scales  # the form on one page, the instructions on one
    assert min(scales) >= 0.7, [f"{s:.0%}" for s in scales]


def test_template_refuses_to_overwrite_an_existing_file(tmp_path):
    out = tmp_path / "已填报.xlsx"
    out.write_bytes(b"a filled-in workbook")
    run = run_cli("template", out)
    assert_clean_error(run)
    assert "已经存在" in run.stderr and "--force" in run.stderr
    assert out.read_bytes() == b"a filled-in workbook"
    en = run_cli("template", out, "--lang", "en")
    assert_clean_error(en)
    assert "already exists" in en.stderr


def test_template_force_overwrites(tmp_path):
    out = tmp_path / "form.xlsx"
    out.write_bytes(b"old")
    run = run_cli("template", out, "--force")
    assert run.exit_code == 0, run
    assert load_workbook(out).sheetnames == ["填报表", "填表说明"]


# ------------------------------------------- the template as a form (issue 15)


def _fill(path, values: dict[str, dict], period: str | None = None) -> None:
    """Write ``values`` (unit → field → count) into the template's unit rows, and the footer."""
    wb = load_workbook(path)
    ws = wb["填报表"]
    columns = {c.value.replace("\n", ""): c.column for c in ws[HEADER_ROW] if c.value}
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        unit = ws.cell(row=r, column=1).value
        if unit in values:
            if period is not None:
                ws.cell(row=r, column=columns["统计期"], value=period)
            for field, value in values[unit].items():
                if HEADERS[field] in columns:
                    ws.cell(row=r, column=columns[HEADERS[field]], value=value)
        elif isinstance(unit, str) and unit.startswith("填报单位"):
            ws.cell(row=r, column=2, value="阳谷县卫健局")  # the footer, filled in
    wb.save(path)


@pytest.mark.slow
def test_footer_and_period_column(tmp_path):
    wb, path = make_template(tmp_path, "--units", "甲镇,乙镇", "--rows", "4")
    ws = wb["填报表"]
    footer = [c.value for c in ws[HEADER_ROW + 4 + 2] if c.value]
    assert footer == ["填报单位(盖章):", "填表人:", "审核人:", "报出日期:"]
    assert all(
        c.protection.locked is False for c in ws[HEADER_ROW + 6] if c.value
    )  # the clerk can sign
    _fill(path, {"甲镇": dict(PASSING), "乙镇": dict(PASSING)}, period="2024")
    run = run_cli("check", path, "--format", "json")
    assert run.exit_code == 0, run
    data = run.json()
    assert {(r["unit"], r["period"]) for r in data["results"]} == {
        ("甲镇", "2024"),
        ("乙镇", "2024"),
    }
    assert data["problems"] == []  # the footer is no unit and no problem


def test_headers_wrap_between_whole_words(tmp_path):
    from rich.cells import cell_len

    wb, _ = make_template(tmp_path)
    ws = wb["填报表"]
    for cell in ws[HEADER_ROW]:
        if not cell.value:
            continue
        lines = cell.value.split("\n")
        assert len(lines) <= 3, cell.value
        width = ws.column_dimensions[cell.column_letter].width
        for line in lines:
            assert cell_len(line) <= width - 1, (cell.value, width)  # no wrap of its own
            assert not line.startswith((")", "）")), cell.value
            assert not line.endswith(("(", "（")), cell.value
            assert line.count("(") == line.count(")"), cell.value
    assert ws["A3"].value in ("乡镇(街道)", "乡镇\n(街道)")
    assert ws["L3"].value == "服务站\n在编\n人员数"
