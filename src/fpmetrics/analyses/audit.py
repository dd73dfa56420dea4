"""Data-quality signals: is a change larger than chance, and does the data look made up?

Each signal carries its numbers, an exact or stated-approximation p-value and a plain
explanation. None of them changes a verdict.

**Calibration.** Every test that gives one p-value per township (the series tests of
:mod:`fpmetrics.analyses.audit_signals`, perinatal excess, last digits, bunching) is pooled: the
Benjamini–Hochberg q-value is taken over all townships and all these tests at once, and a
signal is reported where q < alpha. Signals are ranked by p-value (the same order as q), so
the strongest evidence comes first; :func:`rank_townships` gives each township's smallest q.

Per-township series signals (need a period column, see :mod:`fpmetrics.analyses.audit_signals`):
``repeated_figures``, ``too_smooth`` (counts: Poisson dispersion; rates: binomial χ², lower
tail), ``sex_ratio_heterogeneity``, ``step_change`` (likelihood-ratio change point),
``frozen_numerator``, ``pinned_at_bar``, ``heaping_0_5`` (exact null at the counts' size).

- ``sex_ratio_jump``: the male share in two consecutive periods differs more than chance
  (Fisher's exact test on the 2×2 table; the seeds' "前后两个月间下降幅度惊人").
  Kept as its own family: reported where the Benjamini–Hochberg q-value over all township
  and month pairs is below alpha.

Cross-sectional signals:

- ``perinatal_excess``: perinatal births far above live births (works on one period).
- ``impossible_rate`` (GRIM-style): a reported sex ratio or policy-birth rate that no whole
  number of births out of the reported total rounds to.
- ``reported_rate_mismatch``: a reported rate that differs from the one the counts give.
- ``terminal_digits`` / ``heaping_0_5`` without periods: last digits of counts ≥ 10 against
  uniform (χ², 9 df) and the share ending in 0 or 5 against 20% (exact binomial).
- ``threshold_bunching``: units piled up just on the passing side of a bound, more than the
  county's own spread of rates at each unit's size predicts.
- ``totals_mismatch``: a totals row the townships do not add up to.
- ``stat_error``: reported vs surveyed births (统计误差率) beyond the bound by more than chance
  (exact one-sided p < alpha), with its interval.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import special
from scipy import stats as sps

from fpmetrics.analyses.audit_panel import Block, poisson_binomial_sf
from fpmetrics.analyses.audit_signals import NEEDS_PERIODS, panel_blocks, perinatal_block
from fpmetrics.frame_columns import FILE, ROW, bad_column
from fpmetrics.i18n import Message, Words
from fpmetrics.models import CheckReport
from fpmetrics.normalise.periods import period_rank
from fpmetrics.ruleset.rules import AuditSettings

SIGNAL_COLUMNS = [
    "signal", "unit", "period", "statistic", "p_value", "q_value", "detail", "explanation",
]  # fmt: skip


def run_audit(report: CheckReport, settings: AuditSettings) -> pd.DataFrame:
    """The signals, ranked. ``attrs``: ``tests`` (how many p-values were pooled),
    ``townships`` (flagged townships by strength of evidence) and ``needs_periods``."""
    if report.results.empty:  # a header without rows: nothing to look at
        signals = pd.DataFrame(columns=SIGNAL_COLUMNS)
        signals.attrs.update(tests=0, townships=[], needs_periods=[])
        return signals
    periods = has_periods(report)
    blocks = panel_blocks(report, settings) if periods else []
    if not blocks:
        blocks += _terminal_digits(report, settings)
    blocks += [b for b in [perinatal_block(report)] if b is not None]
    blocks += _bunching(report, settings)
    pooled, tests = _pooled(blocks, settings.alpha)
    jumps = _sex_ratio_jumps(report, settings)
    frames = [
        pooled,
        jumps,
        _reported_rates(report, settings),
        _totals(report),
        _stat_error(report, settings),
    ]
    frames = [f for f in frames if not f.empty]
    if frames:
        signals = pd.concat(frames, ignore_index=True)[SIGNAL_COLUMNS]
        signals = signals.sort_values("p_value", kind="stable", na_position="last")
        signals = signals.reset_index(drop=True)
    else:
        signals = pd.DataFrame(columns=SIGNAL_COLUMNS)
    signals.attrs["tests"] = tests
    signals.attrs["townships"] = rank_townships(pd.concat([pooled, jumps.assign(_township=True)]))
    signals.attrs["needs_periods"] = [] if period_count(report) > 1 else list(NEEDS_PERIODS)
    return signals


def _pooled(blocks: list[Block], alpha: float) -> tuple[pd.DataFrame, int]:
    """Benjamini–Hochberg over every township × test p-value; rows where q < alpha."""
    ps = [b.p.astype(float) for b in blocks]
    if not ps:
        return _frame([]), 0
    flat = np.concatenate(ps)
    tested = np.isfinite(flat)
    q = np.full(flat.shape, np.nan)
    if tested.any():
        q[tested] = benjamini_hochberg(flat[tested])
    rows, offset = [], 0
    for block in blocks:
        qb = q[offset : offset + len(block.p)]
        offset += len(block.p)
        for i in np.flatnonzero(np.isfinite(qb) & (qb < alpha)):
            built = block.row(int(i))
            rows.append(
                {
                    "signal": block.signal,
                    "unit": built.get("unit", block.units[i] if block.units is not None else None),
                    "period": built.get("period"),
                    "statistic": built.get("statistic"),
                    "p_value": float(block.p[i]),
                    "q_value": float(qb[i]),
                    "detail": built["detail"],
                    "explanation": built["explanation"],
                    "_township": built.get("_township", True),
                }
            )
    frame = pd.DataFrame(rows, columns=[*SIGNAL_COLUMNS, "_township"])
    return frame, int(tested.sum())


def rank_townships(pooled: pd.DataFrame) -> list[dict]:
    """Flagged townships, strongest evidence (smallest q) first, with their signals."""
    if pooled.empty:
        return []
    own = pooled[pooled["_township"].astype(bool)]
    ranked = []
    for unit, group in own.groupby("unit", sort=False):
        group = group.sort_values("p_value", kind="stable")
        ranked.append(
            {
                "unit": unit,
                "q_value": float(group["q_value"].min()),
                "p_value": float(group["p_value"].min()),
                "signals": list(dict.fromkeys(group["signal"])),
            }
        )
    ranked.sort(key=lambda r: (r["q_value"], r["p_value"]))
    return [{"rank": i + 1, **r} for i, r in enumerate(ranked)]


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=SIGNAL_COLUMNS)


def _srb(m: float, f: float) -> str:
    return f"{100 * m / f:.1f}" if f else "∞"


def has_periods(report: CheckReport) -> bool:
    return report.units["period"].notna().any()


def period_count(report: CheckReport) -> int:
    return int(report.units["period"].dropna().nunique())


def _sex_ratio_jumps(report: CheckReport, settings: AuditSettings) -> pd.DataFrame:
    """Fisher's exact test on each pair of consecutive periods, BH over all pairs."""
    units = report.units
    if not has_periods(report) or not {"births_male", "births_female"} <= report.inputs.present:
        return _frame([])
    data = units.dropna(subset=["births_male", "births_female", "period"])
    data = data[~(data[bad_column("births_male")] | data[bad_column("births_female")])]
    order = period_rank(data["period"].unique())
    data = data.assign(_order=data["period"].map(order))
    data = data.sort_values(["township", "_order"], kind="stable")
    same = data["township"].eq(data["township"].shift())
    prev = data.shift()
    n_now = data["births_male"] + data["births_female"]
    n_prev = prev["births_male"] + prev["births_female"]
    pairs = same & (np.minimum(n_now, n_prev) >= settings.min_period_births)
    a, b = prev[pairs], data[pairs]
    tables = np.stack(
        [
            a["births_male"].to_numpy(float),
            a["births_female"].to_numpy(float),
            b["births_male"].to_numpy(float),
            b["births_female"].to_numpy(float),
        ],
        axis=1,
    )
    if len(tables) == 0:
        return _frame([])
    p = fisher_two_sided(tables)
    q = benjamini_hochberg(p)
    rows = []
    for j in np.flatnonzero(q < settings.alpha):
        m0, f0, m1, f1 = tables[j]
        rows.append(
            {
                "signal": "sex_ratio_jump",
                "unit": b["township"].iloc[j],
                "period": f"{a['period'].iloc[j]}→{b['period'].iloc[j]}",
                "statistic": None,
                "p_value": float(p[j]),
                "q_value": float(q[j]),
                "detail": {"from": {"boys": m0, "girls": f0}, "to": {"boys": m1, "girls": f1}},
                "explanation": Message("a_jump", a=_srb(m0, f0), b=_srb(m1, f1), p=f"{p[j]:.2g}"),
            }
        )
    return _frame(rows)


