"""Issue 4, point 5: no formula injection, atomic writes, never an output over an input."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import zipfile

import pytest
from openpyxl import load_workbook

from conftest import assert_clean_error, run_cli
from scoring_builders import SAMPLE_XLSX, failing, town, write_csv

RISKY = ["=1+1", "@SUM(A1)", "+cmd", "-2", '=HYPERLINK("http://x","y")']


@pytest.fixture
def risky_csv(tmp_path):
    towns = [town(RISKY[0]), town(RISKY[1]), failing(RISKY[2], "tech_staff_share")]
    towns += [town(name) for name in RISKY[3:]]
    return write_csv(tmp_path / "in.csv", towns)


def formula_cells(path) -> list[str]:
    """Cells stored as formulas in the workbook's XML (<f> elements)."""
    with zipfile.ZipFile(path) as zf:
        return [
            name
            for name in zf.namelist()
            if name.startswith("xl/worksheets/") and b"<f>" in zf.read(name)
        ]


# ---------------------------------------------------------------- formula injection


@pytest.mark.slow
@pytest.mark.parametrize("command", ["score", "check"])
def test_xlsx_stores_formula_like_names_as_text(tmp_path, risky_csv, command):
    out = tmp_path / "out.xlsx"
    run = run_cli(command, risky_csv, "--output", out)
    assert run.exit_code == 1, run
    assert formula_cells(out) == []
    wb = load_workbook(out)
    found: dict[str, int] = dict.fromkeys(RISKY, 0)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value in found:
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                    found[cell.value] += 1
                elif isinstance(cell.value, str):
                    assert not cell.value.startswith("'"), (ws.title, cell.coordinate)
    # Each name appears unchanged (matrix + ten result rows at least).
    assert all(n >= 11 for n in found.values()), found


def test_template_stores_formula_like_unit_names_as_text(tmp_path):
    out = tmp_path / "form.xlsx"
    run = run_cli("template", out, "--units", ",".join(RISKY[:4]))
    assert run.exit_code == 0, run
    ws = load_workbook(out).worksheets[0]
    cells = [ws.cell(row=r, column=1) for r in range(4, 8)]
    assert [c.value for c in cells] == RISKY[:4]
    assert [c.data_type for c in cells] == ["s"] * 4
    assert formula_cells(out) == []


@pytest.mark.parametrize("command", ["score", "check"])
def test_csv_file_gets_an_apostrophe(tmp_path, risky_csv, command):
    out = tmp_path / "out.csv"
    assert run_cli(command, risky_csv, "--output", out).exit_code == 1
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    units = {r["unit"] for r in rows}
    assert units == {"'" + name for name in RISKY}
    # Numbers are not text: a negative number stays a number.
    for r in rows:
        for key in ("total", "rank", "value"):
            if r.get(key):
                float(r[key])


def test_csv_file_keeps_negative_numbers_numeric(tmp_path):
    path = write_csv(tmp_path / "in.csv", [town("甲镇", deaths=300)])  # growth −4.75‰
    out = tmp_path / "out.csv"
    assert run_cli("check", path, "--output", out).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    growth = next(r for r in rows if r["indicator"] == "natural_growth_rate")
    assert float(growth["value"]) == pytest.approx(-4.75)
    assert growth["value"].startswith("-")


