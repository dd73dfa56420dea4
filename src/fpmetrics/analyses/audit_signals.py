"""The per-township signals of ``fpmetrics audit`` as :class:`~fpmetrics.analyses.audit_panel.Block`
objects: which counts and rates the rules use, each test run over all townships, and the
row (township, periods, numbers, explanation) a significant result becomes."""

from __future__ import annotations

import numpy as np

from fpmetrics.analyses.audit_panel import (
    NEAR_SHARE,
    PINNED_BAND_SHARE,
    Block,
    Panel,
    at_norm,
    build_panel,
    count_dispersion,
    frozen_numerator,
    last_digit_heaping,
    perinatal_excess,
    pinned,
    rate_dispersion,
    repeats,
    rule_fields,
    step_change,
    stock_rate_smoothness,
)
from fpmetrics.frame_columns import bad_column
from fpmetrics.i18n import Joined, Message, Words
from fpmetrics.models import CheckReport
from fpmetrics.normalise.fields import FIELDS
from fpmetrics.ruleset.rules import AuditSettings, Indicator

#: Counts of people present (a stock), not events in the period (a flow). A stock carries over
#: from one period to the next, so its month-to-month values are not independent Poisson draws:
#: a steady stock is not "too smooth", an unchanged one is not a "repeat". The count tests and
#: the rate-dispersion test leave stocks out; the pinned, step and frozen-numerator tests keep
#: them (the issue's in-migrant archive count that does not move with the women).
STOCK_FIELDS = frozenset(
    {
        "population",
        "station_staff",
        "station_tech_staff",
        "migrant_women",
        "migrant_archived",
        "migrant_certified",
        "migrant_contacted",
    }
)
#: the sex ratio a forced series is held at (statistics.md §1.2: 105 is the usual norm)
SEX_RATIO_NORM = 105.0
#: signals that need several periods, for the one-period advice
NEEDS_PERIODS = (
    "repeated_figures",
    "too_smooth",
    "sex_ratio_heterogeneity",
    "held_at_norm",
    "step_change",
    "frozen_numerator",
    "pinned_at_bar",
    "heaping_0_5",
)


def _g(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}g}"


def _rates(report: CheckReport) -> list[tuple[str, Indicator, str, str]]:
    """(indicator id, rule, numerator field, denominator field) for every active rule whose
    numerator is a share of its denominator; the sex ratio as boys out of all births."""
    present = _present(report)
    out = []
    for key, rule in report.ruleset.active.items():
        num, den = rule.numerator.strip(), rule.denominator.strip()
        if num not in FIELDS or den not in FIELDS:
            continue
        if (num, den) == ("births_male", "births_female"):
            if {num, den} <= present:
                out.append((key, rule, num, "_births_mf"))
        elif FIELDS[num].part_of == den and num in present and den in present:
            out.append((key, rule, num, den))
    return out


def _present(report: CheckReport) -> set[str]:
    """Fields the input gives; the total births also when boys and girls are given."""
    present = set(report.inputs.present)
    if {"births_male", "births_female"} <= present:
        present.add("births")
    return present


def _count_fields(report: CheckReport) -> list[str]:
    """Counts the rules use and the input gives; the total births is left out when boys and
    girls are both given (it is their sum, not a figure of its own)."""
    rules = report.ruleset.active.values()
    names = rule_fields([r.numerator for r in rules] + [r.denominator for r in rules])
    present = _present(report)
    names = [f for f in names if f in present]
    if {"births_male", "births_female"} <= present:
        names = [f for f in names if f != "births"]
    return names


def panel_for(report: CheckReport) -> tuple[Panel | None, list[str]]:
    """The township × period arrays of every count and rate the rules use, and the counts."""
    counts = _count_fields(report)
    fields = list(dict.fromkeys([*counts, *_rate_fields(report), "births"]))
    fields = [f for f in fields if f in report.units.columns]
    panel = build_panel(report.units, fields)
    if panel is not None and {"births_male", "births_female"} <= set(panel.values):
        panel.values["_births_mf"] = panel.values["births_male"] + panel.values["births_female"]
    return panel, counts


def _rate_fields(report: CheckReport) -> list[str]:
    return [f for _, _, num, den in _rates(report) for f in (num, den) if f in FIELDS]


def _name(field: str) -> Words | str:
    return Words.of(FIELDS[field]) if field in FIELDS else field


def panel_blocks(report: CheckReport, settings: AuditSettings) -> list[Block]:
    """Every per-township series test (none without two periods or more)."""
    panel, counts = panel_for(report)
    if panel is None:
        return []
    blocks = _panel_blocks(panel, counts, report, settings)
    for block in blocks:
        block.units = panel.units
    return blocks


