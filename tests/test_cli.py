"""The small commands: --version, fields, and the lazy imports that keep them fast."""

from __future__ import annotations

import subprocess
import sys

import pytest

import fpmetrics

# indicators.md, "Canonical fields"
CANONICAL_FIELDS = [
    "township", "period", "births_male", "births_female", "births", "births_policy",
    "births_reported", "births_verified", "perinatal_births", "birth_defects", "population",
    "deaths", "station_staff", "station_tech_staff", "migrant_women", "migrant_archived",
    "migrant_certified", "migrant_contacted",
]  # fmt: skip


def test_version(cli):
    result = cli("--version")
    assert result.code == 0
    assert result.stdout.strip() == f"fpmetrics {fpmetrics.__version__}"


def test_fields_lists_every_canonical_field(cli):
    result = cli("fields")
    assert result.code == 0
    for name in CANONICAL_FIELDS:
        assert name in result.stdout, name
    assert "出生男婴数" in result.stdout
    assert "已建档数" in result.stdout


def test_fields_in_english(cli):
    result = cli("fields", "--lang", "en")
    assert result.code == 0
    assert "live births, boys" in result.stdout


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["check", "--help"]])
def test_cheap_commands_do_not_import_pandas(args):
    code = (
        "import sys\n"
        f"sys.argv = ['fpmetrics', *{args!r}]\n"
        "from fpmetrics.cli import main\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "heavy = [m for m in ('pandas', 'python_calamine', 'scipy', 'openpyxl', 'matplotlib') "
        "if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout, proc.stdout[-500:]


def test_module_entry_point_runs(run_fpmetrics):
    proc = run_fpmetrics("--version")
    assert proc.returncode == 0
    assert proc.stdout.decode().strip() == f"fpmetrics {fpmetrics.__version__}"
