"""Issue 2, point 2: the shipped rule set, rule-file validation with file:line, extends."""

from __future__ import annotations

import re
import textwrap

import pytest

from conftest import INDICATORS, assert_clean_error, by_key
from fpmetrics.errors import InputError
from fpmetrics.ruleset.rules import load_ruleset

# id → (numerator, denominator, scale, min, max), from indicators.md
DEFAULT = {
    "sex_ratio_at_birth": ("births_male", "births_female", 100, 103, 107),
    "tech_staff_share": ("station_tech_staff", "station_staff", 100, 70, None),
    "birth_defect_rate": ("birth_defects", "perinatal_births", 1000, None, 6),
    "migrant_archive_rate": ("migrant_archived", "migrant_women", 100, 90, None),
    "migrant_certificate_rate": ("migrant_certified", "migrant_women", 100, 90, None),
    "migrant_contact_rate": ("migrant_contacted", "migrant_women", 100, 90, None),
    "policy_birth_rate": ("births_policy", "births", 100, 95, None),
    "birth_stat_error_rate": (
        "abs(births_verified - births_reported)",
        "births_verified",
        100,
        None,
        3,
    ),
    "crude_birth_rate": ("births", "population", 1000, None, 11.5),
    "natural_growth_rate": ("births - deaths", "population", 1000, None, 5.5),
}
NAMES = {
    "sex_ratio_at_birth": "出生人口性别比",
    "birth_defect_rate": "出生缺陷发生率",
    "policy_birth_rate": "符合政策生育率",
    "birth_stat_error_rate": "出生统计误差率",
    "crude_birth_rate": "人口出生率",
    "natural_growth_rate": "人口自然增长率",
}


def _norm(expression: str) -> str:
    return expression.replace(" ", "")


def test_default_ships_the_ten_indicators():
    ruleset = load_ruleset("default")
    assert ruleset.name == "default"
    assert list(ruleset.active) == INDICATORS
    for key, (num, den, scale, lo, hi) in DEFAULT.items():
        rule = ruleset.active[key]
        assert _norm(rule.numerator) == _norm(num), key
        assert _norm(rule.denominator) == _norm(den), key
        assert rule.scale == scale, key
        assert rule.min == lo, key
        assert rule.max == hi, key
        assert rule.severity == "fail", key
        assert "@" in rule.source, f"{key}: source must cite `seed @ offset`"
        assert rule.name and not rule.name.isascii(), f"{key}: Chinese name"
        assert rule.name_en.isascii(), key
    for key, name in NAMES.items():
        assert ruleset.active[key].name == name


def test_rules_list_shows_the_shipped_rule_set(cli):
    result = cli("rules", "list")
    assert result.exit_code == 0
    assert "default" in result.stdout
    assert "10" in result.stdout


def test_rules_show_lists_every_indicator(cli):
    result = cli("rules", "show", "default")
    assert result.exit_code == 0, result.stderr
    for key in INDICATORS:
        assert key in result.stdout
    assert "103–107" in result.stdout
    assert "≥ 70%" in result.stdout


@pytest.mark.parametrize("columns", ["80", "200"])
def test_rules_show_never_cuts_ids_or_sources(cli, columns):
    """Ids are what users type: whole on one line, at any width (and in a pipe)."""
    result = cli("rules", "show", "default", env={"COLUMNS": columns})
    assert result.exit_code == 0, result.stderr
    assert "…" not in result.stdout
    lines = result.stdout.splitlines()
    for key in INDICATORS:
        assert any(re.search(rf"(^|[\s│]){key}(\s|$)", line) for line in lines), key
    # Wrapped text, joined again, holds every source in full.
    flat = re.sub(r"[\s│┃]", "", result.stdout)
    for rule in load_ruleset("default").active.values():
        assert re.sub(r"\s", "", rule.source) in flat, rule.source


