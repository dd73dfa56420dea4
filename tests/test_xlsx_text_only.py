"""Issue 14: text from rule files or data is never stored as a live formula in any
workbook fpmetrics writes (the fill-in template, the xlsx report)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from conftest import run_cli
from fpmetrics.report.safety import no_formulas
from scoring_builders import failing, town, write_csv

TITLE = '=HYPERLINK("http://evil.example","click")'
NAME = "=1+1"


def _hostile_rules(tmp_path: Path) -> Path:
    from fpmetrics.ruleset.rules import shipped_dir

    text = (shipped_dir() / "default.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^title: .*$", f"title: '{TITLE}'", text, count=1)
    text = re.sub(r"(?m)^title_en: .*$", f"title_en: '{TITLE}'", text, count=1)
    text = text.replace("    name: 出生人口性别比", f"    name: '{NAME}'", 1)
    text = text.replace("    name_en: Sex ratio at birth", f"    name_en: '{NAME}'", 1)
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _formulas(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return [n for n in zf.namelist() if n.startswith("xl/worksheets/") and b"<f>" in zf.read(n)]


def _texts(path: Path) -> set[str]:
    wb = load_workbook(path)
    return {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if isinstance(c.value, str)}  # fmt: skip


@pytest.mark.slow
def test_template_stores_rule_text_as_text(tmp_path):
    rules = _hostile_rules(tmp_path)
    for lang in ("zh", "en"):
        out = tmp_path / f"form_{lang}.xlsx"
        run = run_cli("template", out, "--rules", rules, "--lang", lang, "--units", "=2+2,甲镇")
        assert run.exit_code == 0, run
        assert _formulas(out) == []
        texts = _texts(out)
        assert any(TITLE in v for v in texts)
        assert "=2+2" in texts
    assert any(NAME in v for v in _texts(tmp_path / "form_zh.xlsx"))


@pytest.mark.slow
def test_xlsx_report_stores_rule_text_as_text(tmp_path):
    rules = _hostile_rules(tmp_path)
    data = write_csv(tmp_path / "in.csv", [town("甲镇"), failing("乙镇", "sex_ratio_at_birth")])
    out = tmp_path / "report.xlsx"
    assert run_cli("score", data, "--rules", rules, "-o", out).exit_code == 1
    assert _formulas(out) == []
    assert any(TITLE in v for v in _texts(out))


def test_no_formulas_turns_formula_cells_into_text():
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "=1+1"
    ws["B2"] = "plain"
    assert ws["A1"].data_type == "f"
    no_formulas(wb)
    assert ws["A1"].data_type == "s" and ws["A1"].value == "=1+1"
    assert ws["B2"].data_type == "s"
