"""Uncertainty of indicator values: intervals, exact p-values against a bound, evidence.

All functions take whole columns (numpy arrays) and use scipy.special only (the distribution
functions scipy.stats builds on), so a check pays ~0.1 s for them, not ~0.6 s.

Models (see ``../shared/spec/statistics.md``):

- ``binomial``: x events of n (a share). Exact Clopper–Pearson interval (the check always
  uses it, so that interval and verdict agree; Wilson is kept for comparison). A count
  above its denominator (an error count larger than the verified births) is no share: it is
  treated as ``poisson``.
- ``sex_ratio``: M boys, F girls. Interval for the male share p = M/(M+F), mapped by
  scale·p/(1−p); the ratio is monotone in p, so coverage is kept.
- ``poisson``: x events in an exposure N (a ‰ rate). Exact Garwood interval.
- ``poisson_difference``: (a − b)/N, a and b independent Poisson counts (natural growth):
  the exact Garwood intervals of both counts combined (Bonferroni): the lower end is
  a's lower bound minus b's upper bound, each at one-sided error (1 − level)/4, so each end
  errs with probability at most (1 − level)/2 whatever the counts — at 0 births and 0 deaths
  the interval is ±(−ln((1 − level)/4))/N, not (0, 0). Conservative, never too narrow.

The p-value is exact and one-sided, against the bound the value crossed (small: a real
failure) or, for a passing value, against the nearer bound (small: a real pass). The evidence
verdict is that p-value below (1 − level)/2 — the same tail as each end of the displayed exact
interval, so interval and verdict never contradict (:func:`evidence`).
"""

from __future__ import annotations

import numpy as np
from scipy import special

EVIDENCE = ("clear_fail", "clear_pass", "inconclusive")


def z_value(level: float) -> float:
    return float(special.ndtri(1 - (1 - level) / 2))


# ------------------------------------------------------------------ intervals


