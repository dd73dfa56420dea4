"""Points, one-vote vetoes, award gates and ranks, from the check results.

Per (unit, indicator): full points within the bounds; outside, full points less the graded
deduction (or 0 without one); ``invalid`` and missing data score 0; a zero denominator scores
as the scheme's ``no_data`` says.

Vetoes and award gates never count absent data as a pass:

- A veto group vetoes the unit when any of its indicators fails or is invalid. An indicator
  of the group that cannot be evaluated because its data is absent (``no_data`` with reason
  ``field_missing`` or ``value_missing``) does not veto, but the unit is *unverified* for that
  group (``veto_unverified``): nobody can say it passes.
- An award gate blocks eligibility when any of its indicators fails, is invalid, or has
  absent data (``field_missing`` / ``value_missing``); those indicators are named in
  ``award_blocked_by``. A zero denominator (no in-migrants: nothing to fail) does not block.
- A unit is award-eligible only if it is not vetoed, not unverified for any veto group, and
  no award gate blocks it.

Vetoed units rank below all others (unverified ones are ranked by their total, missing data
having scored 0); ties share a rank (standard competition ranking, 1-2-2-4), counted from the
top and from the bottom over the same ordering.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fpmetrics.ruleset.rules import RuleSet, Scoring

SCORE_COLUMNS = [
    "unit", "code", "period", "total", "max_total", "vetoed", "vetoed_by", "veto_unverified",
    "award_eligible", "award_blocked_by", "rank", "rank_from_bottom", "units_ranked",
]  # fmt: skip

_BLOCKING = ("fail", "invalid")
# Reasons of a ``no_data`` result that mean "could not be evaluated", as opposed to a zero
# denominator (nothing to evaluate: no in-migrants, no births).
ABSENT_REASONS = ("field_missing", "value_missing")


def is_absent(results: pd.DataFrame) -> pd.Series:
    """Results that could not be evaluated because their data is absent."""
    return (results["status"] == "no_data") & results["reason"].isin(ABSENT_REASONS)


def item_points(results: pd.DataFrame, scoring: Scoring) -> pd.DataFrame:
    """``results`` restricted to scored indicators, with ``points`` and ``max_points``."""
    scored = results[results["indicator"].isin(list(scoring.indicators))].copy()
    items = scoring.indicators
    full = scored["indicator"].map({k: v.points for k, v in items.items()}).astype(float)
    per = scored["indicator"].map(
        {k: v.deduct.per if v.deduct else np.nan for k, v in items.items()}
    )
    rate = scored["indicator"].map(
        {k: v.deduct.points if v.deduct else np.nan for k, v in items.items()}
    )
    cap = scored["indicator"].map(
        {k: (v.deduct.cap or v.points) if v.deduct else np.nan for k, v in items.items()}
    )
    value = scored["value"].astype(float)
    below = (scored["min"].astype(float) - value).clip(lower=0).fillna(0)
    above = (value - scored["max"].astype(float)).clip(lower=0).fillna(0)
    shortfall = below + above
    graded = (full - np.minimum(cap.astype(float), shortfall / per.astype(float) * rate)).clip(
        lower=0
    )
    outside = scored["status"].isin(["fail", "warn"])
    zero_denominator = (scored["status"] == "no_data") & (scored["reason"] == "denominator_zero")
    # An infinite ratio (a count over a zero denominator) has no value to grade: no points.
    infinite = scored["reason"] == "infinite_ratio"
    points = np.select(
        [
            infinite,
            scored["status"] == "pass",
            outside & per.notna(),
            outside,
            zero_denominator & (scoring.no_data == "full"),
        ],
        [0.0, full, graded, 0.0, full],
        default=0.0,
    )
    # Each item's points at the scheme's precision, so the total is a sum of what the
    # tables show (and 99.2 is never written 99.19999999999999)
    scored["points"] = np.round(points, scoring.decimals)
    scored["max_points"] = full
    return scored


def score_units(results: pd.DataFrame, verdicts: pd.DataFrame, ruleset: RuleSet) -> pd.DataFrame:
    """One row per (unit, period): total, veto, award eligibility, ranks."""
    scoring = ruleset.scoring
    assert scoring is not None
    items = item_points(results, scoring)
    keyed = items.assign(period=items["period"].fillna(""))
    keys = [keyed["unit"], keyed["period"]]
    totals = keyed.groupby(keys, sort=False)["points"].sum()

    units = verdicts[["unit", "code", "period"]].copy()
    units["_period"] = units["period"].fillna("")
    index = pd.MultiIndex.from_frame(units[["unit", "_period"]])
    units["total"] = totals.reindex(index).fillna(0.0).round(scoring.decimals).to_numpy()
    units["max_total"] = scoring.max_total(set(ruleset.active))

    all_keyed = results.assign(period=results["period"].fillna(""))
    failed = all_keyed["status"].isin(_BLOCKING)
    absent = is_absent(all_keyed)
    units["vetoed_by"] = _blocked_by(all_keyed[failed], scoring.veto, index)
    units["vetoed"] = units["vetoed_by"].str.len() > 0
    units["veto_unverified"] = _blocked_by(all_keyed[absent], scoring.veto, index)
    units["award_blocked_by"] = _blocked_by(all_keyed[failed | absent], scoring.award_gate, index)
    units["award_eligible"] = (
        ~units["vetoed"]
        & (units["veto_unverified"].str.len() == 0)
        & (units["award_blocked_by"].str.len() == 0)
    )

    # Ranking key: not vetoed first, then the total (rounded so 89.999999 ties 90).
    key = units["total"].round(6) - np.where(units["vetoed"], 1e9, 0.0)
    group = units["_period"]
    units["rank"] = key.groupby(group).rank(method="min", ascending=False).astype(int)
    units["rank_from_bottom"] = key.groupby(group).rank(method="min", ascending=True).astype(int)
    units["units_ranked"] = group.map(group.value_counts()).astype(int)
    units["period"] = units["period"].astype(object).where(units["period"].notna(), None)
    ordered = units.sort_values(["_period", "rank"], kind="stable")
    return ordered[SCORE_COLUMNS].reset_index(drop=True)


def _blocked_by(tripped: pd.DataFrame, groups: list, index: pd.MultiIndex) -> pd.Series:
    """Per unit: [{"group": name, "indicators": [...]}] for each group with an indicator among
    ``tripped`` (the results that trip it, or could not be evaluated)."""
    blocked = pd.Series([[] for _ in range(len(index))], index=index, dtype=object)
    for group in groups:
        hits = tripped[tripped["indicator"].isin(group.indicators)]
        if hits.empty:
            continue
        per_unit = hits.groupby([hits["unit"], hits["period"]], sort=False)["indicator"].agg(list)
        for key, indicators in per_unit.items():  # one per tripped unit: few
            if key in blocked.index:
                blocked[key] = [*blocked[key], {"group": group.name, "indicators": indicators}]
    return pd.Series(blocked.to_numpy(), dtype=object)
