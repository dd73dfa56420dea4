"""Builders for the real-world sheet tests (issue 3): sheets as clerks make them.

Workbooks are built with openpyxl (title rows, merged group headers, totals and signature
rows); text files are written in the encoding a Windows export uses. ``check`` runs the
pipeline in-process; the CLI runs through conftest's harness (``run_cli``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conftest import Result

REPO = Path(__file__).resolve().parents[1]
SAMPLE_XLSX = REPO / "sample_data" / "county_2024.xlsx"
MESSY_XLSX = REPO / "sample_data" / "county_2024_messy.xlsx"
MESSY_XLS = REPO / "tests" / "data" / "county_2024_messy.xls"
MESSY_ODS = REPO / "tests" / "data" / "county_2024_messy.ods"

Rows = list[list[Any]]


def workbook(
    path: Path,
    sheets: dict[str, Rows],
    merges: dict[str, list[str]] | None = None,
    text_cells: dict[str, list[str]] | None = None,
) -> Path:
    """An .xlsx with one sheet per entry, in order.

    ``merges``: per sheet, ranges such as ``"D3:F3"`` (saved as merged cells).
    ``text_cells``: per sheet, cells forced to be stored as text: openpyxl otherwise stores a
    string such as ``"#DIV/0!"`` as an Excel error cell.
    """
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(list(row))
        for cells in (merges or {}).get(title, []):
            ws.merge_cells(cells)
        for ref in (text_cells or {}).get(title, []):
            ws[ref].data_type = "s"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def sheet(path: Path, rows: Rows, merges: list[str] | None = None, title: str = "报表") -> Path:
    """A one-sheet workbook."""
    return workbook(path, {title: rows}, {title: merges or []})


def text_file(path: Path, rows: Rows, encoding: str = "utf-8", sep: str = ",") -> Path:
    """Delimited text as Excel/WPS export it (CRLF); ``None`` is an empty field."""
    lines = [sep.join("" if v is None else str(v) for v in row) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


@cache
def default_rules():
    from fpmetrics.ruleset.rules import load_ruleset

    return load_ruleset("default")


def check(paths: list[Path] | Path, lang: str = "zh", **kwargs: Any):
    """``run_check`` with the shipped default rule set, worded in ``lang`` as the reports
    show it (results named, problems with their message and hint)."""
    from fpmetrics.pipeline import run_check
    from fpmetrics.wording import worded_report

    if isinstance(paths, Path):
        paths = [paths]
    return worded_report(run_check(list(paths), default_rules(), **kwargs), lang)


def load(paths: list[Path] | Path, **kwargs: Any):
    from fpmetrics.read.load import load_inputs

    if isinstance(paths, Path):
        paths = [paths]
    return load_inputs(list(paths), **kwargs)


def result(report, unit: str, indicator: str) -> dict[str, Any]:
    """The one result row of (unit, indicator)."""
    rows = report.results[
        (report.results["unit"] == unit) & (report.results["indicator"] == indicator)
    ]
    assert len(rows) == 1, f"{len(rows)} results for {unit} {indicator}"
    return rows.iloc[0].to_dict()


def status(report, unit: str, indicator: str) -> tuple[str, float | None]:
    """(status, value rounded to 4 places, or None)."""
    row = result(report, unit, indicator)
    value = row["value"]
    return row["status"], None if value != value else round(float(value), 4)


def problems(report, code: str | None = None) -> list[dict[str, Any]]:
    """The problems (optionally of one code) as dicts with plain ints for rows."""
    out = []
    for p in report.problems.to_dict("records"):
        if code is not None and p["code"] != code:
            continue
        out.append({**p, "row": None if p["row"] != p["row"] else int(p["row"])})
    return out


def where(report, code: str) -> list[tuple[str, str | None, int, str]]:
    """(level, sheet, row, column) of every problem with ``code``, in report order."""
    return [(p["level"], p["sheet"], p["row"], p["column"]) for p in problems(report, code)]


def units(report) -> list[str]:
    return list(dict.fromkeys(report.results["unit"]))


def cli_json(proc: Result) -> dict[str, Any]:
    assert proc.stdout.strip(), proc.stderr
    return json.loads(proc.stdout)


def assert_clean_failure(proc: Result) -> None:
    """Exit 2 with a message, no traceback, no internal error, nothing on stdout."""
    assert proc.exit_code == 2, (proc.exit_code, proc.stdout[:500], proc.stderr[:2000])
    assert proc.stderr.strip()
    assert "Traceback" not in proc.stderr
    assert "internal error" not in proc.stderr
    assert proc.stdout == ""


def json_results(data: dict[str, Any]) -> dict[tuple[str, str], tuple[str, float | None]]:
    """(unit, indicator) → (status, value rounded to 4 places) from the JSON output."""
    return {
        (r["unit"], r["indicator"]): (
            r["status"],
            None if r["value"] is None else round(r["value"], 4),
        )
        for r in data["results"]
    }
