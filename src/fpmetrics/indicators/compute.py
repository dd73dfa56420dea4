"""Per-unit counts and indicator verdicts, one column operation per indicator.

Rates come from summed counts, never from averaged rates. Bounds are compared exactly:
``numerator × scale`` against ``bound × denominator`` in whole numbers, so 3 defects in 500
births is exactly 6‰ and passes a "≤ 6‰" rule, however floating point rounds 3/500×1000.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd

from fpmetrics.frame_columns import BAD_PREFIX, EXCLUDED_PREFIX, bad_column, excluded_column
from fpmetrics.normalise.fields import COUNT_FIELDS
from fpmetrics.normalise.periods import period_rank
from fpmetrics.ruleset.rules import EvidenceSettings, Indicator, RuleSet
from fpmetrics.validate.checks import Checked

RESULT_COLUMNS = [
    "unit", "code", "period", "indicator", "value", "numerator", "denominator", "scale",
    "symbol", "min", "max", "severity", "status", "reason", "fields",
]  # fmt: skip

STATUSES = ("pass", "fail", "warn", "no_data", "invalid")


def unit_counts(records: pd.DataFrame, checked: Checked, present: set[str]) -> pd.DataFrame:
    """One row per (unit, period): summed counts, and ``_bad_<field>`` where any input cell was bad.

    ``births`` is filled from boys + girls where no total is given.
    """
    named = records["township"] != ""
    keys = records.loc[named, ["township", "period"]].fillna({"period": ""})
    values = checked.values.loc[named]
    bad = checked.bad.loc[named].add_prefix(BAD_PREFIX)
    frame = pd.concat([keys, values, bad], axis=1)
    grouped = frame.groupby(["township", "period"], sort=False)
    counts = grouped[list(COUNT_FIELDS)].sum(min_count=1)
    flags = grouped[list(bad.columns)].any()
    codes = records.loc[named, "code"].groupby([keys["township"], keys["period"]], sort=False)
    excluded_columns = [c for c in records.columns if c.startswith(EXCLUDED_PREFIX)]
    excluded = (
        records.loc[named, excluded_columns]
        .groupby([keys["township"], keys["period"]], sort=False)
        .sum(min_count=1)
    )
    units = pd.concat([counts, flags, codes.first().rename("code"), excluded], axis=1).reset_index()

    derived = units["births_male"] + units["births_female"]
    units["births"] = units["births"].fillna(derived)
    units[bad_column("births")] = units[bad_column("births")] | (
        units["births"].eq(derived)
        & (units[bad_column("births_male")] | units[bad_column("births_female")])
    )
    units["period"] = units["period"].replace("", None)
    # Townships in the order the inputs first name them, each one's periods in natural order.
    town_order = units["township"].map({t: i for i, t in enumerate(units["township"].unique())})
    period_order = units["period"].fillna("").map(period_rank(units["period"].fillna("")))
    order = np.lexsort((period_order.to_numpy(), town_order.to_numpy()))
    return units.iloc[order].reset_index(drop=True)


def available_fields(present: set[str]) -> set[str]:
    available = set(present)
    if {"births_male", "births_female"} <= available:
        available.add("births")
    return available


def evaluate(units: pd.DataFrame, ruleset: RuleSet, present: set[str]) -> pd.DataFrame:
    """Long results: one row per (unit, period, indicator), in unit order then rule order.

    Codes only: the indicator's name is added when rendered (:func:`fpmetrics.wording.named`).
    """
    available = available_fields(present)
    frames = [
        _evaluate_indicator(units, key, indicator, available, ruleset.evidence)
        for key, indicator in ruleset.active.items()
    ]
    if not frames or units.empty:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    results = pd.concat(frames, ignore_index=True)
    for column in ("reason", "code", "period", "evidence", "evidence_note"):
        results[column] = results[column].astype(object).where(results[column].notna(), None)
    order = pd.Series(
        range(len(units)), index=pd.MultiIndex.from_frame(units[["township", "period"]].fillna(""))
    )
    results["_order"] = order.reindex(
        pd.MultiIndex.from_frame(results[["unit", "period"]].fillna(""))
    ).to_numpy()
    results["_rule"] = results["indicator"].map({k: i for i, k in enumerate(ruleset.active)})
    results = (
        results.sort_values(["_order", "_rule"], kind="stable")
        .drop(columns=["_order", "_rule"])
        .reset_index(drop=True)
    )
    if ruleset.evidence.fdr:
        adjust_fdr(results, ruleset.evidence.alpha)
    return results


def adjust_fdr(results: pd.DataFrame, alpha: float) -> None:
    """Benjamini–Hochberg over the county's results of each indicator and period, in place.

    The family is every unit with evidence; a unit that does not fail has no evidence of a
    failure and enters with p = 1 (so the family size counts it). ``q_value`` is the adjusted
    p of a failing result; a clear failure whose q is not below ``alpha`` becomes
    inconclusive, noted ``fdr_inconclusive``.
    """
    from fpmetrics.analyses.audit import benjamini_hochberg

    has = results["evidence"].notna().to_numpy()
    if not has.any():
        return
    failing = results["status"].isin(["fail", "warn"]).to_numpy() & has
    p_fail = np.where(failing, results["p_value"].to_numpy(dtype=float), 1.0)
    q = np.full(len(results), np.nan)
    groups = results.loc[has, ["indicator"]].assign(period=results["period"].fillna(""))
    for rows in groups.groupby(["indicator", "period"], sort=False).indices.values():
        where = np.flatnonzero(has)[rows]
        q[where] = benjamini_hochberg(p_fail[where])
    results["q_value"] = np.where(failing, q, np.nan)
    demoted = failing & (results["evidence"] == "clear_fail").to_numpy() & ~(q < alpha)
    if demoted.any():
        results.loc[demoted, "evidence"] = "inconclusive"
        results.loc[demoted, "notes"] = results.loc[demoted, "notes"].map(
            lambda n: [*n, "fdr_inconclusive"]
        )


def _evaluate_indicator(
    units: pd.DataFrame,
    key: str,
    rule: Indicator,
    available: set[str],
    settings: EvidenceSettings,
) -> pd.DataFrame:
    n = len(units)
    result = pd.DataFrame(
        {
            "unit": units["township"].to_numpy(),
            "code": units["code"].to_numpy(),
            "period": units["period"].to_numpy(),
            "indicator": key,
            "value": np.nan,
            "numerator": np.nan,
            "denominator": np.nan,
            "scale": rule.scale,
            "symbol": rule.symbol,
            "min": rule.min,
            "max": rule.max,
            "severity": rule.severity,
            "status": "no_data",
            "reason": None,
            "fields": [[] for _ in range(n)],
            "ci_low": np.nan,
            "ci_high": np.nan,
            "p_value": np.nan,
            "evidence": None,
            "evidence_note": None,
            "notes": [[] for _ in range(n)],
            "q_value": np.nan,
        }
    )
    excluded = np.zeros(n, dtype=bool)
    for f in rule.fields:
        if excluded_column(f) in units:
            excluded |= units[excluded_column(f)].fillna(0).to_numpy() > 0
    if excluded.any():
        result["notes"] = [["records_excluded"] if e else [] for e in excluded]
    missing = [f for f in rule.fields if f not in available]
    if missing:
        result["reason"] = "field_missing"
        result["fields"] = [list(missing) for _ in range(n)]
        return result

    columns = {f: units[f].to_numpy(dtype=float) for f in rule.fields}
    invalid = np.zeros(n, dtype=bool)
    empty = np.zeros(n, dtype=bool)
    bad_names = np.full(n, "", dtype=object)
    empty_names = np.full(n, "", dtype=object)
    for f in rule.fields:
        is_bad = units[bad_column(f)].to_numpy(dtype=bool)
        is_empty = np.isnan(columns[f]) & ~is_bad
        invalid |= is_bad
        empty |= is_empty
        bad_names = np.where(is_bad, bad_names + f + ",", bad_names)
        empty_names = np.where(is_empty, empty_names + f + ",", empty_names)

    numerator = rule.numerator_expr.evaluate(columns)
    denominator = rule.denominator_expr.evaluate(columns)
    usable = ~invalid & ~empty
    # Only 0/0 is no data: a count over a zero denominator (40 boys, no girls) is an infinite
    # ratio, beyond any bound — a failure with its own reason, never "—" and full points.
    zero = usable & (denominator == 0) & (numerator == 0)
    infinite = usable & (denominator == 0) & (numerator != 0)
    ok = usable & ~zero & ~infinite
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(ok, numerator * rule.scale / np.where(ok, denominator, 1), np.nan)

    below, above = _outside(numerator, denominator, rule, ok)
    outside = below | above
    out_status = "fail" if rule.severity == "fail" else "warn"
    status = np.select(
        [invalid, empty, zero, infinite, ok & outside, ok],
        ["invalid", "no_data", "no_data", out_status, out_status, "pass"],
        default="no_data",
    )
    reason = np.select(
        [invalid, empty, zero, infinite],
        ["invalid_data", "value_missing", "denominator_zero", "infinite_ratio"],
        default=None,
    )
    zero_names = ",".join(rule.denominator_expr.fields) + ","
    names = np.where(
        invalid,
        bad_names,
        np.where(empty, empty_names, np.where(zero | infinite, zero_names, "")),
    )
    result["status"] = status
    result["reason"] = reason
    result["fields"] = [s.rstrip(",").split(",") if s else [] for s in names]
    result["value"] = value
    result["numerator"] = np.where(usable, numerator, np.nan)
    result["denominator"] = np.where(usable, denominator, np.nan)
    if rule.evidence_model != "none" and (ok | infinite).any():
        with np.errstate(divide="ignore", invalid="ignore"):  # x/0: ±∞ intervals, on purpose
            _add_evidence(result, rule, settings, numerator, denominator, columns, ok | infinite)
    return result


def _add_evidence(
    result: pd.DataFrame,
    rule: Indicator,
    settings: EvidenceSettings,
    numerator: np.ndarray,
    denominator: np.ndarray,
    columns: dict[str, np.ndarray],
    ok: np.ndarray,
) -> None:
    """Interval, exact p-value and evidence for the rows with a value (see :mod:`stats`)."""
    from fpmetrics.indicators import stats

    model = rule.evidence_model
    num, den = numerator[ok], denominator[ok]
    terms = None
    if model == "poisson_difference":
        a, b = rule.numerator_expr.fields[:2]
        terms = (columns[a][ok], columns[b][ok])
    # Always the exact interval: its ends are the exact one-sided tests at (1 − level)/2, the
    # test that gives the verdict below, so the two never contradict (Wilson could: 7 of 10
    # has a Wilson interval wholly below 90% while P(X ≤ 7 | 90%) = 0.070).
    low, high = stats.interval(model, num, den, rule.scale, settings.level, "exact", terms)
    # A count over a zero denominator (only those rows have no value here) is ±∞.
    value = np.where(den == 0, np.sign(num) * np.inf, result["value"].to_numpy()[ok])

    def p_beyond(bound: float, side: str, rows: np.ndarray) -> np.ndarray:
        """The p-value against ``bound`` for ``rows`` only (NaN elsewhere): natural growth
        finds each by iteration, so no row pays for a p-value it does not use."""
        out = np.full(len(num), np.nan)
        if rows.any():
            part = None if terms is None else (terms[0][rows], terms[1][rows])
            out[rows] = stats.p_value_beyond(
                model, num[rows], den[rows], rule.scale, bound, side, part
            )
        return out

    # p-value: against the bound the value crossed, else against the nearer bound.
    above = value > rule.max if rule.max is not None else np.zeros(len(num), dtype=bool)
    below = value < rule.min if rule.min is not None else np.zeros(len(num), dtype=bool)
    inside = ~above & ~below
    p = np.full(len(num), np.nan)
    inside_p = np.zeros(len(num))
    if rule.max is not None:
        p = np.where(above, p_beyond(rule.max, "above", above), p)
        inside_p = np.fmax(inside_p, p_beyond(rule.max, "below", inside))
    if rule.min is not None:
        p = np.where(below, p_beyond(rule.min, "below", below), p)
        inside_p = np.fmax(inside_p, p_beyond(rule.min, "above", inside))
    p = np.where(inside, inside_p, p)

    # The verdict is the exact one-sided test at (1 − level)/2, whose error rate holds at every
    # size: beyond the crossed bound (clear_fail) or within both bounds (clear_pass).
    alpha = settings.alpha
    crossed = ~np.isfinite(value)  # a count over a zero denominator is beyond any bound
    if rule.max is not None:
        crossed |= value > rule.max
    if rule.min is not None:
        crossed |= value < rule.min
    clear = p < alpha
    evidence = np.where(
        clear & crossed, "clear_fail", np.where(clear, "clear_pass", "inconclusive")
    )
    size = num + den if model == "sex_ratio" else den
    small = size < rule.min_count

    result.loc[ok, "ci_low"] = low
    result.loc[ok, "ci_high"] = high
    result.loc[ok, "p_value"] = np.clip(p, 0, 1)
    result.loc[ok, "evidence"] = evidence
    result.loc[ok, "evidence_note"] = np.where(small, "small_sample", None)


def _outside(
    numerator: np.ndarray, denominator: np.ndarray, rule: Indicator, ok: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Exact comparison of numerator/denominator×scale with the bounds, in whole numbers."""
    n = len(numerator)
    below = np.zeros(n, dtype=bool)
    above = np.zeros(n, dtype=bool)
    if not ok.any():
        return below, above
    sign = np.sign(denominator[ok])
    num = numerator[ok] * sign
    den = np.abs(denominator[ok])
    scale = Fraction(str(rule.scale))
    for which, out in (("min", below), ("max", above)):
        bound = rule.exact_bound(which)
        if bound is None:
            continue
        ratio = bound / scale  # value ≥ min  ⇔  num × q ≥ den × p, with min/scale = p/q
        lhs = _exact_product(num, ratio.denominator)
        rhs = _exact_product(den, ratio.numerator)
        out[ok] = (lhs < rhs) if which == "min" else (lhs > rhs)
    return below, above


