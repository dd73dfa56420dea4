"""``audit --history``: earlier periods from the history, read as if they were inputs.

The history keeps each run's per-unit counts (:mod:`fpmetrics.analyses.history`). The audit's series
signals (a sex ratio that jumps between periods, a series too smooth to be real) read unit
counts per period; the periods a history holds and this run's inputs do not are added to
them, with no cell marked bad (the history keeps only counts that were checked).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fpmetrics.analyses.history import connect
from fpmetrics.frame_columns import BAD_PREFIX


def history_units(path: Path, level: str) -> pd.DataFrame:
    """Unit counts of the current runs at ``level``: one row per (township, period), one
    column per count field; the latest run's where runs share a period."""
    if not path.is_file():
        return pd.DataFrame(columns=["township", "period"])
    with connect(path) as db:
        rows = pd.read_sql_query(
            "SELECT c.run_id, c.unit AS township, c.period, c.field, c.value FROM counts c"
            " JOIN runs ON runs.id = c.run_id"
            " WHERE runs.superseded_by IS NULL AND runs.level = ? AND c.period IS NOT NULL",
            db,
            params=(level,),
        )
    if rows.empty:
        return pd.DataFrame(columns=["township", "period"])
    rows = rows.sort_values("run_id", kind="stable")
    latest = rows.drop_duplicates(["township", "period", "field"], keep="last")
    wide = latest.pivot(index=["township", "period"], columns="field", values="value")
    return wide.reset_index().rename_axis(columns=None)


def with_earlier_periods(units: pd.DataFrame, earlier: pd.DataFrame) -> pd.DataFrame:
    """``units`` (a check's unit counts) with the history's periods it does not have."""
    if earlier.empty:
        return units
    have = pd.MultiIndex.from_frame(units[["township", "period"]].astype(object))
    keys = pd.MultiIndex.from_frame(earlier[["township", "period"]].astype(object))
    added = earlier[~keys.isin(have)].copy()
    if added.empty:
        return units
    for column in units.columns:
        if column.startswith(BAD_PREFIX):
            added[column] = False
    added = added.reindex(columns=units.columns)
    for column in units.columns:  # a field the history does not have stays empty
        if column.startswith(BAD_PREFIX):
            added[column] = added[column].fillna(False).astype(bool)
    return pd.concat([added, units], ignore_index=True)
