"""Issue 14, rule files: hostile or broken YAML is refused fast, with one file:line message.

Each case runs through ``rules validate`` and ``check --rules`` (exit 2, no traceback, no
"internal error"), in Chinese and English. Limits: docs/limits-rules.md.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conftest import SAMPLE_CSV, assert_clean_error
from fpmetrics import rulefile

HEAD = "name: mine\ntitle: 测试\nextends: default\n"


def _bomb(levels: int = 9, width: int = 9) -> str:
    """The "billion laughs" file: each anchor is a list of ``width`` aliases of the one before."""
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return HEAD + "indicators: {}\n" + "\n".join(lines) + "\n"


def _refused(cli, path: Path, zh: str, en: str, line: int | None) -> None:
    """Exit 2 with one message naming file (and line) in both commands and both languages."""
    for args in (("rules", "validate", path), ("check", SAMPLE_CSV, "--rules", path)):
        started = time.perf_counter()
        result = cli(*args)
        # Unguarded, the bomb ran over 60 s; 5 s leaves room for imports on a busy machine.
        assert time.perf_counter() - started < 5.0, args
        assert_clean_error(result)
        assert result.stdout == ""
        where = f"{path}:{line}:" if line is not None else f"{path}:"
        assert where in result.stderr, result.stderr
        assert zh in result.stderr, result.stderr
        english = cli(*args, "--lang", "en")
        assert_clean_error(english)
        assert en in english.stderr, english.stderr


def test_an_alias_bomb_is_refused_fast(cli, tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb(), encoding="utf-8")
    # The bomb's aliases are on lines 5…; the file is refused at the alias that goes over.
    _refused(cli, path, "展开别名", "once aliases (*name) are expanded", None)


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
    assert result.code == 0, result.stderr


def test_the_alias_limit_counts_expanded_nodes():
    """Ten aliases of a 10,001-node list are over the limit although the text is tiny."""
    items = ", ".join(["1"] * 10_000)
    text = f"a: &a [{items}]\nb: [" + ", ".join(["*a"] * 10) + "]\n"
    with pytest.raises(rulefile.RuleFileError) as info:
        rulefile.check_shape(text, rulefile_loader())
    assert info.value.key == "rules_too_many_nodes" and info.value.line == 2
    rulefile.check_shape(f"a: &a [{items}]\nb: [*a, *a, *a]\n", rulefile_loader())


def rulefile_loader() -> type:
    from fpmetrics.rules import _YAML_LOADER

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
    from fpmetrics.rules import load_ruleset

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
    assert cli("rules", "validate", path).code == 0


def test_a_rule_file_over_the_size_limit_is_refused_unread(cli, tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text(HEAD + "# " + "x" * rulefile.MAX_FILE_BYTES + "\n", encoding="utf-8")
    _refused(cli, path, "规则文件过大(上限 1 MB", "too large (at most 1 MB", None)


def test_the_shipped_rule_set_is_well_inside_the_limits():
    from fpmetrics.rules import _YAML_LOADER, shipped_dir

    for path in shipped_dir().glob("*.yaml"):
        assert path.stat().st_size < rulefile.MAX_FILE_BYTES // 10
        rulefile.check_shape(path.read_text(encoding="utf-8"), _YAML_LOADER)
