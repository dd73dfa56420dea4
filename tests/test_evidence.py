"""Issue 5, point 1 and 4: an interval, an exact p-value and `evidence` next to every verdict.

Every expected number is computed here, independently of
``fpmetrics.indicators.stats``: intervals with
``scipy.stats.binomtest(...).proportion_ci`` and χ² quantiles (Garwood), p-values with the
binomial / Poisson / normal distribution functions of ``scipy.stats``. Published values from
``shared/spec/statistics.md`` and ``shared/spec/data-sources.md`` are asserted as written there.
"""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest
from scipy import stats as ss
from scipy.optimize import brentq

from fpmetrics.indicators import stats
from fpmetrics.pipeline import run_check
from fpmetrics.ruleset.rules import load_ruleset

Z95 = ss.norm.ppf(0.975)


def rules_file(tmp_path, body: str):
    path = tmp_path / "rules.yaml"
    path.write_text("name: custom\ntitle: 自定义\nextends: default\n" + body, encoding="utf-8")
    return load_ruleset(str(path))


# ---------------------------------------------------------------------- independent formulas


def proportion_ci(x: int, n: int, level: float = 0.95, method: str = "exact"):
    """Wilson from scipy's binomtest; exact (Clopper–Pearson) from the beta quantiles, which
    are more precise than binomtest's root finding (agreeing with it to ~1e-8)."""
    ci = ss.binomtest(int(x), int(n)).proportion_ci(level, method=method)
    if method == "wilson":
        return ci.low, ci.high
    alpha = 1 - level
    low = ss.beta.ppf(alpha / 2, x, n - x + 1) if x > 0 else 0.0
    high = ss.beta.ppf(1 - alpha / 2, x + 1, n - x) if x < n else 1.0
    assert (low, high) == pytest.approx((ci.low, ci.high), rel=1e-6, abs=1e-12)
    return low, high


def garwood_ci(x: int, level: float = 0.95):
    """Garwood exact Poisson interval (statistics.md §1.3): χ²_{α/2}(2x)/2, χ²_{1−α/2}(2x+2)/2."""
    alpha = 1 - level
    low = ss.chi2.ppf(alpha / 2, 2 * x) / 2 if x > 0 else 0.0
    return low, ss.chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2


def srb(share: float) -> float:
    return math.inf if share >= 1 else 100 * share / (1 - share)


# Per indicator of the default rule set: (model, numerator, denominator, scale, min, max).
def counts_of(indicator: str, c: dict[str, int]) -> tuple[float, float]:
    return {
        "sex_ratio_at_birth": lambda: (c["births_male"], c["births_female"]),
        "tech_staff_share": lambda: (c["station_tech_staff"], c["station_staff"]),
        "birth_defect_rate": lambda: (c["birth_defects"], c["perinatal_births"]),
        "birth_stat_error_rate": lambda: (
            abs(c["births_verified"] - c["births_reported"]),
            c["births_verified"],
        ),
        "crude_birth_rate": lambda: (c["births"], c["population"]),
        "natural_growth_rate": lambda: (c["births"] - c["deaths"], c["population"]),
    }[indicator]()


BOUNDS = {
    "sex_ratio_at_birth": (103, 107, 100),
    "tech_staff_share": (70, None, 100),
    "birth_defect_rate": (None, 6, 1000),
    "birth_stat_error_rate": (None, 3, 100),
    "crude_birth_rate": (None, 11.5, 1000),
    "natural_growth_rate": (None, 5.5, 1000),
}


def expected_interval(indicator, c, level=0.95, method="exact"):
    x, d = counts_of(indicator, c)
    scale = BOUNDS[indicator][2]
    if indicator == "sex_ratio_at_birth":
        low, high = proportion_ci(x, x + d, level, method)
        return srb(low), srb(high)
    if indicator in ("birth_defect_rate", "crude_birth_rate"):
        low, high = garwood_ci(x, level)
        return low / d * scale, high / d * scale
    if indicator == "natural_growth_rate":
        low, high = growth_ends(c["births"], c["deaths"], (1 - level) / 4)
        return low / d * scale, high / d * scale
    if x > d:  # more errors than verified births: not a share (see test below)
        low, high = garwood_ci(x, level)
        return low / d * scale, high / d * scale
    low, high = proportion_ci(x, d, level, method)
    return low * scale, high * scale


