"""Fixture builders for the fpmetrics tests.

Inputs are built in code under ``tmp_path``: a township is a dict of canonical fields
(:meth:`Build.town`), a grid is a header row plus one row per township (:meth:`Build.grid`),
and the writers turn a grid into CSV (any encoding), .xlsx (openpyxl) or a minimal .ods.

The CLI is run through one harness, two ways: in-process through ``fpmetrics.cli:main``
(:func:`run_cli`, fast; the ``cli`` fixture) and as a real subprocess (:func:`run_process`,
the ``run_fpmetrics`` fixture) where bytes on stdout or a real traceback matter.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock
from xml.sax.saxutils import escape

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE_XLSX = REPO / "sample_data" / "county_2024.xlsx"
SAMPLE_CSV = REPO / "sample_data" / "county_2024.csv"
BIRTHS_REGISTER = REPO / "sample_data" / "births_register_2023_2024.csv"
MIGRANTS_REGISTER = REPO / "sample_data" / "migrants_register.csv"  # GB18030
TEST_DATA = REPO / "tests" / "data"

# The ten indicator ids of the shipped `default` rule set, in rule order.
INDICATORS = [
    "sex_ratio_at_birth",
    "tech_staff_share",
    "birth_defect_rate",
    "migrant_archive_rate",
    "migrant_certificate_rate",
    "migrant_contact_rate",
    "policy_birth_rate",
    "birth_stat_error_rate",
    "crude_birth_rate",
    "natural_growth_rate",
]

# Canonical field → the header a county clerk would write (indicators.md, first alias).
HEADERS = {
    "township": "乡镇(街道)",
    "population": "年平均人口",
    "births": "出生人数",
    "births_male": "出生男婴数",
    "births_female": "出生女婴数",
    "births_policy": "符合政策生育数",
    "births_reported": "上报出生数",
    "births_verified": "核查出生数",
    "perinatal_births": "围产儿数",
    "birth_defects": "出生缺陷数",
    "deaths": "死亡人数",
    "station_staff": "服务站在编人员数",
    "station_tech_staff": "在编专业技术人员数",
    "migrant_women": "流入已婚育龄妇女数",
    "migrant_archived": "已建档数",
    "migrant_certified": "已查验证数",
    "migrant_contacted": "信息联系数",
}
COUNT_FIELDS = [f for f in HEADERS if f != "township"]

# A township that passes all ten default indicators:
# sex ratio 105, tech staff 80%, defects 4.76‰, migrant rates 95%, policy births 97.6%,
# statistical error 0%, birth rate 10.25‰, natural growth 4.25‰.
PASSING = {
    "population": 20000,
    "births": 205,
    "births_male": 105,
    "births_female": 100,
    "births_policy": 200,
    "births_reported": 205,
    "births_verified": 205,
    "perinatal_births": 210,
    "birth_defects": 1,
    "deaths": 120,
    "station_staff": 10,
    "station_tech_staff": 8,
    "migrant_women": 100,
    "migrant_archived": 95,
    "migrant_certified": 95,
    "migrant_contacted": 95,
}


class Build:
    """Builds input files under one directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    # ------------------------------------------------------------------ rows
    @staticmethod
    def town(name: str, **overrides: Any) -> dict[str, Any]:
        """A township that passes everything, with ``overrides`` applied."""
        unknown = set(overrides) - set(COUNT_FIELDS)
        assert not unknown, f"unknown fields in test fixture: {unknown}"
        return {"township": name, **PASSING, **overrides}

    @staticmethod
    def grid(
        towns: list[dict[str, Any]],
        fields: list[str] | None = None,
        headers: dict[str, str] | None = None,
        title: list[str] | None = None,
        extra_rows: list[list[Any]] | None = None,
    ) -> list[list[Any]]:
        """Title rows (one cell each), the header row, one row per township, extra rows."""
        fields = list(COUNT_FIELDS if fields is None else fields)
        names = {**HEADERS, **(headers or {})}
        columns = ["township", *fields]
        rows: list[list[Any]] = [[line] for line in title or []]
        rows.append([names[c] for c in columns])
        rows += [[town.get(c, "") for c in columns] for town in towns]
        rows += extra_rows or []
        return rows

    # ------------------------------------------------------------------ writers
    def csv(
        self, name: str, grid: list[list[Any]], encoding: str = "utf-8", newline: str = "\r\n"
    ) -> Path:
        """CSV as Excel/WPS save it; ``utf-8-sig`` writes a BOM, ``gb18030`` none."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator=newline)
        for row in grid:
            writer.writerow(["" if v is None else v for v in row])
        path = self.root / name
        path.write_bytes(buffer.getvalue().encode(encoding))
        return path

    def xlsx(self, name: str, sheets: list[list[Any]] | dict[str, list[list[Any]]]) -> Path:
        """An .xlsx with openpyxl; a dict gives several sheets in order.

        Note that openpyxl stores a string such as ``"#DIV/0!"`` as an Excel error cell.
        """
        from openpyxl import Workbook

        if not isinstance(sheets, dict):
            sheets = {"乡镇汇总": sheets}
        wb = Workbook()
        wb.remove(wb.active)
        for title, grid in sheets.items():
            ws = wb.create_sheet(title)
            for row in grid:
                ws.append(list(row))
        path = self.root / name
        wb.save(path)
        return path

    def ods(self, name: str, grid: list[list[Any]], sheet: str = "乡镇汇总") -> Path:
        """A minimal OpenDocument spreadsheet (mimetype, content.xml, manifest), no odfpy."""

        def cell(value: Any) -> str:
            if value is None or value == "":
                return "<table:table-cell/>"
            if isinstance(value, int | float):
                return (
                    f'<table:table-cell office:value-type="float" office:value="{value}">'
                    f"<text:p>{value}</text:p></table:table-cell>"
                )
            return (
                '<table:table-cell office:value-type="string">'
                f"<text:p>{escape(str(value))}</text:p></table:table-cell>"
            )

        body = "".join(
            "<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>"
            for row in grid
        )
        content = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            "<office:document-content"
            ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
            ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
            ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
            "<office:body><office:spreadsheet>"
            f'<table:table table:name="{escape(sheet)}">{body}</table:table>'
            "</office:spreadsheet></office:body></office:document-content>"
        )
        manifest = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
            ' manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/"'
            ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>"
        )
        path = self.root / name
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr(
                zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
            )
            zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
            zf.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        return path

    def text(self, name: str, content: str) -> Path:
        path = self.root / name
        path.write_text(content, encoding="utf-8")
        return path

    def bytes(self, name: str, content: bytes) -> Path:
        path = self.root / name
        path.write_bytes(content)
        return path


@pytest.fixture
def build(tmp_path: Path) -> Build:
    return Build(tmp_path)


# ---------------------------------------------------------------------- running the CLI
# The one harness: every test runs the CLI through `run_cli` (in-process, fast; also the `cli`
# fixture) or, where a real process matters (bytes on stdout, tracebacks, signals, start-up),
# through `run_process` (also the `run_fpmetrics` fixture). Both drop every FPMETRICS_* setting
# of the developer's shell, so `FPMETRICS_LANG=en uv run pytest` tests the same thing.


@dataclass
class Result:
    """What a user sees of one run: the exit code and the text on stdout and stderr."""

    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def assert_clean_error(result: Result) -> None:
    """A run that could not be done: exit 2, a message on stderr, no traceback, no bug."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stderr.strip(), "exit 2 must come with a message on stderr"
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr, result.stderr


