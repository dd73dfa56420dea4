"""Errors carry a code and its values, not text: worded only when shown (issue 18).

Each error here comes from a real call made without any language; the same exception is
then rendered in Chinese and in English, and the CLI shows it in the language of the run.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from fpmetrics.errors import InputError
from fpmetrics.i18n import Joined, Message, Words, t
from fpmetrics.read.load import expand_inputs
from fpmetrics.read.readers import read_file
from fpmetrics.ruleset.rules import load_aliases, load_ruleset, resolve


def test_a_missing_file_carries_its_code_and_file(tmp_path):
    missing = tmp_path / "无此文件.csv"
    with pytest.raises(InputError) as info:
        read_file(missing)
    error = info.value
    assert error.code == "file_missing"
    assert error.params == {"file": missing}
    assert error.render("zh") == f"找不到文件: {missing}"
    assert error.render("en") == f"No such file: {missing}"
    assert str(error) == error.render("zh") == error.message  # Chinese unless asked


def test_a_nested_detail_is_worded_in_the_same_language(tmp_path):
    """A damaged workbook: the outer message and its detail are both codes until shown."""
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 64)  # a zip header and nothing readable
    with pytest.raises(InputError) as info:
        read_file(broken)
    error = info.value
    assert error.code == "file_unreadable"
    detail = error.params["detail"]
    assert isinstance(detail, Message) and detail.key == "xlsx_damaged"
    english, chinese = error.render("en"), error.render("zh")
    assert english.startswith(f"Cannot read {broken}: the file is damaged")
    assert chinese.startswith(f"无法读取文件 {broken}: 文件已损坏")
    assert "文件已损坏" not in english and "damaged" not in chinese


def test_an_unknown_rule_set_is_named_with_the_shipped_ones():
    with pytest.raises(InputError) as info:
        resolve("no-such-rules")
    error = info.value
    assert error.code == "rules_not_found"
    assert error.params["name"] == "no-such-rules"
    assert "default" in str(error.params["shipped"])
    assert error.render("en") != error.render("zh")
    assert "no-such-rules" in error.render("en") and "no-such-rules" in error.render("zh")


def test_a_broken_rule_file_keeps_each_mistake_as_a_code(tmp_path):
    """Every line of a rules_invalid detail is ``file:line: key: message``, each message worded
    in the language asked for."""
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: 测试\ntitle: 测试\nindicators:\n  x:\n    name: 甲\n    formula: a / b\n"
        "    severity: sometimes\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_ruleset(str(path))
    error = info.value
    assert error.code == "rules_invalid"
    assert error.params["file"] == path
    assert isinstance(error.params["detail"], Joined)
    zh, en = error.render("zh"), error.render("en")
    assert f"{path}:7: indicators.x.severity:" in zh and f"{path}:7: indicators.x.severity:" in en
    assert zh != en


def test_a_refused_rule_file_keeps_its_line_apart(tmp_path):
    """A rule file refused before it is parsed (here: not UTF-8) has ``file:line`` before
    the message; the code is the refusal's, not a wrapper's."""
    path = tmp_path / "gbk.yaml"
    path.write_bytes("name: 规则\ntitle: 测试\n".encode("gb18030"))
    with pytest.raises(InputError) as info:
        load_ruleset(str(path))
    error = info.value
    assert error.code == "rules_not_utf8"
    assert error.msg.at == f"{path}:1"
    for lang in ("zh", "en"):
        assert error.render(lang).startswith(f"{path}:1: ")
        assert error.render(lang).endswith(t("rules_not_utf8", lang, **error.params))


def test_an_empty_folder_and_a_missing_fields_file(tmp_path):
    with pytest.raises(InputError) as info:
        expand_inputs([tmp_path])
    assert info.value.code == "file_is_dir_empty"
    with pytest.raises(InputError) as info:
        load_aliases(tmp_path / "fields.yaml")
    assert info.value.code == "file_missing"


@pytest.mark.parametrize("function", [read_file, resolve, load_ruleset, load_aliases])
def test_no_language_is_needed_to_raise(function):
    assert "lang" not in inspect.signature(function).parameters


def test_message_values():
    """A plain value stays as it is, a message inside is worded, a list is joined as the
    language writes lists, a name that is data picks its language."""
    message = Message("no_such_sheet", sheet=Words("出生", "Births"), sheets=Joined(["甲", "乙"]))
    assert message.render("zh") == "没有名为“出生”的工作表(有: 甲、乙)"
    assert message.render("en") == "no sheet named 'Births' (sheets: 甲, 乙)"
    assert Message("file_missing", file=Path("a.csv")) == Message(
        "file_missing", file=Path("a.csv")
    )
    with pytest.raises(KeyError):
        Message("no_such_message_id")


def test_the_cli_words_the_error_in_the_run_language(cli, tmp_path):
    missing = tmp_path / "nosuch.csv"
    zh = cli("check", missing)
    en = cli("check", missing, "--lang", "en")
    assert zh.exit_code == en.exit_code == 2
    assert zh.stderr.strip() == f"找不到文件: {missing}"
    assert en.stderr.strip() == f"No such file: {missing}"


def test_the_cli_takes_the_language_from_the_environment(cli, tmp_path):
    sample = Path(__file__).resolve().parents[1] / "sample_data" / "county_2024.csv"
    result = cli("check", sample, "-r", "no-such-rules", env={"FPMETRICS_LANG": "en"})
    assert result.exit_code == 2
    assert result.stderr.startswith("No rule set no-such-rules (not a file"), result.stderr


def test_engine_errors_are_codes_too():
    from fpmetrics.aggregate.registers.engines import EngineOptions, open_sources, require

    with pytest.raises(InputError) as info:
        require("no_such_module_fpmetrics", "sql", "MySQL")
    assert info.value.code == "engine_extra_missing"
    assert info.value.params == {"what": "MySQL", "extra": "sql"}
    with pytest.raises(InputError) as info:
        open_sources([], EngineOptions(urls=("hive:births",)), None)
    assert info.value.code == "engine_options_unused"
    assert "hive:births" in info.value.render("en")
