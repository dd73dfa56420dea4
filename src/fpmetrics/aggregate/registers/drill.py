"""``--records``: the register rows behind each failing check.

Which rows are "behind" a failure follows from the rule and the side it failed on:

- above a maximum: the rows counted in the numerator (the births with a defect);
- below a minimum: the rows in the denominator but not in the numerator (the migrant women
  without a file, the on-establishment staff who are not technical);
- when numerator and denominator count different rows (boys over girls): all of them
  (every birth counted in the sex ratio).

Only the failing townships' rows are read again (a filtered Polars scan).
"""

from __future__ import annotations

import pandas as pd
import polars as pl

from fpmetrics.aggregate.levels import at_level
from fpmetrics.aggregate.registers.aggregate import Aggregated, _to_pandas, classify
from fpmetrics.frame_columns import ROW
from fpmetrics.ruleset.rules import RuleSet
from fpmetrics.validate.privacy import mask_ids


def rows_behind(
    results: pd.DataFrame,
    registers: list[Aggregated],
    ruleset: RuleSet,
    by: str,
    period: str | None,
    units: set[str] | None,
    full_ids: bool = False,
) -> pd.DataFrame:
    """The rows behind each failing check; the id column masked unless ``full_ids``
    (the rows are personal data: see docs/safety-output.md)."""
    failing = results[results["status"].isin(["fail", "warn"])]
    frames = []
    for aggregated in registers:
        register = aggregated.register
        given = set(aggregated.fields)
        uses = {k for k, rule in ruleset.active.items() if set(rule.fields) & given}
        mine = failing[failing["indicator"].isin(uses)]
        if mine.empty:
            continue
        scan = register.scan()
        if by != "county":
            towns = {u.split("/")[0] for u in mine["unit"]}
            scan = scan.filter(pl.col("township").is_in(list(towns)))
        roles = list(register.columns)
        rows = _to_pandas(scan.collect(engine="streaming"))
        if rows.empty:
            continue
        classes = classify(rows, register, period, units)
        if "id" in rows and not full_ids:
            rows["id"] = mask_ids(rows["id"])
        place = pd.DataFrame(
            {
                "township": rows["township"].fillna(""),
                "village": rows.get("village", None),
                "county": rows.get("county", None),
                "code": None,
            }
        )
        unit = at_level(place, by)["township"]
        row_period = classes["period"].fillna("")
        for result in mine.itertuples(index=False):  # one pass per failing check: few
            rule = ruleset.active[result.indicator]
            num = [f for f in rule.numerator_expr.fields if f in given]
            den = [f for f in rule.denominator_expr.fields if f in given]
            in_num = classes[num].any(axis=1) if num else pd.Series(False, index=rows.index)
            in_den = classes[den].any(axis=1) if den else pd.Series(False, index=rows.index)
            low = rule.min is not None and result.value < rule.min
            if not (in_num & in_den).any() or not den or not num:
                behind = in_num | in_den
            elif low:
                behind = in_den & ~in_num
            else:
                behind = in_num
            hit = behind & (unit == result.unit) & (row_period == (result.period or ""))
            if not hit.any():
                continue
            picked = rows.loc[hit, roles].rename(columns=register.headers)
            picked.insert(0, "row", rows.loc[hit, ROW].astype(int))
            picked.insert(0, "file", register.where)
            picked.insert(0, "indicator", result.indicator)
            picked.insert(0, "period", result.period)
            picked.insert(0, "unit", result.unit)
            frames.append(picked)
    if not frames:
        return pd.DataFrame(columns=["unit", "period", "indicator", "file", "row"])
    return pd.concat(frames, ignore_index=True)
