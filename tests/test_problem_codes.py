"""Problems and results carry codes; the words come only when rendered (fpmetrics.wording).

Unit tests on in-memory frames: no files, no CLI.
"""

from __future__ import annotations

import pandas as pd
import pytest

from fpmetrics.i18n import Joined, Message, Words
from fpmetrics.indicators.compute import evaluate
from fpmetrics.normalise.fields import COUNT_FIELDS, FIELDS
from fpmetrics.ruleset.rules import load_ruleset
from fpmetrics.validate.checks import PROBLEM_COLUMNS, check_records, check_totals
from fpmetrics.wording import named, problem_hints, problem_messages, spoken_frame, worded


def _records(rows: list[dict[str, object]], table: list[int] | None = None) -> pd.DataFrame:
    """Unit rows as load.py gives them: raw cells, location columns, headers as written."""
    frame = pd.DataFrame(rows)
    fields = [c for c in frame.columns if c != "township"]
    frame["period"] = None
    frame["village"] = None
    frame["code"] = None
    frame["_file"] = "t.csv"
    frame["_sheet"] = None
    frame["_row"] = range(2, len(frame) + 2)
    frame["_table"] = table if table is not None else 0
    frame["_header_township"] = "乡镇"
    for field in COUNT_FIELDS:
        frame[f"_header_{field}"] = f"列{field}" if field in fields else None
    return frame


@pytest.fixture(scope="module")
def rules():
    return load_ruleset("default")


def test_check_records_gives_codes_and_params_and_no_text():
    records = _records(
        [
            {"township": "甲镇", "births": "x", "births_male": "3", "births_female": "2"},
            {"township": "乙镇", "births": "9", "births_male": "-4", "births_female": "2.5"},
            {"township": "丙镇", "births": "9", "births_male": "5", "births_female": "3"},
        ]
    )
    problems = check_records(records, {"births", "births_male", "births_female"}).problems
    assert list(problems.columns) == PROBLEM_COLUMNS
    assert "message" not in problems and "hint" not in problems
    found = sorted(
        zip(problems["row"], problems["column"], problems["code"], problems["message_key"],
            problems["params"], strict=True),
        key=lambda p: (p[0], p[1]),
    )  # fmt: skip
    assert found == [
        (2, "列births", "not_a_number", "p_not_a_number", {"value": "x"}),
        (3, "列births_female", "fractional", "p_fractional", {"value": "2.5"}),
        (3, "列births_male", "negative", "p_negative", {"value": "-4"}),
        (4, "列births", "births_sum", "p_births_sum",
         {"births": "9", "male": "5", "female": "3", "sum": "8"}),
    ]  # fmt: skip


def test_problems_are_worded_in_chinese_and_english():
    records = _records(
        [{"township": "甲镇", "births": "9", "births_male": "5", "births_female": "3"}]
    )
    problems = check_records(records, {"births", "births_male", "births_female"}).problems
    assert list(problem_messages(problems, "zh")) == ["出生人数 9 ≠ 男婴 5 + 女婴 3 = 8"]
    assert list(problem_messages(problems, "en")) == ["births 9 ≠ boys 5 + girls 3 = 8"]
    assert problem_hints(problems, "zh")[0] != problem_hints(problems, "en")[0]
    shown = worded(problems, "en")
    assert list(shown.columns) == [
        "level", "code", "file", "sheet", "row", "column", "message", "hint",
    ]  # fmt: skip


