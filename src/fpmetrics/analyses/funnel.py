"""Funnel plots (Spiegelhalter 2005, *Stat Med* 24:1185): which units are outside chance.

Control limits are exact binomial or Poisson quantiles with the interpolation of the paper's
Appendix A.1.1 — r_p = the smallest r with F(r) ≥ p, α = (F(r_p) − p) / (F(r_p) − F(r_p − 1)),
limit = (r_p − α) / n — at 95% (p = 0.025, 0.975) and 99.8% (p = 0.001, 0.999), clipped to the
possible range. A binomial upper limit with r_p = n is 1: all n events are then not improbable,
and the unclipped (n − α)/n would flag every unit at 100%. The sex ratio is funnelled on the
male share and mapped by scale·p/(1−p).

Optional overdispersion (the paper's §3): z-scores winsorised at the 10th/90th percentiles,
φ = mean(z²); ``multiplicative`` widens the normal limits by √φ, ``additive`` adds the
DerSimonian–Laird τ² = max(0, (Iφ − (I − 1)) / (Σw − Σw²/Σw)), w = 1/s². Both on the raw scale.

φ is the spread of the units around the county's own pooled rate, whatever the centre line:
with ``--target bound`` or a value (an external standard), the county's distance from that
standard is one shift shared by every unit, not variation between them, and measured against
the standard it would pass for overdispersion (9.4 instead of 3.2) and widen every limit.
Where φ ≤ 1 (or τ² = 0) there is no overdispersion to allow for, and the exact limits are
kept: the normal ones would be narrower for rare events and raise false alarms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from fpmetrics.ruleset.rules import Indicator, RuleSet

if TYPE_CHECKING:
    from fpmetrics.models import CheckReport, FunnelReport

LEVELS = {"95": (0.025, 0.975), "99.8": (0.001, 0.999)}
Z = {"95": 1.959963984540054, "99.8": 3.090232306167813}
MODELS = ("binomial", "sex_ratio", "poisson")
OVERDISPERSION = ("none", "multiplicative", "additive")
MIN_UNITS = 3  # a report draws a funnel only for an indicator with values for this many units


@dataclass
class Funnel:
    indicator: str
    rule: Indicator
    model: str
    target: float  # on the indicator's scale
    theta0: float  # on the model's scale (share or rate per unit exposure)
    phi: float | None
    tau2: float | None
    units: pd.DataFrame  # unit, period, value, x, n, limits, flags
    method: str
    phi_rate: float | None = None  # the rate φ is measured against (indicator scale): pooled
    overdispersion: str = "none"  # what was asked for (method is "exact" where φ ≤ 1)


def _cdf(model: str, k: np.ndarray, n: np.ndarray, theta0: float) -> np.ndarray:
    """P(X ≤ k): binomial (n, θ0) or Poisson (n·θ0), for whole k, 0 below the support and
    1 above it. scipy.special, as in stats.py: importing scipy.stats costs ~0.8 s."""
    from scipy import special

    with np.errstate(invalid="ignore"):
        if model == "poisson":
            inside = special.pdtr(np.maximum(k, 0), n * theta0)
            return np.where(k < 0, 0.0, inside)
        inside = special.bdtr(np.clip(k, 0, n), n.astype(np.int64), theta0)
        return np.where(k < 0, 0.0, np.where(k >= n, 1.0, inside))


def _quantile(model: str, n: np.ndarray, theta0: float, p: float) -> np.ndarray:
    """r_p, the smallest whole r with P(X ≤ r) ≥ p (0 < p < 1): the inverse of the CDF from
    scipy.special as a first guess, then moved to the exact step of the CDF."""
    from scipy import special

    if theta0 <= 0:  # all the mass at 0
        return np.zeros_like(n, dtype=float)
    if model != "poisson" and theta0 >= 1:  # all the mass at n
        return n.astype(float)
    with np.errstate(invalid="ignore"):
        if model == "poisson":
            guess = special.pdtrik(p, n * theta0)
        else:
            guess = special.bdtrik(p, n, theta0)
    r = np.ceil(np.nan_to_num(guess, nan=0.0))
    r = np.clip(r, 0, np.inf if model == "poisson" else n)
    for _ in range(64):  # the guess is off by a step or two at most
        down = (r > 0) & (_cdf(model, r - 1, n, theta0) >= p)
        up = _cdf(model, r, n, theta0) < p
        if not (down.any() or up.any()):
            break
        r = r - down + up
    return r


def _exact_limits(model: str, n: np.ndarray, theta0: float, p: float) -> np.ndarray:
    n = np.asarray(n, dtype=float)
    r = _quantile(model, n, theta0, p)
    f_r = _cdf(model, r, n, theta0)
    f_before = _cdf(model, r - 1, n, theta0)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = np.where(f_r > f_before, (f_r - p) / (f_r - f_before), 0.0)
        limit = (r - alpha) / n
    if model == "poisson":
        return np.clip(limit, 0.0, np.inf)
    if p > 0.5:
        # r_p = n: even all n events are not improbable (P(X = n) > 1 − p), so nothing possible
        # lies above this limit: it is the top of the range, 1. Unclipped, (n − α)/n < 1 would
        # put every unit at 100% above the limit, however likely 100% is.
        limit = np.where(r >= n, 1.0, limit)
    return np.clip(limit, 0.0, 1.0)


def _to_value(model: str, share: np.ndarray | float, scale: float) -> np.ndarray:
    share = np.asarray(share, dtype=float)
    if model == "sex_ratio":
        with np.errstate(divide="ignore"):
            return np.where(share >= 1, np.inf, scale * share / (1 - share))
    return share * scale


def _from_value(model: str, value: float, scale: float) -> float:
    if model == "sex_ratio":
        return value / (scale + value)
    return value / scale


def build_funnel(
    results: pd.DataFrame,
    key: str,
    rule: Indicator,
    target: str = "overall",
    overdispersion: str = "none",
) -> Funnel:
    """Limits for every unit with a value of indicator ``key``."""
    model = rule.evidence_model
    if model not in MODELS:
        raise ValueError(model)
    rows = results[(results["indicator"] == key) & results["value"].notna()].copy()
    x = rows["numerator"].to_numpy(dtype=float)
    den = rows["denominator"].to_numpy(dtype=float)
    n = x + den if model == "sex_ratio" else den
    if target == "overall":
        theta0 = float(x.sum() / n.sum()) if n.sum() else float("nan")
    elif target == "bound":
        bounds = [b for b in (rule.min, rule.max) if b is not None]
        theta0 = _from_value(model, sum(bounds) / len(bounds), rule.scale)
    else:
        theta0 = _from_value(model, float(target), rule.scale)

    y = x / n
    s = np.sqrt(theta0 / n) if model == "poisson" else np.sqrt(theta0 * (1 - theta0) / n)
    phi = tau2 = phi_rate = None
    limits: dict[str, np.ndarray] = {}
    if overdispersion == "none":
        method = "exact"
        for level, (lo_p, hi_p) in LEVELS.items():
            limits[f"lower_{level}"] = _exact_limits(model, n, theta0, lo_p)
            limits[f"upper_{level}"] = _exact_limits(model, n, theta0, hi_p)
    else:
        # φ against the county's own rate, not the centre line (see the module docstring).
        pooled = float(x.sum() / n.sum()) if n.sum() else float("nan")
        phi_rate = pooled
        s_pooled = np.sqrt(pooled / n) if model == "poisson" else np.sqrt(pooled * (1 - pooled) / n)
        with np.errstate(invalid="ignore", divide="ignore"):  # rate 0 or 1: s = 0, no φ
            z = (y - pooled) / s_pooled
        lo_q, hi_q = np.quantile(z, [0.1, 0.9]) if len(z) else (0, 0)
        winsorised = np.clip(z, lo_q, hi_q)
        phi = float(np.mean(winsorised**2)) if len(z) else float("nan")
        count = len(z)
        if overdispersion == "multiplicative":
            method = "multiplicative"
            spread = s * np.sqrt(max(phi, 1.0))
        else:
            method = "additive"
            with np.errstate(invalid="ignore", divide="ignore"):
                w = 1 / s_pooled**2
                denom = w.sum() - (w**2).sum() / w.sum()
            tau2 = float(max(0.0, (count * phi - (count - 1)) / denom)) if denom > 0 else 0.0
            spread = np.sqrt(s**2 + tau2)
        if not phi > 1 or (method == "additive" and not tau2):
            method = "exact"  # nothing to allow for: the exact limits, never narrower ones
        upper_cap = np.inf if model == "poisson" else 1.0
        for level, (lo_p, hi_p) in LEVELS.items():
            if method == "exact":
                limits[f"lower_{level}"] = _exact_limits(model, n, theta0, lo_p)
                limits[f"upper_{level}"] = _exact_limits(model, n, theta0, hi_p)
                continue
            z_p = Z[level]
            limits[f"lower_{level}"] = np.clip(theta0 - z_p * spread, 0, upper_cap)
            limits[f"upper_{level}"] = np.clip(theta0 + z_p * spread, 0, upper_cap)

    table = pd.DataFrame(
        {
            "unit": rows["unit"].to_numpy(),
            "period": rows["period"].to_numpy(),
            "status": rows["status"].to_numpy(),  # the check's verdict: named on charts
            "value": rows["value"].to_numpy(dtype=float),
            "count": x,
            "n": n,
        }
    )
    for name, share in limits.items():
        table[name] = _to_value(model, share, rule.scale)
    for level in LEVELS:
        table[f"outside_{level}"] = np.select(
            [y < limits[f"lower_{level}"], y > limits[f"upper_{level}"]], ["low", "high"], ""
        )
    table = table.sort_values("n", kind="stable").reset_index(drop=True)
    return Funnel(
        indicator=key,
        rule=rule,
        model=model,
        target=float(_to_value(model, theta0, rule.scale)),
        theta0=theta0,
        phi=phi,
        tau2=tau2,
        units=table,
        method=method,
        phi_rate=None if phi_rate is None else float(_to_value(model, phi_rate, rule.scale)),
        overdispersion=overdispersion,
    )


def limit_curves(funnel: Funnel, points: int = 200) -> pd.DataFrame:
    """The limits over a smooth range of n, for drawing."""
    n_max = max(float(funnel.units["n"].max()) * 1.1, 10.0) if len(funnel.units) else 10.0
    n_min = max(1.0, float(funnel.units["n"].min()) * 0.5) if len(funnel.units) else 1.0
    grid = np.unique(np.geomspace(n_min, n_max, points).round())
    if funnel.model != "poisson":
        grid = grid[grid >= 1]
    curves = pd.DataFrame({"n": grid})
    for level, (lo_p, hi_p) in LEVELS.items():
        if funnel.method == "exact":
            lo = _exact_limits(funnel.model, grid, funnel.theta0, lo_p)
            hi = _exact_limits(funnel.model, grid, funnel.theta0, hi_p)
        else:
            t0 = funnel.theta0
            s = np.sqrt(t0 / grid) if funnel.model == "poisson" else np.sqrt(t0 * (1 - t0) / grid)
            spread = (
                s * np.sqrt(max(funnel.phi or 1.0, 1.0))
                if funnel.method == "multiplicative"
                else np.sqrt(s**2 + (funnel.tau2 or 0.0))
            )
            cap = np.inf if funnel.model == "poisson" else 1.0
            lo = np.clip(t0 - Z[level] * spread, 0, cap)
            hi = np.clip(t0 + Z[level] * spread, 0, cap)
        curves[f"lower_{level}"] = _to_value(funnel.model, lo, funnel.rule.scale)
        curves[f"upper_{level}"] = _to_value(funnel.model, hi, funnel.rule.scale)
    return curves


def report_funnels(
    results: pd.DataFrame, ruleset: RuleSet
) -> tuple[list[Funnel], list[tuple[str, str]]]:
    """A funnel (pooled centre line, exact limits) for each indicator with a funnel model and
    values for at least MIN_UNITS units; the others with the reason: ``model`` (not a share or
    a rate) or ``few_units``."""
    funnels, skipped = [], []
    for key, rule in ruleset.active.items():
        if rule.evidence_model not in MODELS:
            skipped.append((key, "model"))
            continue
        shown = results[(results["indicator"] == key) & results["value"].notna()]
        if len(shown) < MIN_UNITS:
            skipped.append((key, "few_units"))
            continue
        funnels.append(build_funnel(results, key, rule))
    return funnels, skipped


def funnel_points(results: pd.DataFrame, funnel: Funnel) -> pd.DataFrame:
    """Every unit with a result for the funnel's indicator, in the funnel's order, then the
    units without a value (``no_data``); with flags as booleans (``above``: which side of
    the limits, null inside) and ``meets_standard`` (the check passed: within the bounds)."""
    rows = results[results["indicator"] == funnel.indicator]
    status = rows[["unit", "period", "status"]].assign(
        period=rows["period"].astype(object).where(rows["period"].notna(), None)
    )
    units = funnel.units.assign(
        period=funnel.units["period"].astype(object).where(funnel.units["period"].notna(), None)
    )
    # on text keys: a None period matches None (pandas merges None keys together)
    units = units.drop(columns="status", errors="ignore")  # the results' status, joined below
    points = units.merge(status, on=["unit", "period"], how="left", sort=False)
    missing = status.merge(units[["unit", "period"]], on=["unit", "period"], how="left",
                           indicator=True)  # fmt: skip
    missing = missing[missing["_merge"] == "left_only"].drop(columns="_merge")
    points = pd.concat([points, missing], ignore_index=True, sort=False)
    points["no_data"] = points["value"].isna()
    sides = {level: points[f"outside_{level}"].fillna("") for level in ("95", "99.8")}
    outer = sides["99.8"].where(sides["99.8"] != "", sides["95"])
    points["above"] = outer.map({"high": True, "low": False})
    for level, key in (("95", "95"), ("99.8", "998")):
        points[f"outside_{key}"] = sides[level].isin(["low", "high"])
        points[f"lower_{key}"] = points[f"lower_{level}"]
        points[f"upper_{key}"] = points[f"upper_{level}"]
    points["meets_standard"] = points["status"].map({"pass": True, "fail": False, "warn": False})
    return points.drop(columns=["lower_99.8", "upper_99.8", "outside_99.8"])


def funnel_report(
    check: CheckReport,
    indicator: str,
    target: str = "overall",
    overdispersion: str = "none",
) -> FunnelReport:
    """The funnel of one indicator over a check's results; options refused with exit 2."""
    from fpmetrics.errors import InputError
    from fpmetrics.i18n import Joined, Message, Words
    from fpmetrics.models import FunnelReport

    refuse_overdispersion(overdispersion)
    rules = check.ruleset.active
    if indicator not in rules:
        detail = Message("opt_no_indicator", indicator=indicator, indicators=Joined(rules))
        raise InputError("bad_option", detail=detail)
    rule = rules[indicator]
    if rule.evidence_model not in MODELS:
        raise InputError("funnel_model", indicator=indicator)
    if target not in ("overall", "bound"):
        try:
            value = float(target)
        except ValueError:
            value = math.nan
        # a share lies in 0…scale (0–100%); a rate or a sex ratio is ≥ 0
        top = rule.scale if rule.evidence_model == "binomial" else math.inf
        if not (math.isfinite(value) and 0 <= value <= top):
            raise InputError("bad_option", detail=Message("opt_target", value=target)) from None
    funnel = build_funnel(check.results, indicator, rule, target, overdispersion)
    if funnel.units.empty:  # nothing to draw, and a centre line of NaN
        name = Words(rule.label("zh"), rule.label("en"))
        raise InputError("funnel_no_values", name=name)
    return FunnelReport(check=check, funnel=funnel, points=funnel_points(check.results, funnel))


def refuse_overdispersion(overdispersion: str) -> None:
    """An unknown ``overdispersion`` is refused before any input is read."""
    from fpmetrics.errors import InputError
    from fpmetrics.i18n import Message

    if overdispersion not in OVERDISPERSION:
        raise InputError("bad_option", detail=Message("opt_overdispersion", value=overdispersion))
