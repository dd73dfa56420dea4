"""Issue 17: the padded-figure signals of `fpmetrics audit`, each on a small hand-made series
that must fire and one that must not; p-values recomputed here from their documented nulls
with scipy and plain loops (not with fpmetrics' own helpers)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats as ss

from fpmetrics.normalise.fields import FIELDS

ALPHA = 0.01
MONTHS = [f"{y}-{m:02d}" for y in (2022, 2023) for m in range(1, 13)]


def panel_csv(build, towns: dict[str, dict[str, list[int]]], name="monthly.csv", periods=None):
    """One row per township and month; ``towns`` maps a name to {field: 24 values}."""
    fields = list(next(iter(towns.values())))
    periods = periods or MONTHS
    rows = [["乡镇", "月份", *(FIELDS[f].zh for f in fields)]]
    for unit, series in towns.items():
        for t, period in enumerate(periods):
            rows.append([unit, period, *(int(series[f][t]) for f in fields)])
    return build.csv(name, rows)


def audit(cli, path, *args):
    result = cli("audit", path, "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def of(data, signal, unit=None):
    return [
        s for s in data["signals"] if s["signal"] == signal and (unit is None or s["unit"] == unit)
    ]


def births(seed: int, mean: float = 40, t: int = 24) -> dict[str, list[int]]:
    rng = np.random.default_rng(seed)
    total = rng.poisson(mean, t)
    boys = rng.binomial(total, 0.512)
    return {"births_male": boys.tolist(), "births_female": (total - boys).tolist()}


def poisson_binomial_tail(k: int, probs) -> float:
    dist = [1.0]
    for p in probs:
        dist = [a * (1 - p) + b * p for a, b in zip([*dist, 0.0], [0.0, *dist], strict=True)]
    return sum(dist[k:])


def test_poisson_binomial_against_enumeration():
    from itertools import product

    from fpmetrics.analyses.audit_panel import poisson_binomial_sf

    probs = np.array([[0.1, 0.5, 0.7, 0.2, 0.9], [0.3, 0.3, 0.3, 0.3, 0.3]])
    valid = np.array([[True, True, True, False, True], [True] * 5])
    for k in range(6):
        got = poisson_binomial_sf(np.array([k, k]), probs, valid)
        for row in range(2):
            want = 0.0
            for bits in product([0, 1], repeat=5):
                if sum(b for b, v in zip(bits, valid[row], strict=True) if v) >= k:
                    want += np.prod(
                        [
                            (p if b else 1 - p) if v else (1.0 if b == 0 else 0.0)
                            for b, p, v in zip(bits, probs[row], valid[row], strict=True)
                        ]
                    )
            assert got[row] == pytest.approx(want, rel=1e-12, abs=1e-15)


# ---------------------------------------------------------------------- repeated figures


def test_a_year_copied_is_a_repeat(cli, build):
    copied = births(1)
    for f in copied:
        copied[f][12:] = copied[f][:12]
    copied["births_male"][15] += 1  # nearly copied is still copied
    data = audit(cli, panel_csv(build, {"抄写镇": copied, "如实镇": births(2)}))
    [repeat] = of(data, "repeated_figures")
    assert repeat["unit"] == "抄写镇" and repeat["period"] == "2023-01–2023-12"
    assert repeat["detail"]["repeats"] == 24 and repeat["detail"]["pairs"] == 24
    # the null: each pair within ±1 with the Skellam probability at the series' mean
    probs = []
    for f in ("births_male", "births_female"):
        mu = np.mean(copied[f])
        probs += [ss.skellam.cdf(1, mu, mu) - ss.skellam.cdf(-2, mu, mu)] * 12
    assert repeat["p_value"] == pytest.approx(poisson_binomial_tail(24, probs), rel=1e-6)
    assert repeat["q_value"] >= repeat["p_value"]
    assert "2023-04≈2022-04" in " ".join(repeat["detail"]["where"])
    assert not of(data, "repeated_figures", "如实镇")
    assert data["townships"][0]["unit"] == "抄写镇"


# ---------------------------------------------------------------------- too smooth


def test_a_smoothed_count_is_too_smooth(cli, build):
    smooth = {
        "births_male": [20, 21, 20, 19, 20, 21] * 4,
        "births_female": births(3)["births_female"],
    }
    data = audit(cli, panel_csv(build, {"平滑镇": smooth, "如实镇": births(4)}))
    [signal] = [s for s in of(data, "too_smooth") if s["detail"].get("field") == "births_male"]
    x = np.array(smooth["births_male"], float)
    d = ((x - x.mean()) ** 2).sum() / x.mean()
    assert signal["unit"] == "平滑镇"
    assert signal["statistic"] == pytest.approx(d)
    assert signal["p_value"] == pytest.approx(ss.chi2.cdf(d, 23), rel=1e-9)
    assert not of(data, "too_smooth", "如实镇")


def test_a_rate_held_still_is_too_smooth(cli, build):
    """Policy-compliant births always 92% of births: the binomial says it should wander."""
    rng = np.random.default_rng(5)
    total = rng.poisson(150, 24)
    held = {"births": total.tolist(), "births_policy": np.rint(0.92 * total).astype(int).tolist()}
    honest = {"births": total.tolist(), "births_policy": rng.binomial(total, 0.92).tolist()}
    data = audit(cli, panel_csv(build, {"持平镇": held, "如实镇": honest}))
    [signal] = [s for s in of(data, "too_smooth") if s["detail"].get("indicator")]
    assert signal["unit"] == "持平镇" and signal["detail"]["indicator"] == "policy_birth_rate"
    k, n = np.array(held["births_policy"]), total
    chi2, _, df, _ = ss.chi2_contingency(np.array([k, n - k]), correction=False)
    assert signal["statistic"] == pytest.approx(chi2, rel=1e-9)
    assert signal["p_value"] == pytest.approx(ss.chi2.cdf(chi2, df), rel=1e-9)
    assert not [s for s in data["signals"] if s["unit"] == "如实镇"]


# ---------------------------------------------------------------------- step change


def test_a_jump_before_the_assessment_is_a_step_change(cli, build):
    rng = np.random.default_rng(6)
    total = rng.poisson(120, 24)
    rate = np.where(np.arange(24) >= 18, 0.98, 0.86)
    jumped = {"births": total.tolist(), "births_policy": rng.binomial(total, rate).tolist()}
    steady = {"births": total.tolist(), "births_policy": rng.binomial(total, 0.93).tolist()}
    data = audit(cli, panel_csv(build, {"冲刺镇": jumped, "平稳镇": steady}))
    [step] = of(data, "step_change")
    assert step["unit"] == "冲刺镇"
    # the best split by brute force, p bounded by Bonferroni over the 23 split points
    k, n = np.array(jumped["births_policy"], float), total.astype(float)

    def loglik(k, n):
        p = k / n
        return k * np.log(p) + (n - k) * np.log(1 - p)

    g = [
        2 * (loglik(k[:j].sum(), n[:j].sum()) + loglik(k[j:].sum(), n[j:].sum())
             - loglik(k.sum(), n.sum()))
        for j in range(1, 24)
    ]  # fmt: skip
    best = int(np.argmax(g)) + 1
    assert step["period"] == f"{MONTHS[best - 1]}→{MONTHS[best]}"
    assert step["statistic"] == pytest.approx(max(g), rel=1e-9)
    assert step["p_value"] == pytest.approx(23 * ss.chi2.sf(max(g), 1), rel=1e-9)
    assert step["detail"]["after"] > 95 > step["detail"]["before"]
    assert not of(data, "step_change", "平稳镇")


# ---------------------------------------------------------------------- denominators


def test_a_numerator_that_stays_while_its_denominator_moves(cli, build):
    rng = np.random.default_rng(7)
    women = rng.integers(300, 500, 24)
    frozen = {"migrant_women": women.tolist(), "migrant_archived": [280] * 24}
    honest = {"migrant_women": women.tolist(), "migrant_archived": rng.binomial(women, 0.94)}
    honest["migrant_archived"] = honest["migrant_archived"].tolist()
    data = audit(cli, panel_csv(build, {"冻结镇": frozen, "如实镇": honest}))
    [signal] = of(data, "frozen_numerator")
    assert signal["unit"] == "冻结镇" and signal["detail"]["unchanged"] == 23
    assert signal["detail"]["numerator"] == "migrant_archived"
    assert not of(data, "frozen_numerator", "如实镇")


def test_perinatal_births_far_above_live_births_on_one_period(cli, build):
    towns = [
        build.town("虚增镇", births=400, births_male=205, births_female=195, births_policy=390,
                   perinatal_births=720, birth_defects=4),
        build.town("如实镇", births=400, births_male=205, births_female=195, births_policy=390,
                   perinatal_births=403, birth_defects=4),
    ]  # fmt: skip
    data = audit(cli, build.csv("county.csv", build.grid(towns)))
    [signal] = of(data, "perinatal_excess")
    assert signal["unit"] == "虚增镇" and signal["detail"]["excess"] == 320
    assert signal["p_value"] == pytest.approx(ss.poisson.sf(319, 0.03 * 400), rel=1e-9)
    assert data["periods"] is False


# ---------------------------------------------------------------------- pinned at the bar


def test_a_rate_pinned_just_above_the_bar(cli, build):
    """Policy-compliant births (a flow, bar 95%) always 95.0–95.95%: its size says it should
    wander."""
    rng = np.random.default_rng(8)
    total = rng.integers(200, 400, 24)
    pinned = {"births": total.tolist(), "births_policy": np.ceil(0.95 * total).tolist()}
    honest = {"births": total.tolist(), "births_policy": rng.binomial(total, 0.965).tolist()}
    data = audit(cli, panel_csv(build, {"贴线镇": pinned, "如实镇": honest}))
    [signal] = of(data, "pinned_at_bar")
    assert signal["unit"] == "贴线镇" and signal["detail"]["in_band"] == 24
    assert signal["detail"]["indicator"] == "policy_birth_rate"
    # null: binomial at the band's centre (95.475%), the rate most likely to land in it
    probs = [
        ss.binom.cdf(np.floor(0.9595 * n + 1e-9), n, 0.95475)
        - ss.binom.cdf(np.ceil(0.95 * n - 1e-9) - 1, n, 0.95475)
        for n in total
    ]
    assert signal["p_value"] == pytest.approx(np.prod(probs), rel=1e-6)
    assert not of(data, "pinned_at_bar", "如实镇")


def stock(rng, size: float, share: float, months: int = 24, turnover: float = 0.08):
    """In-migrant women as a stock: 8% leave each month, newcomers arrive, a woman keeps her
    archive status. Consecutive months are not independent."""
    women, archived = rng.poisson(size), 0
    archived = rng.binomial(women, share)
    out_w, out_a = [], []
    for _ in range(months):
        arrivals = rng.poisson(turnover * size)
        stay = rng.binomial(women, 1 - turnover)
        archived = rng.hypergeometric(archived, women - archived, stay) + rng.binomial(
            arrivals, share
        )
        women = stay + arrivals
        out_w.append(int(women))
        out_a.append(int(archived))
    return out_w, out_a


def test_a_stock_rate_computed_from_the_bar_is_too_smooth(cli, build):
    """Archived = ⌈90% of the women⌉ every month. An honest stock's rate also moves little
    month to month (the same women stay), so the test compares the archive count's changes
    with the stock's own turnover, not with fresh binomial draws."""
    rng = np.random.default_rng(13)
    women, _ = stock(rng, 400, 0.93)
    computed = {"migrant_women": women, "migrant_archived": np.ceil(0.9 * np.array(women))}
    towns = {"推算镇": {k: list(v) for k, v in computed.items()}}
    for i in range(5):
        w, a = stock(rng, rng.uniform(150, 800), rng.uniform(0.91, 0.97))
        towns[f"如实{i}镇"] = {"migrant_women": w, "migrant_archived": a}
    data = audit(cli, panel_csv(build, towns))
    smooth = [s for s in of(data, "too_smooth") if s["detail"].get("model") == "stock"]
    assert [s["unit"] for s in smooth] == ["推算镇"]
    k, n = np.array(computed["migrant_archived"]), np.array(women, float)
    p_hat = k.sum() / n.sum()
    r2 = ((np.diff(k) - p_hat * np.diff(n)) ** 2).sum()
    f = (r2 / (23 * p_hat * (1 - p_hat))) / np.var(np.diff(n), ddof=1)
    assert smooth[0]["statistic"] == pytest.approx(f, rel=1e-9)
    assert smooth[0]["p_value"] == pytest.approx(ss.f.cdf(f, 23, 22), rel=1e-9)
    assert data["townships"][0]["unit"] == "推算镇" and len(data["townships"]) == 1