def _panel_blocks(
    panel: Panel, counts: list[str], report: CheckReport, settings: AuditSettings
) -> list[Block]:
    blocks: list[Block] = []
    counts = [f for f in counts if f not in STOCK_FIELDS]
    blocks += _repeat_blocks(panel, counts)
    blocks += _dispersion_blocks(panel, counts)
    for key, rule, num, den in _rates(report):
        blocks += _rate_blocks(panel, key, rule, num, den, settings)
    blocks += _heaping_blocks(panel, counts)
    return blocks


def independent_counts(counts: list[str]) -> list[str]:
    """Counts that are not (almost) determined by another: a part of a total is left out
    (archived of in-migrant women repeats when the women do: binomially close), and so are
    perinatal births when births are given (live births plus a few stillbirths). Repeats of
    such pairs would not be independent, and the repeat test assumes they are."""
    births = {"births", "births_male", "births_female"} & set(counts)
    covered = set(counts) | ({"births"} if births else set())
    return [
        f
        for f in counts
        if FIELDS[f].part_of not in covered and not (f == "perinatal_births" and births)
    ]


def _repeat_blocks(panel: Panel, counts: list[str]) -> list[Block]:
    found = repeats(panel, independent_counts(counts))
    if found is None:
        return []
    p, k_obs, pairs, expected, hit, labels = found
    used = independent_counts(counts)

    def max_mean(i: int) -> float:
        means = [
            np.nanmean(panel.values[f][i]) for f in used if np.isfinite(panel.values[f][i]).any()
        ]
        return max(means, default=0.0)

    def row(i: int) -> dict:
        where = [labels[j] for j in np.flatnonzero(hit[i])]
        shown = [
            Joined((_name(f), f" {panel.periods[t]}≈{panel.periods[t - lag]}"), "")
            for f, lag, t in where
        ]
        later = np.zeros(len(panel.periods), bool)
        later[[t for _, _, t in where]] = True
        tol = int(max(1.0, np.floor(NEAR_SHARE * max_mean(i))))
        return {
            "period": panel.span(later),
            "statistic": float(k_obs[i]),
            "detail": {
                "repeats": int(k_obs[i]),
                "pairs": int(pairs[i]),
                "expected": float(expected[i]),
                "tolerance": tol,
                "where": shown,
            },
            "explanation": Message(
                "a_repeat",
                tol=tol,
                k=int(k_obs[i]),
                m=int(pairs[i]),
                e=_g(expected[i], 2),
                first=Joined(tuple(shown[:3]), "; "),
            ),
        }

    return [Block("repeated_figures", p, row)]


def _dispersion_blocks(panel: Panel, counts: list[str]) -> list[Block]:
    blocks = []
    for field in counts:
        p, d, mean = count_dispersion(panel, field)
        ok = np.isfinite(panel.values[field])

        def row(i: int, field=field, d=d, mean=mean, ok=ok, p=p) -> dict:
            k = int(ok[i].sum())
            return {
                "period": panel.span(ok[i]),
                "statistic": float(d[i]),
                "detail": {
                    "field": field,
                    "dispersion": float(d[i] / max(k - 1, 1)),
                    "chi2": float(d[i]),
                    "df": k - 1,
                    "periods": k,
                    "mean": float(mean[i]),
                },
                "explanation": Message(
                    "a_smooth_count",
                    field=_name(field),
                    k=k,
                    d=f"{d[i] / max(k - 1, 1):.2f}",
                    p=_g(p[i], 2),
                ),
            }

        blocks.append(Block("too_smooth", p, row))
    return blocks