def growth_ends(births: int, deaths: int, tail: float) -> tuple[float, float]:
    """Natural growth (issue 16): exact one-sided Garwood bounds of both counts, each at
    ``tail``, combined (Bonferroni): births' lower minus deaths' upper, and the reverse."""

    def lower(x):
        return ss.chi2.ppf(tail, 2 * x) / 2 if x > 0 else 0.0

    def upper(x):
        return ss.chi2.ppf(1 - tail, 2 * x + 2) / 2

    return lower(births) - upper(deaths), upper(births) - lower(deaths)


def growth_p(births: int, deaths: int, delta: float, side: str) -> float:
    """2t*, t* the per-count tail at which the combined interval's end reaches ``delta``.

    The lower end at tail t is μ_births − μ_deaths where P(births ≥ x | μ_births) = t =
    P(deaths ≤ y | μ_deaths) (the Garwood bounds' defining tails), so t* is where the two
    tails meet on the line μ_births = μ_deaths + delta; the upper end mirrors it."""
    a, b = (births, deaths) if side == "above" else (deaths, births)
    delta = delta if side == "above" else -delta
    lo = max(0.0, -delta)

    def at_least_a(mu):
        return 1.0 if a == 0 else ss.poisson.logsf(a - 1, mu + delta)

    def gap(mu):  # log P(A ≥ a | mu + δ) − log P(B ≤ b | mu): increasing in mu
        return (0.0 if a == 0 else at_least_a(mu)) - ss.poisson.logcdf(b, mu)

    if a == 0 or gap(lo) >= 0:
        return min(1.0, 2 * ss.poisson.cdf(b, lo))
    hi = lo + a + b + abs(delta) + 100
    while gap(hi) <= 0:
        hi *= 2
    root = brentq(gap, lo, hi, xtol=1e-12, rtol=1e-14)
    return min(1.0, 2 * ss.poisson.cdf(b, root))


def expected_p(indicator, c) -> float:
    """One-sided exact p against the bound crossed, else against the nearer bound(s)."""
    x, d = counts_of(indicator, c)
    lo, hi, scale = BOUNDS[indicator]
    value = x / d * scale

    if indicator == "sex_ratio_at_birth":
        n = x + d

        def at_least(b):
            return ss.binom.sf(x - 1, n, b / (100 + b))

        def at_most(b):
            return ss.binom.cdf(x, n, b / (100 + b))
    elif indicator in ("birth_defect_rate", "crude_birth_rate") or x > d:

        def at_least(b):
            return ss.poisson.sf(x - 1, d * b / scale)

        def at_most(b):
            return ss.poisson.cdf(x, d * b / scale)
    elif indicator == "natural_growth_rate":

        def at_least(b):
            return growth_p(c["births"], c["deaths"], d * b / scale, "above")

        def at_most(b):
            return growth_p(c["births"], c["deaths"], d * b / scale, "below")
    else:

        def at_least(b):
            return ss.binom.sf(x - 1, d, b / scale)

        def at_most(b):
            return ss.binom.cdf(x, d, b / scale)

    if hi is not None and value > hi:
        return at_least(hi)
    if lo is not None and value < lo:
        return at_most(lo)
    inside = []
    if hi is not None:
        inside.append(at_most(hi))  # small: really below the maximum
    if lo is not None:
        inside.append(at_least(lo))  # small: really above the minimum
    return max(inside)  # a two-sided band: the nearer bound gives the larger p


def classify(low, high, indicator) -> str:
    lo, hi, _ = BOUNDS[indicator]
    if (hi is not None and low > hi) or (lo is not None and high < lo):
        return "clear_fail"
    if (hi is None or high <= hi) and (lo is None or low >= lo):
        return "clear_pass"
    return "inconclusive"


# ---------------------------------------------------------------------- published values