# ---------------------------------------------------------------------- last digits


def test_heaping_on_small_counts_against_their_own_null(cli, build):
    """12–20 births a month: last digits are not uniform, so the null is the Poisson's own."""
    heaped = {
        f: (5 * np.rint(np.array(v) / 5)).astype(int).tolist() for f, v in births(9, 16).items()
    }
    towns = {"凑整镇": heaped, **{f"如实{i}镇": births(20 + i, 16) for i in range(6)}}
    data = audit(cli, panel_csv(build, towns))
    [heap] = of(data, "heaping_0_5")
    assert heap["unit"] == "凑整镇" and heap["detail"]["ending_0_or_5"] == 48
    assert of(data, "terminal_digits") == []  # the uniform χ² is not used on monthly series


# ---------------------------------------------------------------------- calibration, one period


def test_an_honest_county_is_left_alone(cli, build):
    rng = np.random.default_rng(10)
    towns = {}
    for i in range(20):
        size = rng.uniform(200, 3000) / 12
        total = rng.poisson(size, 24)
        boys = rng.binomial(total, 0.512)
        women = rng.poisson(size * 0.4, 24)
        towns[f"镇{i:02d}"] = {
            "births_male": boys.tolist(),
            "births_female": (total - boys).tolist(),
            "births_policy": rng.binomial(total, 0.97).tolist(),
            "migrant_women": women.tolist(),
            "migrant_archived": rng.binomial(women, 0.93).tolist(),
        }
    data = audit(cli, panel_csv(build, towns))
    assert data["townships"] == [] and data["tests"] > 100
    assert data["needs_periods"] == []