def _exact_product(counts: np.ndarray, factor: int) -> np.ndarray:
    """counts × factor without rounding: float64 is exact below 2**53, Python ints above."""
    if counts.size == 0 or np.abs(counts).max() * abs(factor) < 2.0**53:
        return counts * factor
    return counts.astype(np.int64).astype(object) * factor


def summarise(results: pd.DataFrame) -> dict[str, int]:
    counts = results["status"].value_counts()
    summary = {"units": int(results[["unit", "period"]].drop_duplicates().shape[0])}
    summary["checks"] = len(results)
    for status in STATUSES:
        summary[status] = int(counts.get(status, 0))
    # Failures beyond chance (●) apart from those chance could explain (○); fails without a
    # statistical model are in neither. ``fdr_inconclusive``: ● that the county-wide
    # Benjamini–Hochberg control turned into ○ (0 unless the rule file asks for it).
    failed = results["status"] == "fail"
    evidence = results["evidence"] if "evidence" in results else pd.Series(dtype=object)
    summary["clear_fail"] = int((failed & (evidence == "clear_fail")).sum())
    summary["inconclusive_fail"] = int((failed & (evidence == "inconclusive")).sum())
    notes = results.loc[failed, "notes"] if "notes" in results else pd.Series(dtype=object)
    summary["fdr_inconclusive"] = int(  # over the failures only: few, so a map is cheap
        notes.map(lambda n: isinstance(n, list) and "fdr_inconclusive" in n).sum()
    )
    return summary