@pytest.mark.parametrize("columns", ["80", "200"])
def test_rules_show_parenthesises_a_compound_numerator(cli, columns):
    out = cli("rules", "show", "default", env={"COLUMNS": columns}).stdout
    assert "(births - deaths) / population × 1000" in out
    assert "births - deaths / population" not in out


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        ("births - deaths", "population", "(births - deaths) / population × 1000"),
        ("(births - deaths)", "population", "(births - deaths) / population × 1000"),
        ("abs(births_verified - births_reported)", "births_verified",
         "abs(births_verified - births_reported) / births_verified × 1000"),
        ("births", "population + deaths", "births / (population + deaths) × 1000"),
        ("births_male", "births_female", "births_male / births_female × 1000"),
    ],
)  # fmt: skip
def test_formula_text(numerator, denominator, expected):
    from fpmetrics.ruleset.rules import Indicator

    rule = Indicator(
        name="x", name_en="x", numerator=numerator, denominator=denominator, scale=1000,
        max=5, source="test",
    )  # fmt: skip
    assert rule.formula_text() == expected


def test_rules_show_unknown_name_is_a_clean_error(cli):
    assert_clean_error(cli("rules", "show", "no_such_rules"))


# ---------------------------------------------------------------------- validate


GOOD_STANDALONE = """\
name: my-province
title: 某省标准
indicators:
  followup_rate:
    name: 随访率
    name_en: Follow-up rate
    numerator: migrant_contacted
    denominator: migrant_women
    scale: 100
    symbol: "%"
    min: 85
    severity: warn
    source: "某省文件 2024 第3条"
"""

GOOD_EXTENDS = """\
name: my-province
title: 某省标准
extends: default
indicators:
  sex_ratio_at_birth:
    max: 108
"""


@pytest.mark.parametrize("text", [GOOD_STANDALONE, GOOD_EXTENDS])
def test_validate_accepts_a_good_file(cli, tmp_path, text):
    path = tmp_path / "good.yaml"
    path.write_text(text, encoding="utf-8")
    result = cli("rules", "validate", path)
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr


