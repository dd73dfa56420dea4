"""An unfilled form is no pass: nothing evaluated exits 1 in one line; empty townships warned."""

from __future__ import annotations

from pathlib import Path

from conftest import problem_set


def test_unfilled_template_exits_1_with_one_line(cli, tmp_path: Path) -> None:
    form = tmp_path / "form.xlsx"
    assert cli("template", form, "--units", "城关镇、阿城镇").exit_code == 0
    result = cli("check", form)
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if "没有任何指标能够计算" in line]
    assert len(lines) == 1
    assert str(form) in lines[0]
    assert "出生男婴数" in lines[0] and "年平均人口" in lines[0]


def test_unfilled_template_without_units_exits_1(cli, tmp_path: Path) -> None:
    form = tmp_path / "blank.xlsx"
    assert cli("template", form).exit_code == 0
    result = cli("check", form, "--fail-on", "never")
    assert result.exit_code == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert "没有任何指标能够计算" in result.stderr


def test_empty_township_is_warned_by_name(cli, build, tmp_path: Path) -> None:
    grid = build.grid(
        [build.town("城关镇"), {"township": "阿城镇"}], fields=["births_male", "births_female"]
    )
    path = build.xlsx("partly.xlsx", grid)
    result = cli("check", path, "--format", "json", "--fail-on", "never")
    assert result.exit_code == 0, result.stderr  # 城关镇 was evaluated
    data = result.json()
    assert ("unit_empty", "warning", 3, "乡镇(街道)") in problem_set(data)
    warned = [p for p in data["problems"] if p["code"] == "unit_empty"]
    assert len(warned) == 1 and "阿城镇" in warned[0]["message"]


def test_nothing_evaluated_in_english(cli, build) -> None:
    grid = build.grid([{"township": "Town A"}], fields=["population", "births"])
    path = build.csv("empty.csv", grid)
    result = cli("check", path, "--lang", "en")
    assert result.exit_code == 1
    assert "no indicator could be evaluated" in result.stderr
    assert "average population" in result.stderr
