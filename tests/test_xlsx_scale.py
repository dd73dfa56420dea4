"""Issue 14: the xlsx report scales (styles set by index, the long Results sheet capped
with a note saying where every value is)."""

from __future__ import annotations

import resource

import pytest
from openpyxl import Workbook, load_workbook

import fpmetrics.report.workbook as workbook
from conftest import run_cli, run_process
from fpmetrics.report.workbook import BORDER, RED, RED_FONT
from fpmetrics.report.xlsx_styles import style
from scoring_builders import failing, town, write_csv


def test_style_sets_the_same_styles_as_openpyxl(tmp_path):
    wb = Workbook()
    ws = wb.active
    fast, slow = ws["A1"], ws["B1"]
    fast.value = slow.value = "x"
    style(fast, fill=RED, font=RED_FONT, border=BORDER)
    style(ws["A2"], fill=RED)  # the second use of a style: by its index
    slow.fill, slow.font, slow.border = RED, RED_FONT, BORDER
    path = tmp_path / "s.xlsx"
    wb.save(path)
    back = load_workbook(path).active
    for cell in ("A1", "B1", "A2"):
        assert back[cell].fill.fgColor.rgb == "00FFC7CE"
    assert back["A1"].font.color.rgb == back["B1"].font.color.rgb == "009C0006"
    assert back["A1"].border.left.style == "thin"


@pytest.mark.slow
def test_results_sheet_is_capped_with_a_note(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "RESULTS_MAX_ROWS", 25)
    towns = [town(f"镇{i}") for i in range(4)] + [failing("乙镇", "tech_staff_share")]
    data = write_csv(tmp_path / "in.csv", towns)
    out = tmp_path / "r.xlsx"
    assert run_cli("check", data, "-o", out).exit_code == 1
    wb = load_workbook(out)
    results = wb["明细"]
    notes = [results.cell(row=r, column=1).value for r in range(1, 9)]  # above the header
    assert any(n and "结果共 50 行" in n and "前 25 行" in n for n in notes), notes
    body = [r for r in results.iter_rows(values_only=True) if r[0] in {f"镇{i}" for i in range(4)}]
    assert len(body) == 25
    matrix_units = {r[0] for r in wb["指标矩阵"].iter_rows(values_only=True)}
    assert {"乙镇", "镇0", "镇3"} <= matrix_units  # every township on the matrix


@pytest.mark.slow
def test_xlsx_report_for_5000_townships_is_fast(tmp_path):
    """CPU time, not wall time (the machine may be shared): 5,000 townships × 10 indicators.
    (20,000 townships took 39 s of CPU on the development machine; minutes before.)"""
    towns = [failing(f"镇{i:05d}", "tech_staff_share") if i % 7 == 0 else town(f"镇{i:05d}")
             for i in range(5000)]  # fmt: skip
    data = write_csv(tmp_path / "in.csv", towns)
    out = tmp_path / "r.xlsx"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = run_process("score", data, "-o", out, timeout=300)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode == 1, done.stderr[-500:]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert cpu < 45, f"{cpu:.1f} s of CPU"  # about 20 s measured; minutes before
    assert load_workbook(out, read_only=True)["指标矩阵"].max_row > 5000