def _rate_blocks(
    panel: Panel,
    key: str,
    rule: Indicator,
    num: str,
    den: str,
    settings: AuditSettings,
) -> list[Block]:
    """The tests of one rate (numerator ``num`` out of ``den``; ``_births_mf`` for the sex
    ratio's boys out of all births)."""
    k, n = panel.values[num], panel.values[den]
    label = Words.of(rule)
    sex_ratio = den == "_births_mf"
    chi2, df, lower, upper, usable = rate_dispersion(k, n, settings.min_period_births)
    blocks = []

    def smooth_row(i: int) -> dict:
        periods = int(usable[i].sum())
        detail = {"chi2": float(chi2[i]), "df": int(df[i]), "periods": periods}
        if sex_ratio:
            text = Message("a_smooth",  k=periods, chi2=f"{chi2[i]:.2f}", df=int(df[i]),
                     p=_g(lower[i], 2))  # fmt: skip
        else:
            detail["indicator"] = key
            text = Message("a_smooth_rate",  name=label, k=periods, chi2=f"{chi2[i]:.2f}",
                     df=int(df[i]), p=_g(lower[i], 2))  # fmt: skip
        return {"period": panel.span(usable[i]), "statistic": float(chi2[i]), "detail": detail,
                "explanation": text}  # fmt: skip

    stock = den in STOCK_FIELDS
    if not stock:
        blocks.append(Block("too_smooth", lower, smooth_row))
    else:
        p_stock, f_stat, pairs = stock_rate_smoothness(k, n)

        def stock_row(i: int) -> dict:
            ok = np.isfinite(k[i]) & np.isfinite(n[i])
            return {
                "period": panel.span(ok),
                "statistic": float(f_stat[i]),
                "detail": {
                    "indicator": key,
                    "model": "stock",
                    "f": float(f_stat[i]),
                    "pairs": int(pairs[i]),
                },
                "explanation": Message(
                    "a_smooth_stock",
                    name=label,
                    den=_name(den),
                    m=int(pairs[i]),
                    f=f"{f_stat[i]:.3g}",
                    p=_g(p_stock[i], 2),
                ),
            }

        blocks.append(Block("too_smooth", p_stock, stock_row))
    if sex_ratio:

        def hetero_row(i: int) -> dict:
            periods = int(usable[i].sum())
            return {
                "period": panel.span(usable[i]),
                "statistic": float(chi2[i]),
                "detail": {"chi2": float(chi2[i]), "df": int(df[i]), "periods": periods},
                "explanation": Message("a_hetero", k=periods, chi2=f"{chi2[i]:.1f}", df=int(df[i])),
            }

        blocks.append(Block("sex_ratio_heterogeneity", upper, hetero_row))
        norm = SEX_RATIO_NORM / (100 + SEX_RATIO_NORM)
        p_norm, x2, periods, kept = at_norm(k, n, norm, settings.min_period_births)

        def norm_row(i: int) -> dict:
            boys = np.nansum(np.where(kept[i], k[i], 0))
            girls = np.nansum(np.where(kept[i], n[i], 0)) - boys
            return {
                "period": panel.span(kept[i]),
                "statistic": float(x2[i]),
                "detail": {
                    "chi2": float(x2[i]),
                    "df": int(periods[i]),
                    "norm": SEX_RATIO_NORM,
                    "sex_ratio": float(100 * boys / girls) if girls else None,
                },
                "explanation": Message(
                    "a_norm",
                    k=int(periods[i]),
                    norm=f"{SEX_RATIO_NORM:g}",
                    chi2=f"{x2[i]:.3g}",
                    p=_g(p_norm[i], 2),
                ),
            }

        blocks.append(Block("held_at_norm", p_norm, norm_row))

    scale = rule.scale
    p_step, g_max, best, before, after = step_change(k, n)
    if sex_ratio:  # shown as a sex ratio, boys per 100 girls
        show = lambda r: f"{100 * r / (1 - r):.1f}" if r < 1 else "∞"  # noqa: E731
    else:
        show = lambda r: f"{scale * r:.{rule.decimals}f}{rule.symbol}"  # noqa: E731

    def step_row(i: int) -> dict:
        j = int(best[i])
        ok = np.isfinite(k[i]) & np.isfinite(n[i]) & (n[i] > 0)
        splits = int(((np.cumsum(ok)[:-1] >= 1) & (np.cumsum(ok)[:-1] < ok.sum()) & ok[:-1]).sum())
        return {
            "period": f"{panel.periods[j]}→{panel.periods[j + 1]}",
            "statistic": float(g_max[i]),
            "detail": {
                "indicator": key,
                "before": float(scale * before[i]) if np.isfinite(before[i]) else None,
                "after": float(scale * after[i]) if np.isfinite(after[i]) else None,
                "last_before": panel.periods[j],
                "first_after": panel.periods[j + 1],
                "g": float(g_max[i]),
                "splits": splits,
            },
            "explanation": Message(
                "a_step",
                name=label,
                a=show(before[i]),
                b=show(after[i]),
                period=panel.periods[j + 1],
                g=f"{g_max[i]:.1f}",
                splits=splits,
            ),
        }

    if not stock:  # a stock's rate drifts with its turnover: not a step
        blocks.append(Block("step_change", p_step, step_row))

    if not sex_ratio:
        p_fz, k_fz, pairs, expected, hit = frozen_numerator(panel, num, den)

        def frozen_row(i: int) -> dict:
            idx = np.flatnonzero(hit[i])
            where = [f"{panel.periods[j]}→{panel.periods[j + 1]}" for j in idx]
            later = np.zeros(len(panel.periods), bool)
            later[idx + 1] = True
            return {
                "period": panel.span(later),
                "statistic": float(k_fz[i]),
                "detail": {
                    "indicator": key,
                    "numerator": num,
                    "denominator": den,
                    "unchanged": int(k_fz[i]),
                    "pairs": int(pairs[i]),
                    "expected": float(expected[i]),
                    "where": where,
                },
                "explanation": Message(
                    "a_frozen",
                    name=label,
                    num=_name(num),
                    den=_name(den),
                    k=int(k_fz[i]),
                    m=int(pairs[i]),
                    e=_g(expected[i], 2),
                ),
            }

        blocks.append(Block("frozen_numerator", p_fz, frozen_row))

    if (rule.min is None) != (rule.max is None) and not sex_ratio:
        bar = (rule.min if rule.min is not None else rule.max) / scale
        width = abs(bar) * PINNED_BAND_SHARE
        low, high = (bar, bar + width) if rule.min is not None else (bar - width, bar)
        kept = year_ends(panel) if stock else np.ones(len(panel.periods), bool)
        kk, nn = np.where(kept, k, np.nan), np.where(kept, n, np.nan)
        p_pin, k_pin, periods, expected, hit = pinned(kk, nn, low, high)

        def pinned_row(i: int) -> dict:
            band = f"{scale * low:g}–{scale * high:g}{rule.symbol}"
            return {
                "period": panel.span(hit[i]),
                "statistic": float(k_pin[i]),
                "detail": {
                    "indicator": key,
                    "band": [scale * low, scale * high],
                    "in_band": int(k_pin[i]),
                    "periods": int(periods[i]),
                    "expected": float(expected[i]),
                },
                "explanation": Message(
                    "a_pinned",
                    name=label,
                    band=band,
                    k=int(k_pin[i]),
                    m=int(periods[i]),
                    e=_g(expected[i], 2),
                ),
            }

        blocks.append(Block("pinned_at_bar", p_pin, pinned_row))
    return blocks