@pytest.mark.parametrize("command", ["score", "check"])
def test_stdout_keeps_names_unchanged(risky_csv, command):
    run = run_cli(command, risky_csv, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert {r["unit"] for r in rows} == set(RISKY)
    data = run_cli(command, risky_csv, "--format", "json").json()
    assert {r["unit"] for r in data["results"]} == set(RISKY)
    if command == "score":
        assert {s["unit"] for s in data["scores"]} == set(RISKY)


def test_json_file_keeps_names_unchanged(tmp_path, risky_csv):
    out = tmp_path / "out.json"
    assert run_cli("score", risky_csv, "--output", out).exit_code == 1
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {s["unit"] for s in data["scores"]} == set(RISKY)


# ---------------------------------------------------------------- atomic writes


@pytest.mark.parametrize(
    "name", ["report.xlsx", "report.csv", "report.json", "report.html", "report.md", "report.txt"]
)
def test_no_temporary_files_left(tmp_path, name):
    inputs = write_csv(tmp_path / "in.csv", [town("甲镇"), failing("乙镇", "tech_staff_share")])
    outdir = tmp_path / "out"
    outdir.mkdir()
    out = outdir / name
    out.write_text("an older report", encoding="utf-8")
    run = run_cli("score", inputs, "--output", out)
    assert run.exit_code == 1, run
    assert [p.name for p in outdir.iterdir()] == [name]
    assert out.read_bytes() != b"an older report"
    assert out.stat().st_size > 100
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's private 0600


def test_template_leaves_no_temporary_files(tmp_path):
    outdir = tmp_path / "out"
    outdir.mkdir()
    assert run_cli("template", outdir / "form.xlsx").exit_code == 0
    assert [p.name for p in outdir.iterdir()] == ["form.xlsx"]


def test_failed_rename_keeps_the_old_file(tmp_path, monkeypatch):
    inputs = write_csv(tmp_path / "in.csv", [town("甲镇")])
    outdir = tmp_path / "out"
    outdir.mkdir()
    out = outdir / "report.xlsx"
    out.write_bytes(b"old")

    def disk_full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    run = run_cli("score", inputs, "--output", out)
    monkeypatch.undo()
    assert_clean_error(run)
    assert out.read_bytes() == b"old"
    assert [p.name for p in outdir.iterdir()] == ["report.xlsx"]


def test_failed_run_does_not_touch_the_output(tmp_path):
    out = tmp_path / "report.csv"
    out.write_bytes(b"old")
    assert_clean_error(run_cli("score", tmp_path / "missing.csv", "--output", out))
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]


def test_output_into_a_missing_folder_is_refused(tmp_path):
    inputs = write_csv(tmp_path / "in.csv", [town("甲镇")])
    assert_clean_error(run_cli("score", inputs, "--output", tmp_path / "nowhere" / "r.xlsx"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


# ---------------------------------------------------------------- output over an input


@pytest.mark.parametrize("command", ["score", "check"])
@pytest.mark.parametrize("fmt", [None, "json", "csv", "xlsx"])
def test_output_equal_to_an_input_is_refused(tmp_path, command, fmt):
    path = write_csv(tmp_path / "in.csv", [town("甲镇")])
    before = path.read_bytes()
    args = ["--format", fmt] if fmt else []
    assert_clean_error(run_cli(command, path, "--output", path, *args))
    assert path.read_bytes() == before


def test_output_equal_to_an_input_workbook_is_refused(tmp_path):
    path = tmp_path / "county.xlsx"
    shutil.copy(SAMPLE_XLSX, path)
    before = path.read_bytes()
    assert_clean_error(run_cli("score", path, "--output", path))
    assert path.read_bytes() == before


def test_output_naming_an_input_another_way_is_refused(tmp_path):
    path = write_csv(tmp_path / "in.csv", [town("甲镇")])
    other = write_csv(tmp_path / "other.csv", [town("乙镇")])
    (tmp_path / "sub").mkdir()
    before = path.read_bytes()
    link = tmp_path / "link.csv"
    link.symlink_to(path)
    for output in (tmp_path / "sub" / ".." / "in.csv", link):
        assert_clean_error(run_cli("score", other, path, "--output", output))
        assert path.read_bytes() == before


def test_output_equal_to_a_file_inside_an_input_folder_is_refused(tmp_path):
    folder = tmp_path / "townships"
    folder.mkdir()
    path = write_csv(folder / "a.csv", [town("甲镇")])
    write_csv(folder / "b.csv", [town("乙镇")])
    before = path.read_bytes()
    assert_clean_error(run_cli("score", folder, "--output", path))
    assert path.read_bytes() == before