def test_target_sex_ratio_maps_to_the_male_share():
    # statistics.md §1.2: S0 → p0 = S0/(100+S0): 105 → 0.512195, 107 → 0.516908, 103 → 0.507389.
    # fpmetrics tests the male share against that p0: P(X ≥ M | n, p0) with scipy's binomial.
    boys, girls = np.array([270.0]), np.array([250.0])
    for bound, p0 in ((105, 0.512195), (107, 0.516908), (103, 0.507389)):
        assert bound / (100 + bound) == pytest.approx(p0, abs=5e-7)
        got = stats.p_value_beyond("sex_ratio", boys, girls, 100, bound, "above")
        assert got[0] == pytest.approx(ss.binom.sf(269, 520, p0), rel=1e-5)


def test_statistical_error_worked_example(evaluate):
    # data-sources.md: reported 15,832, surveyed 15,844 → (15,844 − 15,832)/15,844 = 0.0757%.
    counts = {"births_reported": 15832, "births_verified": 15844}
    r = evaluate(counts)["birth_stat_error_rate"]
    assert round(r["value"], 4) == 0.0757
    assert (r["numerator"], r["denominator"]) == (12, 15844)
    low, high = proportion_ci(12, 15844)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((100 * low, 100 * high), rel=1e-9)
    # A passing value: P(X ≤ 12 | n = 15,844, 3%) — astronomically small: a real pass.
    assert r["p_value"] == pytest.approx(ss.binom.cdf(12, 15844, 0.03), rel=1e-6)
    assert r["evidence"] == "clear_pass"
    assert r["evidence_note"] is None
    assert r["status"] == "pass"


def test_garwood_for_zero_events_is_minus_log_tail():
    # x = 0: U = χ²_{0.975}(2)/2 = −ln(0.025) = 3.6889 (closed form of the χ² with 2 df).
    low, high = stats.garwood(np.array([0.0]), 0.95)
    assert low[0] == 0
    assert high[0] == pytest.approx(-math.log(0.025), rel=1e-12)
    assert high[0] == pytest.approx(3.688879, abs=1e-6)


# ---------------------------------------------------------------------- stats module vs scipy

PROPORTION_CASES = [
    (0, 1), (1, 1), (0, 10), (10, 10), (1, 10), (9, 10), (5, 20), (7, 10), (500, 1000),
    (3, 100_000), (99_999, 100_000), (123_456, 1_000_000),
]  # fmt: skip


@pytest.mark.parametrize("method", ["wilson", "exact"])
@pytest.mark.parametrize("level", [0.95, 0.9, 0.99])
def test_proportion_intervals_match_scipy(method, level):
    x = np.array([c[0] for c in PROPORTION_CASES], dtype=float)
    n = np.array([c[1] for c in PROPORTION_CASES], dtype=float)
    low, high = stats.interval("binomial", x, n, 100, level, method)
    for i, (k, m) in enumerate(PROPORTION_CASES):
        want_low, want_high = proportion_ci(k, m, level, method)
        assert low[i] == pytest.approx(100 * want_low, rel=1e-9, abs=1e-12), (k, m)
        assert high[i] == pytest.approx(100 * want_high, rel=1e-9, abs=1e-12), (k, m)
        assert low[i] <= 100 * k / m <= high[i]
    # The edges are exact: no events → lower end 0; all events → upper end 100%.
    assert low[x == 0].tolist() == [0, 0]
    assert high[x == n].tolist() == [100, 100]


def test_clopper_pearson_is_the_beta_quantile():
    # statistics.md §1.2: L = Beta⁻¹(α/2; M, F+1), U = Beta⁻¹(1−α/2; M+1, F).
    low, high = stats.clopper_pearson(np.array([7.0]), np.array([19.0]), 0.95)
    assert low[0] == pytest.approx(ss.beta.ppf(0.025, 7, 13), rel=1e-10)
    assert high[0] == pytest.approx(ss.beta.ppf(0.975, 8, 12), rel=1e-10)


