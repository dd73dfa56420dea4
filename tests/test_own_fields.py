"""Issue 22: rule files that bring their own fields (docs/own-fields.md)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from conftest import assert_clean_error, run_cli

# A county's own rule file: two new counts and an indicator over them, in ten-odd lines.
COUNTY = """\
name: county
title: 某县自定指标
fields:
  married_women:
    name: 已婚育龄妇女数
    headers: [已婚育龄妇女人数, 育龄妇女数]
    register: {column: 身份证号}
  contraceptive_users:
    name: 采取避孕措施人数
    headers: [避孕人数]
    part_of: married_women
    register: {是否采取避孕措施: 是}
indicators:
  contraceptive_prevalence:
    name: 综合节育率
    numerator: contraceptive_users
    denominator: married_women
    scale: 100
    symbol: "%"
    min: 91.5
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def prevalence(data: dict) -> dict[str, tuple]:
    return {
        r["unit"]: (r["numerator"], r["denominator"], r["value"], r["status"])
        for r in data["results"]
        if r["indicator"] == "contraceptive_prevalence"
    }


def form_columns(ws) -> tuple[int, dict[str, int]]:
    """The form's header row and header → column (headers wrap between words: 乡镇⏎(街道))."""

    def text(cell) -> str:
        return str(cell.value or "").replace("\n", "")

    row = next(r for r in range(1, 10) if text(ws.cell(row=r, column=1)) == "乡镇(街道)")
    return row, {text(c): c.column for c in ws[row] if c.value}


@pytest.fixture
def county(tmp_path: Path) -> Path:
    return write(tmp_path, "county.yaml", COUNTY)


def test_county_fields_from_a_csv(tmp_path, county):
    # By hand: 甲镇 93 of 100 = 93% ≥ 91.5 passes; 乙镇 45 of 50 = 90% fails.
    csv = write(tmp_path, "t.csv", "乡镇,育龄妇女数,避孕人数\n甲镇,100,93\n乙镇,50,45\n")
    run = run_cli("check", csv, "--rules", county, "--format", "json")
    assert run.exit_code == 1, run
    got = prevalence(run.json())
    assert got == {"甲镇": (93, 100, 93.0, "pass"), "乙镇": (45, 50, 90.0, "fail")}


def test_declared_fields_are_checked_like_built_in_ones(tmp_path, county):
    csv = write(tmp_path, "t.csv", "乡镇,已婚育龄妇女人数,避孕人数\n甲镇,100,101\n乙镇,-3,2.5\n")
    run = run_cli("check", csv, "--rules", county, "--format", "json")
    assert run.exit_code == 1
    problems = {(p["row"], p["code"], p["column"]) for p in run.json()["problems"]}
    assert problems == {
        (2, "part_exceeds_whole", "避孕人数"),
        (3, "negative", "已婚育龄妇女人数"),
        (3, "fractional", "避孕人数"),
    }


def test_county_fields_from_the_generated_template(tmp_path, county):
    out = tmp_path / "form.xlsx"
    assert run_cli("template", out, "--rules", county, "--units", "甲镇,乙镇").exit_code == 0
    wb = load_workbook(out)
    ws = wb["填报表"]
    header_row, columns = form_columns(ws)
    assert {"已婚育龄妇女数", "采取避孕措施人数"} <= set(columns)
    values = {"甲镇": (200, 190), "乙镇": (40, 36)}  # 95% passes; 90% fails
    for r in (header_row + 1, header_row + 2):
        women, users = values[ws.cell(row=r, column=1).value]
        ws.cell(row=r, column=columns["已婚育龄妇女数"], value=women)
        ws.cell(row=r, column=columns["采取避孕措施人数"], value=users)
    wb.save(out)
    run = run_cli("check", out, "--rules", county, "--format", "json")
    assert prevalence(run.json()) == {
        "甲镇": (190, 200, 95.0, "pass"),
        "乙镇": (36, 40, 90.0, "fail"),
    }
    help_rows = [[c.value for c in row] for row in wb["填表说明"].iter_rows()]
    assert any(row[:2] == ["采取避孕措施人数", "contraceptive_users"] for row in help_rows)


def test_county_fields_from_a_register(tmp_path, county):
    # 甲镇: 4 women, 3 say 是 (the full-width and padded ones count) → 75%.
    # 乙镇: 2 women, both 是 → 100%. A row with no township counts nowhere.
    rows = [
        "乡镇,身份证号,是否采取避孕措施",
        "甲镇,110101199001011234,是",
        "甲镇,110101199001011242,否",
        "甲镇,110101199001011259, 是 ",
        "甲镇,110101199001011267,是",
        "乙镇,110101199001011275,是",
        "乙镇,110101199001011283,是",
        ",110101199001011291,是",
    ]
    register = write(tmp_path, "women.csv", "\n".join(rows) + "\n")
    run = run_cli("check", register, "--rules", county, "--format", "json")
    got = prevalence(run.json())
    assert got == {"甲镇": (3, 4, 75.0, "fail"), "乙镇": (2, 2, 100.0, "pass")}
    assert any(p["code"] == "missing_unit" for p in run.json()["problems"])


