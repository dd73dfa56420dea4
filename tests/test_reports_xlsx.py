"""Issue 4, point 2: the Excel report, opened again with openpyxl (and LibreOffice if present)."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_from_string

from conftest import run_cli
from scoring_builders import (
    COUNT_FIELDS,
    INDICATORS,
    SAMPLE_MESSY_XLSX,
    SAMPLE_XLSX,
    SHORT_ZH,
    VETO_GROUP,
    failing,
    print_scales,
    print_to_pdf,
    town,
    write_csv,
    write_csv_without_funnels,
)

TITLE_ZH = "计划生育优质服务先进县考核标准(省级)"
TITLE_EN = "Provincial standard, family-planning quality-service advanced county"
SHEETS_ZH = ["排名", "指标矩阵", "漏斗图", "明细", "数据问题"]
SHEETS_EN = ["Ranking", "Indicators", "Funnel plots", "Results", "Problems"]
FUNNEL_SHEETS = {"漏斗图", "Funnel plots"}  # charts, not a table: checked on their own
PERCENT = {
    "tech_staff_share",
    "migrant_archive_rate",
    "migrant_certificate_rate",
    "migrant_contact_rate",
    "policy_birth_rate",
    "birth_stat_error_rate",
}
PERMILLE = {"birth_defect_rate", "crude_birth_rate", "natural_growth_rate"}


def _report(tmp_path, command, *inputs, lang="zh", name="report.xlsx", with_json=True):
    out = tmp_path / name
    run = run_cli(command, *inputs, "--output", out, "--lang", lang)
    assert run.exit_code in (0, 1), run
    assert run.stdout == ""
    assert out.is_file()
    data = run_cli(command, *inputs, "--format", "json").json() if with_json else None
    return load_workbook(out), data, out


@pytest.fixture(scope="module")
def sample_score(tmp_path_factory):
    return _report(tmp_path_factory.mktemp("xlsx"), "score", SAMPLE_XLSX)


def header_row(ws) -> int:
    """The table's header: the first row below the title block with several labels."""
    for row in ws.iter_rows(min_row=2, max_row=12):
        if sum(c.value is not None for c in row) >= 3:
            return row[0].row
    raise AssertionError(f"no header row in {ws.title}")


def columns(ws, row: int) -> dict[str, int]:
    """Header label (first line) → column number."""
    return {str(c.value).split("\n")[0]: c.column for c in ws[row] if c.value is not None}


def is_red(cell) -> bool:
    return cell.fill.fill_type == "solid" and str(cell.fill.fgColor.rgb).upper().endswith("FFC7CE")


def without_mark(number_format: str, result: dict) -> str:
    """The number format less the evidence mark a failure carries after it (issue 16):
    "●" beyond chance, "○" could be chance."""
    mark = {"clear_fail": '"●"', "inconclusive": '"○"'}.get(result.get("evidence") or "", "")
    if result["status"] in ("fail", "warn") and mark:
        assert number_format.endswith(mark), (number_format, result["evidence"])
        return number_format[: -len(mark)]
    assert "●" not in number_format and "○" not in number_format, number_format
    return number_format