def test_wilson_is_the_hand_formula():
    # statistics.md §1.2: centre (M + z²/2)/(n + z²), half-width z/(n + z²)·√(M·F/n + z²/4).
    m, f = 130, 110
    n = m + f
    centre = (m + Z95**2 / 2) / (n + Z95**2)
    half = Z95 / (n + Z95**2) * math.sqrt(m * f / n + Z95**2 / 4)
    low, high = stats.wilson(np.array([float(m)]), np.array([float(n)]), 0.95)
    assert (low[0], high[0]) == pytest.approx((centre - half, centre + half), rel=1e-12)


@pytest.mark.parametrize("x", [0, 1, 2, 5, 30, 1000])
@pytest.mark.parametrize("level", [0.95, 0.99])
def test_garwood_matches_chi2_quantiles(x, level):
    low, high = stats.garwood(np.array([float(x)]), level)
    want = garwood_ci(x, level)
    assert (low[0], high[0]) == pytest.approx(want, rel=1e-9, abs=1e-12)
    # and the rate interval is the count interval over the exposure, × scale
    rate_low, rate_high = stats.interval(
        "poisson", np.array([float(x)]), np.array([2500.0]), 1000, level, "wilson"
    )
    assert rate_low[0] == pytest.approx(want[0] / 2500 * 1000, rel=1e-9, abs=1e-12)
    assert rate_high[0] == pytest.approx(want[1] / 2500 * 1000, rel=1e-9)


@pytest.mark.parametrize("method", ["wilson", "exact"])
@pytest.mark.parametrize(("boys", "girls"), [(105, 100), (10, 1), (1, 1), (0, 10), (1, 0),
                                             (5, 0), (52_000, 48_000)])  # fmt: skip
def test_sex_ratio_interval_is_the_male_share_interval_mapped(method, boys, girls):
    low, high = stats.interval(
        "sex_ratio", np.array([float(boys)]), np.array([float(girls)]), 100, 0.95, method
    )
    p_low, p_high = proportion_ci(boys, boys + girls, 0.95, method)
    assert low[0] == pytest.approx(srb(p_low), rel=1e-9, abs=1e-12)
    if girls == 0:
        assert high[0] == math.inf  # no girls: the ratio has no upper end
    else:
        assert math.isfinite(high[0])
        assert high[0] == pytest.approx(srb(p_high), rel=1e-9)
    if boys == 0:
        assert low[0] == 0


def test_one_girl_gives_a_finite_but_very_wide_interval():
    low, high = stats.interval("sex_ratio", np.array([10.0]), np.array([1.0]), 100, 0.95, "exact")
    # exact: U = Beta⁻¹(0.975; 11, 1) = 0.975^(1/11), the ratio 100·U/(1−U)
    u = 0.975 ** (1 / 11)
    assert high[0] == pytest.approx(100 * u / (1 - u), rel=1e-9)
    assert high[0] > 40 * low[0]


@pytest.mark.parametrize(("x", "n", "p"), [(0, 10, 0.5), (10, 10, 0.5), (3, 10, 0.7),
                                           (7, 10, 0.7), (10, 10, 0.7), (1, 1, 0.9),
                                           (30_100, 50_000, 0.6)])  # fmt: skip
def test_binomial_tails_match_scipy(x, n, p):
    xs, ns = np.array([float(x)]), np.array([float(n)])
    assert stats.binom_at_least(xs, ns, p)[0] == pytest.approx(ss.binom.sf(x - 1, n, p), rel=1e-9)
    assert stats.binom_at_most(xs, ns, p)[0] == pytest.approx(ss.binom.cdf(x, n, p), rel=1e-9)


@pytest.mark.parametrize(("x", "mean"), [(0, 2.4), (1, 2.4), (10, 2.4), (0, 0.001), (250, 205)])
def test_poisson_tails_match_scipy(x, mean):
    xs, means = np.array([float(x)]), np.array([mean])
    assert stats.poisson_at_least(xs, means)[0] == pytest.approx(ss.poisson.sf(x - 1, mean))
    assert stats.poisson_at_most(xs, means)[0] == pytest.approx(ss.poisson.cdf(x, mean))