def wilson(x: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    z = z_value(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = (x + z * z / 2) / (n + z * z)
        half = z / (n + z * z) * np.sqrt(x * (n - x) / n + z * z / 4)
    # No events: the lower end is 0; all events: the upper end is 1 — exactly, not 1 − 1e-16
    # (which would give a finite sex ratio for no girls).
    some = n > 0  # no trials: no interval (NaN)
    low = np.where(some & (x <= 0), 0.0, np.clip(centre - half, 0, 1))
    high = np.where(some & (x >= n), 1.0, np.clip(centre + half, 0, 1))
    return low, high


def clopper_pearson(x: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = 1 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(x > 0, special.betaincinv(np.maximum(x, 1e-300), n - x + 1, alpha / 2), 0.0)
        high = np.where(
            x < n, special.betaincinv(x + 1, np.maximum(n - x, 1e-300), 1 - alpha / 2), 1.0
        )
    return low, high


def garwood(x: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson interval for the count: χ²(2x)/2 and χ²(2x+2)/2 quantiles."""
    alpha = 1 - level
    low = np.where(x > 0, special.gammaincinv(np.maximum(x, 1e-300), alpha / 2), 0.0)
    high = special.gammaincinv(x + 1, 1 - alpha / 2)
    return low, high


# ------------------------------------------------------------------ tail probabilities


def binom_at_least(x: np.ndarray, n: np.ndarray, p: float | np.ndarray) -> np.ndarray:
    """P(X ≥ x) for X ~ Bin(n, p)."""
    with np.errstate(invalid="ignore"):
        return np.where(x <= 0, 1.0, special.betainc(np.maximum(x, 1e-300), n - x + 1, p))


def binom_at_most(x: np.ndarray, n: np.ndarray, p: float | np.ndarray) -> np.ndarray:
    """P(X ≤ x) for X ~ Bin(n, p), as 1 − I_p(x + 1, n − x) = I_{1−p}(n − x, x + 1)."""
    with np.errstate(invalid="ignore"):
        return np.where(x >= n, 1.0, special.betainc(np.maximum(n - x, 1e-300), x + 1, 1 - p))


def poisson_at_least(x: np.ndarray, mean: np.ndarray) -> np.ndarray:
    return np.where(x <= 0, 1.0, special.gammainc(np.maximum(x, 1e-300), mean))


def poisson_at_most(x: np.ndarray, mean: np.ndarray) -> np.ndarray:
    return special.pdtr(x, mean)


# ------------------------------------------------------------------ per model


def interval(
    model: str,
    num: np.ndarray,
    den: np.ndarray,
    scale: float,
    level: float,
    method: str,
    terms: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Interval for the indicator value (on its own scale: %, ‰, ratio)."""
    if model == "binomial":
        lo, hi = (clopper_pearson if method == "exact" else wilson)(num, den, level)
        # More events than the denominator (an error count above the verified births): not a
        # share of it, so the count is treated as Poisson in that exposure.
        over = num > den
        if over.any():
            p_lo, p_hi = garwood(num, level)
            with np.errstate(invalid="ignore", divide="ignore"):
                lo, hi = np.where(over, p_lo / den, lo), np.where(over, p_hi / den, hi)
        return lo * scale, hi * scale
    if model == "sex_ratio":
        n = num + den
        lo, hi = (clopper_pearson if method == "exact" else wilson)(num, n, level)
        with np.errstate(divide="ignore"):
            return scale * lo / (1 - lo), np.where(hi >= 1, np.inf, scale * hi / (1 - hi))
    if model == "poisson":
        lo, hi = garwood(num, level)
        return lo / den * scale, hi / den * scale
    if model == "poisson_difference":
        assert terms is not None
        tail = (1 - level) / 4  # each count's share of one end's error (Bonferroni)
        low = _difference_end(terms[0], terms[1], tail, "low")
        high = _difference_end(terms[0], terms[1], tail, "high")
        return low / den * scale, high / den * scale
    raise ValueError(f"unknown evidence model {model}")


def _garwood_one_sided(x: np.ndarray, tail: float | np.ndarray, end: str) -> np.ndarray:
    """Exact one-sided Poisson bound for the mean of a count x, erring with probability
    ``tail``: lower end χ²(2x) quantile / 2 (0 for x = 0), upper end χ²(2x + 2) / 2."""
    if end == "low":
        return np.where(x > 0, special.gammaincinv(np.maximum(x, 1e-300), tail), 0.0)
    return special.gammaincinv(x + 1, 1 - tail)


def _difference_end(a: np.ndarray, b: np.ndarray, tail: float | np.ndarray, end: str) -> np.ndarray:
    """An end of the Bonferroni interval for mean(a) − mean(b), each count at ``tail``."""
    if end == "low":
        return _garwood_one_sided(a, tail, "low") - _garwood_one_sided(b, tail, "high")
    return _garwood_one_sided(a, tail, "high") - _garwood_one_sided(b, tail, "low")


def _difference_p(a: np.ndarray, b: np.ndarray, delta: np.ndarray, side: str) -> np.ndarray:
    """p-value of the Bonferroni-Garwood interval for mean(a) − mean(b) against ``delta``:
    2t*, where t* is the per-count tail at which the interval's end reaches ``delta`` (side
    "above": the lower end; "below": the upper end), so p < (1 − level)/2 exactly when the
    interval at that level excludes ``delta``.

    The lower end at tail t is μa − μb with P(A ≥ a | μa) = t = P(B ≤ b | μb). So t* is found
    on the line μa = μb + δ where the two tails meet: g(μb) = P(A ≥ a | μb + δ) − P(B ≤ b | μb)
    increases with μb, and its root is found by regula falsi (Illinois) with the forward
    distribution functions — a few iterations, not an inverse function per bisection step.
    The upper end of a − b is minus the lower end of b − a: "below" is "above" mirrored.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    delta = np.broadcast_to(np.asarray(delta, dtype=float), a.shape).astype(float)
    if side == "below":
        a, b, delta = b, a, -delta

    def g(mu_b: np.ndarray) -> np.ndarray:
        return _g_at(a, b, delta, mu_b)

    lo = np.maximum(0.0, -delta)
    g_lo = g(lo)
    start = np.maximum(a - delta, b)
    hi = lo + start + 10 + 10 * np.sqrt(start + 1)
    g_hi = g(hi)
    for _ in range(60):  # make sure the root is bracketed (g(hi) > 0)
        short = (g_lo < 0) & (g_hi <= 0)
        if not short.any():
            break
        hi = np.where(short, 2 * hi + 10, hi)
        g_hi = np.where(short, g(hi), g_hi)
    # Regula falsi (Illinois) on a bracket [x0: g < 0, x1: g > 0] that always holds the root,
    # until the bracket is 1e-12 wide (relative); g on the log scale, nearly straight.
    todo = g_lo < 0
    root = lo.copy()
    x0, x1 = lo.copy(), hi.copy()
    f0, f1 = _log_g(a, b, delta, x0), _log_g(a, b, delta, x1)
    side = np.zeros(len(a), dtype=np.int8)  # which end moved last: Illinois halves the other
    for _ in range(200):
        idx = np.flatnonzero(todo)
        if not len(idx):
            break
        x0i, x1i, f0i, f1i = x0[idx], x1[idx], f0[idx], f1[idx]
        with np.errstate(invalid="ignore", divide="ignore"):
            x = x1i - f1i * (x1i - x0i) / (f1i - f0i)
        x = np.where(np.isfinite(x) & (x > x0i) & (x < x1i), x, (x0i + x1i) / 2)
        fx = _log_g(a[idx], b[idx], delta[idx], x)
        low = fx < 0
        last = side[idx]
        x0[idx], f0[idx] = (
            np.where(low, x, x0i),
            np.where(low, fx, np.where(last == -1, f0i / 2, f0i)),
        )
        x1[idx], f1[idx] = (
            np.where(low, x1i, x),
            np.where(low, np.where(last == 1, f1i / 2, f1i), fx),
        )
        side[idx] = np.where(low, 1, -1)  # 1: the low end moved (the high end may be halved)
        root[idx] = x
        todo[idx] = ~((fx == 0) | (x1[idx] - x0[idx] <= 1e-12 * (1 + x1[idx])))
    tail = special.gammaincc(b + 1, np.maximum(root, 0))  # P(B ≤ b | μb*) = t*
    return np.minimum(1.0, 2 * tail)


def _log_g(a: np.ndarray, b: np.ndarray, delta: np.ndarray, mu_b: np.ndarray) -> np.ndarray:
    """log P(A ≥ a | μb + δ) − log P(B ≤ b | μb): increasing in μb, nearly straight."""
    mu_a = np.maximum(mu_b + delta, 0)
    at_least_a = np.where(a > 0, special.gammainc(np.maximum(a, 1e-300), mu_a), 1.0)
    at_most_b = special.gammaincc(b + 1, np.maximum(mu_b, 0))
    with np.errstate(divide="ignore"):
        return np.log(np.maximum(at_least_a, 1e-320)) - np.log(np.maximum(at_most_b, 1e-320))


def _g_at(a: np.ndarray, b: np.ndarray, delta: np.ndarray, mu_b: np.ndarray) -> np.ndarray:
    """P(A ≥ a | μb + δ) − P(B ≤ b | μb), with P(A ≥ 0) = 1."""
    mu_a = np.maximum(mu_b + delta, 0)
    at_least_a = np.where(a > 0, special.gammainc(np.maximum(a, 1e-300), mu_a), 1.0)
    return at_least_a - special.gammaincc(b + 1, np.maximum(mu_b, 0))


def p_value_beyond(
    model: str,
    num: np.ndarray,
    den: np.ndarray,
    scale: float,
    bound: float,
    side: str,
    terms: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """One-sided exact p-value for H0 "the true value is on the other side of ``bound``".

    ``side="above"``: H0 true ≤ bound, p = P(count ≥ observed | bound).
    ``side="below"``: H0 true ≥ bound, p = P(count ≤ observed | bound).
    """
    if model == "binomial":
        p0 = bound / scale
        if side == "above":
            p = binom_at_least(num, den, p0)
            over = poisson_at_least(num, den * p0)
        else:
            p = binom_at_most(num, den, p0)
            over = poisson_at_most(num, den * p0)
        return np.where(num > den, over, p)  # see interval(): such a count is Poisson
    if model == "sex_ratio":
        p0 = bound / (scale + bound)
        n = num + den
        return binom_at_least(num, n, p0) if side == "above" else binom_at_most(num, n, p0)
    if model == "poisson":
        mean = den * bound / scale
        return poisson_at_least(num, mean) if side == "above" else poisson_at_most(num, mean)
    if model == "poisson_difference":
        assert terms is not None
        return _difference_p(terms[0], terms[1], den * bound / scale, side)
    raise ValueError(f"unknown evidence model {model}")
