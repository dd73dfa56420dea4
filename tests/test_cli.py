"""The small commands: --version, fields, and the lazy imports that keep them fast."""

from __future__ import annotations

import subprocess
import sys

import pytest

import fpmetrics
from conftest import plain_env

# indicators.md, "Canonical fields"
CANONICAL_FIELDS = [
    "township", "period", "births_male", "births_female", "births", "births_policy",
    "births_reported", "births_verified", "perinatal_births", "birth_defects", "population",
    "deaths", "station_staff", "station_tech_staff", "migrant_women", "migrant_archived",
    "migrant_certified", "migrant_contacted",
]  # fmt: skip


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"fpmetrics {fpmetrics.__version__}"


def test_fields_lists_every_canonical_field(cli):
    result = cli("fields")
    assert result.exit_code == 0
    for name in CANONICAL_FIELDS:
        assert name in result.stdout, name
    assert "出生男婴数" in result.stdout
    assert "已建档数" in result.stdout


def test_fields_in_english(cli):
    result = cli("fields", "--lang", "en")
    assert result.exit_code == 0
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
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=plain_env()
    )
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout, proc.stdout[-500:]


def test_module_entry_point_runs(run_fpmetrics):
    proc = run_fpmetrics("--version")
    assert proc.returncode == 0
    assert proc.stdout.decode().strip() == f"fpmetrics {fpmetrics.__version__}"


# ---------------------------------------------------------------------- fields: never cut


@pytest.mark.parametrize("columns", ["80", "200"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_fields_lists_every_header_whole(cli, columns, lang):
    """Listing the accepted headers is the command's purpose: at 80 columns (and in a pipe,
    which rich treats as 80) they wrap between headers, never cut with "…"."""
    from fpmetrics.normalise.fields import FIELDS

    result = cli("fields", "--lang", lang, env={"COLUMNS": columns})
    assert result.exit_code == 0
    assert "…" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= int(columns)
    for spec in FIELDS.values():
        for alias in spec.aliases:
            assert alias in result.stdout, alias
    from fpmetrics.aggregate.registers.kinds import KINDS, PLACE_ROLES

    for names in [*PLACE_ROLES.values(), *(n for k in KINDS.values() for n in k.roles.values())]:
        for alias in names:
            assert alias in result.stdout, alias


def test_fields_lists_register_columns_with_what_each_register_needs(cli):
    out = cli("fields").stdout
    register = out[out.index("登记册(个案记录)可识别的列") :]
    lines = [line.split() for line in register.splitlines()]
    assert lines[4][:3] == ["各类登记册", "township", "必需"]
    assert any(line[:3] == ["archived", "至少其一", "是否建档、"] for line in lines)
    assert any(line[:3] == ["出生登记", "birth_date", "必需"] for line in lines)
    english = cli("fields", "--lang", "en").stdout
    assert "Register columns (one row per record)" in english and "one of these" in english


@pytest.mark.slow
def test_fields_piped_at_80_columns(run_fpmetrics):
    proc = run_fpmetrics("fields", env={"COLUMNS": None})
    out = proc.stdout.decode("utf-8")
    assert proc.returncode == 0
    assert "…" not in out
    assert "在编医疗卫生专业技术人员数" in out and "reported_policy_rate" in out


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        (["check"], "Usage: fpmetrics check [OPTIONS] INPUTS..."),
        (["score"], "Usage: fpmetrics score [OPTIONS] INPUTS..."),
        (["audit"], "Usage: fpmetrics audit [OPTIONS] INPUTS..."),
        (["funnel"], "Usage: fpmetrics funnel [OPTIONS] INDICATOR INPUTS..."),
        (["template"], "Usage: fpmetrics template [OPTIONS] OUTPUT"),
        (["rules", "show"], "Usage: fpmetrics rules show [OPTIONS] NAME"),
        (["rules", "validate"], "Usage: fpmetrics rules validate [OPTIONS] FILE"),
    ],
)
def test_usage_names_arguments_in_capitals(cli, args, usage):
    """Usage lines read `{inputs}...` / `{output}`, like unfilled placeholders."""
    help_text = cli(*args, "--help", "--lang", "en").stdout
    assert help_text.splitlines()[0] == usage
    assert "{" not in help_text.splitlines()[0]
    chinese = cli(*args, "--help").stdout  # help follows the language: Chinese by default
    assert chinese.splitlines()[0] == usage.replace("Usage: ", "用法: ")
    missing = cli(*args)  # a missing argument prints the usage line on stderr
    assert missing.exit_code == 2
    assert usage.replace("Usage: ", "用法: ") in missing.stderr


@pytest.mark.parametrize(("code", "status", "said"), [(None, 0, ""), (3, 3, ""), ("no", 1, "no")])
def test_console_exit_status_is_the_one_sys_exit_gives(code, status, said, capsys):
    from fpmetrics.cli import _exit_status

    assert _exit_status(code) == status
    assert capsys.readouterr().err.strip() == said