# ---------------------------------------------------------------------- through the check

# (indicator, counts, status, evidence, small sample?) — status is the administrative verdict
# (exact comparison with the bound); evidence is what the 95% interval says about it.
CASES = [
    # sex ratio, 103–107, min_count 500 births
    ("sex_ratio_at_birth", {"births_male": 105, "births_female": 100}, "pass", "inconclusive",
     True),
    ("sex_ratio_at_birth", {"births_male": 107, "births_female": 100}, "pass", "inconclusive",
     True),
    ("sex_ratio_at_birth", {"births_male": 10, "births_female": 1}, "fail", "clear_fail", True),
    ("sex_ratio_at_birth", {"births_male": 0, "births_female": 10}, "fail", "clear_fail", True),
    ("sex_ratio_at_birth", {"births_male": 1, "births_female": 1}, "fail", "inconclusive", True),
    ("sex_ratio_at_birth", {"births_male": 270, "births_female": 250}, "fail", "inconclusive",
     False),
    ("sex_ratio_at_birth", {"births_male": 53_000, "births_female": 47_000}, "fail", "clear_fail",
     False),
    ("sex_ratio_at_birth", {"births_male": 105_000, "births_female": 100_000}, "pass",
     "clear_pass", False),
    # technical staff ≥ 70%, min_count 20
    ("tech_staff_share", {"station_staff": 10, "station_tech_staff": 0}, "fail", "clear_fail",
     True),
    # 10 of 10: P(X ≥ 10 | 70%) = 0.7^10 = 0.028 > 0.025, so not a clear pass (Wilson said so)
    ("tech_staff_share", {"station_staff": 10, "station_tech_staff": 10}, "pass", "inconclusive",
     True),
    ("tech_staff_share", {"station_staff": 10, "station_tech_staff": 7}, "pass", "inconclusive",
     True),
    ("tech_staff_share", {"station_staff": 1, "station_tech_staff": 1}, "pass", "inconclusive",
     True),
    ("tech_staff_share", {"station_staff": 1000, "station_tech_staff": 699}, "fail",
     "inconclusive", False),
    ("tech_staff_share", {"station_staff": 100_000, "station_tech_staff": 69_000}, "fail",
     "clear_fail", False),
    # birth defects ≤ 6‰ (Poisson), min_count 1000
    ("birth_defect_rate", {"perinatal_births": 500, "birth_defects": 0}, "pass", "inconclusive",
     True),
    ("birth_defect_rate", {"perinatal_births": 500, "birth_defects": 3}, "pass", "inconclusive",
     True),
    ("birth_defect_rate", {"perinatal_births": 1, "birth_defects": 1}, "fail", "clear_fail", True),
    ("birth_defect_rate", {"perinatal_births": 1000, "birth_defects": 30}, "fail", "clear_fail",
     False),
    ("birth_defect_rate", {"perinatal_births": 100_000, "birth_defects": 200}, "pass",
     "clear_pass", False),
    # statistical error ≤ 3%, min_count 100
    ("birth_stat_error_rate", {"births_verified": 100, "births_reported": 0}, "fail", "clear_fail",
     False),
    ("birth_stat_error_rate", {"births_verified": 100, "births_reported": 103}, "pass",
     "inconclusive", False),
    ("birth_stat_error_rate", {"births_verified": 50, "births_reported": 50}, "pass",
     "inconclusive", True),
    # crude birth rate ≤ 11.5‰ (Poisson), min_count 10,000
    ("crude_birth_rate", {"births": 205, "population": 20_000}, "pass", "inconclusive", False),
    ("crude_birth_rate", {"births": 0, "population": 500}, "pass", "clear_pass", True),
    ("crude_birth_rate", {"births": 400, "population": 20_000}, "fail", "clear_fail", False),
    # natural growth ≤ 5.5‰: births − deaths, exact Garwood bounds of both counts combined
    ("natural_growth_rate", {"births": 205, "deaths": 120, "population": 20_000}, "pass",
     "inconclusive", False),
    ("natural_growth_rate", {"births": 2000, "deaths": 100, "population": 100_000}, "fail",
     "clear_fail", False),
    ("natural_growth_rate", {"births": 100, "deaths": 300, "population": 100_000}, "pass",
     "clear_pass", False),
]  # fmt: skip