def test_fields_command_lists_declared_fields(county):
    run = run_cli("fields", "--rules", county)
    assert run.exit_code == 0, run
    assert "contraceptive_users" in run.stdout and "避孕人数" in run.stdout
    assert "是否采取避孕措施" in run.stdout  # the register column
    plain = run_cli("fields")
    assert "contraceptive_users" not in plain.stdout  # not leaked into the next command
    shown = run_cli("rules", "show", county)
    assert "本规则集声明的字段" in shown.stdout and "married_women" in shown.stdout


def test_a_fields_file_declares_fields_too(tmp_path):
    extra = write(
        tmp_path,
        "mine.yaml",
        """\
        fields:
          pregnant_women:
            name: 孕产妇数
            headers: [孕妇人数]
        aliases:
          births_male: [男孩数]
        """,
    )
    run = run_cli("fields", "--fields", extra)
    assert run.exit_code == 0, run
    assert "pregnant_women" in run.stdout and "孕妇人数" in run.stdout


def test_name_en_falls_back_and_missing_source_is_a_warning(county):
    run = run_cli("rules", "validate", county)
    assert run.exit_code == 0, run
    assert "indicators.contraceptive_prevalence" in run.stderr and "source" in run.stderr
    assert f"{county}:14:" in run.stderr  # the line of the indicator
    shown = run_cli("rules", "show", county, "--lang", "en")
    assert "综合节育率" in shown.stdout  # no name_en: the Chinese name


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (  # a built-in id
            """\
            name: x
            title: x
            fields:
              births:
                name: 出生总人数
            indicators: {}
            """,
            4,
            "births",
        ),
        (  # two fields claim one header
            """\
            name: x
            title: x
            fields:
              married_women:
                name: 已婚育龄妇女数
              women_15_49:
                name: 育龄妇女数
                headers: [已婚育龄妇女数]
            indicators: {}
            """,
            8,
            "已婚育龄妇女数",
        ),
        (  # a declared header that is a built-in field's
            """\
            name: x
            title: x
            fields:
              newborns:
                name: 新生儿数
                headers: [出生人数]
            indicators: {}
            """,
            6,
            "births",
        ),
        (  # part_of in a cycle
            """\
            name: x
            title: x
            fields:
              a_count:
                name: 甲数
                part_of: b_count
              b_count:
                name: 乙数
                part_of: a_count
            indicators: {}
            """,
            6,
            "a_count → b_count → a_count",
        ),
        (  # part_of an unknown field
            """\
            name: x
            title: x
            fields:
              a_count:
                name: 甲数
                part_of: nothing
            indicators: {}
            """,
            6,
            "nothing",
        ),
        (  # an indicator over an undeclared field
            """\
            name: x
            title: x
            indicators:
              prevalence:
                name: 综合节育率
                numerator: contraceptive_users
                denominator: births
                scale: 100
                min: 90
            """,
            6,
            "contraceptive_users",
        ),
    ],
    ids=[
        "builtin-id",
        "header-twice",
        "builtin-header",
        "part-cycle",
        "part-unknown",
        "undeclared",
    ],
)
def test_broken_fields_exit_2_with_file_and_line(tmp_path, text, line, words):
    path = write(tmp_path, "bad.yaml", text)
    for command in (("rules", "validate", path), ("check", path, "--rules", path)):
        run = run_cli(*command)
        assert_clean_error(run)
        assert f"{path}:{line}:" in run.stderr, run.stderr
        assert words in run.stderr, run.stderr
    english = run_cli("rules", "validate", path, "--lang", "en")
    assert_clean_error(english)
    assert f"{path}:{line}:" in english.stderr and "is invalid" in english.stderr, english.stderr
    assert "字段" not in english.stderr.replace(words, ""), english.stderr


def test_shipped_rule_sets_cite_every_threshold():
    from fpmetrics.ruleset.rules import load_ruleset, missing_sources, shipped_names

    assert {"default", "reproductive-health"} <= set(shipped_names())
    assert "fields" not in shipped_names()  # the built-in fields file is not a rule set
    for name in shipped_names():
        assert missing_sources(name) == [], name
        for key, rule in load_ruleset(name).indicators.items():
            assert rule.name_en, (name, key)


def test_rules_list_shows_both_sets():
    run = run_cli("rules", "list")
    assert run.exit_code == 0
    assert "reproductive-health" in run.stdout and "default" in run.stdout


