"""Issue 5, point 3: `fpmetrics audit`, ranked data-quality signals.

Inputs are built here with planted problems (a jump, a too-smooth series, an impossible rate,
heaped digits, bunching, a totals row that does not add up, a large statistical error); every
p-value is recomputed with scipy (fisher_exact, chi2_contingency, chisquare, binom) and the
Benjamini–Hochberg q-values with scipy.stats.false_discovery_control.
"""

from __future__ import annotations

import csv
import itertools
import json

import numpy as np
import pytest
from scipy import stats as ss

from conftest import REPO, assert_clean_error

ALPHA = 0.01  # the default audit.alpha (docs/audit.md: "report signals with p (or q) below this")
MIN_PERIOD_BIRTHS = 10  # the default audit.min_period_births
SIGNAL_KEYS = {
    "signal", "unit", "period", "statistic", "p_value", "q_value", "detail", "explanation",
}  # fmt: skip
MONTHLY_HEADER = ["乡镇", "月份", "出生男婴数", "出生女婴数"]


def strict_json(text: str):
    def reject(name):
        raise AssertionError(f"{name} is not JSON")

    return json.loads(text, parse_constant=reject)


def monthly_csv(build, series: dict[str, list[tuple[str, int, int]]], name="monthly.csv"):
    rows = [MONTHLY_HEADER]
    for unit, months in series.items():
        rows += [[unit, period, boys, girls] for period, boys, girls in months]
    return build.csv(name, rows)