@pytest.mark.parametrize(("indicator", "counts", "status", "evidence", "small"), CASES)
def test_interval_p_value_and_evidence(evaluate, indicator, counts, status, evidence, small):
    r = evaluate(counts)[indicator]
    assert r["status"] == status, r
    low, high = expected_interval(indicator, counts)
    assert r["ci_low"] == pytest.approx(low, rel=1e-8, abs=1e-10)
    assert r["ci_high"] == pytest.approx(high, rel=1e-8, abs=1e-10)
    assert r["ci_low"] <= r["value"] <= r["ci_high"]
    assert r["p_value"] == pytest.approx(expected_p(indicator, counts), rel=1e-6, abs=1e-300)
    assert 0 <= r["p_value"] <= 1
    assert classify(low, high, indicator) == evidence  # the case table is self-consistent
    assert r["evidence"] == evidence
    assert r["evidence_note"] == ("small_sample" if small else None)


def test_value_exactly_on_the_bound_passes_and_is_inconclusive(evaluate):
    # 3 defects in 500 = 6‰ exactly: passes "≤ 6‰"; the p-value against 6‰ is P(X ≤ 3 | 3).
    r = evaluate({"perinatal_births": 500, "birth_defects": 3})["birth_defect_rate"]
    assert r["status"] == "pass"
    assert r["p_value"] == pytest.approx(ss.poisson.cdf(3, 3.0))
    assert r["p_value"] > 0.5
    assert r["evidence"] == "inconclusive"


def test_more_errors_than_verified_births_is_a_clear_failure(evaluate):
    """|reported − verified| > verified (300 reported, 100 found): not a share of the verified
    births, so the binomial model cannot hold; the count is treated as Poisson."""
    r = evaluate({"births_verified": 100, "births_reported": 300})["birth_stat_error_rate"]
    assert r["status"] == "fail"
    assert r["value"] == 200
    low, high = garwood_ci(200)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((low, high), rel=1e-9)
    assert r["ci_low"] <= 200 <= r["ci_high"]
    assert r["p_value"] == pytest.approx(ss.poisson.sf(199, 3.0), abs=1e-300)
    assert r["p_value"] < 1e-100
    assert r["evidence"] == "clear_fail"


@pytest.mark.parametrize(
    ("indicator", "counts"),
    [
        ("sex_ratio_at_birth", {"births_male": 0, "births_female": 0}),
        ("tech_staff_share", {"station_staff": 0, "station_tech_staff": 0}),
        ("birth_defect_rate", {"perinatal_births": 0, "birth_defects": 0}),
        ("birth_stat_error_rate", {"births_verified": 0, "births_reported": 0}),
        ("natural_growth_rate", {"births": 0, "deaths": 0, "population": 0}),
    ],
)
def test_zero_denominator_has_no_interval(evaluate, indicator, counts):
    """0/0 (no births at all, no staff): no value, so no interval and no evidence. (A count over
    a zero denominator is an infinite ratio, a failure: see test_no_free_pass.py.)"""
    r = evaluate(counts)[indicator]
    assert (r["status"], r["reason"]) == ("no_data", "denominator_zero")
    assert math.isnan(r["ci_low"]) and math.isnan(r["ci_high"]) and math.isnan(r["p_value"])
    assert r["evidence"] is None and r["evidence_note"] is None


def test_missing_or_invalid_values_have_no_interval(evaluate):
    results = evaluate({"births_male": 105, "births_female": "十", "station_staff": 10})
    assert results["sex_ratio_at_birth"]["status"] == "invalid"
    assert results["sex_ratio_at_birth"]["evidence"] is None
    assert results["tech_staff_share"]["reason"] == "field_missing"
    assert math.isnan(results["tech_staff_share"]["ci_low"])


# ---------------------------------------------------------------------- rule-file settings


