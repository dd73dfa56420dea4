"""Data-quality signals: is a change larger than chance, and does the data look made up?

Each signal carries its numbers, an exact or stated-approximation p-value and a plain
explanation; they are ranked by p-value. None of them changes a verdict.

Temporal signals need a period column (months or years), one row per township per period:

- ``sex_ratio_jump``: the male share in two consecutive periods differs more than chance
  (Fisher's exact test on the 2×2 table; the seeds' "前后两个月间下降幅度惊人", 000@2512).
  Every township and month pair is a test, so these are reported where the
  Benjamini–Hochberg q-value over all of them is below alpha.
- ``sex_ratio_heterogeneity``: the male share varies across all periods more than chance
  (χ² on the 2×k table, upper tail).
- ``too_smooth``: the same χ², lower tail: the series varies *less* than binomial noise
  allows, as invented figures do.

Cross-sectional signals:

- ``impossible_rate`` (GRIM-style): a reported sex ratio or policy-birth rate that no whole
  number of births out of the reported total rounds to.
- ``reported_rate_mismatch``: a reported rate that differs from the one the counts give.
- ``terminal_digits``: last digits of counts ≥ 10 far from uniform (χ², 9 df), and the share
  ending in 0 or 5 above 20% (exact binomial).
- ``threshold_bunching``: units piled up just on the passing side of a bound (exact
  binomial, above vs below within a window).
- ``totals_mismatch``: a totals row the townships do not add up to.
- ``stat_error``: reported vs surveyed births (统计误差率) beyond the bound by more than chance
  (exact one-sided p < alpha), with its interval.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as sps

from .i18n import t
from .periods import period_rank
from .pipeline import CheckReport
from .rules import AuditSettings

SIGNAL_COLUMNS = [
    "signal", "unit", "period", "statistic", "p_value", "q_value", "detail", "explanation",
]  # fmt: skip


def run_audit(report: CheckReport, settings: AuditSettings, lang: str) -> pd.DataFrame:
    if report.results.empty:  # a header without rows: nothing to look at
        return pd.DataFrame(columns=SIGNAL_COLUMNS)
    frames = [
        _sex_ratio_series(report, settings, lang),
        _reported_rates(report, settings, lang),
        _terminal_digits(report, settings, lang),
        _bunching(report, settings, lang),
        _totals(report, lang),
        _stat_error(report, settings, lang),
    ]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=SIGNAL_COLUMNS)
    signals = pd.concat(frames, ignore_index=True)
    return signals.sort_values("p_value", kind="stable", na_position="last").reset_index(drop=True)


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=SIGNAL_COLUMNS)


def _srb(m: float, f: float) -> str:
    return f"{100 * m / f:.1f}" if f else "∞"


def has_periods(report: CheckReport) -> bool:
    return report.units["period"].notna().any()


def _sex_ratio_series(report: CheckReport, settings: AuditSettings, lang: str) -> pd.DataFrame:
    units = report.units
    if not has_periods(report) or not {"births_male", "births_female"} <= report.inputs.present:
        return _frame([])
    data = units.dropna(subset=["births_male", "births_female", "period"])
    data = data[~(data["_bad_births_male"] | data["_bad_births_female"])]
    order = period_rank(data["period"].unique())
    data = data.assign(_order=data["period"].map(order))
    data = data.sort_values(["township", "_order"], kind="stable")
    rows: list[dict] = []
    jumps: list[dict] = []
    for unit, series in data.groupby("township", sort=False):  # one pass per township
        m = series["births_male"].to_numpy(dtype=float)
        f = series["births_female"].to_numpy(dtype=float)
        periods = series["period"].tolist()
        for i in range(1, len(series)):
            table = [[m[i - 1], f[i - 1]], [m[i], f[i]]]
            if min(m[i - 1] + f[i - 1], m[i] + f[i]) < settings.min_period_births:
                continue
            _, p = sps.fisher_exact(table)
            jumps.append(
                {
                    "signal": "sex_ratio_jump",
                    "unit": unit,
                    "period": f"{periods[i - 1]}→{periods[i]}",
                    "statistic": None,
                    "p_value": float(p),
                    "q_value": None,
                    "detail": {
                        "from": {"boys": m[i - 1], "girls": f[i - 1]},
                        "to": {"boys": m[i], "girls": f[i]},
                    },
                    "explanation": t(
                        "a_jump",
                        lang,
                        a=_srb(m[i - 1], f[i - 1]),
                        b=_srb(m[i], f[i]),
                        p=f"{p:.2g}",
                    ),
                }
            )
        usable = (m + f) >= settings.min_period_births
        if usable.sum() < 3:
            continue
        mm, ff = m[usable], f[usable]
        if mm.sum() == 0 or ff.sum() == 0:
            continue
        chi2, _, df, _ = sps.chi2_contingency(np.array([mm, ff]), correction=False)
        upper = float(sps.chi2.sf(chi2, df))
        lower = float(sps.chi2.cdf(chi2, df))
        span = f"{periods[0]}–{periods[-1]}"
        if upper < settings.alpha:
            rows.append(
                {
                    "signal": "sex_ratio_heterogeneity",
                    "unit": unit,
                    "period": span,
                    "statistic": float(chi2),
                    "p_value": upper,
                    "detail": {"chi2": float(chi2), "df": int(df), "periods": int(usable.sum())},
                    "explanation": t(
                        "a_hetero", lang, k=int(usable.sum()), chi2=f"{chi2:.1f}", df=df
                    ),
                }
            )
        if lower < settings.alpha and usable.sum() >= 4:
            rows.append(
                {
                    "signal": "too_smooth",
                    "unit": unit,
                    "period": span,
                    "statistic": float(chi2),
                    "p_value": lower,
                    "detail": {"chi2": float(chi2), "df": int(df), "periods": int(usable.sum())},
                    "explanation": t(
                        "a_smooth",
                        lang,
                        k=int(usable.sum()),
                        chi2=f"{chi2:.2f}",
                        df=df,
                        p=f"{lower:.2g}",
                    ),
                }
            )
    if jumps:
        q = benjamini_hochberg(np.array([j["p_value"] for j in jumps]))
        for jump, q_value in zip(jumps, q, strict=True):
            if q_value < settings.alpha:
                rows.append({**jump, "q_value": float(q_value)})
    return _frame(rows)


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


def _reported_rates(report: CheckReport, settings: AuditSettings, lang: str) -> pd.DataFrame:
    from .validate import parse_counts

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
            rows.append(
                _rate_row("impossible_rate", records, idx, r[idx], n[idx], d[idx], None, lang)
            )
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
                    lang,
                )
            )
    return _frame(rows)


def _rate_row(signal, records, idx, reported, n, decimals, computed, lang) -> dict:
    where = f"{records.at[idx, '_file']}:{records.at[idx, '_row']}"
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
        "explanation": t(
            key,
            lang,
            reported=f"{reported:.{int(decimals)}f}",
            n=int(n),
            computed="" if computed is None else f"{computed:.{int(decimals) + 1}f}",
        ),
    }


def _terminal_digits(report: CheckReport, settings: AuditSettings, lang: str) -> pd.DataFrame:
    from .fields import COUNT_FIELDS
    from .validate import parse_counts

    records = report.inputs.records
    present = [f for f in COUNT_FIELDS if f in report.inputs.present]
    if not present:
        return _frame([])
    stacked = pd.concat(
        [
            pd.DataFrame({"unit": records["township"], "value": parse_counts(records[f])[0]})
            for f in present
        ],
        ignore_index=True,
    )
    stacked = stacked[(stacked["value"] >= 10) & (stacked["value"] % 1 == 0)]
    rows: list[dict] = []
    groups = [("", stacked), *stacked.groupby("unit", sort=False)]
    for unit, group in groups:
        if len(group) < settings.digits_min_values:
            continue
        digits = (group["value"] % 10).astype(int)
        observed = np.bincount(digits, minlength=10)
        chi2, p = sps.chisquare(observed)
        heaped = int(observed[0] + observed[5])
        p_heap = float(sps.binom.sf(heaped - 1, len(group), 0.2))
        label = unit or t("a_all_units", lang)
        if p < settings.alpha:
            rows.append(
                {
                    "signal": "terminal_digits",
                    "unit": label,
                    "period": None,
                    "statistic": float(chi2),
                    "p_value": float(p),
                    "detail": {"counts": observed.tolist(), "values": len(group)},
                    "explanation": t("a_digits", lang, n=len(group), chi2=f"{chi2:.1f}"),
                }
            )
        if p_heap < settings.alpha:
            rows.append(
                {
                    "signal": "heaping_0_5",
                    "unit": label,
                    "period": None,
                    "statistic": heaped / len(group),
                    "p_value": p_heap,
                    "detail": {"ending_0_or_5": heaped, "values": len(group)},
                    "explanation": t(
                        "a_heaping", lang, share=f"{100 * heaped / len(group):.0f}", n=len(group)
                    ),
                }
            )
    return _frame(rows)


def _bunching(report: CheckReport, settings: AuditSettings, lang: str) -> pd.DataFrame:
    rows: list[dict] = []
    results = report.results[report.results["value"].notna()]
    for key, rule in report.ruleset.active.items():
        if (rule.min is None) == (rule.max is None):
            continue  # two-sided bands have no single "passing side"
        bound = rule.min if rule.min is not None else rule.max
        window = max(abs(bound) * settings.bunching_share, 10.0 ** (-rule.decimals))
        values = results.loc[results["indicator"] == key, "value"]
        if rule.min is not None:
            passing = ((values >= bound) & (values < bound + window)).sum()
            failing = ((values < bound) & (values >= bound - window)).sum()
        else:
            passing = ((values <= bound) & (values > bound - window)).sum()
            failing = ((values > bound) & (values <= bound + window)).sum()
        total = int(passing + failing)
        if passing < 3 or total == 0:
            continue
        p = float(sps.binom.sf(passing - 1, total, 0.5))
        if p < settings.alpha:
            rows.append(
                {
                    "signal": "threshold_bunching",
                    "unit": rule.label(lang),
                    "period": None,
                    "statistic": float(passing),
                    "p_value": p,
                    "detail": {
                        "indicator": key,
                        "bound": bound,
                        "window": window,
                        "just_passing": int(passing),
                        "just_failing": int(failing),
                    },
                    "explanation": t(
                        "a_bunching",
                        lang,
                        passing=int(passing),
                        failing=int(failing),
                        bound=f"{bound:g}{rule.symbol}",
                        window=f"{window:.3g}",
                    ),
                }
            )
    return _frame(rows)


def _totals(report: CheckReport, lang: str) -> pd.DataFrame:
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
            "explanation": p["message"],
        }
        for p in problems.to_dict("records")
    ]
    return _frame(rows)


def _stat_error(report: CheckReport, settings: AuditSettings, lang: str) -> pd.DataFrame:
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
                "explanation": t(
                    "a_stat_error",
                    lang,
                    value=f"{r['value']:.2f}",
                    low=f"{r['ci_low']:.2f}",
                    high=f"{r['ci_high']:.2f}",
                    bound=f"{r['max']:g}",
                ),
            }
        )
    return _frame(rows)