def test_field_ids_and_header_lists_are_worded_per_language():
    """Parameters that are ids (fields) or lists (headers) become the language's words."""
    problems = pd.DataFrame(
        {
            "level": "warning",
            "code": ["unit_missing_from_input", "duplicate_unit", "part_empty"],
            "file": "t.csv",
            "sheet": None,
            "row": 2,
            "column": "乡镇",
            "message_key": ["p_unit_missing_from_input", "p_conflicting_inputs", "p_part_empty"],
            "params": [
                {"unit": "甲镇", "fields": ["births", "deaths"], "files": ["a.csv", "b.xlsx"]},
                {"unit": "甲镇", "columns": ["出生", "死亡"], "where": "a.csv:2, b.csv:2"},
                {"field": "births"},
            ],
        }
    )
    zh, en = problem_messages(problems, "zh"), problem_messages(problems, "en")
    assert zh[0] == "乡镇“甲镇”不在 a.csv、b.xlsx 中,缺少字段: 出生人数、死亡人数"
    births, deaths = (FIELDS[f].label("en") for f in ("births", "deaths"))
    assert en[0] == f'township "甲镇" is not in a.csv; b.xlsx; missing: {births}; {deaths}'
    assert "出生、死亡" in zh[1] and "出生, 死亡" in en[1]
    assert zh[2].startswith("出生人数由几列相加") and en[2].startswith(f"{births} is the sum")


def test_check_totals_gives_params():
    records = _records([{"township": "甲镇", "births": "4"}, {"township": "乙镇", "births": "5"}])
    checked = check_records(records, {"births"})
    totals = _records([{"township": "合计", "births": "10"}])
    problems = check_totals(totals, records, checked.values)
    assert list(problems["code"]) == ["totals_mismatch"]
    assert problems["params"][0] == {"total": "10", "summed": "9", "difference": "-1"}
    assert problem_messages(problems, "en")[0] == (
        "totals row says 10, the townships add up to 9 (difference -1)"
    )


def test_no_problems_word_to_nothing():
    empty = pd.DataFrame(columns=PROBLEM_COLUMNS)
    assert problem_messages(empty, "zh").empty
    assert list(worded(empty, "zh").columns) == [
        "level", "code", "file", "sheet", "row", "column", "message", "hint",
    ]  # fmt: skip


def test_evaluate_results_carry_no_language(rules):
    units = pd.DataFrame(
        {"township": ["甲镇"], "period": [None], "code": [None], "births_male": [105.0]}
    ).assign(births_female=100.0)
    for field in ("births_male", "births_female"):
        units[f"_bad_{field}"] = False
    results = evaluate(units, rules, {"births_male", "births_female"})
    assert "name" not in results
    row = results.set_index("indicator").loc["sex_ratio_at_birth"]
    assert row["status"] == "pass"
    zh = named(results, rules, "zh").set_index("indicator")
    en = named(results, rules, "en").set_index("indicator")
    assert zh.loc["sex_ratio_at_birth", "name"] == "出生人口性别比"
    assert en.loc["sex_ratio_at_birth", "name"] == "Sex ratio at birth"
    assert list(named(results, rules, "zh").columns[:5]) == [
        "unit", "code", "period", "indicator", "name",
    ]  # fmt: skip


def test_audit_phrases_are_worded_through_dicts_and_lists():
    births = Words.of(FIELDS["births"])
    detail = {"where": [Joined((births, " 2024-02≈2024-01"), "")], "n": 3}
    signals = pd.DataFrame(
        {
            "signal": ["sex_ratio_jump", "terminal_digits"],
            "unit": ["甲镇", Message("a_all_units")],
            "detail": [detail, {}],
            "explanation": [Message("a_jump", a="105.0", b="130.0", p="0.001"), None],
        }
    )
    signals.attrs["tests"] = 7
    zh = spoken_frame(signals, ["unit", "detail", "explanation"], "zh")
    en = spoken_frame(signals, ["unit", "detail", "explanation"], "en")
    assert list(zh["unit"]) == ["甲镇", "全部乡镇"] and list(en["unit"]) == [
        "甲镇",
        "all townships",
    ]
    assert zh["detail"][0] == {"where": [f"{FIELDS['births'].zh} 2024-02≈2024-01"], "n": 3}
    assert en["detail"][0]["where"] == [f"{FIELDS['births'].en} 2024-02≈2024-01"]
    assert en["explanation"][0].startswith("sex ratio 105.0 → 130.0")
    assert zh["explanation"][0].startswith("性别比由 105.0 变为 130.0")
    assert zh.attrs["tests"] == 7
    assert isinstance(signals["explanation"][0], Message)  # the signals themselves: no text