def test_exact_method_and_level_from_the_rule_file(evaluate, tmp_path):
    rules = rules_file(tmp_path, "evidence:\n  level: 0.9\n  method: exact\n")
    counts = {"births_male": 10, "births_female": 1, "station_staff": 10, "station_tech_staff": 6,
              "perinatal_births": 700, "birth_defects": 2}  # fmt: skip
    results = evaluate(counts, rules)
    for key, x, n in (("sex_ratio_at_birth", 10, 11), ("tech_staff_share", 6, 10)):
        low, high = proportion_ci(x, n, 0.9, "exact")
        if key == "sex_ratio_at_birth":
            low, high = srb(low), srb(high)
        else:
            low, high = 100 * low, 100 * high
        assert results[key]["ci_low"] == pytest.approx(low, rel=1e-9)
        assert results[key]["ci_high"] == pytest.approx(high, rel=1e-9)
    # Garwood at 90%: χ²_{0.05}(4)/2 and χ²_{0.95}(6)/2, over 700 perinatal births, in ‰.
    defects = results["birth_defect_rate"]
    assert defects["ci_low"] == pytest.approx(ss.chi2.ppf(0.05, 4) / 2 / 700 * 1000)
    assert defects["ci_high"] == pytest.approx(ss.chi2.ppf(0.95, 6) / 2 / 700 * 1000)


def test_evidence_never_changes_the_status(evaluate, tmp_path):
    """The same data under Wilson 95% and exact 99%: intervals differ, verdicts do not."""
    counts = {"births_male": 270, "births_female": 250, "station_staff": 10,
              "station_tech_staff": 6, "perinatal_births": 500, "birth_defects": 4,
              "births": 520, "population": 40_000, "deaths": 200}  # fmt: skip
    wilson = evaluate(counts)
    exact = evaluate(counts, rules_file(tmp_path, "evidence: {level: 0.99, method: exact}\n"))
    assert {k: r["status"] for k, r in wilson.items()} == {k: r["status"] for k, r in exact.items()}
    assert wilson["tech_staff_share"]["status"] == "fail"  # 60% < 70%, but could be chance
    assert wilson["tech_staff_share"]["evidence"] == "inconclusive"
    assert exact["tech_staff_share"]["ci_low"] < wilson["tech_staff_share"]["ci_low"]


def test_min_count_comes_from_the_rule_file(evaluate, tmp_path):
    counts = {"station_staff": 10, "station_tech_staff": 8}
    assert evaluate(counts)["tech_staff_share"]["evidence_note"] == "small_sample"
    rules = rules_file(tmp_path, "indicators:\n  tech_staff_share:\n    min_count: 10\n")
    assert evaluate(counts, rules)["tech_staff_share"]["evidence_note"] is None
    # the sex ratio counts boys + girls against min_count (500): 250 + 250 is enough
    srb_counts = {"births_male": 250, "births_female": 250}
    assert evaluate(srb_counts)["sex_ratio_at_birth"]["evidence_note"] is None
    srb_counts = {"births_male": 250, "births_female": 249}
    assert evaluate(srb_counts)["sex_ratio_at_birth"]["evidence_note"] == "small_sample"


def test_a_warn_rule_gets_evidence_too(evaluate, tmp_path):
    rules = rules_file(tmp_path, "indicators:\n  sex_ratio_at_birth:\n    severity: warn\n")
    r = evaluate({"births_male": 53_000, "births_female": 47_000}, rules)["sex_ratio_at_birth"]
    assert (r["status"], r["evidence"]) == ("warn", "clear_fail")


# ---------------------------------------------------------------------- CLI outputs

TOWNS = {
    "张秋镇": {},  # passes everything
    "七级镇": {"station_staff": 10, "station_tech_staff": 0},  # fails, the whole CI below 70%
    "阿城镇": {"station_staff": 10, "station_tech_staff": 6},  # fails, the CI straddles 70%
}


@pytest.fixture
def three_towns(build):
    towns = [build.town(name, **over) for name, over in TOWNS.items()]
    return build.csv("county.csv", build.grid(towns))