def unit_verdicts(results: pd.DataFrame) -> pd.DataFrame:
    """Per (unit, period): overall status and the indicators in each state.

    A unit fails if any check fails; else it is invalid if any check is; else warn; else pass.
    ``no_data`` alone does not fail a unit.
    """
    if results.empty:
        return pd.DataFrame(
            columns=["unit", "code", "period", "status", "failed", "invalid", "warned", "no_data"]
        )
    keyed = results.assign(period=results["period"].fillna(""))
    by_unit = keyed.groupby(["unit", "period"], sort=False)
    frame = by_unit["code"].first().reset_index()
    unit_of = by_unit.ngroup().to_numpy()  # numbered as ``frame`` lists the units
    status = keyed["status"].to_numpy()
    indicator = keyed["indicator"].to_numpy(dtype=object)
    for state, label in (
        ("fail", "failed"),
        ("invalid", "invalid"),
        ("warn", "warned"),
        ("no_data", "no_data"),
    ):
        hit = status == state
        frame[label] = _lists_per_unit(unit_of[hit], indicator[hit], len(frame))
    frame["status"] = np.select(
        [
            frame["failed"].str.len() > 0,
            frame["invalid"].str.len() > 0,
            frame["warned"].str.len() > 0,
        ],
        ["fail", "invalid", "warn"],
        default="pass",
    )
    frame["period"] = frame["period"].replace("", None)
    return frame[["unit", "code", "period", "status", "failed", "invalid", "warned", "no_data"]]


def _lists_per_unit(unit: np.ndarray, values: np.ndarray, units: int) -> list[list]:
    """``values`` gathered into one list per unit number (0 … units-1), in their order."""
    lists: list[list] = [[] for _ in range(units)]
    if len(unit) == 0:
        return lists
    order = np.argsort(unit, kind="stable")
    unit, values = unit[order], values[order]
    cuts = np.flatnonzero(np.diff(unit)) + 1
    for number, chunk in zip(unit[np.r_[0, cuts]], np.split(values, cuts), strict=True):
        lists[number] = chunk.tolist()
    return lists