# CLI runs do not depend on the developer's language, history or debug settings; tables are
# wide and plain.
PLAIN_ENV = {"COLUMNS": "200", "NO_COLOR": "1"}


def plain_env(extra: dict[str, str | None] | None = None) -> dict[str, str]:
    """This process's environment without FPMETRICS_*, plus PLAIN_ENV and ``extra``
    (a value None removes the variable)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FPMETRICS_")}
    merged = {**env, **PLAIN_ENV, **(extra or {})}
    return {k: v for k, v in merged.items() if v is not None}


def run_cli(*args: object, env: dict[str, str | None] | None = None) -> Result:
    """Run ``fpmetrics ARGS`` in-process through the console-script entry point.

    ``env`` sets variables (e.g. ``{"FPMETRICS_LANG": "en"}``; None unsets) for this run."""
    from fpmetrics.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with (
        mock.patch.dict(os.environ, plain_env(env), clear=True),
        mock.patch.object(sys, "argv", ["fpmetrics", *map(str, args)]),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli():
    """:func:`run_cli` as a fixture."""
    return run_cli


def run_process(
    *args: object,
    cwd: Path | None = None,
    env: dict[str, str | None] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m fpmetrics.cli ARGS`` as a real process; stdout/stderr kept as bytes.

    For what only a process shows: bytes on stdout, tracebacks, signals, start-up time."""
    return subprocess.run(
        [sys.executable, "-m", "fpmetrics.cli", *map(str, args)],
        cwd=cwd or REPO,
        env=plain_env({"PYTHONIOENCODING": "utf-8", **(env or {})}),
        capture_output=True,
        timeout=timeout,
    )


def as_result(done: subprocess.CompletedProcess[bytes]) -> Result:
    """A finished process as a :class:`Result` (text decoded as UTF-8)."""
    return Result(
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


@pytest.fixture
def run_fpmetrics(tmp_path: Path):
    """:func:`run_process` with the working directory ``tmp_path`` unless ``cwd`` is given."""

    def invoke(
        *args: object, cwd: Path | None = None, env: dict[str, str | None] | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        return run_process(*args, cwd=cwd or tmp_path, env=env)

    return invoke


# ---------------------------------------------------------------------- reading output


def check_json(cli: Any, *args: object) -> dict[str, Any]:
    """``fpmetrics check ARGS --format json`` that ran (exit 0 or 1): its document."""
    result = cli("check", *args, "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    return result.json()


def by_key(data: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """JSON results keyed by (unit, indicator)."""
    return {(r["unit"], r["indicator"]): r for r in data["results"]}


def problem_set(data: dict[str, Any]) -> set[tuple[str, str, int | None, str | None]]:
    """(code, level, row, column) of every problem."""
    return {(p["code"], p["level"], p["row"], p["column"]) for p in data["problems"]}


@pytest.fixture(autouse=True)
def _builtin_fields():
    """Each test starts and ends with the built-in fields only: a rule set loaded in-process
    makes its declared fields the active ones (docs/own-fields.md)."""
    from fpmetrics.normalise.fields import activate

    activate(None)
    yield
    activate(None)


@pytest.fixture(scope="session")
def default_rules():
    """The shipped default rule set, loaded once."""
    from fpmetrics.ruleset.rules import load_ruleset

    return load_ruleset("default")


@pytest.fixture
def evaluate(build, default_rules):
    """Check one township with exactly the given columns; results keyed by indicator."""
    from fpmetrics.pipeline import run_check

    def run(fields: dict[str, object], rules=None):
        row = {"township": "张秋镇", **fields}
        path = build.csv("one.csv", build.grid([row], fields=list(fields)))
        report = run_check([path], rules or default_rules)
        return {r["indicator"]: r for r in report.results.to_dict("records")}

    return run