def fisher_two_sided(tables: np.ndarray) -> np.ndarray:
    """Fisher's exact two-sided p-value for each row (a, b, c, d) of the 2×2 tables
    [[a, b], [c, d]], all at once: the hypergeometric probabilities no larger than the
    observed one (relative tolerance 1e-7, as scipy's ``fisher_exact``), summed."""
    a, b, c, d = (tables[:, j].astype(np.int64) for j in range(4))
    total, boys, first = a + b + c + d, a + c, a + b
    low = np.maximum(0, first + boys - total)
    high = np.minimum(first, boys)
    out = np.ones(len(tables))
    width = int((high - low).max()) + 1 if len(tables) else 1
    step = max(1, 4_000_000 // width)
    for s in range(0, len(tables), step):  # chunks bound the memory, not one per table
        sl = slice(s, s + step)
        y = low[sl, None] + np.arange(width)[None, :]
        inside = y <= high[sl, None]
        pmf = np.where(
            inside, _hypergeom_pmf(y, total[sl, None], boys[sl, None], first[sl, None]), 0
        )
        observed = _hypergeom_pmf(a[sl], total[sl], boys[sl], first[sl])
        keep = pmf <= observed[:, None] * (1 + 1e-7)
        out[sl] = np.minimum(1.0, np.where(keep, pmf, 0.0).sum(axis=1))
    return out


def _hypergeom_pmf(y, total, successes, draws) -> np.ndarray:
    def log_choose(n, k):
        return special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)

    y = np.clip(y, 0, np.minimum(successes, draws))
    logp = log_choose(successes, y) + log_choose(total - successes, draws - y)
    return np.exp(logp - log_choose(total, draws))


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values), in the input order."""
    n = len(p)
    order = np.argsort(p)
    ranked = p[order] * n / np.arange(1, n + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(n)
    q[order] = np.minimum(adjusted, 1.0)
    return q


def _decimals(raw: pd.Series) -> pd.Series:
    """Digits after the decimal point, as the cell was written."""
    text = raw.astype("string").str.normalize("NFKC").str.strip().str.rstrip("%‰")
    after = text.str.extract(r"\.(\d+)$")[0]
    return after.str.len().fillna(0).astype(int)


def _reported_rates(report: CheckReport, settings: AuditSettings) -> pd.DataFrame:
    from fpmetrics.validate.checks import parse_counts

    records = report.inputs.records
    values = pd.DataFrame(index=records.index)
    for field in ("births_male", "births_female", "births", "births_policy"):
        values[field], _, _ = parse_counts(records[field])
    births = values["births"].fillna(values["births_male"] + values["births_female"])
    specs = [
        ("reported_sex_ratio", values["births_male"], values["births_female"], "sex_ratio"),
        ("reported_policy_rate", values["births_policy"], births, "share"),
    ]
    rows: list[dict] = []
    for field, part, other, kind in specs:
        if field not in report.inputs.present:
            continue
        text = records[field].astype("string").str.normalize("NFKC").str.strip()
        reported, _, _ = parse_counts(text.str.rstrip("%‰"))
        decimals = _decimals(records[field])
        if kind == "share":
            # A spreadsheet cell formatted as a percentage holds the fraction: 0.9756 is
            # 97.56%. No share in these reports is really 1% or less of births.
            fraction = (reported <= 1) & ~text.str.endswith("%").fillna(False)
            reported = reported.where(~fraction, reported * 100)
            decimals = decimals.where(~fraction, (decimals - 2).clip(lower=0))
        total = part + other if kind == "sex_ratio" else other
        ok = reported.notna() & total.notna() & (total > 0)
        if not ok.any():
            continue
        r, n, d = reported[ok], total[ok], decimals[ok]
        half = 0.5 * 10.0 ** (-d)
        # Smallest whole k whose rate reaches r − half; then is that k's rate still ≤ r + half?
        share = (r - half) / (100 + r - half) if kind == "sex_ratio" else (r - half) / 100
        k = np.ceil(np.clip(share, 0, 1) * n - 1e-9)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = 100 * k / (n - k) if kind == "sex_ratio" else 100 * k / n
        possible = (k <= n) & (rate <= r + half + 1e-9)
        computed = 100 * part[ok] / other[ok] if kind == "sex_ratio" else 100 * part[ok] / n
        mismatch = possible & part[ok].notna() & ((computed - r).abs() > half + 1e-9)
        for idx in r.index[~possible.to_numpy()]:
            rows.append(_rate_row("impossible_rate", records, idx, r[idx], n[idx], d[idx], None))
        for idx in r.index[mismatch.to_numpy()]:
            rows.append(
                _rate_row(
                    "reported_rate_mismatch",
                    records,
                    idx,
                    r[idx],
                    n[idx],
                    d[idx],
                    computed[idx],
                )
            )
    return _frame(rows)


def _rate_row(signal, records, idx, reported, n, decimals, computed) -> dict:
    where = f"{records.at[idx, FILE]}:{records.at[idx, ROW]}"
    key = "a_impossible" if signal == "impossible_rate" else "a_mismatch"
    return {
        "signal": signal,
        "unit": records.at[idx, "township"],
        "period": records.at[idx, "period"],
        "statistic": None,
        "p_value": None,
        "detail": {
            "reported": float(reported),
            "decimals": int(decimals),
            "births": float(n),
            "computed": None if computed is None else float(computed),
            "where": where,
        },
        "explanation": Message(
            key,
            reported=f"{reported:.{int(decimals)}f}",
            n=int(n),
            computed="" if computed is None else f"{computed:.{int(decimals) + 1}f}",
        ),
    }


def _terminal_digits(report: CheckReport, settings: AuditSettings) -> list[Block]:
    """Without periods: last digits of counts ≥ 10 against uniform, all townships pooled and
    each township with enough values. (With periods, ``heaping_0_5`` uses the exact null at
    each series' size instead: small monthly counts do not have uniform last digits.)"""
    from fpmetrics.normalise.fields import COUNT_FIELDS
    from fpmetrics.validate.checks import parse_counts

    records = report.inputs.records
    present = [f for f in COUNT_FIELDS if f in report.inputs.present]
    if not present:
        return []
    stacked = pd.concat(
        [
            pd.DataFrame({"unit": records["township"], "value": parse_counts(records[f])[0]})
            for f in present
        ],
        ignore_index=True,
    )
    stacked = stacked[(stacked["value"] >= 10) & (stacked["value"] % 1 == 0)]
    if stacked.empty:
        return []
    stacked = stacked.assign(digit=(stacked["value"] % 10).astype(int))
    per_unit = pd.crosstab(stacked["unit"], stacked["digit"])
    per_unit = per_unit.reindex(columns=range(10), fill_value=0)
    everyone = pd.DataFrame([per_unit.sum().to_numpy()], index=[""], columns=range(10))
    table = pd.concat([everyone, per_unit])
    observed = table.to_numpy()
    values = observed.sum(axis=1)
    enough = values >= settings.digits_min_values
    chi2 = ((observed - values[:, None] / 10) ** 2 / np.maximum(values[:, None] / 10, 1e-9)).sum(1)
    p_digits = np.where(enough, sps.chi2.sf(chi2, 9), np.nan)
    heaped = observed[:, 0] + observed[:, 5]
    p_heap = np.where(enough, sps.binom.sf(heaped - 1, values, 0.2), np.nan)
    labels = np.array([u or Message("a_all_units") for u in table.index], dtype=object)
    own = np.array([bool(u) for u in table.index])

    def digits_row(i: int) -> dict:
        return {
            "period": None,
            "statistic": float(chi2[i]),
            "detail": {"counts": observed[i].tolist(), "values": int(values[i])},
            "explanation": Message("a_digits", n=int(values[i]), chi2=f"{chi2[i]:.1f}"),
            "_township": bool(own[i]),
        }

    def heap_row(i: int) -> dict:
        return {
            "period": None,
            "statistic": float(heaped[i] / values[i]),
            "detail": {"ending_0_or_5": int(heaped[i]), "values": int(values[i])},
            "explanation": Message(
                "a_heaping", share=f"{100 * heaped[i] / values[i]:.0f}", n=int(values[i])
            ),
            "_township": bool(own[i]),
        }

    return [
        Block("terminal_digits", p_digits, digits_row, labels),
        Block("heaping_0_5", p_heap, heap_row, labels),
    ]


def _bunching(report: CheckReport, settings: AuditSettings) -> list[Block]:
    """Units just on the passing side of a one-sided bar, against the county's own spread.

    Null: each unit's rate is normal around the county's pooled rate p̄ with variance
    p̄(1 − p̄)/n (its own size) plus the between-unit variance τ² (DerSimonian–Laird on z-scores
    winsorised at their 10th and 90th percentiles, so a few outlying units do not widen it).
    Given that a unit lands within the window either side of the bar, it lands on the passing
    side with probability π = P(pass window)/P(either window); the number passing is
    Poisson-binomial.
    (Testing against 50/50 flagged every county whose rates sit above the bar.)"""
    blocks: list[Block] = []
    results = report.results[report.results["value"].notna()]
    periods = has_periods(report)
    for key, rule in report.ruleset.active.items():
        if (rule.min is None) == (rule.max is None):
            continue  # two-sided bands have no single "passing side"
        bound = rule.min if rule.min is not None else rule.max
        window = max(abs(bound) * settings.bunching_share, 10.0 ** (-rule.decimals))
        rows = results[(results["indicator"] == key) & (results["denominator"] > 0)]
        if rows.empty:
            continue
        values = rows["value"].to_numpy(float)
        num = rows["numerator"].to_numpy(float)
        den = rows["denominator"].to_numpy(float)
        scale = rule.scale
        if rule.min is not None:
            passing = (values >= bound) & (values < bound + window)
            failing = (values < bound) & (values >= bound - window)
        else:
            passing = (values <= bound) & (values > bound - window)
            failing = (values > bound) & (values <= bound + window)
        k_pass, k_fail = int(passing.sum()), int(failing.sum())
        if k_pass < 3:
            continue
        pbar = num.sum() / den.sum()
        var = max(pbar * (1 - pbar), 1e-12) / den
        w = 1 / var
        z = (num / den - pbar) * np.sqrt(w)
        low, high = np.percentile(z, [10, 90])  # winsorised (statistics.md §1.1, FunnelPlotR)
        z2 = (np.clip(z, low, high) ** 2).sum()
        tau2 = max(0.0, (z2 - (len(den) - 1)) / (w.sum() - (w**2).sum() / w.sum()))
        sd = np.sqrt(var + tau2) * scale
        mean = pbar * scale

        def cdf(x: float, mean=mean, sd=sd) -> np.ndarray:
            return sps.norm.cdf((x - mean) / sd)

        if rule.min is not None:
            p_pass = cdf(bound + window) - cdf(bound)
            p_fail = cdf(bound) - cdf(bound - window)
        else:
            p_pass = cdf(bound) - cdf(bound - window)
            p_fail = cdf(bound + window) - cdf(bound)
        both = p_pass + p_fail
        pi = np.where(both > 0, p_pass / np.where(both > 0, both, 1), 0.5)
        window_rows = passing | failing
        p = poisson_binomial_sf(
            np.array([k_pass]), pi[window_rows][None, :], np.ones((1, int(window_rows.sum())), bool)
        )
        expected = float(pi[window_rows].sum() if window_rows.any() else 0.0)
        names = rows["unit"].astype(str)
        if periods:
            names = names + " " + rows["period"].astype("string").fillna("")
        named = names[passing].tolist()
        label = Words.of(rule)

        def row(i: int, key=key, bound=bound, window=window, k_pass=k_pass, k_fail=k_fail,
                expected=expected, named=named, label=label, rule=rule) -> dict:  # fmt: skip
            which = "a_rows_months" if periods else "a_rows_units"
            return {
                "unit": label,
                "period": None,
                "statistic": float(k_pass),
                "detail": {
                    "indicator": key,
                    "bound": bound,
                    "window": window,
                    "just_passing": k_pass,
                    "just_failing": k_fail,
                    "expected_passing": expected,
                    "units": named,
                },
                "explanation": Message(
                    "a_bunching",
                    passing=k_pass,
                    failing=k_fail,
                    expected=f"{expected:.1f}",
                    rows=Message(which),
                    bound=f"{bound:g}{rule.symbol}",
                    window=f"{window:.3g}",
                    names="、".join(named[:5]) + ("…" if len(named) > 5 else ""),
                ),
                "_township": False,
            }

        blocks.append(Block("threshold_bunching", p, row, np.array([label], dtype=object)))
    return blocks


def _totals(report: CheckReport) -> pd.DataFrame:
    problems = report.problems[report.problems["code"] == "totals_mismatch"]
    rows = [
        {
            "signal": "totals_mismatch",
            "unit": None,
            "period": None,
            "statistic": None,
            "p_value": None,
            "detail": {
                "file": p["file"],
                "sheet": p["sheet"],
                "row": int(p["row"]),
                "column": p["column"],
            },
            "explanation": Message(p["message_key"], **p["params"]),
        }
        for p in problems.to_dict("records")
    ]
    return _frame(rows)


def _stat_error(report: CheckReport, settings: AuditSettings) -> pd.DataFrame:
    """Failing statistical error rates that chance does not explain (exact p < alpha)."""
    results = report.results[
        (report.results["indicator"] == "birth_stat_error_rate")
        & report.results["status"].isin(["fail", "warn"])
        & (report.results["p_value"] < settings.alpha)
    ]
    rows = []
    for r in results.to_dict("records"):
        p = r["p_value"]
        rows.append(
            {
                "signal": "stat_error",
                "unit": r["unit"],
                "period": r["period"],
                "statistic": r["value"],
                "p_value": None if p is None or (isinstance(p, float) and math.isnan(p)) else p,
                "detail": {
                    "difference": r["numerator"],
                    "verified": r["denominator"],
                    "ci": [r["ci_low"], r["ci_high"]],
                    "evidence": r["evidence"],
                },
                "explanation": Message(
                    "a_stat_error",
                    value=f"{r['value']:.2f}",
                    low=f"{r['ci_low']:.2f}",
                    high=f"{r['ci_high']:.2f}",
                    bound=f"{r['max']:g}",
                ),
            }
        )
    return _frame(rows)