def test_one_period_says_which_signals_need_more(cli, build):
    path = build.csv("county.csv", build.grid([build.town("张秋镇"), build.town("阿城镇")]))
    result = cli("audit", path, "--lang", "en")
    assert result.exit_code == 0
    assert "need several periods" in result.stderr and "repeated figures" in result.stderr
    assert "one file per period" in result.stderr
    assert "需要多期" in cli("audit", path).stderr
    data = audit(cli, path)
    assert "repeated_figures" in data["needs_periods"] and "step_change" in data["needs_periods"]


def test_boys_filled_in_at_105_are_held_at_the_norm(cli, build):
    """Yearly rows: boys = total × 105/205 every year. Three years are enough here, where the
    dispersion test (which estimates the rate) needs four."""
    years = ["2022", "2023", "2024"]
    total = np.array([812, 790, 845])
    forced = np.rint(total * 105 / 205).astype(int)
    rng = np.random.default_rng(12)
    honest = rng.binomial(total, 0.512)
    towns = {
        "凑数镇": {"births_male": forced.tolist(), "births_female": (total - forced).tolist()},
        "如实镇": {"births_male": honest.tolist(), "births_female": (total - honest).tolist()},
    }
    data = audit(cli, panel_csv(build, towns, periods=years))
    [signal] = of(data, "held_at_norm")
    p0 = 105 / 205
    x2 = (((forced - total * p0) ** 2) / (total * p0 * (1 - p0))).sum()
    assert signal["unit"] == "凑数镇" and signal["detail"]["df"] == 3
    assert signal["p_value"] == pytest.approx(ss.chi2.cdf(x2, 3), rel=1e-9)
    assert signal["period"] == "2022–2024"
    assert not of(data, "held_at_norm", "如实镇")
