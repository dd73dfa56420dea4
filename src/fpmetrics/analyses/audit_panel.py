"""Per-township series tests for ``fpmetrics audit``: does a township's own run of figures
look made up?

The township × period table of each count the rules use is turned into a numpy array
(townships × periods, NaN where missing); every test runs over all townships at once and gives
one p-value per township (NaN: not tested). :func:`panel_blocks` returns them as
:class:`Block` objects; :mod:`fpmetrics.analyses.audit` pools the p-values of all blocks and adjusts
them together (Benjamini–Hochberg over the county's townships and tests).

Each null hypothesis is the ordinary model of an honest figure: a count is Poisson, a rate's
numerator is binomial out of its denominator, periods are independent. Where a nuisance value
must be chosen (the rate a pinned township "really" has), the choice that makes the signal
hardest to reach is taken, so a p-value is never smaller than it should be.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special
from scipy import stats as sps

from fpmetrics.frame_columns import bad_column
from fpmetrics.normalise.fields import FIELDS
from fpmetrics.normalise.periods import period_rank

#: a count whose series mean is below this is too small for the dispersion, repetition and
#: frozen-numerator tests (their nulls need more than a handful of events).
MIN_MEAN = 5.0
#: perinatal births are live births plus stillbirths from 28 weeks: a few per thousand.
#: Perinatal births above live births by more than a Poisson count at this share are signalled.
PERINATAL_EXCESS_SHARE = 0.03
#: how close a rate must sit to its bar to be "just passing", as a share of the bar.
PINNED_BAND_SHARE = 0.01
#: a repeat is a figure within 1, or within this share of the series mean, of the earlier one
NEAR_SHARE = 0.003
#: Poisson-binomial tails are exact up to this many terms, a conservative Poisson tail beyond
EXACT_COLUMNS = 250
#: a figure may be copied from the same period of the last three years at most
MAX_LAGS = 3
_MONTHLY = re.compile(r"^\s*(\d{4}\s*[-/.年]\s*)?\d{1,2}\s*月?\s*$")


@dataclass
class Block:
    """One test over all townships: a p-value per township and how to describe a hit."""

    signal: str
    p: np.ndarray
    row: Callable[[int], dict]
    units: np.ndarray | None = None  # the township of each p (set by the caller if None)


@dataclass
class Panel:
    units: np.ndarray  # township names, (U,)
    periods: list[str]  # in natural order, (T,)
    values: dict[str, np.ndarray]  # field → (U, T) floats, NaN where missing or bad
    monthly: bool

    @property
    def lags(self) -> list[int]:
        """Earlier periods a figure may be copied from: the same month of earlier years for
        monthly data, any earlier period otherwise."""
        t = len(self.periods)
        step = 12 if self.monthly else 1
        return list(range(step, t, step))[:MAX_LAGS]

    def span(self, mask: np.ndarray) -> str:
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return f"{self.periods[0]}–{self.periods[-1]}"
        a, b = self.periods[idx[0]], self.periods[idx[-1]]
        return a if a == b else f"{a}–{b}"


def build_panel(units: pd.DataFrame, fields: list[str]) -> Panel | None:
    """The township × period arrays of ``fields``; None without at least two periods."""
    data = units[units["period"].notna()]
    if data.empty:
        return None
    periods = [str(p) for p in data["period"].astype(str).unique()]
    order = period_rank(periods)
    ordered = sorted(periods, key=order.__getitem__)
    if len(ordered) < 2:
        return None
    t_idx = data["period"].astype(str).map({p: i for i, p in enumerate(ordered)}).to_numpy()
    u_codes, u_names = pd.factorize(data["township"].astype(str))
    values = {}
    for f in fields:
        column = data[f].astype(float).to_numpy()
        bad = data.get(bad_column(f))
        if bad is not None:
            column = np.where(bad.to_numpy(dtype=bool), np.nan, column)
        grid = np.full((len(u_names), len(ordered)), np.nan)
        grid[u_codes, t_idx] = column
        values[f] = grid
    monthly = all(_MONTHLY.match(p) for p in ordered)
    return Panel(np.asarray(u_names, dtype=object), ordered, values, monthly)


# ---------------------------------------------------------------------------- null helpers


def poisson_binomial_sf(k_obs: np.ndarray, probs: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """P(K ≥ k_obs) where K is a sum of independent Bernoulli(probs) over ``valid`` cells,
    one distribution per row (township), computed exactly by convolution over the columns.

    Beyond ``EXACT_COLUMNS`` Bernoulli terms the Poisson tail with the same mean is used
    instead: it is never smaller for k above the mean (a Poisson-binomial is more concentrated
    than the Poisson), and the exact convolution's cost grows with the square of the terms."""
    rows, cols = probs.shape
    if cols > EXACT_COLUMNS:
        mean = np.where(valid, probs, 0.0).sum(axis=1)
        return np.where(k_obs > mean, sps.poisson.sf(k_obs - 1, mean), 1.0)
    dist = np.zeros((rows, cols + 1))
    dist[:, 0] = 1.0
    for j in range(cols):  # one vectorised step per column, never per township
        q = np.where(valid[:, j], probs[:, j], 0.0)[:, None]
        shifted = np.zeros_like(dist)
        shifted[:, 1:] = dist[:, :-1]
        dist = dist * (1 - q) + shifted * q
    tail = np.cumsum(dist[:, ::-1], axis=1)[:, ::-1]  # tail[:, k] = P(K ≥ k)
    k = np.clip(k_obs.astype(int), 0, cols)
    return np.clip(tail[np.arange(rows), k], 0.0, 1.0)


