"""Official report forms (国人口统1表, provincial birth forms, the in-migrant form), built as an
office's spreadsheet holds them, read through ``fpmetrics check`` and compared indicator by
indicator with values worked out by hand here."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import by_key, problem_set
from form_builders import (
    MIGRANT_TOWNS,
    NATIONAL_TOWNS,
    PROVINCIAL_TOWNS,
    migrant_form,
    national_form_1,
    provincial_birth_form,
)


def _check(cli, path: Path, *extra: object) -> dict:
    result = cli("check", path, "--format", "json", "--fail-on", "never", *extra)
    assert result.exit_code == 0, result.stderr
    return result.json()


def _value(data: dict, unit: str, indicator: str) -> float | None:
    return by_key(data)[(unit, indicator)]["value"]


# ---------------------------------------------------------------- 国人口统1表


def _national_expected(town: dict[str, int]) -> dict[str, float]:
    planned = town["p1_plan"] + town["p2_plan"] + town["p3_plan"]
    return {
        "policy_birth_rate": planned / town["births"] * 100,
        "crude_birth_rate": town["births"] / town["pop"] * 1000,
    }


def _assert_national(data: dict) -> None:
    units = {r["unit"] for r in data["results"]}
    assert units == set(NATIONAL_TOWNS)  # never a township called 地区 or 甲
    assert not [p for p in data["problems"] if p["level"] == "error"], data["problems"]
    assert not [p for p in data["problems"] if p["code"] == "totals_mismatch"]
    for name, town in NATIONAL_TOWNS.items():
        for indicator, expected in _national_expected(town).items():
            assert _value(data, name, indicator) == pytest.approx(expected, abs=0.01), (
                name,
                indicator,
            )
        # The form has no boys/girls, deaths or migrant columns: those stay no_data.
        for indicator in ("sex_ratio_at_birth", "natural_growth_rate", "migrant_archive_rate"):
            assert by_key(data)[(name, indicator)]["status"] == "no_data"


def test_national_form_1_xlsx_with_merges(cli, tmp_path: Path) -> None:
    path = national_form_1().xlsx(tmp_path / "国人口统1表.xlsx")
    _assert_national(_check(cli, path))


def test_national_form_1_without_merges(cli, tmp_path: Path) -> None:
    """A re-save that lost the merges: the band is read from the layout alone."""
    path = national_form_1().xlsx(tmp_path / "统1表.xlsx", merges=False)
    _assert_national(_check(cli, path))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_national_form_1_csv(cli, tmp_path: Path, encoding: str) -> None:
    path = national_form_1().csv(tmp_path / "统1表.csv", encoding=encoding)
    _assert_national(_check(cli, path))


def test_national_form_1_explain_lists_the_columns_added(cli, tmp_path: Path) -> None:
    path = national_form_1().xlsx(tmp_path / "统1表.xlsx")
    result = cli("check", path, "--explain", "--fail-on", "never")
    assert "表头在第 4–5 行" in result.stderr
    assert "H+J+L" in result.stderr
    assert "births_policy" in result.stderr
    assert "由 3 列相加" in result.stderr
    assert result.stderr.count("其中:计划内") == 3


def test_second_header_row_is_never_a_unit(cli, tmp_path: Path) -> None:
    path = national_form_1().xlsx(tmp_path / "统1表.xlsx")
    data = _check(cli, path)
    assert "地区" not in {r["unit"] for r in data["results"]}
    assert not [p for p in data["problems"] if p["code"] == "not_a_number"]


def test_empty_part_is_a_warning_on_its_cell(cli, tmp_path: Path) -> None:
    towns = {k: dict(v) for k, v in NATIONAL_TOWNS.items()}
    form = national_form_1(towns)
    row = next(i for i, r in enumerate(form.rows) if r[0] == "定水乡")
    form.rows[row][11] = None  # 多孩出生 其中:计划内 left empty (it was 0)
    data = _check(cli, form.xlsx(tmp_path / "统1表.xlsx"))
    assert ("part_empty", "warning", row + 1, "多孩出生其中:计划内") in problem_set(data)
    town = towns["定水乡"]
    expected = (town["p1_plan"] + town["p2_plan"]) / town["births"] * 100
    assert _value(data, "定水乡", "policy_birth_rate") == pytest.approx(expected, abs=0.01)
    assert len([p for p in data["problems"] if p["code"] == "part_empty"]) == 1


def test_part_that_is_not_a_number_makes_the_field_invalid(cli, tmp_path: Path) -> None:
    form = national_form_1()
    row = next(i for i, r in enumerate(form.rows) if r[0] == "阿城镇")
    form.rows[row][9] = "约100"
    data = _check(cli, form.xlsx(tmp_path / "统1表.xlsx"))
    assert by_key(data)[("阿城镇", "policy_birth_rate")]["status"] == "invalid"
    errors = [p for p in data["problems"] if p["code"] == "not_a_number"]
    assert [(p["row"], "约100" in p["message"]) for p in errors] == [(row + 1, True)]


def test_whole_column_wins_over_parts(cli, tmp_path: Path) -> None:
    """A form that gives 符合政策生育数 itself: the 计划内 parts are not added to it."""
    form = national_form_1()
    header = form.header_rows[0] - 1
    for r, row in enumerate(form.rows):
        if r == header:
            row.append("符合政策生育数")
        elif r == header + 1:
            row.append(None)
        elif r > header + 2 and row[0] in NATIONAL_TOWNS:
            row.append(100)
        else:
            row.append(None)
    form.merges.append(f"M{header + 1}:M{header + 2}")
    data = _check(cli, form.xlsx(tmp_path / "统1表.xlsx"))
    for name, town in NATIONAL_TOWNS.items():
        expected = 100 / town["births"] * 100
        assert _value(data, name, "policy_birth_rate") == pytest.approx(expected, abs=0.01)


def test_two_whole_columns_that_differ_are_an_error(cli, tmp_path: Path) -> None:
    """Two columns that both claim the whole field (not parts of it): the first is used, the
    second named by --explain; where they differ, an error and the indicator is invalid."""
    grid = [
        ["乡镇", "出生人数", "符合政策生育数", "政策内出生数"],
        ["城关镇", 100, 96, 50],
    ]
    from form_builders import Form

    path = Form(rows=grid, merges=[], header_rows=(1, 1)).xlsx(tmp_path / "dup.xlsx")
    result = cli("check", path, "--explain", "--fail-on", "never")
    assert "重复的列(只用第一列): 政策内出生数" in result.stderr
    data = _check(cli, path)
    assert by_key(data)[("城关镇", "policy_birth_rate")]["status"] == "invalid"
    [error] = [p for p in data["problems"] if p["code"] == "repeated_column"]
    assert (error["level"], error["row"], error["column"]) == ("error", 2, "政策内出生数")
    assert "50" in error["message"] and "96" in error["message"]


def test_two_whole_columns_that_agree_are_no_error(cli, tmp_path: Path) -> None:
    from form_builders import Form

    grid = [["乡镇", "出生人数", "符合政策生育数", "政策内出生数"], ["城关镇", 100, 96, 96]]
    path = Form(rows=grid, merges=[], header_rows=(1, 1)).xlsx(tmp_path / "same.xlsx")
    data = _check(cli, path)
    assert data["problems"] == []
    assert _value(data, "城关镇", "policy_birth_rate") == pytest.approx(96.0)


# ---------------------------------------------------------------- provincial birth form


@pytest.mark.parametrize("word", ["其中:符合政策", "其中:政策内", "其中:合法生育", "计划内"])
@pytest.mark.parametrize("merges", [True, False])
def test_provincial_birth_form(cli, tmp_path: Path, word: str, merges: bool) -> None:
    path = provincial_birth_form(policy_word=word).xlsx(tmp_path / "出生.xlsx", merges=merges)
    data = _check(cli, path)
    assert {r["unit"] for r in data["results"]} == set(PROVINCIAL_TOWNS)
    assert not [p for p in data["problems"] if p["level"] == "error"], data["problems"]
    for name, t in PROVINCIAL_TOWNS.items():
        boys = t["m1"] + t["m2"] + t["m3"]
        girls = t["f1"] + t["f2"] + t["f3"]
        births = boys + girls
        expected = {
            "sex_ratio_at_birth": boys / girls * 100,
            "policy_birth_rate": (t["ok1"] + t["ok2"] + t["ok3"]) / births * 100,
            "crude_birth_rate": births / t["pop"] * 1000,
            "natural_growth_rate": (births - t["deaths"]) / t["pop"] * 1000,
        }
        for indicator, value in expected.items():
            assert _value(data, name, indicator) == pytest.approx(value, abs=0.01), (
                name,
                indicator,
            )


def test_parity_counts_add_up_to_births_where_no_total_is_given(cli, tmp_path: Path) -> None:
    """One column per parity and no births column: the parities are the births."""
    grid = [
        ["乡镇(街道)", "年末总人口", "出生人数", None, None, "符合政策生育数"],
        [None, None, "一孩", "二孩", "三孩及以上", None],
        ["城关镇", 40000, 200, 150, 10, 340],
    ]
    from form_builders import Form

    form = Form(rows=grid, merges=["A1:A2", "B1:B2", "C1:E1", "F1:F2"], header_rows=(1, 2))
    data = _check(cli, form.xlsx(tmp_path / "孩次.xlsx"))
    assert _value(data, "城关镇", "policy_birth_rate") == pytest.approx(340 / 360 * 100, abs=0.01)
    assert _value(data, "城关镇", "crude_birth_rate") == pytest.approx(360 / 40000 * 1000, abs=0.01)


# ---------------------------------------------------------------- in-migrant form


@pytest.mark.parametrize("kind", ["xlsx", "xlsx-no-merges", "csv"])
def test_migrant_form(cli, tmp_path: Path, kind: str) -> None:
    form = migrant_form()
    if kind == "csv":
        path = form.csv(tmp_path / "流入.csv", encoding="gb18030")
    else:
        path = form.xlsx(tmp_path / "流入.xlsx", merges=kind == "xlsx")
    data = _check(cli, path)
    assert {r["unit"] for r in data["results"]} == set(MIGRANT_TOWNS)
    assert not [p for p in data["problems"] if p["level"] == "error"], data["problems"]
    for name, t in MIGRANT_TOWNS.items():
        expected = {
            "migrant_archive_rate": t["archived"] / t["women"] * 100,
            "migrant_certificate_rate": t["checked"] / t["women"] * 100,
            "migrant_contact_rate": t["feedback"] / t["women"] * 100,
        }
        for indicator, value in expected.items():
            assert _value(data, name, indicator) == pytest.approx(value, abs=0.01)


# ---------------------------------------------------------------- functions


def test_match_band_structure_decides() -> None:
    from fpmetrics.normalise.field_parts import match_band
    from fpmetrics.normalise.fields import alias_table

    labels = [
        ("乡镇",),
        ("出生人数", "小计"),
        ("一孩", "政策内"),  # 政策内 alone names births_policy: under a parity it is a part
        ("二孩", "政策内"),
        ("一孩", "男"),
        ("二孩", "男"),
        ("流入已婚育龄妇女", "合计"),
    ]
    match = match_band(labels, alias_table())
    assert match.whole == {0: "township", 1: "births", 6: "migrant_women"}
    assert match.parts == {"births_policy": [2, 3], "births_male": [4, 5]}


def test_summed_rows_vectorised() -> None:
    import pandas as pd

    from fpmetrics.normalise.summed_fields import summed

    raw = pd.DataFrame({0: [1, None, "", "x"], 1: ["２", None, 3, 4], 2: [3, None, None, 1]})
    total, gaps = summed(raw)
    assert list(total) == [6.0, None, 3.0, "x"]
    assert gaps.to_numpy().tolist() == [
        [False, False, False],
        [False, False, False],
        [True, False, True],
        [False, False, False],
    ]


def test_totals_row_first_is_a_checksum_of_summed_fields(cli, tmp_path: Path) -> None:
    """合计 comes first on 国人口统1表: it is no unit, and it checks the townships' sums,
    summed fields included."""
    form = national_form_1()
    row = next(i for i, r in enumerate(form.rows) if r[0] == "合计")
    form.rows[row][7] += 5  # 一孩出生 其中:计划内 on the 合计 row: 5 too many
    data = _check(cli, form.xlsx(tmp_path / "统1表.xlsx"))
    mismatches = [p for p in data["problems"] if p["code"] == "totals_mismatch"]
    assert [(p["row"], p["level"]) for p in mismatches] == [(row + 1, "warning")]
    assert "计划内" in mismatches[0]["column"]
    assert "合计" not in {r["unit"] for r in data["results"]}


def test_a_provinces_own_wording_through_a_fields_file(cli, tmp_path: Path) -> None:
    """符合生育政策 is no built-in word; a fields file names it, and under each parity it is
    then a part of births_policy (docs/official-forms.md)."""
    form = provincial_birth_form(policy_word="其中:符合生育政策")
    path = form.xlsx(tmp_path / "本省出生.xlsx")
    before = _check(cli, path)
    assert by_key(before)[("张秋镇", "policy_birth_rate")]["status"] == "no_data"
    fields = tmp_path / "本省.yaml"
    fields.write_text("aliases:\n  births_policy: [符合生育政策]\n", encoding="utf-8")
    after = _check(cli, path, "--fields", fields)
    t = PROVINCIAL_TOWNS["张秋镇"]
    births = sum(t[k] for k in ("m1", "f1", "m2", "f2", "m3", "f3"))
    expected = (t["ok1"] + t["ok2"] + t["ok3"]) / births * 100
    assert _value(after, "张秋镇", "policy_birth_rate") == pytest.approx(expected, abs=0.01)


def test_header_written_twice_instead_of_merged(cli, tmp_path: Path) -> None:
    """地区 typed into both header rows (no merge), the lower row holding only units: the lower
    row is still the header, never a township called 地区."""
    from form_builders import Form

    grid = [
        ["地区", "本期出生人数", "期末人口总数"],
        ["地区", "(人)", "(人)"],
        ["城关镇", 520, 52000],
    ]
    path = Form(rows=grid, merges=[], header_rows=(1, 2)).xlsx(tmp_path / "units.xlsx")
    data = _check(cli, path)
    assert {r["unit"] for r in data["results"]} == {"城关镇"}
    assert data["problems"] == []
    assert _value(data, "城关镇", "crude_birth_rate") == pytest.approx(10.0)
