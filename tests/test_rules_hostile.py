"""Issue 14, rule files: hostile or broken YAML is refused fast, with one file:line message.

Each case runs through ``rules validate`` and ``check --rules`` (exit 2, no traceback, no
"internal error"), in Chinese and English. Limits: docs/limits-rules.md.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conftest import SAMPLE_CSV, assert_clean_error
from fpmetrics.ruleset import rulefile

HEAD = "name: mine\ntitle: 测试\nextends: default\n"


def _bomb(levels: int = 9, width: int = 9) -> str:
    """The "billion laughs" file: each anchor is a list of ``width`` aliases of the one before."""
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return HEAD + "indicators: {}\n" + "\n".join(lines) + "\n"


def _refused(cli, path: Path, zh: str, en: str, line: int | None) -> None:
    """Exit 2 with one message naming file (and line) in both commands and both languages,
    and the loading itself fast and small (the CLI's imports are not what is measured)."""
    _fast_and_small(path)
    for args in (("rules", "validate", path), ("check", SAMPLE_CSV, "--rules", path)):
        result = cli(*args)
        assert_clean_error(result)
        assert result.stdout == ""
        where = f"{path}:{line}:" if line is not None else f"{path}:"
        assert where in result.stderr, result.stderr
        assert zh in result.stderr, result.stderr
        english = cli(*args, "--lang", "en")
        assert_clean_error(english)
        assert en in english.stderr, english.stderr


def _fast_and_small(path: Path) -> None:
    """Refused within 1 s and 50 MB (unguarded, the bomb took over 60 s and 4.8 GB)."""
    import tracemalloc

    from fpmetrics.errors import InputError
    from fpmetrics.ruleset.rules import load_ruleset

    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(InputError):
            load_ruleset(str(path))
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 1.0, elapsed
    assert peak < 50_000_000, peak


def test_an_alias_bomb_is_refused_fast(cli, tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb(), encoding="utf-8")
    # The bomb's aliases are on lines 5…; the file is refused at the alias that goes over.
    _refused(cli, path, "内容超过 100000 项(别名", "an alias *name counts as all it", None)


def test_a_few_aliases_are_still_fine(cli, tmp_path):
    """Anchors and aliases are legitimate YAML: a small use validates."""
    path = tmp_path / "anchors.yaml"
    path.write_text(
        HEAD + "indicators:\n  sex_ratio_at_birth: &srb\n    max: 108\n"
        "  crude_birth_rate:\n    source: &src 某省文件\n  natural_growth_rate:\n"
        "    source: *src\n",
        encoding="utf-8",
    )
    result = cli("rules", "validate", path)
    assert result.exit_code == 0, result.stderr


def test_the_alias_limit_counts_expanded_nodes():
    """Ten aliases of a 10,001-node list are over the limit although the text is tiny."""
    items = ", ".join(["1"] * 10_000)
    text = f"a: &a [{items}]\nb: [" + ", ".join(["*a"] * 10) + "]\n"
    with pytest.raises(rulefile.RuleFileError) as info:
        rulefile.check_shape(text, rulefile_loader())
    assert info.value.key == "rules_too_many_nodes" and info.value.line == 2
    rulefile.check_shape(f"a: &a [{items}]\nb: [*a, *a, *a]\n", rulefile_loader())


def rulefile_loader() -> type:
    from fpmetrics.ruleset.rules import _YAML_LOADER

    return _YAML_LOADER


def test_an_alias_inside_its_own_anchor_is_refused(cli, tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text(HEAD + "indicators: {}\nx: &a [1, *a]\n", encoding="utf-8")
    _refused(cli, path, "引用了包含它自身的内容", "refers to a value that contains it", 5)


@pytest.mark.parametrize(
    ("opening", "closing"),
    [("[", "]"), ("{a: ", "}")],
    ids=["lists", "mappings"],
)
def test_ten_thousand_levels_of_nesting_are_refused(cli, tmp_path, opening, closing):
    path = tmp_path / "deep.yaml"
    path.write_text(HEAD + "x: " + opening * 10_000 + "1" + closing * 10_000 + "\n", "utf-8")
    _refused(cli, path, "嵌套超过 32 层", "nesting deeper than 32 levels", 4)


def test_block_nesting_is_limited_too(cli, tmp_path):
    body = "".join("  " * i + f"k{i}:\n" for i in range(40)) + "  " * 40 + "v: 1\n"
    path = tmp_path / "block.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    _refused(cli, path, "嵌套超过", "nesting deeper than", 4 + rulefile.MAX_DEPTH)


def test_nesting_through_aliases_is_limited(tmp_path):
    """Each anchor 20 deep, each containing the one before: 100 levels once expanded."""
    from fpmetrics.errors import InputError
    from fpmetrics.ruleset.rules import load_ruleset

    lines = ["a0: &a0 " + "[" * 20 + "1" + "]" * 20]
    for i in range(1, 5):
        lines.append(f"a{i}: &a{i} " + "[" * 20 + f"*a{i - 1}" + "]" * 20)
    path = tmp_path / "deep_alias.yaml"
    path.write_text(HEAD + "\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_ruleset(str(path))
    assert "嵌套超过" in info.value.message


def test_a_duplicate_key_names_both_lines(cli, tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(
        HEAD + "indicators:\n  sex_ratio_at_birth:\n    max: 107\n    max: 170\n", "utf-8"
    )
    _refused(
        cli,
        path,
        "键 indicators.sex_ratio_at_birth.max 出现了两次(第 6 行和本行)",
        "the key indicators.sex_ratio_at_birth.max is given twice (line 6 and here)",
        7,
    )


def test_a_duplicate_indicator_id_is_an_error(cli, tmp_path):
    path = tmp_path / "dup_id.yaml"
    path.write_text(
        HEAD + "indicators:\n  crude_birth_rate:\n    max: 11\n  crude_birth_rate:\n    max: 12\n",
        encoding="utf-8",
    )
    _refused(cli, path, "出现了两次(第 5 行和本行)", "line 5 and here", 7)


def test_a_merge_key_override_is_not_a_duplicate(cli, tmp_path):
    """``<<: *base`` then the same key is YAML's override, not a mistake."""
    path = tmp_path / "merge.yaml"
    path.write_text(
        HEAD + "base: &base\n  max: 107\n  min: 103\nindicators:\n  sex_ratio_at_birth:\n"
        "    <<: *base\n    max: 108\n",
        encoding="utf-8",
    )
    result = cli("rules", "validate", path)
    # `base` is not a rule-file key: refused as unknown, not as a duplicate.
    assert "出现了两次" not in result.stderr, result.stderr
    assert "base: 未知的键" in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("encoding", "found"),
    [("gbk", "GBK/GB18030"), ("gb18030", "GBK/GB18030"), ("utf-16", "UTF-16"),
     ("utf-16-le", "UTF-16"), ("utf-32", "UTF-32")],
)  # fmt: skip
def test_a_rule_file_not_in_utf8_says_save_as_utf8(cli, tmp_path, encoding, found):
    path = tmp_path / f"{encoding}.yaml"
    path.write_bytes((HEAD + "description: 某省规则\n").encode(encoding))
    line = 2 if encoding.startswith("gb") else 1  # GBK: the first Chinese character
    _refused(cli, path, f"看起来是 {found}", f"it looks like {found}). Save it as UTF-8", line)
    assert "codec" not in cli("rules", "validate", path).stderr


def test_a_utf8_bom_is_fine(cli, tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + HEAD.encode("utf-8"))
    assert cli("rules", "validate", path).exit_code == 0


def test_a_rule_file_over_the_size_limit_is_refused_unread(cli, tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text(HEAD + "# " + "x" * rulefile.MAX_FILE_BYTES + "\n", encoding="utf-8")
    _refused(cli, path, "文件过大(上限 1 MB", "too large (at most 1 MB", None)


def test_the_shipped_rule_set_is_well_inside_the_limits():
    from fpmetrics.ruleset.rules import _YAML_LOADER, shipped_dir

    for path in shipped_dir().glob("*.yaml"):
        assert path.stat().st_size < rulefile.MAX_FILE_BYTES // 10
        rulefile.check_shape(path.read_text(encoding="utf-8"), _YAML_LOADER)


# ---------------------------------------------------------------------- expressions

RULE = HEAD + "indicators:\n  crude_birth_rate:\n"
SCORED = HEAD + "scoring:\n  indicators:\n    crude_birth_rate:\n"


@pytest.mark.parametrize(
    ("numerator", "zh", "en"),
    [
        (" + ".join(["births"] * 100_000), "表达式有 899997 个字符,上限 500 个",
         "the expression has 899997 characters, at most 500 are allowed"),
        ("-" * 100_000 + "births", "上限 500 个", "at most 500 are allowed"),
        ("(" * 10_000 + "births" + ")" * 10_000, "上限 500 个", "at most 500 are allowed"),
        ("-" * 100 + "births", "表达式嵌套超过 20 层", "nests deeper than 20 levels"),
        ("births * " + "9" * 4000, "上限 500 个", "at most 500 are allowed"),
        ("births * " + "9" * 400, "超出范围", "is out of range: a number in an expression must "
         "be 0 or between 1e-06 and 1e+06"),
        ("births * 1e309", "超出范围", "out of range"),
        ("births * 5e-324", "超出范围", "out of range"),
        ("births * births", "字段之间不能相乘", "multiply counts by constants, not by each other"),
        ("births * True", "不允许", "is not allowed"),
    ],
    ids=["100k_terms", "100k_minus", "10k_parens", "100_minus", "4000_digits", "400_digits",
         "1e309", "5e-324", "product", "bool"],
)  # fmt: skip
def test_an_expression_past_the_limits_is_refused(cli, tmp_path, numerator, zh, en):
    path = tmp_path / "expr.yaml"
    path.write_text(RULE + f"    numerator: {numerator}\n", encoding="utf-8")
    _refused(cli, path, zh, en, 6)
    assert len(cli("rules", "validate", path).stderr) < 400  # the expression is not echoed whole


def test_an_expression_inside_the_limits_still_works():
    from fpmetrics.indicators.expressions import parse_expression

    expression = parse_expression("abs(births_verified - births_reported) * 2 + -(-deaths) * 0.5")
    assert expression.fields == ("births_verified", "births_reported", "deaths")
    parse_expression("-" * 18 + "births")  # 19 levels
    parse_expression("births * 1000000 + 0.000001 - 0")


# ---------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "line", "zh", "en"),
    [
        (RULE + "    scale: .inf\n", 6, "scale: 应为有限的数", "scale: must be a finite number"),
        (RULE + "    scale: 5e-324\n", 6, "scale: 应在 1e-06 到 1e+06 之间",
         "scale: must be between 1e-06 and 1e+06 (not 4.94066e-324)"),
        (RULE + "    scale: 1.0e300\n", 6, "应在 1e-06 到 1e+06 之间", "(not 1e+300)"),
        (RULE + "    max: .inf\n", 6, "max: 应为有限的数", "max: must be a finite number"),
        (RULE + "    max: .nan\n", 6, "max: 应为有限的数", "max: must be a finite number"),
        (RULE + "    min: -.inf\n", 6, "min: 应为有限的数", "min: must be a finite number"),
        (RULE + "    max: 1.0e12\n", 6, "max: 应在 -1e+09 到 1e+09 之间", "must be between -1e+09"),
        (RULE + "    periods: " + "9" * 4000 + "\n", 6, "periods: 应不大于 100",
         "periods: must be at most 100"),
        (RULE + "    min_count: 1.0e400\n", 6, "min_count", "min_count"),
        (SCORED + "      points: .inf\n", 7, "points: 应为有限的数", "points: must be a finite"),
        (SCORED + "      points: 1.0e7\n", 7, "points: 应在 0 到 1e+06 之间",
         "points: must be between 0 and 1e+06"),
        (SCORED + "      points: 10\n      deduct: {points: 1, per: 5e-324}\n", 8,
         "per: 应在 1e-06 到 1e+06 之间", "per: must be between 1e-06 and 1e+06"),
        (SCORED + "      points: 10\n      deduct: {points: 1, cap: .inf}\n", 8,
         "cap: 应为有限的数", "cap: must be a finite number"),
        (HEAD + "evidence: {level: .nan}\n", 4, "level: 应为有限的数", "level: must be a finite"),
        (HEAD + "audit: {alpha: .inf}\n", 4, "alpha: 应为有限的数", "alpha: must be a finite"),
    ],
    ids=["scale_inf", "scale_denormal", "scale_huge", "max_inf", "max_nan", "min_-inf",
         "max_huge", "periods_4000_digits", "min_count_inf", "points_inf", "points_huge",
         "per_denormal", "cap_inf", "level_nan", "alpha_inf"],
)  # fmt: skip
def test_a_number_out_of_range_is_refused_with_the_range(cli, tmp_path, text, line, zh, en):
    path = tmp_path / "num.yaml"
    path.write_text(text, encoding="utf-8")
    for args in (("rules", "validate", path), ("score", SAMPLE_CSV, "--rules", path)):
        result = cli(*args)
        assert_clean_error(result)
        assert f"num.yaml:{line}:" in result.stderr, result.stderr
        assert zh in result.stderr, result.stderr
        assert en in cli(*args, "--lang", "en").stderr


EXTREME = (
    HEAD
    + """\
indicators:
  crude_birth_rate:
    numerator: births * 1000000 + 0.000001
    denominator: population * 0.000001
    scale: 1000000
    min: -1000000000
    max: 1000000000
  natural_growth_rate:
    scale: 0.000001
    max: 0.000001
scoring:
  indicators:
    crude_birth_rate:
      points: 1000000
      deduct: {points: 1000000, per: 0.000001, cap: 1000000}
    natural_growth_rate:
      points: 0
"""
)


def _strict_json(text: str) -> object:
    """JSON as a strict parser reads it: Infinity and NaN are not JSON."""
    import json

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in JSON output")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("command", ["check", "score"])
def test_the_extremes_that_validate_give_finite_json(cli, tmp_path, command):
    """Every number at the edge of its range: the run works and its JSON is strict JSON."""
    path = tmp_path / "extreme.yaml"
    path.write_text(EXTREME, encoding="utf-8")
    assert cli("rules", "validate", path).exit_code == 0
    result = cli(command, SAMPLE_CSV, "--rules", path, "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    data = _strict_json(result.stdout)
    values = [r["value"] for r in data["results"] if r["indicator"] == "crude_birth_rate"]
    assert values and all(v is None or abs(v) < 1e300 for v in values)
    if command == "score":
        assert all(s["max_total"] == 1_000_084.0 for s in data["scores"]), data["scores"][0]


# ---------------------------------------------------------------------- sizes of a rule set


@pytest.mark.slow
def test_more_indicators_than_the_limit_are_refused(cli, tmp_path):
    """2,000 indicators validated, then `score` took 20 s on 18 townships."""
    rule = (
        "  r{i}:\n    name: r\n    name_en: r\n    numerator: births\n"
        "    denominator: population\n    scale: 1000\n    max: 11\n    source: s\n"
    )
    path = tmp_path / "many.yaml"
    body = "".join(rule.format(i=i) for i in range(201))
    path.write_text("name: m\ntitle: 多\nindicators:\n" + body, encoding="utf-8")
    _refused(cli, path, "indicators: 最多 200 项", "indicators: at most 200 items", 3)


def test_a_long_extends_chain_is_refused(cli, tmp_path):
    for i in range(10):
        parent = f"r{i + 1}.yaml" if i < 9 else "default"
        (tmp_path / f"r{i}.yaml").write_text(
            f"name: r{i}\ntitle: 链\nextends: {parent}\n", encoding="utf-8"
        )
    for args in (("rules", "validate", tmp_path / "r0.yaml"), ("check", SAMPLE_CSV, "--rules",
                 tmp_path / "r0.yaml")):  # fmt: skip
        result = cli(*args)
        assert_clean_error(result)
        # Named where the chain goes over: the 8th file's `extends` line.
        assert f"{tmp_path / 'r7.yaml'}:3: extends 链超过 8 个文件" in result.stderr
        assert "longer than 8 files" in cli(*args, "--lang", "en").stderr
    assert cli("rules", "validate", tmp_path / "r3.yaml").exit_code == 0  # r3…r9 and default: 8


def test_a_fields_file_gets_the_same_protection(cli, tmp_path):
    path = tmp_path / "fields.yaml"
    path.write_bytes("aliases:\n  births_male: [男孩数]\n".encode("gbk"))
    result = cli("check", SAMPLE_CSV, "--fields", path)
    assert_clean_error(result)
    assert f"{path}:2: 文件不是 UTF-8 编码(看起来是 GBK/GB18030)" in result.stderr
    path.write_text("aliases:\n  births_male: [男孩数]\n  births_male: [男]\n", "utf-8")
    result = cli("check", SAMPLE_CSV, "--fields", path)
    assert_clean_error(result)
    assert f"{path}:3: 键 aliases.births_male 出现了两次(第 2 行和本行)" in result.stderr


def test_a_huge_key_is_not_echoed_whole(cli, tmp_path):
    path = tmp_path / "key.yaml"
    key = "k" * 100_000
    path.write_text(HEAD + f"? {key}\n: 1\n? {key}\n: 2\n", encoding="utf-8")
    result = cli("rules", "validate", path)
    assert_clean_error(result)
    assert "出现了两次" in result.stderr and len(result.stderr) < 500
    path.write_text(HEAD + f"? {key}\n: 1\n", encoding="utf-8")
    result = cli("rules", "validate", path)
    assert_clean_error(result)
    assert "未知的键" in result.stderr and len(result.stderr) < 500


# ---------------------------------------------------------------------- without libyaml


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (_bomb(), None, "内容超过 100000 项"),
        (HEAD + "x: " + "[" * 10_000 + "]" * 10_000 + "\n", 4, "嵌套超过 32 层"),
        (HEAD + "x: &a [1, *a]\n", 4, "引用了包含它自身的内容"),
        (HEAD + "indicators:\n  sex_ratio_at_birth:\n    max: 107\n    max: 170\n", 7,
         "出现了两次(第 6 行和本行)"),
    ],
    ids=["bomb", "deep", "loop", "duplicate"],
)  # fmt: skip
def test_the_pure_python_yaml_loader_is_guarded_too(tmp_path, monkeypatch, text, line, message):
    """PyYAML built without libyaml falls back to SafeLoader: the same refusals."""
    import yaml

    from fpmetrics.errors import InputError
    from fpmetrics.ruleset import rules as rules

    monkeypatch.setattr(rules, "_YAML_LOADER", yaml.SafeLoader)
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(InputError) as info:
        rules.load_ruleset(str(path))
    assert time.perf_counter() - started < 1.0
    assert message in info.value.message
    assert (f"{path}:{line}:" if line else f"{path}:") in info.value.message