# (file text, line of the offending key, a word the message must contain)
BAD_FILES = {
    "unknown_key": (
        """\
        name: mine
        title: 测试
        extends: default
        indicators:
          sex_ratio_at_birth:
            maxx: 108
        """,
        6,
        "maxx",
    ),
    "unknown_top_level_key": (
        """\
        name: mine
        title: 测试
        extends: default
        colour: red
        indicators: {}
        """,
        4,
        "colour",
    ),
    "wrong_type": (
        """\
        name: mine
        title: 测试
        extends: default
        indicators:
          sex_ratio_at_birth:
            severity: fail
            min: "abc"
        """,
        7,
        "min",
    ),
    "min_above_max": (
        """\
        name: mine
        title: 测试
        extends: default
        indicators:
          sex_ratio_at_birth:
            min: 110
        """,
        6,
        "min",
    ),
    "share_above_100": (
        """\
        name: mine
        title: 测试
        extends: default
        indicators:
          tech_staff_share:
            min: 170
        """,
        6,
        "170",
    ),
    "unknown_field_in_numerator": (
        """\
        name: mine
        title: 测试
        indicators:
          x_rate:
            name: 某率
            name_en: X rate
            numerator: births_mal
            denominator: births
            scale: 100
            min: 5
            source: 某省文件
        """,
        7,
        "births_mal",
    ),
    "expression_does_not_parse": (
        """\
        name: mine
        title: 测试
        indicators:
          x_rate:
            name: 某率
            name_en: X rate
            numerator: births_male
            denominator: births +
            scale: 100
            min: 5
            source: 某省文件
        """,
        8,
        "denominator",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_validate_names_file_and_line(cli, build, tmp_path, case):
    text, line, word = BAD_FILES[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    result = cli("rules", "validate", path)
    assert_clean_error(result)
    assert f"{path.name}:{line}:" in result.stderr, result.stderr
    assert word in result.stderr
    # The same file given to `check` is a broken rule file: exit 2 as well.
    data = build.csv("t.csv", build.grid([build.town("张秋镇")]))
    assert_clean_error(cli("check", data, "--rules", path))


def test_missing_source_is_a_warning_not_an_error(cli, build, tmp_path):
    """Issue 22: a user's own file may leave out `source`; `rules validate` warns with the
    line of the indicator (it was an error before; the shipped sets still cite every one)."""
    path = tmp_path / "no_source.yaml"
    path.write_text(
        "name: mine\ntitle: 测试\nindicators:\n  x_rate:\n    name: 某率\n"
        "    numerator: births_male\n    denominator: births\n    scale: 100\n    min: 5\n",
        encoding="utf-8",
    )
    result = cli("rules", "validate", path)
    assert result.exit_code == 0, result
    assert f"{path.name}:4:" in result.stderr and "source" in result.stderr
    data = build.csv("t.csv", build.grid([build.town("张秋镇")]))
    assert cli("check", data, "--rules", path).exit_code in (0, 1)


def test_min_above_max_in_one_file_names_a_bound_line(cli, tmp_path):
    path = tmp_path / "both.yaml"
    path.write_text(
        "name: mine\ntitle: 测试\nextends: default\nindicators:\n"
        "  sex_ratio_at_birth:\n    min: 110\n    max: 100\n",
        encoding="utf-8",
    )
    result = cli("rules", "validate", path)
    assert_clean_error(result)
    assert "both.yaml:6:" in result.stderr or "both.yaml:7:" in result.stderr, result.stderr


def test_broken_rule_file_stops_check_before_reading_data(cli, build, tmp_path):
    data = build.csv("t.csv", build.grid([build.town("张秋镇")]))
    path = tmp_path / "bad.yaml"
    path.write_text(textwrap.dedent(BAD_FILES["unknown_key"][0]), encoding="utf-8")
    result = cli("check", data, "--rules", path, "--format", "json")
    assert_clean_error(result)
    assert result.stdout == ""
    assert "bad.yaml:6:" in result.stderr


def test_yaml_syntax_error_names_the_line(cli, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: mine\ntitle: 测试\nindicators: [unclosed\n", encoding="utf-8")
    result = cli("rules", "validate", path)
    assert_clean_error(result)
    assert "broken.yaml" in result.stderr


def test_validate_missing_file(cli, tmp_path):
    assert_clean_error(cli("rules", "validate", tmp_path / "nope.yaml"))


def test_load_ruleset_raises_input_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(textwrap.dedent(BAD_FILES["wrong_type"][0]), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_ruleset(str(path))
    assert "bad.yaml:7" in info.value.message


# ---------------------------------------------------------------------- extends


def test_extends_overrides_one_threshold_and_keeps_the_rest(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(GOOD_EXTENDS, encoding="utf-8")
    mine = load_ruleset(str(path))
    default = load_ruleset("default")
    assert mine.name == "my-province"
    assert list(mine.active) == INDICATORS
    assert mine.active["sex_ratio_at_birth"].max == 108
    assert mine.active["sex_ratio_at_birth"].min == 103
    assert mine.active["sex_ratio_at_birth"].source == default.active["sex_ratio_at_birth"].source
    for key in INDICATORS[1:]:
        assert mine.active[key] == default.active[key], key


def test_extends_changes_that_verdict_only(cli, build, tmp_path):
    rules = tmp_path / "mine.yaml"
    rules.write_text(GOOD_EXTENDS, encoding="utf-8")
    towns = [
        build.town("阿城镇", births_male=1075, births_female=1000, births=2075),  # 107.5
        build.town("七级镇", station_staff=9, station_tech_staff=5),  # 55.6% fails anyway
    ]
    data = build.csv("t.csv", build.grid(towns))

    default = cli("check", data, "--format", "json")
    mine = cli("check", data, "--rules", rules, "--format", "json")
    assert default.exit_code == 1
    assert mine.exit_code == 1  # 七级镇 still fails
    d, m = by_key(default.json()), by_key(mine.json())
    assert d[("阿城镇", "sex_ratio_at_birth")]["status"] == "fail"
    assert m[("阿城镇", "sex_ratio_at_birth")]["status"] == "pass"
    assert m[("阿城镇", "sex_ratio_at_birth")]["max"] == 108
    assert m[("七级镇", "tech_staff_share")]["status"] == "fail"
    assert len(m) == len(d) == 20
    assert mine.json()["ruleset"] == "my-province"


def test_extends_a_relative_file(cli, build, tmp_path):
    (tmp_path / "rules").mkdir()
    base = tmp_path / "rules" / "base.yaml"
    base.write_text(GOOD_EXTENDS, encoding="utf-8")
    child = tmp_path / "rules" / "child.yaml"
    child.write_text(
        "name: child\ntitle: 子\nextends: base.yaml\nindicators:\n"
        "  birth_defect_rate:\n    max: 5\n",
        encoding="utf-8",
    )
    ruleset = load_ruleset(str(child))
    assert list(ruleset.active) == INDICATORS
    assert ruleset.active["sex_ratio_at_birth"].max == 108  # from base.yaml
    assert ruleset.active["birth_defect_rate"].max == 5
    # 1 defect in 180 perinatal births = 5.56‰: passes default (≤ 6), fails child (≤ 5)
    data = build.csv("t.csv", build.grid([build.town("张秋镇", perinatal_births=180)]))
    result = by_key(cli("check", data, "--rules", child, "--format", "json").json())
    assert result[("张秋镇", "birth_defect_rate")]["status"] == "fail"
    result = by_key(cli("check", data, "--format", "json").json())
    assert result[("张秋镇", "birth_defect_rate")]["status"] == "pass"


def test_extends_can_disable_an_inherited_indicator(tmp_path):
    """docs/rules.md, "The format": `enabled: false` drops an inherited indicator."""
    path = tmp_path / "mine.yaml"
    path.write_text(
        "name: mine\ntitle: 测试\nextends: default\nindicators:\n"
        "  tech_staff_share:\n    enabled: false\n",
        encoding="utf-8",
    )
    ruleset = load_ruleset(str(path))
    assert "tech_staff_share" not in ruleset.active
    assert len(ruleset.active) == 9


def test_extends_cycle_is_a_clean_error(cli, build, tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("name: a\ntitle: a\nextends: b.yaml\nindicators: {}\n", encoding="utf-8")
    b.write_text("name: b\ntitle: b\nextends: a.yaml\nindicators: {}\n", encoding="utf-8")
    assert_clean_error(cli("rules", "validate", a))
    data = build.csv("t.csv", build.grid([build.town("张秋镇")]))
    assert_clean_error(cli("check", data, "--rules", b))
    with pytest.raises(InputError):
        load_ruleset(str(a))


def test_extends_itself_is_a_cycle(cli, tmp_path):
    path = tmp_path / "self.yaml"
    path.write_text("name: s\ntitle: s\nextends: self.yaml\nindicators: {}\n", encoding="utf-8")
    assert_clean_error(cli("rules", "validate", path))


def test_extends_unknown_parent_is_a_clean_error(cli, tmp_path):
    path = tmp_path / "orphan.yaml"
    path.write_text("name: o\ntitle: o\nextends: nowhere\nindicators: {}\n", encoding="utf-8")
    assert_clean_error(cli("rules", "validate", path))


def test_unknown_rules_name_for_check(cli, build):
    data = build.csv("t.csv", build.grid([build.town("张秋镇")]))
    assert_clean_error(cli("check", data, "--rules", "no_such_province"))


# ---------------------------------------------------------------------- messages in one language

NEW_RULE = """\
  new_rate:
    name: 新指标
    name_en: New rate
    numerator: {numerator}
    denominator: migrant_women
    scale: 100
    min: 80
    source: test
"""


@pytest.mark.parametrize(
    ("body", "zh", "en"),
    [
        ("  sex_ratio_at_birth:\n    maxx: 108\n", "maxx: 未知的键", "maxx: unknown key"),
        ("  sex_ratio_at_birth:\n    max: abc\n", "max: 应为数字", "max: must be a number"),
        ("  sex_ratio_at_birth:\n    severity: sometimes\n", "severity: 只能是以下之一: fail、warn",
         "severity: must be one of: fail, warn"),
        ("  sex_ratio_at_birth:\n    min: 110\n    max: 100\n", "max (100) 小于 min (110)",
         "max (100) is smaller than min (110)"),
        ("  tech_staff_share:\n    min: 170\n", "min 170 不可能", "min 170 is impossible"),
        ("  sex_ratio_at_birth:\n    decimals: -1\n", "decimals: 应不小于 0",
         "decimals: must be at least 0"),
        (NEW_RULE.format(numerator="nobody"), "未知的字段 'nobody'", "unknown field 'nobody'"),
        (NEW_RULE.format(numerator="migrant_archived / 2"), "不允许", "is not allowed"),
        (NEW_RULE.format(numerator="migrant_archived +"), "无法解析", "cannot parse"),
        ("  new_rate:\n    name: 新指标\n", "numerator: 缺少必填项",
         "numerator: required key missing"),
        ("  NewRate:\n    name: x\n    name_en: x\n    numerator: births\n"
         "    denominator: population\n    scale: 1000\n    max: 5\n    source: s\n",
         "应为小写字母加下划线", "must be lower_snake_case"),
    ],
    ids=["unknown_key", "number", "literal", "min_max", "share", "ge", "field", "operator",
         "syntax", "missing", "id_case"],
)  # fmt: skip
def test_rule_file_mistakes_in_the_chosen_language(cli, tmp_path, body, zh, en):
    """Rule-file messages used to end in English in Chinese mode (…: unknown key)."""
    path = tmp_path / "my.yaml"
    path.write_text(
        f"name: my\ntitle: 我的\nextends: default\nindicators:\n{body}", encoding="utf-8"
    )
    result = cli("rules", "validate", path)
    assert_clean_error(result)
    assert zh in result.stderr, result.stderr
    for english in ("unknown", "must", "should", "Input", "Field required", "Value error"):
        assert english not in result.stderr, result.stderr
    english = cli("rules", "validate", path, "--lang", "en")
    assert_clean_error(english)
    assert en in english.stderr, english.stderr


def test_rule_file_that_is_not_a_mapping(cli, tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    assert "文件内容应为映射(键: 值)" in cli("rules", "validate", path).stderr
    assert "must be a mapping" in cli("rules", "validate", path, "--lang", "en").stderr


def test_scoring_naming_unknown_indicators_in_chinese(cli, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "extends: default\nname: s\nscoring:\n  veto:\n    - name: x\n      indicators: [nope]\n",
        encoding="utf-8",
    )
    result = cli("rules", "validate", path)
    assert "scoring 中提到了本规则集没有的指标: nope" in result.stderr


def test_fields_file_unknown_field_in_chinese(cli, tmp_path):
    from conftest import SAMPLE_CSV

    path = tmp_path / "f.yaml"
    path.write_text("aliases:\n  boys: [男孩]\n", encoding="utf-8")
    result = cli("check", SAMPLE_CSV, "--fields", path)
    assert_clean_error(result)
    assert "未知的字段 'boys'" in result.stderr


@pytest.mark.parametrize("loader", ["CSafeLoader", "SafeLoader"])
def test_a_control_character_in_a_rule_file_is_a_clear_error_on_its_line(
    tmp_path, monkeypatch, loader
):
    """libyaml and the pure-Python reader (PyYAML built without libyaml) both reject it; the
    second already when the loader is made. Their positions count bytes and characters."""
    import yaml

    from fpmetrics.ruleset import rules as rules

    monkeypatch.setattr(rules, "_YAML_LOADER", getattr(yaml, loader))
    path = tmp_path / "bell.yaml"
    path.write_text("name: 规则甲\ntitle: 测试\x07\nindicators: {}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_ruleset(str(path))
    message = info.value.message
    assert "bell.yaml" in message and "#x0007" in message
    assert re.search(r"第 2 行|line 2\b", message), message