def _near_probability(mu: np.ndarray, tol: np.ndarray) -> np.ndarray:
    """P(|X − Y| ≤ tol) for X, Y independent Poisson(mu): a repeat by chance."""
    mu = np.maximum(mu, 1e-9)
    return sps.skellam.cdf(tol, mu, mu) - sps.skellam.cdf(-tol - 1, mu, mu)


def _row_mean(x: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Mean of each row over ``ok`` cells; NaN for a row without any."""
    count = ok.sum(axis=1)
    total = np.where(ok, x, 0.0).sum(axis=1)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def at_norm(k: np.ndarray, n: np.ndarray, p0: float, min_n: float):
    """X² = Σ (k − n·p0)²/(n·p0(1 − p0)) against a fixed norm p0, df = periods, lower tail:
    a series that keeps to the norm more closely than binomial noise allows (statistics.md §2,
    "against a fixed norm"). A true rate away from p0 only makes X² larger: conservative."""
    usable = np.isfinite(k) & np.isfinite(n) & (n >= min_n) & (n > 0)
    nn = np.where(usable, n, 1.0)
    z2 = np.where(usable, (k - nn * p0) ** 2 / (nn * p0 * (1 - p0)), 0.0)
    x2 = z2.sum(axis=1)
    periods = usable.sum(axis=1)
    p = np.where(periods >= 2, sps.chi2.cdf(x2, np.maximum(periods, 1)), np.nan)
    return p, x2, periods, usable


def _binom_loglik(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, k / n, 0.0)
        return special.xlogy(k, p) + special.xlogy(n - k, 1 - p)


# ---------------------------------------------------------------------------- the tests


def count_dispersion(panel: Panel, field: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index of dispersion D = Σ(x − x̄)²/x̄ of each township's series and its lower-tail
    p-value on χ²(k − 1): an honest Poisson count wanders at least this much."""
    x = panel.values[field]
    ok = np.isfinite(x)
    k = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(k > 0, np.nansum(x, axis=1) / np.maximum(k, 1), np.nan)
        d = np.nansum((x - mean[:, None]) ** 2, axis=1) / mean
    tested = (k >= 4) & (mean >= MIN_MEAN)
    p = np.where(tested, sps.chi2.cdf(d, np.maximum(k - 1, 1)), np.nan)
    return p, d, mean


def rate_dispersion(
    k: np.ndarray, n: np.ndarray, min_n: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pearson χ² of the 2 × periods table of each township (numerator, rest), periods with
    at least ``min_n`` in the denominator. Returns (chi2, df, lower p, upper p, usable)."""
    usable = np.isfinite(k) & np.isfinite(n) & (n >= min_n) & (n > 0)
    kk, nn = np.where(usable, k, 0.0), np.where(usable, n, 0.0)
    big_k, big_n = kk.sum(axis=1), nn.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_hat = big_k / big_n
        var = nn * p_hat[:, None] * (1 - p_hat[:, None])
        cells = np.where(usable, (kk - nn * p_hat[:, None]) ** 2 / var, 0.0)
    chi2 = cells.sum(axis=1)
    periods = usable.sum(axis=1)
    df = np.maximum(periods - 1, 1)
    valid = (periods >= 3) & (p_hat > 0) & (p_hat < 1)
    minority = np.minimum(p_hat, 1 - p_hat) * big_n / np.maximum(periods, 1)
    smooth_ok = valid & (periods >= 4) & (minority >= MIN_MEAN)
    lower = np.where(smooth_ok, sps.chi2.cdf(chi2, df), np.nan)
    upper = np.where(valid, sps.chi2.sf(chi2, df), np.nan)
    return chi2, df, lower, upper, usable


def repeats(panel: Panel, fields: list[str]):
    """Figures equal, or nearly, to the same figure an earlier period (a year earlier for
    months): the count of such pairs against its exact Poisson-binomial null. "Nearly" is
    within 1, or within NEAR_SHARE of the series mean for large figures (a yearly total of
    1,000 copied with a few births changed)."""
    hits, probs, valid, labels = [], [], [], []
    for f in fields:
        x = panel.values[f]
        mean = _row_mean(x, np.isfinite(x))
        tol = np.maximum(1.0, np.floor(NEAR_SHARE * np.nan_to_num(mean)))
        for lag in panel.lags:
            a, b = x[:, lag:], x[:, :-lag]
            ok = np.isfinite(a) & np.isfinite(b) & (mean[:, None] >= MIN_MEAN)
            hits.append(ok & (np.abs(a - b) <= tol[:, None]))
            probs.append(np.broadcast_to(_near_probability(mean, tol)[:, None], a.shape))
            valid.append(ok)
            labels += [(f, lag, j + lag) for j in range(a.shape[1])]
    if not hits:
        return None
    hit, prob, ok = np.hstack(hits), np.hstack(probs), np.hstack(valid)
    k_obs = hit.sum(axis=1)
    expected = np.where(ok, prob, 0).sum(axis=1)
    p = poisson_binomial_sf(k_obs, prob, ok)
    p = np.where(ok.sum(axis=1) >= 2, p, np.nan)
    return p, k_obs, ok.sum(axis=1), expected, hit, labels


def frozen_numerator(panel: Panel, num: str, den: str):
    """Consecutive periods where the denominator moved but the numerator did not. Under the
    binomial null the numerator's change is about p̂·(change of the denominator), with variance
    p̂(1 − p̂)(n₁ + n₂); P(no change) is taken from that normal approximation."""
    k, n = panel.values[num], panel.values[den]
    ok_cell = np.isfinite(k) & np.isfinite(n) & (n > 0)
    big_k = np.where(ok_cell, k, 0).sum(axis=1)
    big_n = np.where(ok_cell, n, 0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_hat = big_k / big_n
        periods = ok_cell.sum(axis=1)
        minority = np.minimum(p_hat, 1 - p_hat) * big_n / np.maximum(periods, 1)
    ok = ok_cell[:, 1:] & ok_cell[:, :-1] & (n[:, 1:] != n[:, :-1])
    ok &= (minority >= MIN_MEAN)[:, None]
    dn = n[:, 1:] - n[:, :-1]
    mu = p_hat[:, None] * dn
    sd = np.sqrt(np.maximum(p_hat * (1 - p_hat), 1e-12)[:, None] * (n[:, 1:] + n[:, :-1]))
    prob = sps.norm.cdf((0.5 - mu) / sd) - sps.norm.cdf((-0.5 - mu) / sd)
    prob = np.where(ok, np.nan_to_num(prob), 0.0)
    hit = ok & (k[:, 1:] == k[:, :-1])
    k_obs = hit.sum(axis=1)
    p = poisson_binomial_sf(k_obs, prob, ok)
    p = np.where(ok.sum(axis=1) >= 2, p, np.nan)
    return p, k_obs, ok.sum(axis=1), prob.sum(axis=1), hit


def step_change(k: np.ndarray, n: np.ndarray):
    """Binomial likelihood-ratio change point: the best split of the series into an earlier
    and a later rate; p = (number of splits) × P(χ²₁ ≥ G_max), a Bonferroni bound over the
    split points (conservative)."""
    ok = np.isfinite(k) & np.isfinite(n) & (n > 0)
    kk, nn = np.where(ok, k, 0.0), np.where(ok, n, 0.0)
    ck, cn = np.cumsum(kk, axis=1), np.cumsum(nn, axis=1)
    big_k, big_n = ck[:, -1:], cn[:, -1:]
    k1, n1 = ck[:, :-1], cn[:, :-1]  # split after column j
    k2, n2 = big_k - k1, big_n - n1
    g = 2 * (_binom_loglik(k1, n1) + _binom_loglik(k2, n2) - _binom_loglik(big_k, big_n))
    seen = np.cumsum(ok, axis=1)[:, :-1]
    split_ok = (seen >= 1) & (seen < ok.sum(axis=1, keepdims=True)) & ok[:, :-1]
    g = np.where(split_ok, g, -np.inf)
    splits = split_ok.sum(axis=1)
    best = np.argmax(g, axis=1)
    g_max = g[np.arange(len(g)), best]
    p = np.where(
        splits >= 2, np.minimum(1.0, splits * sps.chi2.sf(np.maximum(g_max, 0), 1)), np.nan
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        before = k1[np.arange(len(g)), best] / n1[np.arange(len(g)), best]
        after = k2[np.arange(len(g)), best] / n2[np.arange(len(g)), best]
    return p, g_max, best, before, after


def stock_rate_smoothness(k: np.ndarray, n: np.ndarray):
    """Too smooth, for a rate of a stock (archived of the in-migrant women present).

    A stock carries over: each period some women leave and some arrive, and a woman's status
    goes with her. The numerator's change beyond the rate's share of the stock's change,
    r = Δk − p̂·Δn, then has variance ≈ p̂(1 − p̂)·(arrivals + departures), and the stock's own
    change Δn has variance ≈ arrivals + departures. So F = [Σr²/(m·p̂(1 − p̂))] / var(Δn) is
    ≈ F(m, m − 1) over m consecutive pairs, whatever the turnover; a numerator computed from
    the stock (a rate held at 90%) gives F near 0. Lower tail."""
    ok = np.isfinite(k) & np.isfinite(n) & (n > 0)
    pair = ok[:, 1:] & ok[:, :-1]
    big_k = np.where(ok, k, 0).sum(axis=1)
    big_n = np.where(ok, n, 0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_hat = big_k / big_n
        minority = np.minimum(p_hat, 1 - p_hat) * big_n / np.maximum(ok.sum(axis=1), 1)
    dk = np.where(pair, k[:, 1:] - k[:, :-1], 0.0)
    dn = np.where(pair, n[:, 1:] - n[:, :-1], 0.0)
    m = pair.sum(axis=1)
    r2 = np.where(pair, (dk - p_hat[:, None] * dn) ** 2, 0.0).sum(axis=1)
    mean_dn = dn.sum(axis=1) / np.maximum(m, 1)
    var_dn = np.where(pair, (dn - mean_dn[:, None]) ** 2, 0.0).sum(axis=1) / np.maximum(m - 1, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = (r2 / (m * p_hat * (1 - p_hat))) / var_dn
    tested = (m >= 4) & (var_dn > 0) & (minority >= MIN_MEAN) & (p_hat > 0) & (p_hat < 1)
    p = np.where(tested, sps.f.cdf(f, np.maximum(m, 1), np.maximum(m - 1, 1)), np.nan)
    return p, f, m


def pinned(k: np.ndarray, n: np.ndarray, low: float, high: float):
    """Periods whose rate k/n lies in [low, high] (a thin band on the passing side of a
    bar). Null: each period is binomial at the rate in the middle of the band, the rate that
    makes landing in the band most likely, so the p-value is conservative for any true rate."""
    ok = np.isfinite(k) & np.isfinite(n) & (n > 0)
    nn = np.where(ok, n, 1.0)
    centre = (low + high) / 2
    hi_k = np.floor(high * nn + 1e-9)
    lo_k = np.ceil(low * nn - 1e-9)
    prob = sps.binom.cdf(hi_k, nn, centre) - sps.binom.cdf(lo_k - 1, nn, centre)
    prob = np.where(ok, prob, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = k / nn
    hit = ok & (rate >= low - 1e-12) & (rate <= high + 1e-12)
    k_obs = hit.sum(axis=1)
    p = poisson_binomial_sf(k_obs, prob, ok)
    p = np.where((ok.sum(axis=1) >= 3) & (k_obs >= 3), p, np.nan)
    return p, k_obs, ok.sum(axis=1), prob.sum(axis=1), hit


def last_digit_heaping(panel: Panel, fields: list[str]):
    """Counts ending in 0 or 5 against the exact chance of that ending for a Poisson count at
    the series' own mean (for 10–20 births a month the chance is not 20%)."""
    hits, probs, valid = [], [], []
    for f in fields:
        x = panel.values[f]
        ok = np.isfinite(x) & (x % 1 == 0)
        mean = np.nan_to_num(_row_mean(x, ok))
        top = float(np.max(np.where(mean < 3000, mean, 0), initial=0))
        support = np.arange(0, int(top + 12 * np.sqrt(top) + 60))
        # P(X mod 5 == 0) for X ~ Poisson(mean): summed over the support, one row per township
        pmf = sps.poisson.pmf(support[None, :], np.maximum(mean, 1e-9)[:, None])
        p0 = pmf[:, support % 5 == 0].sum(axis=1)
        tested = ok & (mean[:, None] >= 1) & (mean[:, None] < 3000)
        hits.append(tested & (x % 5 == 0))
        probs.append(np.broadcast_to(p0[:, None], x.shape))
        valid.append(tested)
    hit, prob, ok = np.hstack(hits), np.hstack(probs), np.hstack(valid)
    k_obs = hit.sum(axis=1)
    p = poisson_binomial_sf(k_obs, prob, ok)
    p = np.where(ok.sum(axis=1) >= 10, p, np.nan)
    return p, k_obs, ok.sum(axis=1), np.where(ok, prob, 0).sum(axis=1)


def perinatal_excess(births: np.ndarray, perinatal: np.ndarray):
    """Perinatal births above live births by more than stillbirths can explain: the excess
    against Poisson(PERINATAL_EXCESS_SHARE × live births). Works on one period too."""
    ok = np.isfinite(births) & np.isfinite(perinatal)
    b = np.where(ok, births, 0).sum(axis=1)
    q = np.where(ok, perinatal, 0).sum(axis=1)
    excess = q - b
    p = np.where(
        (ok.sum(axis=1) > 0) & (b > 0),
        np.where(excess > 0, sps.poisson.sf(excess - 1, PERINATAL_EXCESS_SHARE * b), 1.0),
        np.nan,
    )
    return p, b, q


def rule_fields(expressions: list[str]) -> list[str]:
    """The fields named in rule expressions (numerators and denominators)."""
    names: list[str] = []
    for text in expressions:
        for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text):
            if word in FIELDS and FIELDS[word].is_count and word not in names:
                names.append(word)
    return names