def test_reproductive_health_template_round_trips(tmp_path):
    out = tmp_path / "rh.xlsx"
    assert (
        run_cli("template", out, "--rules", "reproductive-health", "--units", "甲镇").exit_code == 0
    )
    wb = load_workbook(out)
    ws = wb["填报表"]
    header_row, columns = form_columns(ws)
    # By hand: 综合节育率 460/500 = 92% (pass), 长效 450/460 = 97.8% (fail), 男性 90/300 = 30%.
    figures = {
        "已婚育龄妇女数": 500,
        "落实节育措施人数": 460,
        "长效避孕节育人数": 450,
        "孕产妇数": 50,
        "接受孕期保健人数": 49,
        "计划怀孕夫妇数": 40,
        "接受优生咨询数": 40,
        "应实施出生缺陷干预人数": 20,
        "已实施出生缺陷干预人数": 20,
        "生殖健康建档人数": 500,
        "育龄群众数": 305,
        "接受生殖健康服务人数": 300,
        "接受服务男性人数": 90,
        "应随访节育手术人数": 12,
        "已随访节育手术人数": 12,
        "药具使用人数": 30,
        "药具已随访人数": 29,
    }
    assert set(figures) == set(columns) - {"乡镇(街道)", "统计期"}
    for header, value in figures.items():
        ws.cell(row=header_row + 1, column=columns[header], value=value)
    wb.save(out)
    run = run_cli("check", out, "--rules", "reproductive-health", "--format", "json")
    data = run.json()
    got = {r["indicator"]: (r["numerator"], r["denominator"], r["status"]) for r in data["results"]}
    assert got == {
        "contraceptive_prevalence": (460, 500, "pass"),
        "long_acting_share": (450, 460, "fail"),
        "prenatal_care_rate": (49, 50, "pass"),
        "preconception_counselling_rate": (40, 40, "pass"),
        "defect_intervention_rate": (20, 20, "pass"),
        "rh_file_rate": (500, 500, "pass"),
        "rh_service_uptake": (300, 305, "pass"),  # 98.36%
        "surgery_followup_rate": (12, 12, "pass"),
        "male_share_served": (90, 300, "pass"),
        "supply_followup_rate": (29, 30, "fail"),
    }
    assert [p for p in data["problems"] if p["level"] == "error"] == []
    assert run.exit_code == 1


def test_builtin_fields_file_is_valid_declarations():
    from fpmetrics.normalise.field_decls import FieldDecl
    from fpmetrics.normalise.fields import builtin_file

    data = yaml.safe_load(builtin_file().read_text(encoding="utf-8"))["fields"]
    assert len(data) == 23
    for name, field in data.items():
        if field.get("kind") != "key":
            FieldDecl.model_validate(field)
        assert field["headers"], name


def test_a_register_yes_no_column_is_read_like_the_built_in_ones(tmp_path, county):
    # 是否采取避孕措施 declared with 是: a yes/no column. 不详 is neither: the record is an
    # unknown_code problem and counts nowhere (3 women counted in 甲镇, not 4); √ is a yes.
    rows = [
        "乡镇,身份证号,是否采取避孕措施",
        "甲镇,110101199001011234,是",
        "甲镇,110101199001011242,否",
        "甲镇,110101199001011259,不详",
        "甲镇,110101199001011267,√",
    ]
    register = write(tmp_path, "women.csv", "\n".join(rows) + "\n")
    data = run_cli("check", register, "--rules", county, "--format", "json").json()
    assert prevalence(data)["甲镇"][:2] == (2, 3)
    problems = [(p["row"], p["code"], p["column"]) for p in data["problems"]]
    assert problems == [(4, "unknown_code", "是否采取避孕措施")]


def test_explain_names_the_declared_fields(tmp_path, county):
    csv = write(tmp_path, "t.csv", "乡镇,育龄妇女数,避孕人数,备注\n甲镇,100,93,\n")
    run = run_cli("check", csv, "--rules", county, "--explain")
    assert "→ married_women (已婚育龄妇女数)" in run.stderr, run.stderr
    assert "→ contraceptive_users (采取避孕措施人数)" in run.stderr, run.stderr
    english = run_cli("check", csv, "--rules", county, "--explain", "--lang", "en")
    assert "→ contraceptive_users (采取避孕措施人数)" in english.stderr  # name_en: the name


def test_declared_fields_in_a_two_row_header_band(tmp_path, county):
    """Official-form header bands (docs/official-forms.md) work for declared fields too:
    育龄妇女数 over 小计 is the whole, 其中:避孕人数 under it the part."""
    band = "乡镇,育龄妇女数,育龄妇女数\n,小计,其中:避孕人数\n甲镇,200,190\n"
    csv = write(tmp_path, "band.csv", band)
    run = run_cli("check", csv, "--rules", county, "--format", "json")
    assert prevalence(run.json()) == {"甲镇": (190, 200, 95.0, "pass")}
