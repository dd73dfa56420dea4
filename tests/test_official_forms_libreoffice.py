"""Official forms and the filled-in template, re-saved by LibreOffice as .xls, .ods, .xlsx and
CSV (UTF-8 and GB18030), read again: the same results as the original (merges may or may not
survive the re-save; the header band is read either way). Skipped where LibreOffice is not
installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import PASSING, run_cli
from form_builders import migrant_form, national_form_1
from test_official_forms import _assert_national

# LibreOffice filter names; CSV options: comma, double quote, character set (76 UTF-8,
# 85 GB18030, numbers from rtl/textenc.h).
FORMATS = {
    "xls": ("xls", "xls:MS Excel 97"),
    "ods": ("ods", "ods:calc8"),
    "xlsx": ("xlsx", "xlsx:Calc MS Excel 2007 XML"),
    "csv-utf8": ("csv", "csv:Text - txt - csv (StarCalc):44,34,76"),
    "csv-gb18030": ("csv", "csv:Text - txt - csv (StarCalc):44,34,85"),
}


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.skip("LibreOffice (soffice) is not installed: the re-save round trip needs it")
    return found


@pytest.fixture(scope="module")
def resaved(tmp_path_factory) -> dict[str, dict[str, Path]]:
    """Each original, and per format its LibreOffice re-save: {name: {kind: path}}."""
    soffice = _soffice()
    root = tmp_path_factory.mktemp("lo")
    originals = {
        "national": national_form_1().xlsx(root / "national.xlsx"),
        "migrant": migrant_form().xlsx(root / "migrant.xlsx"),
        "template": _filled_template(root / "template.xlsx"),
    }
    profile = (root / "profile").as_uri()
    out: dict[str, dict[str, Path]] = {name: {"original": p} for name, p in originals.items()}
    for kind, (suffix, target) in FORMATS.items():
        outdir = root / kind
        subprocess.run(
            [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", target,
             "--outdir", str(outdir), *map(str, originals.values())],
            capture_output=True,
            timeout=120,
            check=False,
        )  # fmt: skip
        for name, path in originals.items():
            converted = outdir / f"{path.stem}.{suffix}"
            assert converted.is_file(), f"LibreOffice did not write {converted}"
            out[name][kind] = converted
            if kind == "csv-gb18030":  # really GB18030, as Chinese Excel writes CSV
                with pytest.raises(UnicodeDecodeError):
                    converted.read_bytes().decode("utf-8")
    return out


def _filled_template(path: Path) -> Path:
    run = run_cli("template", path, "--units", "甲镇,乙镇,丙镇", "--rows", "5")
    assert run.exit_code == 0, run.stderr
    wb = load_workbook(path)
    ws = wb["填报表"]
    header = 3
    from conftest import HEADERS

    columns = {c.value.replace("\n", ""): c.column for c in ws[header] if c.value}
    values = {
        "甲镇": dict(PASSING),
        "乙镇": {**PASSING, "births_male": 112},
        "丙镇": {**PASSING, "migrant_archived": 80},
    }
    for r in range(header + 1, header + 4):
        unit = ws.cell(row=r, column=1).value
        ws.cell(row=r, column=columns["统计期"], value="2024")
        for field, value in values[unit].items():
            if HEADERS[field] in columns:
                ws.cell(row=r, column=columns[HEADERS[field]], value=value)
    wb.save(path)
    return path


def _results(cli, path: Path) -> tuple[dict, list]:
    result = cli("check", path, "--format", "json", "--fail-on", "never")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    values = {
        (r["unit"], r["period"], r["indicator"]): (r["status"], r["value"]) for r in data["results"]
    }
    problems = sorted((p["code"], p["row"]) for p in data["problems"])
    return values, problems


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(FORMATS))
def test_national_form_resaved(cli, resaved, kind: str) -> None:
    data = cli("check", resaved["national"][kind], "--format", "json", "--fail-on", "never")
    assert data.exit_code == 0, data.stderr
    _assert_national(data.json())


@pytest.mark.slow
@pytest.mark.parametrize("name", ["migrant", "template"])
@pytest.mark.parametrize("kind", list(FORMATS))
def test_resaved_gives_the_same_results(cli, resaved, name: str, kind: str) -> None:
    original = _results(cli, resaved[name]["original"])
    again = _results(cli, resaved[name][kind])
    assert again == original
    assert any(status == "pass" for status, _ in original[0].values())