def shown(value: float, number_format: str) -> Decimal:
    """What Excel shows for ``value`` under ``number_format`` (0.00%, 0.00"‰", 0.000)."""
    digits = len(re.search(r"0\.?(0*)", number_format).group(1))
    scaled = value * 100 if number_format.endswith("%") else value
    return Decimal(repr(scaled)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def within(display: Decimal, result: dict) -> bool:
    """Would a reader take the displayed number for a pass?"""
    low, high = result["min"], result["max"]
    return (low is None or display >= Decimal(repr(low))) and (
        high is None or display <= Decimal(repr(high))
    )


# ---------------------------------------------------------------- sheets and page setup


@pytest.mark.slow
def test_score_workbook_sheets(sample_score, tmp_path):
    wb, _, _ = sample_score
    assert wb.sheetnames == SHEETS_ZH
    en, _, _ = _report(tmp_path, "score", SAMPLE_XLSX, lang="en", with_json=False)
    assert en.sheetnames == SHEETS_EN
    assert TITLE_EN in en["Ranking"]["A1"].value


@pytest.mark.slow
def test_english_workbook_names_groups_in_english(tmp_path):
    """rules/default.yaml gives the groups an English name (name_en): --lang en uses it."""
    wb, _, _ = _report(tmp_path, "score", SAMPLE_XLSX, lang="en", with_json=False)
    ws = wb["Ranking"]
    h = header_row(ws)
    cols = columns(ws, h)
    reasons = {
        ws.cell(row=r, column=cols["Township"]).value: ws.cell(
            row=r, column=cols["Vetoed by"]
        ).value
        for r in range(h + 1, ws.max_row + 1)
    }
    assert reasons["狮子楼街道"] == "Three controls, one standard: Birth rate"
    assert reasons["定水镇"] == "Three controls, one standard: Stat. error"
    blocked = {
        ws.cell(row=r, column=cols["Township"]).value: ws.cell(
            row=r, column=cols["Award blocked by"]
        ).value
        for r in range(h + 1, ws.max_row + 1)
    }
    assert blocked["七级镇"] == "Quality service: Tech staff"


@pytest.mark.slow
def test_check_workbook_has_no_ranking_sheet(tmp_path):
    wb, _, _ = _report(tmp_path, "check", SAMPLE_XLSX, with_json=False)
    assert wb.sheetnames == SHEETS_ZH[1:]
    en, _, _ = _report(tmp_path, "check", SAMPLE_XLSX, lang="en", name="en.xlsx", with_json=False)
    assert en.sheetnames == SHEETS_EN[1:]


@pytest.mark.slow
def test_every_sheet_is_ready_to_print(sample_score):
    wb, _, _ = sample_score
    today = dt.date.today().isoformat()
    for ws in wb.worksheets:
        if ws.title in FUNNEL_SHEETS:
            continue
        h = header_row(ws)
        assert h >= 3, ws.title  # a title block above the table
        assert ws.freeze_panes is not None, ws.title
        assert coordinate_from_string(ws.freeze_panes)[1] == h + 1, (ws.title, ws.freeze_panes)
        assert ws.print_title_rows is not None, ws.title
        assert ws.print_title_rows.replace("$", "") == f"{h}:{h}", ws.title
        assert ws.page_setup.orientation == "landscape", ws.title
        assert int(ws.page_setup.paperSize) == 9, ws.title  # A4
        assert TITLE_ZH in ws["A1"].value, ws.title
        meta = " ".join(str(ws.cell(row=r, column=1).value) for r in range(2, h))
        assert "county_2024.xlsx" in meta, ws.title
        assert today in meta, ws.title


@pytest.mark.slow
def test_column_widths_fit_township_names(sample_score):
    wb, data, _ = sample_score
    longest = max(len(s["unit"]) for s in data["scores"])  # CJK: two cells per character
    for title in ("排名", "指标矩阵", "明细"):
        ws = wb[title]
        col = columns(ws, header_row(ws))["乡镇"]
        letter = ws.cell(row=1, column=col).column_letter
        assert ws.column_dimensions[letter].width >= 2 * longest, title


# ---------------------------------------------------------------- the matrix


def test_matrix_values_formats_and_fills(sample_score):
    wb, data, _ = sample_score
    ws = wb["指标矩阵"]
    h = header_row(ws)
    cols = columns(ws, h)
    for short in SHORT_ZH:
        assert short in cols
    col_of = dict(zip(INDICATORS, (cols[s] for s in SHORT_ZH), strict=True))
    rows = {ws.cell(row=r, column=cols["乡镇"]).value: r for r in range(h + 1, ws.max_row + 1)}
    assert len(rows) == 18
    fails = 0
    for r in data["results"]:
        cell = ws.cell(row=rows[r["unit"]], column=col_of[r["indicator"]])
        if r["status"] in ("pass", "fail"):
            # every value on its own scale, as in the JSON: 89.9 for 89.9%, 2.74 for 2.74‰
            assert cell.value == pytest.approx(r["value"]), (r["unit"], r["indicator"])
            number_format = without_mark(cell.number_format, r)
            if r["indicator"] in PERCENT:
                assert number_format.endswith('"%"'), number_format
            elif r["indicator"] in PERMILLE:
                assert "‰" in number_format, number_format
            else:
                assert "%" not in number_format and "‰" not in number_format
            assert is_red(cell) == (r["status"] == "fail"), (r["unit"], r["indicator"])
            fails += r["status"] == "fail"
        else:
            assert r["status"] == "no_data"
            assert cell.value == "—"
            assert not is_red(cell)
    assert fails == 11


def test_matrix_marks_vetoed_units(sample_score):
    wb, data, _ = sample_score
    ws = wb["指标矩阵"]
    h = header_row(ws)
    cols = columns(ws, h)
    veto_col = cols["一票否决"]
    vetoed = {s["unit"] for s in data["scores"] if s["vetoed"]}
    assert vetoed == {"狮子楼街道", "定水镇", "寿张镇"}
    for r in range(h + 1, ws.max_row + 1):
        unit = ws.cell(row=r, column=1).value
        mark = ws.cell(row=r, column=veto_col).value
        if unit in vetoed:
            assert mark and VETO_GROUP in mark, unit
            assert is_red(ws.cell(row=r, column=1)), unit
        else:
            assert mark is None, unit
            assert not is_red(ws.cell(row=r, column=1)), unit


def test_ranking_sheet_rows(sample_score):
    wb, data, _ = sample_score
    ws = wb["排名"]
    h = header_row(ws)
    cols = columns(ws, h)
    for label in ("名次", "倒数名次", "乡镇", "得分", "否决原因", "可评奖"):
        assert label in cols, label
    # point columns say they hold points, and out of how many: 性别比 / 满分20
    full = [c.value for c in ws[h]]
    assert "性别比\n满分20" in full and "技术人员占比\n满分10" in full
    assert [x.split("\n")[0] for x in full if "\n满分" in x] == SHORT_ZH
    assert ws.max_row - h == len(data["scores"])
    for i, s in enumerate(data["scores"], start=h + 1):

        def at(label, row=i):
            return ws.cell(row=row, column=cols[label])

        assert at("乡镇").value == s["unit"]
        assert at("名次").value == s["rank"]
        assert at("倒数名次").value == s["rank_from_bottom"]
        assert at("得分").value == pytest.approx(s["total"])
        assert at("得分").number_format == "0.00"
        assert at("可评奖").value == ("是" if s["award_eligible"] else "否")
        assert at("性别比").value == pytest.approx(s["points"]["sex_ratio_at_birth"])
        if s["vetoed"]:
            assert VETO_GROUP in at("否决原因").value
            assert is_red(at("乡镇"))
        else:
            assert at("否决原因").value is None
            assert not is_red(at("乡镇"))


# ---------------------------------------------------------------- rounding and problems


@pytest.mark.slow
def test_failing_values_never_display_as_passing(tmp_path):
    towns = [
        town(
            "建档",
            migrant_women=2500,
            migrant_archived=2249,
            migrant_certified=2400,
            migrant_contacted=2400,
        ),  # 89.96% vs ≥ 90%
        # |96996 − 100000| / 100000 = 3.004% vs ≤ 3%
        town(
            "误差",
            births_verified=100000,
            births_reported=96996,
            births=100000,
            births_male=51000,
            births_female=49000,
            births_policy=99000,
            population=20_000_000,
            deaths=60000,
        ),
        # 26751 / 25000 = 107.004 vs ≤ 107
        town(
            "性别比",
            births_male=26751,
            births_female=25000,
            births=51751,
            births_policy=51000,
            births_reported=51751,
            births_verified=51751,
            population=5_000_000,
            deaths=30000,
        ),
        # 2876 / 250000 = 11.504‰ vs ≤ 11.5‰
        town(
            "出生率",
            population=250000,
            births=2876,
            births_male=1480,
            births_female=1396,
            births_policy=2850,
            births_reported=2876,
            births_verified=2876,
            deaths=2000,
        ),
    ]
    path = write_csv(tmp_path / "in.csv", towns)
    wb, data, _ = _report(tmp_path, "check", path)
    fails = {(r["unit"], r["indicator"]): r for r in data["results"] if r["status"] == "fail"}
    cases = {
        ("建档", "migrant_archive_rate"): '0.00"%"',
        ("误差", "birth_stat_error_rate"): '0.000"%"',
        ("性别比", "sex_ratio_at_birth"): "0.000",
        ("出生率", "crude_birth_rate"): '0.000"‰"',
    }
    assert set(fails) == set(cases), sorted(fails)
    ws = wb["指标矩阵"]
    h = header_row(ws)
    cols = columns(ws, h)
    col_of = dict(zip(INDICATORS, (cols[s] for s in SHORT_ZH), strict=True))
    rows = {ws.cell(row=r, column=1).value: r for r in range(h + 1, ws.max_row + 1)}
    for (unit, indicator), expected in cases.items():
        result = fails[(unit, indicator)]
        cell = ws.cell(row=rows[unit], column=col_of[indicator])
        assert is_red(cell)
        number_format = without_mark(cell.number_format, result)
        assert number_format == expected, (unit, cell.number_format)
        display = shown(cell.value, number_format)
        assert not within(display, result), (unit, display)
    # The long results sheet never shows them as passing either.
    ws = wb["明细"]
    h = header_row(ws)
    cols = columns(ws, h)
    for r in range(h + 1, ws.max_row + 1):
        if ws.cell(row=r, column=cols["结论"]).value != "不达标":
            continue
        cell = ws.cell(row=r, column=cols["数值"])
        unit = ws.cell(row=r, column=cols["乡镇"]).value
        result = next(v for k, v in fails.items() if k[0] == unit)
        display = shown(cell.value, cell.number_format)
        assert not within(display, result), (unit, cell.number_format, display)


@pytest.mark.slow
def test_problems_sheet_lists_file_sheet_row(tmp_path):
    wb, data, _ = _report(tmp_path, "score", SAMPLE_MESSY_XLSX)
    assert data["problems"], "the messy sample has data problems"
    ws = wb["数据问题"]
    h = header_row(ws)
    cols = columns(ws, h)
    for label in ("文件", "工作表", "行", "问题"):
        assert label in cols, label
    listed = [
        (
            ws.cell(row=r, column=cols["文件"]).value,
            ws.cell(row=r, column=cols["工作表"]).value,
            ws.cell(row=r, column=cols["行"]).value,
            ws.cell(row=r, column=cols["问题"]).value,
        )
        for r in range(h + 1, ws.max_row + 1)
    ]
    expected = [(p["file"], p["sheet"], p["row"], p["message"]) for p in data["problems"]]
    assert listed == expected
    assert any(sheet == "出生情况" and row == 6 for _, sheet, row, _ in listed)


def test_no_problems_says_so(sample_score):
    wb, data, _ = sample_score
    assert data["problems"] == []
    ws = wb["数据问题"]
    h = header_row(ws)
    assert ws.cell(row=h + 1, column=1).value == "没有发现数据问题。"


def test_workbook_with_a_disabled_scored_indicator(tmp_path):
    rules = tmp_path / "r.yaml"
    rules.write_text(
        "extends: default\nname: fewer\nindicators:\n  tech_staff_share: {enabled: false}\n",
        encoding="utf-8",
    )
    path = write_csv(tmp_path / "in.csv", [town("甲镇"), town("乙镇", migrant_archived=80)])
    out = tmp_path / "report.xlsx"
    run = run_cli("score", path, "--rules", rules, "--output", out)
    assert run.exit_code == 1, run  # 乙镇 fails the archive rate; not an internal error (2)
    wb = load_workbook(out)
    assert wb.sheetnames == SHEETS_ZH
    ws = wb["排名"]
    h = header_row(ws)
    cols = columns(ws, h)
    totals = {
        ws.cell(row=r, column=cols["乡镇"]).value: ws.cell(row=r, column=cols["得分"]).value
        for r in range(h + 1, ws.max_row + 1)
    }
    assert totals == {"甲镇": 90, "乙镇": 82}  # 80% vs ≥ 90%: 10 × 1, capped at 8
    meta = [ws.cell(row=r, column=1).value for r in range(2, h)]
    assert "满分: 90" in meta  # full marks over the enabled indicators
    assert "技术人员占比" not in cols  # no points column for an indicator that is off
    assert "政策生育率\n满分10" in [c.value for c in ws[h]]
    assert "技术人员占比" not in columns(wb["指标矩阵"], h)


@pytest.mark.slow
def test_ranking_sheet_with_periods(tmp_path):
    towns = [
        town("甲镇", period=2023),
        failing("乙镇", "crude_birth_rate", period=2023),
        failing("甲镇", "natural_growth_rate", period=2024),
        town("乙镇", period=2024),
    ]
    path = write_csv(tmp_path / "in.csv", towns)
    wb, _, _ = _report(tmp_path, "score", path, with_json=False)
    ws = wb["排名"]
    h = header_row(ws)
    cols = columns(ws, h)
    got = {
        (ws.cell(row=r, column=cols["统计期"]).value, ws.cell(row=r, column=cols["乡镇"]).value): (
            ws.cell(row=r, column=cols["名次"]).value,
            ws.cell(row=r, column=cols["否决原因"]).value,
        )
        for r in range(h + 1, ws.max_row + 1)
    }
    assert got == {
        ("2023", "甲镇"): (1, None),
        ("2023", "乙镇"): (2, f"{VETO_GROUP}: 出生率"),
        ("2024", "乙镇"): (1, None),
        ("2024", "甲镇"): (2, f"{VETO_GROUP}: 自然增长率"),
    }
    matrix = wb["指标矩阵"]
    mcols = columns(matrix, header_row(matrix))
    assert "统计期" in mcols and "一票否决" in mcols


# ---------------------------------------------------------------- other spreadsheet programs


def test_workbook_prints_landscape_with_titles(sample_score):
    """openpyxl-level checks, everywhere."""
    _, _, path = sample_score
    wb = load_workbook(path)  # opens cleanly again
    assert wb.sheetnames == SHEETS_ZH
    assert wb.properties.title and TITLE_ZH in wb.properties.title
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape"
        assert ws.print_title_rows or ws.title in FUNNEL_SHEETS


@pytest.mark.slow
def test_workbook_converts_with_libreoffice(sample_score, tmp_path):
    """A PDF through LibreOffice (skipped where it is not installed); every page prints body
    text at 70% or more of its size (M6; skipped without pdftotext)."""
    _, _, path = sample_score
    outdir = print_to_pdf(tmp_path, path)
    pdf = outdir / "report.pdf"
    assert pdf.is_file(), "LibreOffice did not convert the workbook"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert pdf.stat().st_size > 1000
    scales = print_scales(outdir, pdf)
    assert min(scales) >= 0.7, [f"{s:.0%}" for s in scales]


def test_workbook_shows_unverified_vetoes_and_gates_lacking_data(tmp_path):
    absent = ("births_policy", "station_staff", "station_tech_staff")
    fields = [f for f in COUNT_FIELDS if f not in absent]  # a veto and a gate item lack data
    path = write_csv(
        tmp_path / "in.csv", [town("甲镇"), failing("乙镇", "crude_birth_rate")], fields
    )
    wb, _, _ = _report(tmp_path, "score", path, with_json=False)
    ws = wb["排名"]
    h = header_row(ws)
    cols = columns(ws, h)
    rows = {ws.cell(row=r, column=cols["乡镇"]).value: r for r in range(h + 1, ws.max_row + 1)}
    veto = {u: ws.cell(row=r, column=cols["否决原因"]).value for u, r in rows.items()}
    assert veto["甲镇"] == f"{VETO_GROUP} 未核实(缺数据): 政策生育率"
    assert veto["乙镇"] == f"{VETO_GROUP}: 出生率\n{VETO_GROUP} 未核实(缺数据): 政策生育率"
    award = {u: ws.cell(row=r, column=cols["可评奖"]).value for u, r in rows.items()}
    assert award == {"甲镇": "否", "乙镇": "否"}
    blocked = ws.cell(row=rows["甲镇"], column=cols["不能评奖原因"]).value
    assert blocked == "优质服务 缺数据: 技术人员占比; 一票否决项未核实"
    matrix = wb["指标矩阵"]
    mh = header_row(matrix)
    mcols = columns(matrix, mh)
    marks = {
        matrix.cell(row=r, column=1).value: matrix.cell(row=r, column=mcols["一票否决"])
        for r in range(mh + 1, matrix.max_row + 1)
    }
    assert marks["甲镇"].value == f"{VETO_GROUP} 未核实(缺数据): 政策生育率"
    assert marks["甲镇"].fill.fgColor.rgb.endswith("FFEB9C")


# ---------------------------------------------------------------- printing at a readable size

# LibreOffice here prints one Excel width unit as about 7 points at 100%; an A4 landscape page
# has about 784 points between the margins. 160 units print at 70%.
WIDTH_BUDGET = 160


def _total_width(ws) -> float:
    return sum(d.width for d in ws.column_dimensions.values() if d.width)


def _long_reasons_csv(tmp_path):
    towns = [
        failing("甲镇", "policy_birth_rate", "birth_stat_error_rate", "tech_staff_share",
                "birth_defect_rate", "migrant_archive_rate"),
        failing("十五里园镇", "crude_birth_rate", "migrant_certificate_rate",
                "migrant_contact_rate", "tech_staff_share"),
        town("乙镇"),
    ]  # fmt: skip
    return write_csv(tmp_path / "long.csv", towns)


@pytest.mark.slow
@pytest.mark.parametrize("source", ["sample", "messy", "long_reasons"])
def test_sheets_fit_a_page_at_a_readable_scale(tmp_path, source):
    """M6: fit to width over 19 columns printed the ranking at ~50% (~38% with long reasons)."""
    inputs = {
        "sample": SAMPLE_XLSX,
        "messy": SAMPLE_MESSY_XLSX,
        "long_reasons": _long_reasons_csv(tmp_path) if source == "long_reasons" else None,
    }[source]
    wb, _, _ = _report(tmp_path, "score", inputs, with_json=False)
    for ws in wb.worksheets:
        assert _total_width(ws) <= WIDTH_BUDGET, (ws.title, _total_width(ws))
        assert ws.page_setup.fitToWidth == 1, ws.title
        assert ws.page_setup.fitToHeight == 0, ws.title  # as many pages tall as needed
        assert ws.sheet_properties.pageSetUpPr.fitToPage


@pytest.mark.slow
def test_long_reasons_wrap_in_a_narrow_column(tmp_path):
    wb, _, _ = _report(tmp_path, "score", _long_reasons_csv(tmp_path), with_json=False)
    ws = wb["排名"]
    h = header_row(ws)
    cols = columns(ws, h)
    for label in ("否决原因", "不能评奖原因"):
        letter = ws.cell(row=h, column=cols[label]).column_letter
        assert ws.column_dimensions[letter].width <= 20, label
    rows = {ws.cell(row=r, column=cols["乡镇"]).value: r for r in range(h + 1, ws.max_row + 1)}
    cell = ws.cell(row=rows["甲镇"], column=cols["不能评奖原因"])
    # a vetoed unit says so where the award is refused, with the award gate's reasons
    assert cell.value == (
        "一票否决(三控制一达标: 政策生育率、统计误差率); "
        "优质服务: 技术人员占比、出生缺陷、流入建档率"
    )
    assert cell.alignment.wrap_text
    assert ws.row_dimensions[rows["甲镇"]].height >= 2 * 15  # tall enough for the wrap
    # Points columns are narrow: their headers wrap instead.
    letter = ws.cell(row=h, column=cols["技术人员占比"]).column_letter
    assert ws.column_dimensions[letter].width <= 8
    assert ws.cell(row=h, column=cols["技术人员占比"]).alignment.wrap_text


def test_vetoed_row_is_filled_to_the_last_column(sample_score):
    """M6: the pink fill of a vetoed row stopped before the points columns."""
    wb, data, _ = sample_score
    ws = wb["排名"]
    h = header_row(ws)
    vetoed = {s["unit"] for s in data["scores"] if s["vetoed"]}
    for r in range(h + 1, ws.max_row + 1):
        unit = ws.cell(row=r, column=columns(ws, h)["乡镇"]).value
        fills = [is_red(ws.cell(row=r, column=c)) for c in range(1, ws.max_column + 1)]
        assert all(fills) if unit in vetoed else not any(fills), unit


# ---------------------------------------------------------------- funnel plots

FUNNEL_COUNT = 9  # the default rules' indicators with a funnel: all but natural growth


def _funnel_images(ws) -> list:
    return sorted(ws._images, key=lambda image: image.anchor._from.row)


def test_funnel_sheet_embeds_a_chart_per_indicator(sample_score):
    """The funnel plots `fpmetrics funnel` draws, as PNG, one below another, one per page."""
    import io
    import zipfile

    from PIL import Image

    wb, _, path = sample_score
    ws = wb["漏斗图"]
    assert ws["A1"].value == f"漏斗图 — 阳谷县 2024年度 {TITLE_ZH}"  # names the county, the year
    notes = [ws.cell(row=r, column=1).value for r in range(2, 6)]
    assert "county_2024.xlsx" in notes[0] and dt.date.today().isoformat() in notes[1]
    assert notes[2].startswith("每个点是一个乡镇")
    assert notes[3] == "不画漏斗图(不是比例或率): 自然增长率"
    images = _funnel_images(ws)
    assert len(images) == FUNNEL_COUNT
    rows = [image.anchor._from.row for image in images]  # 0-based
    assert rows[0] >= 5 and all(b - a >= 25 for a, b in itertools.pairwise(rows))
    assert {image.anchor._from.col for image in images} == {0}
    for image in images:  # shown 800 × 500 pixels (9525 EMU each)
        assert (image.anchor.ext.width, image.anchor.ext.height) == (800 * 9525, 500 * 9525)
    # each chart after the first starts a printed page; without a Chinese font a key line
    # (numbers → township names) sits above the chart and the page starts there
    starts = [row - 1 if ws.cell(row=row, column=1).value else row for row in rows]
    assert [b.id for b in ws.row_breaks.brk] == starts[1:]
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    # the print area is the charts' ten columns: notes wrap there instead of widening the page
    assert ws.print_area.replace("$", "").split("!")[1].startswith("A1:J")
    assert sum(ws.column_dimensions[c].width for c in "ABCDEFGHIJ") * 7 + 50 >= 800
    assert "A4:J4" in {str(r) for r in ws.merged_cells.ranges}
    with zipfile.ZipFile(path) as zf:
        media = [n for n in zf.namelist() if n.startswith("xl/media/")]
        assert len(media) == FUNNEL_COUNT and all(n.endswith(".png") for n in media)
        for name in media:
            png = Image.open(io.BytesIO(zf.read(name)))
            assert png.format == "PNG" and png.size == (1200, 750)  # 8 × 5 in at 150 dpi


@pytest.mark.slow
def test_funnel_sheet_skips_indicators_without_values(tmp_path):
    path = write_csv_without_funnels(tmp_path / "in.csv")
    wb, _, _ = _report(tmp_path, "check", path, with_json=False)
    ws = wb["漏斗图"]
    assert len(ws._images) == 5  # sex ratio, staff, defects, statistical error, birth rate
    texts = [ws.cell(row=r, column=1).value for r in range(2, 7)]
    assert (
        "不画漏斗图(有数值的乡镇少于 3 个): 流入建档率、流入发证率、流入联系率、政策生育率" in texts
    )
    en, _, _ = _report(tmp_path, "check", path, lang="en", name="en.xlsx", with_json=False)
    assert en["Funnel plots"]["A1"].value.startswith("Funnel plots — ")
    assert len(en["Funnel plots"]._images) == 5


def test_funnel_sheet_without_any_funnel(tmp_path):
    """Two townships: too few for a funnel; the sheet says why, with no image."""
    path = write_csv(tmp_path / "in.csv", [town("甲镇"), town("乙镇")])
    wb, _, _ = _report(tmp_path, "score", path, with_json=False)
    ws = wb["漏斗图"]
    assert ws._images == []
    texts = [ws.cell(row=r, column=1).value for r in range(2, 6)]
    assert any(str(t).startswith("不画漏斗图(有数值的乡镇少于 3 个): 性别比") for t in texts)
    assert not any(str(t).startswith("每个点是一个乡镇") for t in texts)


@pytest.mark.slow
def test_funnel_sheet_without_a_chinese_font(tmp_path, monkeypatch):
    """No CJK font: each chart's points are numbered and the key is a cell above it."""
    from fpmetrics.report import funnel_chart

    monkeypatch.setattr(funnel_chart, "cjk_font_available", lambda: False)
    towns = [town(n) for n in ("甲镇", "乙镇", "丙镇", "戊镇", "己镇")]
    towns.append(town("丁镇", migrant_archived=80))  # 80% against a pooled 92.5%
    wb, _, _ = _report(tmp_path, "check", write_csv(tmp_path / "in.csv", towns), with_json=False)
    ws = wb["漏斗图"]
    above = {  # the cell in the row above each image (anchors count rows from 0)
        image.anchor._from.row: ws.cell(row=image.anchor._from.row, column=1).value
        for image in _funnel_images(ws)
    }
    keys = [key for key in above.values() if key]
    assert "图中编号: 1 丁镇" in keys  # the archive rate's chart
    assert all(key.startswith("图中编号: 1 ") for key in keys)
    assert len(keys) < len(above)  # a chart with nobody outside has no key