def audit(cli, path, *args):
    result = cli("audit", path, "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return strict_json(result.stdout)


def of(data, signal):
    return [s for s in data["signals"] if s["signal"] == signal]


def srb_smooth(data):
    """too_smooth signals on the sex ratio (others name their field or indicator)."""
    return [s for s in of(data, "too_smooth") if not {"field", "indicator"} & set(s["detail"])]


def months(pairs, year=2024):
    return [(f"{year}-{i:02d}", b, g) for i, (b, g) in enumerate(pairs, start=1)]


# ---------------------------------------------------------------------- month to month

JUMPS = {
    # 甲镇: a planted jump 2024-03 → 2024-04 (boys 30 of 36, then 6 of 36)
    "甲镇": months([(18, 17), (17, 19), (30, 6), (6, 30), (18, 18), (17, 18)]),
    # 乙镇: ordinary; 2024-03 has 4 births (< min_period_births): its pairs are not tested
    "乙镇": months([(20, 19), (15, 21), (3, 1), (19, 17), (16, 18), (20, 15)]),
    "丙镇": months([(11, 9), (12, 10), (8, 12), (13, 9), (10, 11), (9, 12)]),
}


def expected_jumps(series):
    """(unit, 'a→b', Fisher p) for every consecutive pair with enough births in both."""
    tests = []
    for unit, months_ in series.items():
        for (pa, ma, fa), (pb, mb, fb) in itertools.pairwise(months_):
            if min(ma + fa, mb + fb) < MIN_PERIOD_BIRTHS:
                continue
            tests.append((unit, f"{pa}→{pb}", ss.fisher_exact([[ma, fa], [mb, fb]])[1]))
    return tests


def test_jumps_are_fisher_exact_with_benjamini_hochberg(cli, build):
    data = audit(cli, monthly_csv(build, JUMPS))
    assert data["periods"] is True
    tests = expected_jumps(JUMPS)
    assert len(tests) == 13  # 5 + 3 + 5 pairs: 乙镇's 4-birth month is left out
    q = ss.false_discovery_control([p for *_, p in tests], method="bh")
    expected = {
        (u, period): (p, qv) for (u, period, p), qv in zip(tests, q, strict=True) if qv < ALPHA
    }
    got = {(s["unit"], s["period"]): s for s in of(data, "sex_ratio_jump")}
    assert set(got) == set(expected)
    assert ("甲镇", "2024-03→2024-04") in got  # the planted jump
    for key, (p, qv) in expected.items():
        assert got[key]["p_value"] == pytest.approx(p, rel=1e-9)
        assert got[key]["q_value"] == pytest.approx(qv, rel=1e-9)
        assert got[key]["q_value"] >= got[key]["p_value"]
    jump = got[("甲镇", "2024-03→2024-04")]
    assert jump["detail"] == {"from": {"boys": 30, "girls": 6}, "to": {"boys": 6, "girls": 30}}
    assert jump["statistic"] is None
    assert "500.0" in jump["explanation"] and "20.0" in jump["explanation"]


def test_benjamini_hochberg_matches_scipy():
    from fpmetrics.analyses.audit import benjamini_hochberg

    rng = np.random.default_rng(5)
    for p in (rng.uniform(size=40) ** 3, np.array([0.01, 0.01, 0.04, 0.5, 1.0]), np.array([0.2])):
        want = ss.false_discovery_control(p, method="bh")
        assert benjamini_hochberg(p) == pytest.approx(want, rel=1e-12)


def test_min_period_births_from_the_rule_file(cli, build, tmp_path):
    rules = tmp_path / "strict.yaml"
    rules.write_text(
        "name: strict\ntitle: 严格\nextends: default\naudit:\n  min_period_births: 40\n",
        encoding="utf-8",
    )
    data = audit(cli, monthly_csv(build, JUMPS), "--rules", rules)
    assert of(data, "sex_ratio_jump") == []  # no month has 40 births
    assert of(audit(cli, monthly_csv(build, JUMPS, "again.csv")), "sex_ratio_jump")


def test_months_in_natural_order(cli, build):
    """Months written 1月 … 12月: 9月 → 10月 is a consecutive pair, 1月 → 10月 is not."""
    pairs = [(20, 20)] * 12
    pairs[3] = (6, 34)  # 4月
    pairs[9] = (38, 2)  # 10月
    series = {"甲镇": [(f"{i}月", b, g) for i, (b, g) in enumerate(pairs, start=1)]}
    data = audit(cli, monthly_csv(build, series))
    tests = expected_jumps(series)  # in the calendar order written above
    q = ss.false_discovery_control([p for *_, p in tests], method="bh")
    expected = {period: p for (_, period, p), qv in zip(tests, q, strict=True) if qv < ALPHA}
    assert set(expected) == {"3月→4月", "4月→5月", "9月→10月", "10月→11月"}
    got = {s["period"]: s["p_value"] for s in of(data, "sex_ratio_jump")}
    assert got == pytest.approx(expected, rel=1e-9)
    *_, upper, _ = chi2_both_tails(pairs)
    assert upper < ALPHA
    [hetero] = of(data, "sex_ratio_heterogeneity")
    assert hetero["period"] == "1月–12月"
    assert hetero["p_value"] == pytest.approx(upper, rel=1e-9)


# ---------------------------------------------------------------------- across all months

SMOOTH = [(21, 20), (22, 21), (20, 19), (23, 22), (21, 20), (24, 23),
          (21, 20), (22, 21), (20, 19), (21, 20), (22, 21), (23, 22)]  # fmt: skip
SWINGS = [(30, 10), (12, 28), (25, 15), (10, 30), (28, 12), (15, 25),
          (20, 20), (31, 9), (11, 29), (24, 16), (14, 26), (27, 13)]  # fmt: skip


def ordinary_series(seed: int) -> list[tuple[int, int]]:
    rng = np.random.default_rng(seed)
    boys = rng.binomial(40, 0.512, size=12)
    return [(int(b), int(40 - b)) for b in boys]


def chi2_both_tails(pairs):
    table = np.array([[b for b, _ in pairs], [g for _, g in pairs]])
    chi2, _, df, _ = ss.chi2_contingency(table, correction=False)
    return chi2, df, ss.chi2.sf(chi2, df), ss.chi2.cdf(chi2, df)


def test_heterogeneity_and_too_smooth(cli, build):
    ordinary = ordinary_series(7)
    chi2, df, upper, lower = chi2_both_tails(ordinary)
    assert upper >= ALPHA and lower >= ALPHA  # truly ordinary: neither tail is extreme
    series = {"甲镇": months(SMOOTH), "乙镇": months(SWINGS), "丙镇": months(ordinary)}
    data = audit(cli, monthly_csv(build, series))

    [smooth] = srb_smooth(data)
    chi2, df, _, lower = chi2_both_tails(SMOOTH)
    assert (smooth["unit"], smooth["period"]) == ("甲镇", "2024-01–2024-12")
    assert smooth["statistic"] == pytest.approx(chi2, rel=1e-9)
    assert smooth["p_value"] == pytest.approx(lower, rel=1e-9)
    assert smooth["detail"] == {"chi2": pytest.approx(chi2), "df": 11, "periods": 12}
    assert lower < 1e-6

    [hetero] = of(data, "sex_ratio_heterogeneity")
    chi2, df, upper, _ = chi2_both_tails(SWINGS)
    assert (hetero["unit"], hetero["period"]) == ("乙镇", "2024-01–2024-12")
    assert hetero["statistic"] == pytest.approx(chi2, rel=1e-9)
    assert hetero["p_value"] == pytest.approx(upper, rel=1e-9)
    assert hetero["detail"]["df"] == df == 11

    assert not [s for s in data["signals"] if s["unit"] == "丙镇"]
    ps = [s["p_value"] for s in data["signals"] if s["p_value"] is not None]
    assert ps == sorted(ps)  # ranked by p-value


def test_short_series_are_not_called_too_smooth(cli, build):
    """Three identical months: a χ² of 0 on 2 df, but fewer than 4 periods prove nothing."""
    data = audit(cli, monthly_csv(build, {"甲镇": months([(21, 20)] * 3)}))
    assert srb_smooth(data) == []


# ---------------------------------------------------------------------- reported rates


def grim_possible(reported: str, births: int, kind: str) -> bool:
    """Some whole number k of the births rounds to the reported figure (its own decimals)."""
    value = float(reported.rstrip("%"))
    decimals = len(reported.rstrip("%").partition(".")[2])
    half = 0.5 * 10**-decimals
    for k in range(births + 1):
        if kind == "sex_ratio":
            if k == births:
                continue
            rate = 100 * k / (births - k)
        else:
            rate = 100 * k / births
        if abs(rate - value) <= half + 1e-9:
            return True
    return False


def test_impossible_and_mismatched_reported_rates(cli, build):
    rows = [["乡镇", "月份", "出生男婴数", "出生女婴数", "出生人数", "符合政策生育数",
             "出生人口性别比", "符合政策生育率"]]  # fmt: skip
    rows += [
        ["甲镇", "2024-05", 12, 11, 23, 23, "107.00", "100"],  # 107.00 from 23 births: none
        ["乙镇", "2024-03", 10, 17, 27, 26, "80.00", "96.3"],  # 80.00 fits 27, not 10/17
        ["丙镇", "2024-03", 105, 100, 205, 200, "105.00", "97.56%"],  # all consistent
        ["丁镇", "2024-03", 21, 20, 41, 40, "105.0", "97.3"],  # 97.3% from 41 births: none
        ["戊镇", "2024-03", 12, 11, 23, 23, "109.38", "100.0"],  # 109.38 from 23 births: none
        ["己镇", "2024-03", 35, 32, 67, 66, "109.38", "98.51"],  # 35/32, 66/67: consistent
    ]
    path = build.csv("rates.csv", rows)
    assert not grim_possible("107.00", 23, "sex_ratio")
    assert grim_possible("80.00", 27, "sex_ratio")
    assert not grim_possible("97.3", 41, "share")
    assert not grim_possible("109.38", 23, "sex_ratio")
    for reported, n, kind in (("105.00", 205, "sex_ratio"), ("97.56%", 205, "share"),
                              ("96.3", 27, "share"), ("105.0", 41, "sex_ratio"),
                              ("109.38", 67, "sex_ratio"), ("98.51", 67, "share"),
                              ("100.0", 23, "share")):  # fmt: skip
        assert grim_possible(reported, n, kind)
    data = audit(cli, path)
    impossible = {(s["unit"], s["period"]): s for s in of(data, "impossible_rate")}
    assert set(impossible) == {("甲镇", "2024-05"), ("丁镇", "2024-03"), ("戊镇", "2024-03")}
    srb = impossible[("甲镇", "2024-05")]
    assert srb["detail"]["reported"] == 107 and srb["detail"]["births"] == 23
    assert srb["detail"]["decimals"] == 2 and srb["detail"]["where"].endswith("rates.csv:2")
    assert srb["p_value"] is None
    assert "107.00" in srb["explanation"] and "23" in srb["explanation"]
    assert impossible[("丁镇", "2024-03")]["detail"]["births"] == 41
    [mismatch] = of(data, "reported_rate_mismatch")
    assert (mismatch["unit"], mismatch["period"]) == ("乙镇", "2024-03")
    assert mismatch["detail"]["computed"] == pytest.approx(100 * 10 / 17)
    assert "58.824" in mismatch["explanation"]


def test_a_rate_in_a_percentage_cell_is_read_as_a_share(cli, build):
    """Excel stores a cell shown as 97.56% as 0.9756: that is 97.56%, not an impossible 0.98%."""
    rows = [["乡镇", "出生人数", "符合政策生育数", "符合政策生育率"]]
    rows += [
        ["甲镇", 41, 40, 40 / 41],  # the cell's full value, 97.5609…%
        ["乙镇", 200, 190, 0.95],
        ["丙镇", 41, 40, 0.973],  # 97.3% from 41 births: none
        ["丁镇", 41, 39, 0.9756],  # possible (40 of 41), but the counts say 95.12%
    ]
    data = audit(cli, build.xlsx("rates.xlsx", rows))
    assert [s["unit"] for s in of(data, "impossible_rate")] == ["丙镇"]
    assert of(data, "impossible_rate")[0]["detail"]["reported"] == pytest.approx(97.3)
    [mismatch] = of(data, "reported_rate_mismatch")
    assert mismatch["unit"] == "丁镇"
    assert mismatch["detail"]["computed"] == pytest.approx(100 * 39 / 41)


# ---------------------------------------------------------------------- digits and bunching


def county(build, towns, fields, name="county.csv"):
    return build.csv(name, build.grid(towns, fields=fields))


def test_terminal_digits_and_heaping(cli, build):
    rng = np.random.default_rng(11)
    heaped = [int(v) for v in rng.integers(2, 60, size=60) * 5]  # every count ends in 0 or 5
    towns = [
        {"township": f"镇{i:02d}", "births_male": heaped[2 * i], "births_female": heaped[2 * i + 1]}
        for i in range(30)
    ]
    data = audit(cli, county(build, towns, ["births_male", "births_female"]))
    digits = np.bincount(np.array(heaped) % 10, minlength=10)
    chi2, p = ss.chisquare(digits)
    [signal] = of(data, "terminal_digits")
    assert signal["unit"] == "全部乡镇" and signal["detail"]["values"] == 60
    assert signal["detail"]["counts"] == digits.tolist()
    assert signal["statistic"] == pytest.approx(chi2) and signal["p_value"] == pytest.approx(p)
    [heap] = of(data, "heaping_0_5")
    assert heap["statistic"] == 1.0  # share ending in 0 or 5
    assert heap["p_value"] == pytest.approx(ss.binom.sf(59, 60, 0.2), rel=1e-9)
    assert heap["p_value"] == pytest.approx(0.2**60, rel=1e-9)
    assert data["periods"] is False


def test_uniform_digits_give_no_digit_signal(cli, build):
    values = [10 + 10 * i + d for i, d in enumerate(list(range(10)) * 6)]  # 6 of each digit
    towns = [
        {"township": f"镇{i:02d}", "births_male": values[2 * i], "births_female": values[2 * i + 1]}
        for i in range(30)
    ]
    assert ss.chisquare(np.bincount(np.array(values) % 10)).pvalue == 1
    data = audit(cli, county(build, towns, ["births_male", "births_female"]))
    assert of(data, "terminal_digits") == [] and of(data, "heaping_0_5") == []


def test_units_bunched_just_above_a_threshold(cli, build):
    # tech_staff_share ≥ 70%: window 70 × 3% = 2.1 points. Ten townships in [70, 72.1),
    # one in [67.9, 70), the rest far away (not counted).
    shares = [(10, 7), (100, 71), (200, 141), (7, 5), (25, 18), (50, 35), (100, 72), (300, 213),
              (1000, 705), (40, 28), (100, 69), (10, 9), (20, 19), (40, 20)]  # fmt: skip
    towns = [
        {"township": f"镇{i:02d}", "station_staff": n, "station_tech_staff": x}
        for i, (n, x) in enumerate(shares)
    ]
    data = audit(cli, county(build, towns, ["station_staff", "station_tech_staff"]))
    values = [100 * x / n for n, x in shares]
    passing = sum(70 <= v < 72.1 for v in values)
    failing = sum(67.9 <= v < 70 for v in values)
    assert (passing, failing) == (10, 1)
    [bunch] = of(data, "threshold_bunching")
    assert bunch["detail"]["indicator"] == "tech_staff_share"
    assert (bunch["detail"]["just_passing"], bunch["detail"]["just_failing"]) == (10, 1)
    assert bunch["detail"]["window"] == pytest.approx(2.1)
    assert bunch["statistic"] == 10
    assert bunch["p_value"] == pytest.approx(bunching_p(shares, 70, 2.1), rel=1e-9)
    assert bunch["p_value"] > ss.binom.sf(9, 11, 0.5)  # no longer 50/50: the spread says more
    assert bunch["detail"]["units"] == [
        f"镇{i:02d}" for i, v in enumerate(values) if 70 <= v < 72.1
    ]  # the just-passing townships are named
    assert "镇01" in bunch["explanation"]


def bunching_p(shares, bar, window):
    """The documented null, computed here with plain loops: each unit normal around the pooled
    share with variance p(1 − p)/n + τ² (DerSimonian–Laird, z winsorised at 10%/90%);
    P(passing | in the window);
    the number passing as a Poisson-binomial, by convolution."""
    from statistics import NormalDist

    pooled = sum(x for _, x in shares) / sum(n for n, _ in shares)
    var = [pooled * (1 - pooled) / n for n, _ in shares]
    z = [(x / n - pooled) / v**0.5 for (n, x), v in zip(shares, var, strict=True)]
    low, high = np.percentile(z, [10, 90])  # winsorised, as FunnelPlotR does
    q = sum(min(max(v, low), high) ** 2 for v in z)
    w = [1 / v for v in var]
    tau2 = max(0.0, (q - (len(shares) - 1)) / (sum(w) - sum(x * x for x in w) / sum(w)))
    dist, passing = [1.0], 0
    for (n, x), v in zip(shares, var, strict=True):
        rate = 100 * x / n
        if not bar - window <= rate < bar + window:
            continue
        passing += rate >= bar
        cdf = NormalDist(100 * pooled, 100 * (v + tau2) ** 0.5).cdf
        up, down = cdf(bar + window) - cdf(bar), cdf(bar) - cdf(bar - window)
        pi = up / (up + down)
        dist = [a * (1 - pi) + b * pi for a, b in zip([*dist, 0.0], [0.0, *dist], strict=True)]
    return sum(dist[passing:])


def test_no_bunching_for_honest_rates_above_the_bar(cli, build):
    """Honest rates around 93% against a 90% bar: many just above, few just below, because
    that is where the county's rates sit. Against 50/50 this was called bunching."""
    rng = np.random.default_rng(3)
    women = rng.integers(60, 400, size=40)
    archived = rng.binomial(women, 0.93)
    towns = [
        {"township": f"镇{i:02d}", "migrant_women": int(n), "migrant_archived": int(x)}
        for i, (n, x) in enumerate(zip(women, archived, strict=True))
    ]
    rates = 100 * archived / women
    passing = ((rates >= 90) & (rates < 92.7)).sum()
    failing = ((rates < 90) & (rates >= 87.3)).sum()
    assert passing > failing and ss.binom.sf(passing - 1, passing + failing, 0.5) < ALPHA
    data = audit(cli, county(build, towns, ["migrant_women", "migrant_archived"]))
    assert of(data, "threshold_bunching") == []


def test_no_bunching_when_both_sides_are_alike(cli, build):
    shares = [(100, 71), (100, 69), (100, 70), (100, 68), (100, 72), (100, 68)]
    towns = [
        {"township": f"镇{i}", "station_staff": n, "station_tech_staff": x}
        for i, (n, x) in enumerate(shares)
    ]
    data = audit(cli, county(build, towns, ["station_staff", "station_tech_staff"]))
    assert of(data, "threshold_bunching") == []


# ---------------------------------------------------------------------- totals, stat error


def test_totals_row_that_does_not_add_up(cli, build):
    towns = [build.town("张秋镇"), build.town("阿城镇")]
    total = {f: 2 * v for f, v in build.town("x").items() if f != "township"}
    total["births_male"] += 1
    grid = build.grid([*towns, {"township": "合计", **total}])
    path = build.csv("county.csv", grid)
    data = audit(cli, path)
    [signal] = of(data, "totals_mismatch")
    problems = cli("check", path, "--format", "json").json()["problems"]
    [problem] = [p for p in problems if p["code"] == "totals_mismatch"]
    assert signal["detail"]["row"] == problem["row"] == 4
    assert signal["detail"]["column"] == problem["column"] == "出生男婴数"
    assert signal["explanation"] == problem["message"]
    assert signal["p_value"] is None


def test_statistical_error_signal_with_its_interval(cli, build):
    towns = [
        build.town("张秋镇", births_reported=120, births_verified=100),  # 20%: fails
        build.town("阿城镇", births_reported=104, births_verified=100),  # 4%: fails, by chance?
        build.town("七级镇"),  # 0%: passes
        build.town("大布乡", births_reported=15832, births_verified=15844),  # 0.0757%: passes
        build.town("金斗营镇", births_reported=10_450, births_verified=10_000),  # 4.5% of 10,000
    ]
    path = build.csv("county.csv", build.grid(towns))
    data = audit(cli, path)
    got = {s["unit"]: s for s in of(data, "stat_error")}
    for unit, errors, verified in (("张秋镇", 20, 100), ("阿城镇", 4, 100),
                                   ("金斗营镇", 450, 10_000)):  # fmt: skip
        p = ss.binom.sf(errors - 1, verified, 0.03)  # P(X ≥ errors | 3%)
        if p >= ALPHA:
            assert unit not in got  # a failure chance explains is not a data-quality signal
            continue
        # the exact (Clopper–Pearson) interval the check shows (issue 16)
        low = ss.beta.ppf(0.025, errors, verified - errors + 1)
        high = ss.beta.ppf(0.975, errors + 1, verified - errors)
        s = got[unit]
        assert s["statistic"] == pytest.approx(100 * errors / verified)
        assert s["detail"]["ci"] == pytest.approx([100 * low, 100 * high], rel=1e-9)
        assert s["p_value"] == pytest.approx(p, rel=1e-9)
        assert (s["detail"]["difference"], s["detail"]["verified"]) == (errors, verified)
        assert s["detail"]["evidence"] == "clear_fail"
    assert set(got) == {"张秋镇", "金斗营镇"}
    # the check itself still fails 阿城镇: the audit does not change verdicts
    results = cli("check", path, "--format", "json").json()["results"]
    [acheng] = [
        r for r in results if (r["unit"], r["indicator"]) == ("阿城镇", "birth_stat_error_rate")
    ]
    assert (acheng["status"], acheng["evidence"]) == ("fail", "inconclusive")


# ---------------------------------------------------------------------- the command


def test_json_document(cli, build):
    series = {"甲镇": months(SMOOTH), **JUMPS}
    data = audit(cli, monthly_csv(build, series))
    assert set(data) == {
        "fpmetrics", "ruleset", "inputs", "alpha", "periods", "tests", "townships",
        "needs_periods", "signals", "summary", "problems",
    }  # fmt: skip
    assert data["summary"] == {
        "signals": len(data["signals"]), "tests": data["tests"],
        "townships": len(data["townships"]),
    }  # fmt: skip
    assert data["ruleset"] == "default" and data["alpha"] == ALPHA
    assert data["signals"]
    for s in data["signals"]:
        assert set(s) == SIGNAL_KEYS
        assert isinstance(s["explanation"], str) and s["explanation"]
        if s["p_value"] is not None and s["signal"] != "stat_error":
            assert s["p_value"] <= s["q_value"] < ALPHA  # every tested signal is adjusted
        else:
            assert s["q_value"] is None
    ranked = [s["p_value"] for s in data["signals"]]
    known = [p for p in ranked if p is not None]
    assert known == sorted(known) and ranked[: len(known)] == known  # no p last


def test_table_in_both_languages(cli, build):
    path = monthly_csv(build, {"甲镇": months(SMOOTH), "乙镇": months(SWINGS)})
    result = cli("audit", path, "--lang", "en")
    assert result.exit_code == 0 and result.stderr == ""
    assert "too smooth" in result.stdout and "sex-ratio swings" in result.stdout
    assert "smoother than binomial noise" in result.stdout
    assert "Townships by strength of evidence: 1. 甲镇" in result.stdout  # SMOOTH: strongest
    zh = cli("audit", path)
    assert "过于平稳" in zh.stdout and "性别比波动大" in zh.stdout


def test_without_a_period_column_audit_says_so(cli, build):
    towns = [build.town("张秋镇"), build.town("阿城镇", births_reported=130)]
    path = build.csv("county.csv", build.grid(towns))
    result = cli("audit", path, "--lang", "en")
    assert result.exit_code == 0
    assert "no period column" in result.stderr
    assert "stat. error" in result.stdout  # cross-sectional signals still come
    zh = cli("audit", path)
    assert "没有统计期" in zh.stderr
    data = audit(cli, path)
    assert data["periods"] is False
    assert of(data, "stat_error")


def test_clean_data_has_no_signal(cli, build):
    series = {"甲镇": months(ordinary_series(7)), "乙镇": months(ordinary_series(8))}
    for pairs in series.values():
        _, _, upper, lower = chi2_both_tails([(b, g) for _, b, g in pairs])
        assert min(upper, lower) >= ALPHA
    path = monthly_csv(build, series)
    tests = expected_jumps(series)
    assert min(ss.false_discovery_control([p for *_, p in tests])) >= ALPHA
    result = cli("audit", path, "--lang", "en")
    assert result.exit_code == 0
    assert "No signal beyond chance (α = 0.01)." in result.stdout
    assert audit(cli, path)["signals"] == []


def test_errors_exit_2(cli, build, tmp_path):
    assert_clean_error(cli("audit", tmp_path / "missing.csv"))
    path = monthly_csv(build, JUMPS)
    assert_clean_error(cli("audit", path, "--rules", tmp_path / "no-such-rules.yaml"))


def test_the_monthly_sample(cli):
    """sample_data/county_2024_monthly.csv: the docs/audit.md example, recomputed from the file."""
    path = REPO / "sample_data" / "county_2024_monthly.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_unit: dict[str, list[tuple[str, int, int]]] = {}
    for r in rows:
        by_unit.setdefault(r["乡镇"], []).append(
            (r["月份"], int(r["出生男婴数"]), int(r["出生女婴数"]))
        )
    data = audit(cli, path)
    [smooth] = srb_smooth(data)
    assert smooth["unit"] == "张秋镇"
    zq = [(b, g) for _, b, g in sorted(by_unit["张秋镇"])]
    assert smooth["p_value"] == pytest.approx(chi2_both_tails(zq)[3], rel=1e-9)
    jumps = {(s["unit"], s["period"]): s for s in of(data, "sex_ratio_jump")}
    acheng = dict((p, (b, g)) for p, b, g in by_unit["阿城镇"])
    table = [acheng["2024-08"], acheng["2024-09"]]
    assert jumps[("阿城镇", "2024-08→2024-09")]["p_value"] == pytest.approx(
        ss.fisher_exact(table)[1], rel=1e-9
    )
    assert {(s["unit"], s["period"]) for s in of(data, "impossible_rate")} == {
        ("定水镇", "2024-05")
    }
    assert {(s["unit"], s["period"]) for s in of(data, "reported_rate_mismatch")} == {
        ("李台镇", "2024-03")
    }


# ---------------------------------------------------------------------- CSV and --output


def read_csv_text(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(text.splitlines()))


def test_csv_on_stdout_is_the_signals(cli, build):
    """`-f csv` used to print the table: it gives the signals, the JSON keys as columns."""
    path = monthly_csv(build, {"丁镇": months(SMOOTH), **JUMPS})
    data = audit(cli, path)
    result = cli("audit", path, "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert not result.stdout.startswith("\ufeff")  # no BOM on stdout
    assert result.stdout.splitlines()[0] == (
        "signal,unit,period,statistic,p_value,q_value,detail,explanation"
    )
    rows = read_csv_text(result.stdout)
    assert len(rows) == len(data["signals"]) >= 2
    for row, signal in zip(rows, data["signals"], strict=True):
        for key in ("signal", "unit", "period", "explanation"):
            assert row[key] == (signal[key] or ""), key
        for key in ("statistic", "p_value", "q_value"):
            if signal[key] is None:
                assert row[key] == ""
            else:
                assert float(row[key]) == pytest.approx(signal[key], rel=1e-12)
        assert json.loads(row["detail"]) == signal["detail"]
    assert {r["signal"] for r in rows} >= {"too_smooth", "sex_ratio_jump"}


def test_csv_without_signals_is_the_header(cli, build):
    series = {"甲镇": months(ordinary_series(7)), "乙镇": months(ordinary_series(8))}
    result = cli("audit", monthly_csv(build, series), "-f", "csv")
    assert result.exit_code == 0
    assert result.stdout == "signal,unit,period,statistic,p_value,q_value,detail,explanation\n"


@pytest.mark.slow
def test_output_files(cli, build, tmp_path):
    """--output: CSV with a BOM and formula-like text defused, JSON, the table as text."""
    series = {"=HYPERLINK(1)": JUMPS["甲镇"], "乙镇": JUMPS["乙镇"]}
    path = monthly_csv(build, series)
    out = tmp_path / "out"
    out.mkdir()
    stdout = cli("audit", path, "-f", "csv").stdout
    result = cli("audit", path, "--output", out / "signals.csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and str(out / "signals.csv") in result.stderr
    raw = (out / "signals.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = read_csv_text(raw.decode("utf-8-sig"))
    jump = next(r for r in rows if r["signal"] == "sex_ratio_jump")
    assert jump["unit"] == "'=HYPERLINK(1)"  # a spreadsheet shows it as text
    exact = next(r for r in read_csv_text(stdout) if r["signal"] == "sex_ratio_jump")
    assert exact["unit"] == "=HYPERLINK(1)"  # stdout is for scripts: exact
    assert len(rows) == len(read_csv_text(stdout))
    assert cli("audit", path, "-o", out / "signals.json").exit_code == 0
    data = strict_json((out / "signals.json").read_text(encoding="utf-8"))
    assert data == audit(cli, path)
    assert cli("audit", path, "-o", out / "signals.txt", "--lang", "en").exit_code == 0
    assert "sex-ratio jump" in (out / "signals.txt").read_text(encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["signals.csv", "signals.json", "signals.txt"]


def test_output_refusals(cli, build, tmp_path):
    path = monthly_csv(build, JUMPS)
    before = path.read_bytes()
    assert_clean_error(cli("audit", path, "-o", path))  # never over an input
    assert path.read_bytes() == before
    for args in (["-o", tmp_path / "a.md"], ["-f", "markdown"], ["-f", "xlsx"],
                 ["-o", tmp_path / "a.xlsx"], ["-o", tmp_path / "a.foo"]):  # fmt: skip
        result = cli("audit", path, *args)
        assert_clean_error(result)
        assert not (tmp_path / "a.md").exists() and not (tmp_path / "a.xlsx").exists()
    assert "table, json or csv" in cli("audit", path, "-f", "html", "--lang", "en").stderr
