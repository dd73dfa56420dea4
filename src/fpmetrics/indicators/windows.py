"""Rules over the last N periods: "≤ 6‰ in each of the last two years".

Every period is still checked on its own (one result per unit, period and indicator). For a
rule with ``periods: N`` a unit also gets a *window*: the last N periods of the input, with
the status over them and the periods that failed. A unit with a value in fewer of them than
the rule asks for is checked on what it has; its results and window carry ``fewer_periods``.
"""

from __future__ import annotations

import pandas as pd

from fpmetrics.normalise.periods import period_rank
from fpmetrics.ruleset.rules import RuleSet

WINDOW_COLUMNS = [
    "unit", "code", "indicator", "periods_required", "periods", "status", "failed_periods",
    "notes",
]  # fmt: skip
_ORDER = ["fail", "invalid", "warn", "pass", "no_data"]


def period_windows(results: pd.DataFrame, ruleset: RuleSet) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The results with ``fewer_periods`` noted where due, and one window per (unit, rule)."""
    frames = []
    short_keys: set[tuple[str, str]] = set()
    for key, rule in ruleset.active.items():
        if not rule.periods or rule.periods < 2:
            continue
        mine = results[results["indicator"] == key].assign(_p=lambda r: r["period"].fillna(""))
        if mine.empty:
            continue
        units = mine.groupby("unit", sort=False)["code"].first()
        # The last N periods of the input (natural order: 2月 before 10月), the same for all.
        rank = period_rank(mine["_p"])
        window = sorted(rank, key=rank.__getitem__)[-rule.periods :]
        last = mine[mine["_p"].isin(window) & (mine["status"] != "no_data")]
        last = last.assign(_o=last["_p"].map(rank)).sort_values("_o", kind="stable")
        grouped = last.groupby("unit", sort=False)
        periods = grouped["_p"].agg(list).reindex(units.index)
        periods = periods.map(lambda p: p if isinstance(p, list) else [])
        order = last["status"].map({s: i for i, s in enumerate(_ORDER)})
        best = order.groupby(last["unit"]).min().reindex(units.index)
        failing = last[last["status"].isin(["fail", "warn"])]
        failed = failing.groupby("unit")["_p"].agg(list).reindex(units.index)
        frame = pd.DataFrame(
            {
                "unit": units.index,
                "code": units.to_numpy(),
                "indicator": key,
                "periods_required": int(rule.periods),
                "periods": [[p or None for p in ps] for ps in periods],
                "status": [_ORDER[int(b)] if b == b else "no_data" for b in best],
                "failed_periods": [
                    [p or None for p in f] if isinstance(f, list) else [] for f in failed
                ],
            }
        )
        given = frame["periods"].str.len()
        short = (given > 0) & (given < rule.periods)  # no data at all is not "too few periods"
        frame["notes"] = [["fewer_periods"] if s else [] for s in short]
        short_keys |= {(u, key) for u in frame.loc[short, "unit"]}
        frames.append(frame)
    if not frames:
        return results, pd.DataFrame(columns=WINDOW_COLUMNS)
    windows = pd.concat(frames, ignore_index=True)[WINDOW_COLUMNS]
    if not short_keys:
        return results, windows
    noted = pd.MultiIndex.from_arrays([results["unit"], results["indicator"]]).isin(
        list(short_keys)
    )
    results = results.copy()
    results["notes"] = [
        [*n, "fewer_periods"] if hit else n for n, hit in zip(results["notes"], noted, strict=True)
    ]
    return results, windows
