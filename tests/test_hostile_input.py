"""Issue 14, input files: hostile or odd inputs end in a located problem (exit 1) or one clear
line (exit 2); never an internal error, a crash, or time and memory set by a sheet's declared
size rather than its data."""

from __future__ import annotations

import json

import pytest

from conftest import HEADERS, assert_clean_error

CSV_HEADER = [HEADERS["township"], HEADERS["population"], HEADERS["births"], HEADERS["deaths"]]


def _csv(rows: list[list[object]]) -> str:
    return "\n".join(",".join(map(str, row)) for row in rows) + "\n"


def _refuse(name: str) -> None:
    raise AssertionError(f"non-finite number {name} in JSON")


def _no_bug(result) -> None:
    assert result.code in (0, 1, 2), (result.code, result.stderr)
    assert "internal error" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------- 7: numbers that are no count


@pytest.mark.parametrize("value", ["inf", "-inf", "1e309", "9" * 400, "1e30", "Infinity"])
def test_non_finite_or_huge_count_is_a_located_problem(build, cli, value):
    path = build.text(
        "c.csv", _csv([CSV_HEADER, ["甲镇", value, value, 10], ["乙镇", 20000, 200, 100]])
    )
    result = cli("check", path, "--format", "json", "--lang", "en")
    _no_bug(result)
    assert result.code == 1
    data = json.loads(result.stdout, parse_constant=_refuse)  # no Infinity or NaN numbers
    found = {(p["code"], p["row"], p["column"]) for p in data["problems"]}
    assert ("too_large", 2, HEADERS["population"]) in found
    assert ("too_large", 2, HEADERS["births"]) in found
    message = next(p["message"] for p in data["problems"] if p["code"] == "too_large")
    assert len(message) < 200  # a 400-digit cell is cut short in the message


def test_minus_zero_is_zero(build, cli):
    path = build.text("c.csv", _csv([CSV_HEADER, ["甲镇", 20000, 200, "-0"]]))
    result = cli("check", path, "--format", "json")
    _no_bug(result)
    data = json.loads(result.stdout)
    assert not [p for p in data["problems"] if p["code"] in ("negative", "too_large")]


# ---------------------------------------------------------------- 4: a header without rows


@pytest.mark.parametrize("command", ["check", "score", "audit"])
def test_header_without_rows_does_not_crash(build, cli, command):
    path = build.text("empty.csv", _csv([CSV_HEADER]))
    result = cli(command, path, "--lang", "en")
    _no_bug(result)


def test_unfilled_template_does_not_crash(cli, tmp_path):
    template = tmp_path / "t.xlsx"
    assert cli("template", template).code == 0
    result = cli("check", template, "--format", "json")
    _no_bug(result)
    assert json.loads(result.stdout)["results"] == []
    prefilled = tmp_path / "p.xlsx"
    assert cli("template", prefilled, "--units", "甲镇,乙镇").code == 0
    _no_bug(cli("check", prefilled, "--format", "json"))


# ---------------------------------------------------------------- 2, 3, 5, 6: CSV text

ROWS = [CSV_HEADER, ["甲镇", 20000, 200, 100], ["乙镇", 30000, 300, 150]]


def _units(result) -> set[str]:
    return {u["unit"] for u in json.loads(result.stdout)["units"]}


def test_million_trailing_blank_lines_are_fast(build, cli):
    path = build.text("blank.csv", _csv(ROWS) + "\n" * 1_000_000 + ",,,\n" * 1000)
    result = cli("check", path, "--format", "json")
    _no_bug(result)
    assert _units(result) == {"甲镇", "乙镇"}


def test_blank_lines_inside_a_table_are_skipped_fast(build, cli):
    path = build.text("blank.csv", _csv(ROWS[:2]) + "\n" * 200_000 + _csv(ROWS[2:]))
    result = cli("check", path, "--format", "json")
    _no_bug(result)
    assert _units(result) == {"甲镇", "乙镇"}


def test_cr_only_line_endings_read_like_crlf(build, cli):
    mac = build.bytes("mac.csv", _csv(ROWS).replace("\n", "\r").encode("utf-8"))
    unix = build.text("unix.csv", _csv(ROWS))
    a, b = cli("check", mac, "--format", "json"), cli("check", unix, "--format", "json")
    _no_bug(a)
    assert json.loads(a.stdout)["results"] == json.loads(b.stdout)["results"]


def test_field_over_128kb_in_first_256kb_is_read(build, cli):
    rows = [[*CSV_HEADER, "备注"], ["甲镇", 20000, 200, 100, "x" * 200_000], ["乙镇", 1, 0, 0, ""]]
    path = build.text("big.csv", _csv(rows))
    result = cli("check", path, "--format", "json")
    _no_bug(result)
    assert _units(result) == {"甲镇", "乙镇"}


def test_very_long_line_is_refused_early(build, cli):
    path = build.bytes("line.csv", _csv(ROWS).encode() + b"1," * 3_000_000)
    result = cli("check", path, "--lang", "en")
    assert_clean_error(result)
    assert "line 4 is longer than 1 MB" in result.stderr


def test_single_huge_line_is_refused_from_its_start(build, cli):
    path = build.bytes("one.csv", b"x" * 5_000_000)
    result = cli("check", path, "--lang", "en")
    assert_clean_error(result)
    assert "line 1 is longer than" in result.stderr


def test_bom_with_a_bad_byte_is_located(build, cli):
    data = ("\ufeff" + _csv(ROWS)).encode("utf-8")
    cut = data.index("乙镇".encode()) + 1  # inside the first character of line 3
    path = build.bytes("bom.csv", data[:cut] + b"\xff" + data[cut + 1 :])
    result = cli("check", path, "--lang", "en")
    assert_clean_error(result)
    assert "line 3" in result.stderr and "UTF-8" in result.stderr
    assert "CSV UTF-8" in result.stderr


def test_wide_header_is_fast(build, cli):
    header = CSV_HEADER + [f"列{i}" for i in range(16384)]
    rows = [header, ["甲镇", 20000, 200, 100, *[""] * 16384]]
    result = cli("check", build.text("wide.csv", _csv(rows)), "--format", "json")
    _no_bug(result)
    assert _units(result) == {"甲镇"}
