"""Issue 14, input files: hostile or odd inputs end in a located problem (exit 1) or one clear
line (exit 2); never an internal error, a crash, or time and memory set by a sheet's declared
size rather than its data."""

from __future__ import annotations

import json

import pytest

from conftest import HEADERS

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
