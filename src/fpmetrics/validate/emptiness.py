"""Sheets with townships but no figures: an unfilled form is no pass.

A township whose figures are all empty gets a warning naming it; a run in which no indicator
could be evaluated at all is a data problem (exit 1), said in one line with the inputs and the
fields that had no data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from fpmetrics.frame_columns import FILE, ROW, SHEET, header_column
from fpmetrics.normalise.fields import COUNT_FIELDS, FIELDS
from fpmetrics.validate.checks import PROBLEM_COLUMNS, Checked

if TYPE_CHECKING:
    from fpmetrics.models import CheckReport


def empty_unit_problems(records: pd.DataFrame, checked: Checked) -> pd.DataFrame:
    """A warning on the first row of each township (and period) whose every figure is empty,
    across all the inputs that name it."""
    named = records["township"] != ""
    if not named.any():
        return pd.DataFrame(columns=PROBLEM_COLUMNS)
    filled = (checked.values.notna() | checked.bad).any(axis=1)
    keys = [records["township"], records["period"].fillna("")]
    any_filled = filled[named].groupby([k[named] for k in keys], sort=False).transform("any")
    empty = named & ~any_filled.reindex(records.index, fill_value=True).astype(bool)
    first = empty & ~records.loc[:, ["township", "period"]].fillna("").duplicated()
    hit = records[first]
    if hit.empty:
        return pd.DataFrame(columns=PROBLEM_COLUMNS)
    return pd.DataFrame(
        {
            "level": "warning",
            "code": "unit_empty",
            "file": hit[FILE],
            "sheet": hit[SHEET],
            "row": hit[ROW],
            "column": hit[header_column("township")],
            "message_key": "p_unit_all_empty",
            "params": hit[["township"]].rename(columns={"township": "unit"}).to_dict("records"),
        },
        columns=PROBLEM_COLUMNS,
    ).reset_index(drop=True)


def fields_without_data(report: CheckReport) -> list[str] | None:
    """For a run in which no check has a value: the fields the rules need that no input
    filled (ids, in the rules' order); None when something was evaluated."""
    s = report.summary
    if s.get("pass", 0) + s.get("fail", 0) + s.get("warn", 0) + s.get("invalid", 0):
        return None
    needed = dict.fromkeys(f for rule in report.ruleset.active.values() for f in rule.fields)
    units = report.units
    with_data = {f for f in COUNT_FIELDS if f in units and units[f].notna().any()}
    return [f for f in needed if f in FIELDS and f not in with_data]