def test_json_carries_interval_p_value_and_evidence(cli, three_towns):
    result = cli("check", three_towns, "--format", "json")
    assert result.exit_code == 1
    rows = {(r["unit"], r["indicator"]): r for r in result.json()["results"]}
    for unit, x in (("七级镇", 0), ("阿城镇", 6), ("张秋镇", 8)):
        r = rows[(unit, "tech_staff_share")]
        low, high = proportion_ci(x, 10)
        assert r["ci_low"] == pytest.approx(100 * low, rel=1e-9, abs=1e-12)
        assert r["ci_high"] == pytest.approx(100 * high, rel=1e-9)
        want_p = ss.binom.cdf(x, 10, 0.7) if x < 7 else ss.binom.sf(x - 1, 10, 0.7)
        assert r["p_value"] == pytest.approx(want_p, rel=1e-9)
        assert r["evidence_note"] == "small_sample"
    assert rows[("七级镇", "tech_staff_share")]["evidence"] == "clear_fail"
    assert rows[("阿城镇", "tech_staff_share")]["evidence"] == "inconclusive"
    assert rows[("七级镇", "tech_staff_share")]["status"] == "fail"
    assert rows[("阿城镇", "tech_staff_share")]["status"] == "fail"
    for r in rows.values():  # every result has the keys, JSON-valid numbers or null
        for key in ("ci_low", "ci_high", "p_value"):
            assert r[key] is None or math.isfinite(r[key])
        assert r["evidence"] in ("clear_fail", "clear_pass", "inconclusive", None)


def test_csv_carries_interval_p_value_and_evidence(cli, three_towns):
    result = cli("check", three_towns, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    header = list(rows[0])
    for key in ("ci_low", "ci_high", "p_value", "evidence", "evidence_note"):
        assert key in header
    row = next(r for r in rows if r["unit"] == "七级镇" and r["indicator"] == "tech_staff_share")
    low, high = proportion_ci(0, 10)
    assert float(row["ci_low"]) == pytest.approx(100 * low, abs=1e-9)
    assert float(row["ci_high"]) == pytest.approx(100 * high, rel=1e-9)
    assert float(row["p_value"]) == pytest.approx(0.3**10, rel=1e-9)  # P(X ≤ 0 | 10, 70%)
    assert (row["evidence"], row["evidence_note"]) == ("clear_fail", "small_sample")


def test_table_marks_clear_and_chance_failures(cli, three_towns):
    result = cli("check", three_towns, "--lang", "en")
    lines = result.stdout.splitlines()

    def line(unit):
        return next(x for x in lines if x.lstrip().startswith(unit))

    assert "0.0%●" in line("七级镇")  # the whole interval is below 70%
    assert "60.0%○" in line("阿城镇")  # the interval straddles 70%
    assert "●" not in line("张秋镇") and "○" not in line("张秋镇")
    assert "● the whole 95% interval is beyond the bound" in result.stdout


def test_an_unbounded_interval_end_is_null_in_json(build, default_rules):
    """JSON has no infinity: an interval end of ∞ (a male share whose upper end is 1) is null.

    (With no girls at all the sex ratio itself has no value — a zero denominator — so the check
    never computes such an interval; the writer must still not emit `Infinity`.)"""

    path = build.csv("one.csv", build.grid([build.town("张秋镇")]))
    report = run_check([path], default_rules)
    low, high = stats.interval("sex_ratio", np.array([5.0]), np.array([0.0]), 100, 0.95, "wilson")
    row = report.results.index[report.results["indicator"] == "sex_ratio_at_birth"][0]
    report.results.loc[row, ["ci_low", "ci_high"]] = [low[0], high[0]]
    assert high[0] == math.inf

    def reject(name):
        raise AssertionError(f"{name} is not JSON")

    data = json.loads(report.to_json(), parse_constant=reject)
    [r] = [r for r in data["results"] if r["indicator"] == "sex_ratio_at_birth"]
    assert r["ci_high"] is None
    assert r["ci_low"] == pytest.approx(low[0])
