"""Issue 2, point 6: exit codes 0 / 1 / 2, --fail-on, every bad input and bad option, and
--output never overwriting an input."""

from __future__ import annotations

import random
import zipfile

import pytest

from conftest import SAMPLE_XLSX, assert_clean_error


@pytest.fixture
def passing(build):
    return build.csv("pass.csv", build.grid([build.town("张秋镇"), build.town("阿城镇")]))


@pytest.fixture
def failing(build):
    towns = [build.town("张秋镇"), build.town("七级镇", station_staff=9, station_tech_staff=5)]
    return build.csv("fail.csv", build.grid(towns))


@pytest.fixture
def warn_rules(tmp_path):
    path = tmp_path / "warn.yaml"
    path.write_text(
        "name: w\ntitle: w\nextends: default\nindicators:\n"
        "  tech_staff_share:\n    severity: warn\n",
        encoding="utf-8",
    )
    return path


def test_exit_0_when_every_check_passes(cli, passing):
    assert cli("check", passing).exit_code == 0
    assert cli("check", passing, "--format", "json").exit_code == 0


def test_exit_0_with_no_data(cli, build):
    town = build.town(
        "大布乡", migrant_women=0, migrant_archived=0, migrant_certified=0, migrant_contacted=0
    )
    assert cli("check", build.csv("t.csv", build.grid([town]))).exit_code == 0


def test_exit_1_when_a_check_fails(cli, failing):
    assert cli("check", failing).exit_code == 1
    assert cli("check", failing, "--format", "csv").exit_code == 1


def test_exit_1_when_a_check_is_invalid(cli, build):
    path = build.csv("t.csv", build.grid([build.town("张秋镇", station_staff="十")]))
    result = cli("check", path, "--format", "json")
    assert result.exit_code == 1
    assert result.json()["summary"]["fail"] == 0
    assert result.json()["summary"]["invalid"] == 1


@pytest.mark.slow
def test_warn_exits_0_unless_fail_on_warn(cli, failing, warn_rules):
    assert cli("check", failing, "--rules", warn_rules).exit_code == 0
    assert cli("check", failing, "--rules", warn_rules, "--fail-on", "fail").exit_code == 0
    assert cli("check", failing, "--rules", warn_rules, "--fail-on", "warn").exit_code == 1
    assert cli("check", failing, "--rules", warn_rules, "--fail-on", "never").exit_code == 0


def test_fail_on_never_exits_0_with_failures(cli, failing, build):
    assert cli("check", failing, "--fail-on", "never").exit_code == 0
    invalid = build.csv("i.csv", build.grid([build.town("张秋镇", station_staff=-1)]))
    assert cli("check", invalid, "--fail-on", "never").exit_code == 0


def test_fail_on_warn_still_exits_1_on_fail(cli, failing):
    assert cli("check", failing, "--fail-on", "warn").exit_code == 1


# ---------------------------------------------------------------------- bad inputs


