"""validate.check_records on a small frame: numbers read, bad cells marked, problems located."""

from __future__ import annotations

import pandas as pd
from units_frames import records

from fpmetrics.validate.checks import check_records, parse_counts

FIELDS = ["births", "births_male", "births_female"]


def test_parse_counts_reads_text_numbers_and_empty_marks():
    values, not_number, excel_error = parse_counts(
        pd.Series(["１２", "1,200", " 7 ", "—", "", "#DIV/0!", "abc"], dtype=object)
    )
    assert values.iloc[:3].tolist() == [12.0, 1200.0, 7.0]
    assert values.iloc[3:].isna().all()
    assert not_number.tolist() == [False] * 6 + [True]
    assert excel_error.tolist() == [False] * 5 + [True, False]


def test_check_records_marks_bad_cells_and_locates_each_problem():
    frame = records(
        [
            {"township": "甲镇", "births": "205", "births_male": "105", "births_female": "100"},
            {"township": "乙镇", "births": "abc", "births_male": "50", "births_female": "50"},
            {"township": "丙镇", "births": "100", "births_male": "-1", "births_female": "50"},
            {"township": "丁镇", "births": "90", "births_male": "50", "births_female": "50"},
        ],
        FIELDS,
    )
    checked = check_records(frame, set(FIELDS))

    assert checked.values.loc[0, FIELDS].tolist() == [205.0, 105.0, 100.0]
    assert checked.values.loc[1, "births"] != checked.values.loc[1, "births"]  # NaN
    assert not checked.bad.loc[0, FIELDS].any()
    assert checked.bad.loc[1, "births"] and checked.bad.loc[2, "births_male"]
    assert checked.bad.loc[3, FIELDS].all()  # 90 births, 50 boys + 50 girls: all three

    found = {
        (p["code"], p["level"], p["row"], p["column"]) for p in checked.problems.to_dict("records")
    }
    assert found == {
        ("not_a_number", "error", 3, "出生人数"),
        ("negative", "error", 4, "出生男婴数"),
        ("births_sum", "error", 5, "出生人数"),
    }
    assert set(checked.problems["file"]) == {"county.xlsx"}
    assert set(checked.problems["sheet"]) == {"乡镇汇总"}


def test_check_records_on_clean_rows_finds_nothing():
    frame = records(
        [{"township": "甲镇", "births": "10", "births_male": "6", "births_female": "4"}], FIELDS
    )
    checked = check_records(frame, set(FIELDS))
    assert checked.problems.empty
    assert not checked.bad.any().any()
