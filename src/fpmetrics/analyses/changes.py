"""The change from the previous period: each result's ``previous`` and who newly fails.

The previous period of a result is the latest earlier period of the same unit and indicator,
from this run or from the history (``--history``). Periods are ordered by the first day they
cover where the label says it, else in natural order (2月 before 10月). Results without a
period take the latest earlier run's result without a period.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from fpmetrics.normalise.periods import period_key
from fpmetrics.normalise.reporting import bounds

if TYPE_CHECKING:
    from fpmetrics.models import CheckReport

_KEYS = ["unit", "indicator"]


def _previous_dict(period: object, value: object, status: object) -> dict | None:
    if not isinstance(status, str):
        return None
    number = None if value is None or (isinstance(value, float) and math.isnan(value)) else value
    return {
        "period": period if isinstance(period, str) else None,
        "value": None if number is None else float(number),  # type: ignore[arg-type]
        "status": status,
    }


def attach_previous(results: pd.DataFrame, earlier: pd.DataFrame) -> pd.DataFrame:
    """``results`` with a ``previous`` column: ``{period, value, status}`` or None.

    ``earlier``: history rows (``run_id``, ``unit``, ``indicator``, ``period``,
    ``period_start``, ``value``, ``status``). Earlier rows of a period this run reports are
    its earlier revision, not its previous period: they are left out."""
    current = results.assign(_run=math.inf, _row=range(len(results)))
    mine = set(current["period"].dropna())
    earlier = earlier[~earlier["period"].isin(mine)].assign(_row=-1)
    earlier = earlier.rename(columns={"run_id": "_run"})
    columns = [*_KEYS, "period", "period_start", "value", "status", "_run", "_row"]
    both = pd.concat(
        [current.reindex(columns=columns), earlier.reindex(columns=columns)], ignore_index=True
    )
    dated = both["period"].notna()
    # Dated: one row per (unit, indicator, period), the latest run's, ordered by period.
    rows = both[dated].sort_values("_run", kind="stable")
    rows = rows.drop_duplicates([*_KEYS, "period"], keep="last")
    labels = rows[["period", "period_start"]].sort_values("period_start").drop_duplicates("period")
    # A label stored without its bounds (a history written before they were kept): read them.
    labels["period_start"] = [
        s if isinstance(s, str) else bounds(p)[0]
        for p, s in zip(labels["period"], labels["period_start"], strict=True)
    ]
    ordered = sorted(
        zip(labels["period"], labels["period_start"], strict=True),
        key=lambda p: (not isinstance(p[1], str), p[1] if isinstance(p[1], str) else "",
                       period_key(p[0])),
    )  # fmt: skip
    rank = {label: n for n, (label, _) in enumerate(ordered)}
    rows = rows.assign(_order=rows["period"].map(rank))
    # Undated: ordered by run.
    undated = both[~dated].assign(_order=lambda f: f["_run"])
    found = []
    for part in (rows, undated):
        part = part.sort_values([*_KEYS, "_order"], kind="stable")
        shifted = part.groupby(_KEYS, sort=False)[["period", "value", "status"]].shift(1)
        part = part.assign(_pp=shifted["period"], _pv=shifted["value"], _ps=shifted["status"])
        found.append(part[part["_row"] >= 0])
    matched = pd.concat(found).set_index("_row").reindex(range(len(results)))
    previous = [
        _previous_dict(p, v, s)
        for p, v, s in zip(matched["_pp"], matched["_pv"], matched["_ps"], strict=True)
    ]
    out = results.copy()
    out["previous"] = pd.Series(previous, index=results.index, dtype=object)
    return out


def newly_failing(results: pd.DataFrame) -> pd.DataFrame:
    """(unit, period) pairs with a check that fails now and passed (or only warned) in the
    previous period. No data then is not "newly": nothing was known to be well."""
    if "previous" not in results:
        return results.iloc[:0][["unit", "period"]]
    before = results["previous"].map(lambda p: p["status"] if isinstance(p, dict) else None)
    hit = (results["status"] == "fail") & before.isin(["pass", "warn"])
    return results.loc[hit, ["unit", "period"]].drop_duplicates()


def newly_failing_first(frame: pd.DataFrame, newly: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (results or verdicts) with the newly failing units' rows first, otherwise in
    its order."""
    if newly.empty or frame.empty:
        return frame
    units = set(newly["unit"])
    first = frame["unit"].isin(units)
    return pd.concat([frame[first], frame[~first]]).reset_index(drop=True)


def remember(report: CheckReport, command: str, path: Path) -> None:
    """Keep a run in the history file ``path`` (one transaction): each result gets the
    previous period's, newly failing units come first, and ``report.history_run`` is the
    number the run was recorded under."""
    from fpmetrics.analyses.history import current_results, record, run_record

    report.results = attach_previous(report.results, current_results(path, report.level))
    newly = newly_failing(report.results)
    report.results = newly_failing_first(report.results, newly)
    report.verdicts = newly_failing_first(report.verdicts, newly)
    report.newly_failing = newly
    report.history_run = record(path, run_record(report, command))
    report.history_file = path