def _random_bytes(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def _truncated_xlsx(build):
    data = SAMPLE_XLSX.read_bytes()
    return build.bytes("truncated.xlsx", data[: len(data) // 2])


def _zip_without_workbook(build):
    path = build.root / "not_a_workbook.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "你好")
    return path


def _xlsx_with_broken_sheet(build):
    source = zipfile.ZipFile(SAMPLE_XLSX)
    path = build.root / "broken_sheet.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        for name in source.namelist():
            data = source.read(name)
            if name.startswith("xl/worksheets/sheet"):
                data = data[: len(data) // 2]
            zf.writestr(name, data)
    return path


def _empty_workbook(build):
    from openpyxl import Workbook

    path = build.root / "empty.xlsx"
    Workbook().save(path)
    return path


BAD_INPUTS = {
    "missing_file": lambda b: b.root / "no_such_file.xlsx",
    "empty_csv": lambda b: b.bytes("empty.csv", b""),
    "empty_xlsx_bytes": lambda b: b.bytes("empty.xlsx", b""),
    "blank_lines_csv": lambda b: b.bytes("blank.csv", b"\r\n\r\n\r\n"),
    "random_bytes_xlsx": lambda b: b.bytes("random.xlsx", _random_bytes(4096, 1)),
    "random_bytes_csv": lambda b: b.bytes("random.csv", _random_bytes(4096, 2)),
    "zip_magic_then_junk": lambda b: b.bytes("junk.xlsx", b"PK\x03\x04" + _random_bytes(4096, 3)),
    "ole_magic_then_junk": lambda b: b.bytes(
        "junk.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + _random_bytes(4096, 4)
    ),
    "truncated_xlsx": _truncated_xlsx,
    "zip_without_workbook": _zip_without_workbook,
    "xlsx_with_broken_sheet": _xlsx_with_broken_sheet,
    "empty_workbook": _empty_workbook,
    "no_recognisable_header": lambda b: b.text("nohdr.csv", "a,b,c\n1,2,3\n4,5,6\n"),
    "only_a_township_column": lambda b: b.text("unit.csv", "乡镇,备注\n张秋镇,无\n"),
    "html_saved_as_xls": lambda b: b.text(
        "table.xls", "<html><body><table><tr><td>乡镇</td></tr></table></body></html>"
    ),
    "folder_without_spreadsheets": lambda b: (b.root / "empty_dir").mkdir() or b.root / "empty_dir",
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_exits_2_with_a_message(cli, build, case):
    path = BAD_INPUTS[case](build)
    result = cli("check", path, "--format", "json")
    assert_clean_error(result)
    assert result.stdout == ""
    assert path.name in result.stderr


def test_one_bad_file_among_good_ones_stops_the_run(cli, build, passing):
    missing = build.root / "missing.csv"
    result = cli("check", passing, missing)
    assert_clean_error(result)
    assert "missing.csv" in result.stderr


@pytest.mark.parametrize(
    "make",
    [  # one case in the fast set; the in-process runs above cover every bad input
        pytest.param(
            lambda b: b.bytes("random.xlsx", _random_bytes(4096, 1)), marks=pytest.mark.slow
        ),
        pytest.param(_truncated_xlsx, marks=pytest.mark.slow),
        pytest.param(lambda b: b.bytes("empty.csv", b""), marks=pytest.mark.slow),
        lambda b: b.root / "no_such_file.csv",
    ],
    ids=["random_xlsx", "truncated_xlsx", "empty_csv", "missing"],
)
def test_bad_input_in_a_real_process_has_no_traceback(run_fpmetrics, build, make):
    path = make(build)
    proc = run_fpmetrics("check", path)
    stderr = proc.stderr.decode("utf-8")
    assert proc.returncode == 2, stderr
    assert "Traceback" not in stderr
    assert "internal error" not in stderr
    assert stderr.strip()
    assert proc.stdout == b""


# ---------------------------------------------------------------------- bad options


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "xml"],
        ["--fail-on", "sometimes"],
        ["--lang", "fr"],
        ["--no-such-option"],
        ["--rules", "no_such_rules"],
        ["--format", "xlsx"],  # a binary format needs --output
    ],
    ids=["format", "fail_on", "lang", "unknown_option", "rules", "xlsx_to_stdout"],
)
def test_bad_option_exits_2(cli, passing, args):
    result = cli("check", passing, *args)
    assert_clean_error(result)


def test_check_without_inputs_exits_2(cli):
    result = cli("check")
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr


def test_unknown_command_exits_2(cli):
    result = cli("chekc", "x.csv")
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr


def test_output_into_a_missing_folder_exits_2(cli, passing, tmp_path):
    result = cli("check", passing, "--output", tmp_path / "no" / "such" / "dir" / "r.csv")
    assert_clean_error(result)


# ---------------------------------------------------------------------- output onto input


@pytest.mark.parametrize("fmt", [[], ["--format", "json"], ["--format", "csv"]])
def test_output_onto_the_input_is_refused(cli, failing, fmt):
    before = failing.read_bytes()
    result = cli("check", failing, "--output", failing, *fmt)
    assert_clean_error(result)
    assert failing.read_bytes() == before


def test_output_onto_the_input_by_another_spelling_is_refused(cli, failing, tmp_path):
    before = failing.read_bytes()
    (tmp_path / "sub").mkdir()
    other = tmp_path / "sub" / ".." / failing.name
    result = cli("check", failing, "--output", other)
    assert_clean_error(result)
    assert failing.read_bytes() == before


def test_output_onto_an_xlsx_input_is_refused(cli, build):
    path = build.xlsx("data.xlsx", build.grid([build.town("张秋镇")]))
    before = path.read_bytes()
    result = cli("check", path, "--output", path)
    assert_clean_error(result)
    assert path.read_bytes() == before


def test_output_onto_an_input_inside_a_folder_is_refused(cli, build, tmp_path):
    """A folder on the command line means the spreadsheets in it are the inputs."""
    folder = tmp_path / "reports"
    folder.mkdir()
    build.root = folder
    path = build.csv("births.csv", build.grid([build.town("张秋镇")]))
    before = path.read_bytes()
    result = cli("check", folder, "--output", path)
    assert_clean_error(result)
    assert path.read_bytes() == before


# ---------------------------------------------------------------------- messages in one language


@pytest.mark.parametrize(
    "make", [lambda b: b.bytes("empty.csv", b""), lambda b: b.bytes("empty.xlsx", b""),
             lambda b: b.bytes("blank.csv", b"\xef\xbb\xbf\r\n\r\n")],
    ids=["csv", "xlsx", "blank_lines"],
)  # fmt: skip
@pytest.mark.parametrize("command", ["check", "score", "audit"])
def test_empty_file_says_it_is_empty(cli, build, make, command):
    path = make(build)
    result = cli(command, path)
    assert_clean_error(result)
    assert f"文件 {path} 是空的" in result.stderr
    assert "表头" not in result.stderr  # not "no recognisable header in the first 30 rows"
    en = cli(command, path, "--lang", "en")
    assert f"{path} is empty" in en.stderr


def test_empty_file_inside_a_folder_is_skipped(cli, build, passing):
    build.bytes("empty.csv", b"")
    result = cli("check", build.root, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert any(p["code"] == "file_skipped" for p in result.json()["problems"])


def test_unknown_output_suffix_is_refused(cli, passing, tmp_path):
    out = tmp_path / "r.foo"
    result = cli("score", passing, "--output", out)
    assert_clean_error(result)
    assert not out.exists()
    for suffix in (".json", ".csv", ".md", ".html", ".xlsx", ".txt"):
        assert suffix in result.stderr
    assert "--format" in result.stderr
    assert_clean_error(cli("check", passing, "--output", tmp_path / "report"))  # no suffix
    # With --format the name is the user's business.
    assert cli("check", passing, "--output", out, "--format", "json").exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("{")


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (["check", "{csv}", "--format", "xlsx"], "--format xlsx 需要用 --output 指定要写入的文件",
         "--format xlsx needs --output FILE"),
        (["template", "{tmp}/t.xls"], "填报模板是 .xlsx 文件", "the template is an .xlsx file"),
        (["funnel", "no_such_rate", "{csv}"], "没有指标 no_such_rate",
         "no indicator 'no_such_rate'"),
        (["funnel", "sex_ratio_at_birth", "{csv}", "--target", "x"], "--target 只能是",
         "--target must be"),
        (["funnel", "sex_ratio_at_birth", "{csv}", "--overdispersion", "x"],
         "--overdispersion 只能是", "--overdispersion must be"),
        (["funnel", "sex_ratio_at_birth", "{csv}", "-o", "{tmp}/f.pdf"], "漏斗图只能写成",
         "the chart is written as"),
        (["check", "{csv}", "--units", ","], "--units 中没有乡镇名称", "--units names no township"),
    ],
    ids=["needs_output", "template_suffix", "indicator", "target", "overdispersion",
         "chart_suffix", "units"],
)  # fmt: skip
def test_option_messages_are_in_the_chosen_language(cli, passing, tmp_path, args, zh, en):
    """'选项错误: --format xlsx needs --output FILE' mixed the two languages."""
    argv = [a.format(csv=passing, tmp=tmp_path) for a in args]
    result = cli(*argv)
    assert_clean_error(result)
    assert result.stderr.startswith("选项错误: ") and zh in result.stderr, result.stderr
    english = cli(*argv, "--lang", "en")
    assert_clean_error(english)
    assert english.stderr.startswith("Bad option: ") and en in english.stderr, english.stderr


def test_no_such_sheet_in_the_chosen_language(cli):
    zh = cli("check", SAMPLE_XLSX, "--sheet", "nope")
    assert_clean_error(zh)
    assert "没有名为“nope”的工作表(有: 乡镇汇总)" in zh.stderr
    en = cli("check", SAMPLE_XLSX, "--sheet", "nope", "--lang", "en")
    assert "no sheet named 'nope' (sheets: 乡镇汇总)" in en.stderr