def year_ends(panel: Panel) -> np.ndarray:
    """The last period of each year, for monthly data: a stock's months are not independent,
    its year ends nearly are. All periods for yearly data."""
    if not panel.monthly:
        return np.ones(len(panel.periods), bool)
    years = [p.strip()[:4] if p.strip()[:4].isdigit() else "" for p in panel.periods]
    return np.array([i == len(years) - 1 or years[i + 1] != y for i, y in enumerate(years)])


def _heaping_blocks(panel: Panel, counts: list[str]) -> list[Block]:
    if not counts:
        return []
    p, k_obs, m, expected = last_digit_heaping(panel, counts)

    def row(i: int) -> dict:
        return {
            "period": panel.span(np.ones(len(panel.periods), bool)),
            "statistic": float(k_obs[i] / max(m[i], 1)),
            "detail": {
                "ending_0_or_5": int(k_obs[i]),
                "values": int(m[i]),
                "expected": float(expected[i]),
            },
            "explanation": Message(
                "a_heaping_model", k=int(k_obs[i]), m=int(m[i]), e=_g(expected[i], 2)
            ),
        }

    return [Block("heaping_0_5", p, row)]


def perinatal_block(report: CheckReport) -> Block | None:
    """Perinatal births far above live births, per township over all its periods (or its
    single row)."""
    present = _present(report)
    if not {"perinatal_births", "births"} <= present:
        return None
    units = report.units
    codes, names = units["township"].astype(str).factorize()
    births = np.full((len(names), len(units)), np.nan)
    perinatal = np.full_like(births, np.nan)
    cols = np.arange(len(units))
    bad_births = units[bad_column("births")].to_numpy(bool)
    bad = units[bad_column("perinatal_births")].to_numpy(bool) | bad_births
    births[codes, cols] = np.where(bad, np.nan, units["births"].astype(float).to_numpy())
    perinatal[codes, cols] = np.where(bad, np.nan, units["perinatal_births"].astype(float))
    p, b, q = perinatal_excess(births, perinatal)
    periods = units["period"].astype("string")
    from fpmetrics.analyses.audit_panel import PERINATAL_EXCESS_SHARE

    def row(i: int) -> dict:
        mine = periods[codes == i].dropna().tolist()
        span = None if not mine else (mine[0] if len(mine) == 1 else f"{min(mine)}–{max(mine)}")
        return {
            "period": span,
            "statistic": float(q[i] / b[i]),
            "detail": {
                "perinatal_births": float(q[i]),
                "live_births": float(b[i]),
                "excess": float(q[i] - b[i]),
                "allowed_share": PERINATAL_EXCESS_SHARE,
            },
            "explanation": Message(
                "a_perinatal",
                q=int(q[i]),
                b=int(b[i]),
                x=int(q[i] - b[i]),
                e=f"{PERINATAL_EXCESS_SHARE * b[i]:.0f}",
            ),
        }

    return Block("perinatal_excess", p, row, np.asarray(names, dtype=object))
