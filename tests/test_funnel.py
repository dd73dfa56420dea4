"""Issue 5, point 2: funnel plots (Spiegelhalter 2005, *Stat Med* 24:1185).

Expected limits come from an implementation of the paper's Appendix A.1.1 written here with
``scipy.stats`` (r_p = F⁻¹(p); α = (F(r_p) − p)/(F(r_p) − F(r_p − 1)); y = (r_p − α)/n), and the
overdispersion estimates from the formulas of ``shared/spec/statistics.md`` §1.1 with numpy.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from scipy import stats as ss

from conftest import assert_clean_error
from fpmetrics.analyses.funnel import build_funnel, limit_curves
from fpmetrics.pipeline import run_check
from fpmetrics.ruleset.rules import load_ruleset

TAILS = {"95": (0.025, 0.975), "99.8": (0.001, 0.999)}
MIGRANT_FIELDS = ["migrant_women", "migrant_archived"]


@pytest.fixture(scope="module")
def rules():
    return load_ruleset("default")


def appendix_limit(dist, p: float, n: float, top: float | None) -> float:
    """Spiegelhalter (2005) Appendix A.1.1, clipped to [0, top] (top = 1 for a share).

    For a share, an upper limit whose r_p is n itself is 1: P(X = n) > 1 − p, so no possible
    count is beyond it (the formula's (n − α)/n would put every 100% unit above it).
    """
    r = dist.ppf(p)
    f_r, f_before = dist.cdf(r), dist.cdf(r - 1)
    alpha = (f_r - p) / (f_r - f_before)
    limit = (r - alpha) / n
    if top is not None and p > 0.5 and r == n:
        return 1.0
    return min(max(limit, 0.0), top if top is not None else math.inf)


def binomial_limits(n: int, theta0: float) -> dict[str, float]:
    out = {}
    for level, (lo, hi) in TAILS.items():
        out[f"lower_{level}"] = appendix_limit(ss.binom(n, theta0), lo, n, 1.0)
        out[f"upper_{level}"] = appendix_limit(ss.binom(n, theta0), hi, n, 1.0)
    return out


def poisson_limits(n: float, rate0: float) -> dict[str, float]:
    out = {}
    for level, (lo, hi) in TAILS.items():
        out[f"lower_{level}"] = appendix_limit(ss.poisson(n * rate0), lo, n, None)
        out[f"upper_{level}"] = appendix_limit(ss.poisson(n * rate0), hi, n, None)
    return out


def funnel_of(report, key: str, **options):
    return build_funnel(report.results, key, report.ruleset.indicators[key], **options)


def flag(y: float, low: float, high: float) -> str:
    return "low" if y < low else "high" if y > high else ""


def check_report(build, towns, fields, name="county.csv"):
    path = build.csv(name, build.grid(towns, fields=fields))
    return path, run_check([path], load_ruleset("default"))


# Migrant archive rate: n in-migrant women, x archived. 甲 all events with a small n (100% is
# likely), 壬 all events with a large n (100% is not), 乙 no events, 丁 far below, 庚 far above.
MIGRANTS = {
    "甲镇": (10, 10), "乙镇": (40, 0), "丙镇": (60, 56), "丁镇": (300, 240), "戊镇": (100, 93),
    "己镇": (150, 140), "庚镇": (1000, 990), "辛镇": (400, 372), "壬镇": (300, 300),
    "癸镇": (2000, 1850), "子镇": (20, 20), "丑镇": (600, 560),
}  # fmt: skip


@pytest.fixture
def migrants(build):
    towns = [
        {"township": t, "migrant_women": n, "migrant_archived": x} for t, (n, x) in MIGRANTS.items()
    ]
    return check_report(build, towns, MIGRANT_FIELDS)


def pooled(data: dict[str, tuple[int, int]]) -> float:
    return sum(x for _, x in data.values()) / sum(n for n, _ in data.values())


# ---------------------------------------------------------------------- exact limits


def test_binomial_limits_are_the_appendix_formula(migrants):
    _, report = migrants
    funnel = funnel_of(report, "migrant_archive_rate")
    theta0 = pooled(MIGRANTS)
    assert funnel.method == "exact"
    assert funnel.theta0 == pytest.approx(theta0, rel=1e-12)
    assert funnel.target == pytest.approx(100 * theta0, rel=1e-12)
    units = funnel.units.set_index("unit")
    assert set(units.index) == set(MIGRANTS)
    assert list(funnel.units["n"]) == sorted(n for n, _ in MIGRANTS.values())  # sorted by n
    for unit, (n, x) in MIGRANTS.items():
        row = units.loc[unit]
        assert (row["count"], row["n"], row["value"]) == (x, n, pytest.approx(100 * x / n))
        want = binomial_limits(n, theta0)
        for name, limit in want.items():
            assert row[name] == pytest.approx(100 * limit, rel=1e-9, abs=1e-12), (unit, name)
        for level in TAILS:
            expected = flag(x / n, want[f"lower_{level}"], want[f"upper_{level}"])
            assert row[f"outside_{level}"] == expected, (unit, level)
        assert 0 <= row["lower_99.8"] <= row["lower_95"] <= row["upper_95"] <= row["upper_99.8"]
        assert row["upper_99.8"] <= 100


def test_edges_no_events_and_all_events(migrants, rules):
    _, report = migrants
    rule = rules.indicators["migrant_archive_rate"]
    units = build_funnel(report.results, "migrant_archive_rate", rule).units.set_index("unit")
    theta0 = pooled(MIGRANTS)
    assert units.loc["乙镇", "outside_99.8"] == "low"  # 0 of 40 against ~92%
    # 100%: "above" only where 100% is itself improbable, P(X = n) ≤ 1 − p (exact binomial).
    for unit in ("甲镇", "子镇", "壬镇"):
        n = MIGRANTS[unit][0]
        all_events = ss.binom.pmf(n, n, theta0)
        for level, (_, hi) in TAILS.items():
            expected = "high" if all_events <= 1 - hi else ""
            assert units.loc[unit, f"outside_{level}"] == expected, (unit, level, all_events)
    assert units.loc["甲镇", "outside_95"] == ""  # 10 of 10: P = θ0^10 ≈ 0.45
    assert units.loc["甲镇", "upper_95"] == 100
    assert units.loc["壬镇", "outside_99.8"] == "high"  # 300 of 300: P = θ0^300 ≈ 1e-11


def test_every_unit_at_the_pooled_100_percent_is_inside(build):
    """θ0 = 1 (every unit archived everyone): nobody is outside their own target."""
    towns = [
        {"township": t, "migrant_women": n, "migrant_archived": n}
        for t, n in (("甲镇", 10), ("乙镇", 20), ("丙镇", 300))
    ]
    _, report = check_report(build, towns, MIGRANT_FIELDS)
    funnel = funnel_of(report, "migrant_archive_rate")
    assert funnel.theta0 == 1
    assert (funnel.units["outside_95"] == "").all()
    assert (funnel.units["outside_99.8"] == "").all()
    assert (funnel.units["upper_99.8"] == 100).all()


def test_poisson_limits_published_example(build, rules):
    # statistics.md §1.1: n = 400, λ0 = 6‰ (E = 2.4): exact 99.8% upper limit 19.86‰ (the normal
    # approximation gives 17.97‰); the raw lower 95% limit is −0.724 events, clipped to 0.
    counts = {"乙镇": (400, 5), "甲镇": (50, 0), "丙镇": (1000, 20), "丁镇": (5000, 31),
              "戊镇": (20_000, 118)}  # fmt: skip
    towns = [
        {"township": t, "perinatal_births": n, "birth_defects": x} for t, (n, x) in counts.items()
    ]
    _, report = check_report(build, towns, ["perinatal_births", "birth_defects"])
    rule = rules.indicators["birth_defect_rate"]
    funnel = build_funnel(report.results, "birth_defect_rate", rule, target="6")
    assert funnel.model == "poisson"
    assert funnel.target == pytest.approx(6)
    units = funnel.units.set_index("unit")
    assert round(units.loc["乙镇", "upper_99.8"], 2) == 19.86
    assert units.loc["乙镇", "lower_95"] == 0
    assert units.loc["乙镇", "lower_99.8"] == 0
    assert 6 + 3.090232 * math.sqrt(6 / 400 * 1000) == pytest.approx(17.97, abs=0.005)
    for unit, (n, x) in counts.items():
        want = poisson_limits(n, 0.006)
        for name, limit in want.items():
            assert units.loc[unit, name] == pytest.approx(1000 * limit, rel=1e-9, abs=1e-12)
        for level in TAILS:
            expected = flag(x / n, want[f"lower_{level}"], want[f"upper_{level}"])
            assert units.loc[unit, f"outside_{level}"] == expected
    assert units.loc["甲镇", "outside_95"] == ""  # 0 events where 0 is likely: not low
    assert units.loc["丙镇", "outside_99.8"] == "high"  # 20‰ of 1000: P(X ≥ 20 | 6) ≈ 1e-5
    assert units.loc["乙镇", "outside_95"] == ""  # 12.5‰ of 400: could be chance


def test_high_target_small_n_exact_limit_stays_below_100(build, rules):
    # statistics.md §1.1: a 90% target with n = 50 gives a normal 99.8% upper limit of 1.031.
    towns = [{"township": "甲镇", "migrant_women": 50, "migrant_archived": 44}]
    _, report = check_report(build, towns, MIGRANT_FIELDS)
    rule = rules.indicators["migrant_archive_rate"]
    funnel = build_funnel(report.results, "migrant_archive_rate", rule, target="90")
    assert 0.9 + 3.090232 * math.sqrt(0.9 * 0.1 / 50) == pytest.approx(1.031, abs=5e-4)
    row = funnel.units.iloc[0]
    want = binomial_limits(50, 0.9)
    assert row["upper_99.8"] == pytest.approx(100 * want["upper_99.8"], rel=1e-12)
    assert row["upper_99.8"] <= 100
    # Here r_p = n: P(50 of 50 | 90%) = 0.5% > 0.1%, so even 100% is inside the 99.8% limits.
    assert ss.binom.ppf(0.999, 50, 0.9) == 50
    assert row["upper_99.8"] == 100
    assert row["upper_95"] == pytest.approx(100 * want["upper_95"], rel=1e-12)
    assert row["upper_95"] < 100
    assert row["lower_99.8"] == pytest.approx(100 * want["lower_99.8"], rel=1e-12)


def test_sex_ratio_is_funnelled_on_the_male_share(build, rules):
    births = {"甲镇": (130, 100), "乙镇": (520, 480), "丙镇": (1400, 1000), "丁镇": (30, 35),
              "戊镇": (6, 1)}  # fmt: skip
    towns = [{"township": t, "births_male": m, "births_female": f} for t, (m, f) in births.items()]
    _, report = check_report(build, towns, ["births_male", "births_female"])
    rule = rules.indicators["sex_ratio_at_birth"]
    funnel = build_funnel(report.results, "sex_ratio_at_birth", rule, target="bound")
    # the middle of 103–107 is 105 → p0 = 105/205 = 0.512195 (statistics.md §1.2)
    assert funnel.theta0 == pytest.approx(0.512195, abs=5e-7)
    assert funnel.target == pytest.approx(105)
    units = funnel.units.set_index("unit")
    for unit, (m, f) in births.items():
        n = m + f
        assert units.loc[unit, "n"] == n
        want = binomial_limits(n, 105 / 205)
        for name, share in want.items():
            mapped = math.inf if share >= 1 else 100 * share / (1 - share)
            assert units.loc[unit, name] == pytest.approx(mapped, rel=1e-9), (unit, name)
        for level in TAILS:
            expected = flag(m / n, want[f"lower_{level}"], want[f"upper_{level}"])
            assert units.loc[unit, f"outside_{level}"] == expected
    assert units.loc["丙镇", "outside_99.8"] == "high"  # 140 with 2400 births
    assert units.loc["丁镇", "outside_95"] == ""  # 85.7 with 65 births: chance


def test_limit_curves_follow_the_same_formula(migrants):
    _, report = migrants
    funnel = funnel_of(report, "migrant_archive_rate")
    curves = limit_curves(funnel, points=60)
    assert curves["n"].is_monotonic_increasing
    assert curves["n"].min() >= 1
    for row in curves.iloc[::7].to_dict("records"):
        want = binomial_limits(int(row["n"]), funnel.theta0)
        for name, limit in want.items():
            assert row[name] == pytest.approx(100 * limit, rel=1e-9, abs=1e-12)


# ---------------------------------------------------------------------- overdispersion

# Rates spread far beyond binomial noise, one extreme unit (丙) that winsorising tames.
SPREAD = {
    "甲镇": (200, 150), "乙镇": (300, 290), "丙镇": (500, 200), "丁镇": (400, 330),
    "戊镇": (250, 240), "己镇": (800, 700), "庚镇": (150, 140), "辛镇": (600, 480),
    "壬镇": (350, 340), "癸镇": (1000, 880), "子镇": (120, 100), "丑镇": (900, 860),
}  # fmt: skip


def independent_overdispersion(data):
    n = np.array([v[0] for v in data.values()], dtype=float)
    x = np.array([v[1] for v in data.values()], dtype=float)
    theta0 = x.sum() / n.sum()
    y = x / n
    s = np.sqrt(theta0 * (1 - theta0) / n)
    z = (y - theta0) / s
    q10, q90 = np.quantile(z, [0.1, 0.9])  # numpy's default linear = R type 7 (FunnelPlotR)
    winsorised = np.where(z < q10, q10, np.where(z > q90, q90, z))
    phi = float(np.mean(winsorised**2))
    count = len(z)
    w = 1 / s**2
    tau2 = max(0.0, (count * phi - (count - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    return theta0, y, s, phi, tau2, float(np.mean(z**2))


@pytest.mark.parametrize("kind", ["multiplicative", "additive"])
def test_overdispersion_phi_tau2_and_limits(build, rules, kind):
    towns = [
        {"township": t, "migrant_women": n, "migrant_archived": x} for t, (n, x) in SPREAD.items()
    ]
    _, report = check_report(build, towns, MIGRANT_FIELDS)
    rule = rules.indicators["migrant_archive_rate"]
    funnel = build_funnel(report.results, "migrant_archive_rate", rule, overdispersion=kind)
    theta0, y, s, phi, tau2, raw_phi = independent_overdispersion(SPREAD)
    assert funnel.method == kind
    assert funnel.phi == pytest.approx(phi, rel=1e-12)
    assert phi > 1 and raw_phi > 1.5 * phi  # overdispersed, and winsorising matters here
    if kind == "additive":
        assert funnel.tau2 == pytest.approx(tau2, rel=1e-12)
        assert tau2 > 0
    else:
        assert funnel.tau2 is None
    units = funnel.units.set_index("unit")
    for i, unit in enumerate(SPREAD):
        spread = s[i] * math.sqrt(phi) if kind == "multiplicative" else math.sqrt(s[i] ** 2 + tau2)
        for level, q in (("95", 0.975), ("99.8", 0.999)):
            z = ss.norm.ppf(q)
            low = min(max(theta0 - z * spread, 0), 1)
            high = min(max(theta0 + z * spread, 0), 1)
            assert units.loc[unit, f"lower_{level}"] == pytest.approx(100 * low, rel=1e-9)
            assert units.loc[unit, f"upper_{level}"] == pytest.approx(100 * high, rel=1e-9)
            assert units.loc[unit, f"outside_{level}"] == flag(y[i], low, high)
    assert units.loc["丙镇", "outside_99.8"] == "low"  # 40%: outside even the widened limits


def test_z_constants_are_the_published_ones():
    from fpmetrics.analyses.funnel import Z

    # statistics.md §1.1: z = 1.959964 (95%) and 3.090232 (99.8%)
    assert Z["95"] == pytest.approx(1.959964, abs=5e-7)
    assert Z["99.8"] == pytest.approx(3.090232, abs=5e-7)
    assert Z["95"] == pytest.approx(ss.norm.ppf(0.975), rel=1e-12)
    assert Z["99.8"] == pytest.approx(ss.norm.ppf(0.999), rel=1e-12)


def test_underdispersion_does_not_narrow_the_limits(build, rules):
    """φ < 1 (series smoother than chance): the additive τ² is 0 and both methods keep the
    exact limits (issue 16: the normal ones are narrower for rare events and raise false
    alarms) — the adjustment only ever widens."""
    data = {
        t: (n, round(0.9 * n))
        for t, n in zip("甲乙丙丁戊己", (100, 200, 300, 400, 500, 600), strict=True)
    }
    towns = [
        {"township": f"{t}镇", "migrant_women": n, "migrant_archived": x}
        for t, (n, x) in data.items()
    ]
    _, report = check_report(build, towns, MIGRANT_FIELDS)
    rule = rules.indicators["migrant_archive_rate"]
    theta0, _, _, phi, tau2, _ = independent_overdispersion(data)
    assert phi < 1 and tau2 == 0
    exact = build_funnel(report.results, "migrant_archive_rate", rule).units
    for kind in ("multiplicative", "additive"):
        funnel = build_funnel(report.results, "migrant_archive_rate", rule, overdispersion=kind)
        assert funnel.phi == pytest.approx(phi, rel=1e-9, abs=1e-15)
        assert funnel.method == "exact"
        for i, row in enumerate(funnel.units.to_dict("records")):
            n = row["n"]  # Spiegelhalter A.1.1 with scipy's binomial
            r = ss.binom.ppf(0.999, n, theta0)
            f_r, f_before = ss.binom.cdf(r, n, theta0), ss.binom.cdf(r - 1, n, theta0)
            want = 1.0 if r >= n else (r - (f_r - 0.999) / (f_r - f_before)) / n
            assert row["upper_99.8"] == pytest.approx(100 * want, rel=1e-9)
            assert row["upper_99.8"] == exact["upper_99.8"][i]


# ---------------------------------------------------------------------- the command


def strict_json(text: str):
    def reject(name):
        raise AssertionError(f"{name} is not JSON")

    return json.loads(text, parse_constant=reject)


def test_cli_table_names_the_units_outside(cli, migrants):
    path, _ = migrants
    result = cli("funnel", "migrant_archive_rate", path, "--lang", "en")
    assert result.exit_code == 0, result.stderr
    data = strict_json(cli("funnel", "migrant_archive_rate", path, "--format", "json").stdout)
    lines = result.stdout.splitlines()
    flagged = 0
    theta0 = pooled(MIGRANTS)
    for unit, (n, x) in MIGRANTS.items():
        want = binomial_limits(n, theta0)
        rows = [line for line in lines if line.lstrip().startswith(unit)]
        if flag(x / n, want["lower_99.8"], want["upper_99.8"]):
            side = "above" if x / n > want["upper_99.8"] else "below"
            assert len(rows) == 1 and rows[0].rstrip().endswith(f"{side} 99.8%"), (unit, rows)
            flagged += 1
        elif flag(x / n, want["lower_95"], want["upper_95"]):
            side = "above" if x / n > want["upper_95"] else "below"
            assert len(rows) == 1 and rows[0].rstrip().endswith(f"{side} 95%"), (unit, rows)
            flagged += 1
        else:
            assert rows == [], unit
    assert flagged >= 4
    assert f"12 townships, {flagged} outside the limits (method: exact)" in result.stdout
    # JSON: one entry per unit with its limits and flags
    assert data["indicator"] == "migrant_archive_rate"
    assert data["method"] == "exact" and data["phi"] is None and data["tau2"] is None
    assert data["target"] == pytest.approx(100 * theta0)
    keys = {"unit", "period", "no_data", "value", "count", "n", "lower_95", "upper_95",
            "lower_998", "upper_998", "outside_95", "outside_998", "above",
            "meets_standard"}  # fmt: skip
    assert all(set(u) == keys for u in data["funnel"])
    by_unit = {u["unit"]: u for u in data["funnel"]}
    assert by_unit["乙镇"]["outside_998"] is True and by_unit["乙镇"]["above"] is False
    # --target 90: the centre line and the limits around 90%
    fixed = strict_json(
        cli("funnel", "migrant_archive_rate", path, "--target", "90", "-f", "json").stdout
    )
    assert fixed["target"] == 90
    row = next(u for u in fixed["funnel"] if u["unit"] == "丑镇")
    assert row["upper_95"] == pytest.approx(100 * binomial_limits(600, 0.9)["upper_95"])
    assert by_unit["甲镇"]["outside_95"] is False and by_unit["甲镇"]["above"] is None
    assert by_unit["甲镇"]["count"] == 10 and by_unit["甲镇"]["period"] is None


def test_cli_chinese_table(cli, migrants):
    path, _ = migrants
    result = cli("funnel", "migrant_archive_rate", path)
    [line] = [x for x in result.stdout.splitlines() if x.lstrip().startswith("乙镇")]
    assert line.rstrip().endswith("低于99.8%下限")
    assert "0.00%" in line and " 40 " in line


def test_cli_png_and_svg_charts(cli, migrants, tmp_path):
    path, _ = migrants
    png = tmp_path / "out" / "funnel.png"
    png.parent.mkdir()
    png.write_bytes(b"old")  # replaced whole
    result = cli("funnel", "migrant_archive_rate", path, "-o", png)
    assert result.exit_code == 0, result.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000
    assert str(png) in result.stderr
    svg = tmp_path / "out" / "funnel.svg"
    result = cli("funnel", "sex_ratio_at_birth", path.parent / "births.csv", "-o", svg)
    assert result.exit_code == 2  # no such input: nothing written
    assert not svg.exists()
    result = cli("funnel", "migrant_archive_rate", path, "-o", svg, "--overdispersion",
                 "additive", "--lang", "en")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text[:1000] and text.rstrip().endswith("</svg>")
    assert sorted(p.name for p in png.parent.iterdir()) == ["funnel.png", "funnel.svg"]  # no temp


def test_cli_chart_is_written_atomically(cli, migrants, tmp_path, monkeypatch):
    """A write that fails at the last step leaves the old chart whole and no temporary file."""
    import fpmetrics.files.output

    path, _ = migrants
    chart = tmp_path / "charts" / "funnel.png"
    chart.parent.mkdir()
    chart.write_bytes(b"the old chart")

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fpmetrics.files.output.os, "replace", full_disk)
    result = cli("funnel", "migrant_archive_rate", path, "-o", chart)
    assert_clean_error(result)
    assert chart.read_bytes() == b"the old chart"
    assert [p.name for p in chart.parent.iterdir()] == ["funnel.png"]


def test_cli_refuses_to_overwrite_an_input(cli, build, tmp_path):
    """A chart path that is one of the inputs (a CSV saved as .png) is refused, untouched."""
    towns = [{"township": t, "migrant_women": n, "migrant_archived": x}
             for t, (n, x) in MIGRANTS.items()]  # fmt: skip
    path = build.csv("data.png", build.grid(towns, fields=MIGRANT_FIELDS))
    before = path.read_bytes()
    result = cli("funnel", "migrant_archive_rate", path, "-o", path)
    assert_clean_error(result)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "args",
    [
        ["no_such_indicator"],
        ["natural_growth_rate"],  # a difference of two counts: no funnel
        ["migrant_archive_rate", "-o", "chart.pdf"],
        ["migrant_archive_rate", "--overdispersion", "huge"],
        ["migrant_archive_rate", "--target", "ninety"],
        ["migrant_archive_rate", "--target", "150"],  # a share above 100%
        ["migrant_archive_rate", "--target=-5"],
        ["birth_defect_rate", "--target", "nan"],
        ["sex_ratio_at_birth", "--target", "inf"],
    ],
)
def test_cli_bad_requests_are_clean_errors(cli, migrants, args):
    path, _ = migrants
    result = cli("funnel", args[0], path, *args[1:])
    assert_clean_error(result)


@pytest.mark.filterwarnings("error")
def test_cli_degenerate_target_no_warnings_and_valid_json(cli, build):
    """No defects anywhere (θ0 = 0, s = 0): φ cannot be estimated — null, not NaN, no warning."""
    towns = [{"township": t, "perinatal_births": n, "birth_defects": 0}
             for t, n in (("甲镇", 500), ("乙镇", 800), ("丙镇", 300))]  # fmt: skip
    path = build.csv("zero.csv", build.grid(towns, fields=["perinatal_births", "birth_defects"]))
    for kind in ("multiplicative", "additive"):
        result = cli("funnel", "birth_defect_rate", path, "--overdispersion", kind, "-f", "json")
        assert result.exit_code == 0, result.stderr
        data = strict_json(result.stdout)
        assert data["phi"] is None
        assert data["target"] == 0
        assert all(u["outside_95"] is False and u["outside_998"] is False for u in data["funnel"])


def test_cli_json_has_no_infinity_for_an_unbounded_sex_ratio_limit(cli, build):
    """Widened (overdispersed) limits of a tiny unit reach a male share of 1: ratio ∞ → null."""
    births = {"甲镇": (3, 1), "乙镇": (600, 400), "丙镇": (400, 600), "丁镇": (700, 700),
              "戊镇": (520, 480), "己镇": (450, 550)}  # fmt: skip
    towns = [{"township": t, "births_male": m, "births_female": f} for t, (m, f) in births.items()]
    path = build.csv("srb.csv", build.grid(towns, fields=["births_male", "births_female"]))
    result = cli("funnel", "sex_ratio_at_birth", path, "--overdispersion", "multiplicative",
                 "-f", "json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = strict_json(result.stdout)
    tiny = next(u for u in data["funnel"] if u["unit"] == "甲镇")
    assert tiny["upper_998"] is None  # the male share's upper limit is clipped at 1
    assert data["phi"] > 1


def test_cli_funnel_over_periods_labels_unit_and_period(cli, build):
    rows = [["乡镇", "月份", "流入已婚育龄妇女数", "已建档数"]]
    rows += [["甲镇", f"2024-{m:02d}", 100, 95] for m in range(1, 4)]
    rows += [["乙镇", "2024-01", 100, 60], ["乙镇", "2024-02", 100, 90]]
    path = build.csv("monthly.csv", rows)
    result = cli("funnel", "migrant_archive_rate", path, "--lang", "en")
    assert result.exit_code == 0, result.stderr
    flagged = [x for x in result.stdout.splitlines() if x.lstrip().startswith("乙镇")]
    assert len(flagged) == 1 and "乙镇 2024-01" in flagged[0]
    assert "5 townships" in result.stdout  # one point per township and month


# ---------------------------------------------------------------------- without scipy.stats


@pytest.mark.slow
def test_exact_limits_match_scipy_stats_over_a_grid():
    """The limits are computed with scipy.special (importing scipy.stats costs ~0.8 s a run):
    the same r_p as scipy.stats' ppf everywhere, also at θ0 = 0 and 1 and for large n."""
    from fpmetrics.analyses.funnel import _exact_limits, _quantile

    n = np.unique(np.r_[np.arange(1, 400), np.geomspace(400, 2e6, 150).round()])
    for model, thetas in (
        ("binomial", (0.0, 1e-5, 0.0038, 0.3, 0.5122, 0.9379, 0.99999, 1.0)),
        ("poisson", (0.0, 1e-5, 0.0038, 0.0101, 0.5, 2.5)),
    ):
        for theta0 in thetas:
            dist = ss.poisson(n * theta0) if model == "poisson" else ss.binom(n, theta0)
            top = None if model == "poisson" else 1.0
            for p in (0.001, 0.025, 0.975, 0.999):
                r = _quantile(model, n, theta0, p)
                assert np.array_equal(r, dist.ppf(p)), (model, theta0, p)
                got = _exact_limits(model, n, theta0, p)
                want = [appendix_limit(ss.poisson(k * theta0) if top is None
                                       else ss.binom(k, theta0), p, k, top)
                        for k in n[::25]]  # fmt: skip
                assert got[::25] == pytest.approx(want, rel=1e-8, abs=1e-15), (model, theta0)


@pytest.mark.slow
def test_funnel_and_its_chart_do_not_import_scipy_stats(run_fpmetrics, tmp_path):
    """`fpmetrics funnel` and a report's charts pay for scipy.special only."""
    import subprocess
    import sys

    from conftest import SAMPLE_XLSX

    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from fpmetrics.pipeline import run_check\n"
        "from fpmetrics.ruleset.rules import load_ruleset\n"
        "from fpmetrics.analyses.funnel import report_funnels\n"
        "from fpmetrics.report.funnel_chart import draw\n"
        f"report = run_check([Path({str(SAMPLE_XLSX)!r})], load_ruleset('default'))\n"
        "funnels, _ = report_funnels(report.results, report.ruleset)\n"
        "assert len(funnels) == 9, len(funnels)\n"
        "draw(funnels[0], 'zh', 'png')\n"
        "print(sorted(m for m in sys.modules if m.startswith('scipy.stats')))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


# ---------------------------------------------------------------------- the chart

TINY_SRB = {"甲镇": (3, 1), "乙镇": (600, 400), "丙镇": (400, 600), "丁镇": (700, 700),
            "戊镇": (520, 480), "己镇": (450, 550)}  # fmt: skip


def tiny_srb_report(build):
    towns = [
        {"township": t, "births_male": m, "births_female": f} for t, (m, f) in TINY_SRB.items()
    ]
    return check_report(build, towns, ["births_male", "births_female"], name="srb.csv")


def svg_texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def y_ticks(svg: str) -> list[float]:
    """The numbers on the y-axis of a chart drawn with its text kept as text."""
    labels = re.findall(r'<g id="ytick_\d+">.*?<text[^>]*>([^<]*)</text>', svg, flags=re.S)
    return [float(t) for t in labels]


def test_chart_y_axis_is_clamped_around_the_data(build, rules):
    """A unit of 4 births under overdispersion has limits at a sex ratio of ~35,000 (or ∞):
    the axis used to reach them, flattening every other point onto the centre line."""
    from fpmetrics.report.funnel_chart import draw, limit_curves, y_limits

    _, report = tiny_srb_report(build)
    rule = rules.indicators["sex_ratio_at_birth"]
    funnel = build_funnel(report.results, "sex_ratio_at_birth", rule,
                          overdispersion="multiplicative")  # fmt: skip
    curves = limit_curves(funnel)
    assert curves["upper_99.8"].max() > 10_000  # what the axis used to show
    bottom, top = y_limits(funnel, curves)
    values = funnel.units["value"]
    assert bottom <= values.min() and top >= values.max() == 300  # every point shown
    assert top < 3 * values.max()
    # the 95% limits of the typical unit (1000 births) are on the chart
    typical = funnel.units.set_index("unit").loc["乙镇"]
    assert bottom < typical["lower_95"] and typical["upper_95"] < top
    svg = draw(funnel, "zh", "svg", svg_text=True).decode()
    ticks = y_ticks(svg)
    assert len(ticks) >= 4 and max(ticks) <= 700 and min(ticks) >= -100, ticks


def test_chart_y_axis_keeps_the_funnel_when_the_data_are_narrow(rules):
    """The sample county: every sex ratio within 103–107, limits at ±30 around them: the
    funnel must still be drawn, not clipped away with the 'far' limits."""
    from conftest import SAMPLE_XLSX
    from fpmetrics.report.funnel_chart import limit_curves, y_limits

    report = run_check([SAMPLE_XLSX], rules)
    funnel = funnel_of(report, "sex_ratio_at_birth")
    bottom, top = y_limits(funnel, limit_curves(funnel))
    assert bottom < funnel.units["lower_95"].median() < funnel.units["value"].min()
    assert top > funnel.units["upper_95"].median() > funnel.units["value"].max()
    # fitted (issue 19): not the 49–197 of the 99.8% limits and their whole reach
    assert top - bottom < 80, (bottom, top)


def test_chart_text_follows_the_language(migrants):
    from fpmetrics.report.funnel_chart import draw

    _, report = migrants
    funnel = funnel_of(report, "migrant_archive_rate")
    zh = svg_texts(draw(funnel, "zh", "svg", svg_text=True).decode())
    assert "流入已婚育龄妇女建档管理率 — 漏斗图" in zh
    assert {"精确控制限", "达标区间", "95% 控制限", "99.8% 控制限", "分母(样本量)"} <= set(zh)
    assert "流入建档率 %" in zh  # the short name on the y-axis
    assert f"中心线 {100 * pooled(MIGRANTS):.2f}%" in zh
    flagged = funnel.units[funnel.units["outside_95"] != ""]["unit"]
    assert set(flagged) <= set(zh) and len(flagged) >= 4  # the units outside, by name
    en = svg_texts(draw(funnel, "en", "svg", svg_text=True).decode())
    assert "In-migrant women archive rate — funnel plot" in en
    assert {"exact limits", "passing range", "95% limits", "Archived %"} <= set(en)


def test_cli_funnel_without_any_value_exits_2(cli, build, tmp_path):
    """No township has in-migrants: it printed "centre nan" and wrote an empty chart."""
    towns = [{"township": t, "migrant_women": 0, "migrant_archived": 0} for t in ("甲镇", "乙镇")]
    path = build.csv("none.csv", build.grid(towns, fields=MIGRANT_FIELDS))
    chart = tmp_path / "chart.png"
    for args in ([], ["-o", chart], ["-f", "json"], ["--lang", "en"]):
        result = cli("funnel", "migrant_archive_rate", path, *args)
        assert_clean_error(result)
        assert "nan" not in result.stdout + result.stderr
        assert result.stdout == ""
    assert not chart.exists()
    zh = cli("funnel", "migrant_archive_rate", path).stderr
    assert "没有任何乡镇有“流入已婚育龄妇女建档管理率”的数值" in zh and "画不出漏斗图" in zh
    en = cli("funnel", "migrant_archive_rate", path, "--lang", "en").stderr
    assert "No township has a value of 'In-migrant women archive rate'" in en


@pytest.mark.filterwarnings("error")
def test_without_a_chinese_font_the_chart_numbers_the_units(cli, migrants, tmp_path, monkeypatch):
    """A machine without CJK fonts would draw empty boxes: the chart's text is English and the
    units outside are numbered, the key given on stderr."""
    from fpmetrics.report import funnel_chart

    path, report = migrants
    monkeypatch.setattr(funnel_chart, "cjk_font_available", lambda: False)
    funnel = funnel_of(report, "migrant_archive_rate")
    flagged = list(funnel.units.loc[funnel.units["outside_95"] != "", "unit"])
    outlined = svg_texts(funnel_chart.draw(funnel, "zh", "svg").decode())
    assert outlined == []  # glyphs drawn as outlines: nothing to read back
    assert funnel_chart.numbered("png") and funnel_chart.numbered("svg")
    assert not funnel_chart.numbered("svg", svg_text=True)  # the browser draws that text
    chart = tmp_path / "chart.png"
    result = cli("funnel", "migrant_archive_rate", path, "-o", chart)
    assert result.exit_code == 0, result.stderr
    key = " · ".join(f"{i} {u}" for i, u in enumerate(flagged, start=1))
    assert f"图中编号: {key}" in result.stderr
    assert chart.read_bytes()[:4] == b"\x89PNG"
    # What the fallback draws, read back from the same chart with its text kept as text.
    monkeypatch.setattr(funnel_chart, "numbered", lambda fmt, svg_text=False: True)
    texts = svg_texts(funnel_chart.draw(funnel, "zh", "svg", svg_text=True).decode())
    assert "In-migrant women archive rate — funnel plot" in texts and "95% limits" in texts
    assert {str(i) for i in range(1, len(flagged) + 1)} <= set(texts)
    assert not any("\u4e00" <= c <= "\u9fff" for text in texts for c in text)  # no Chinese
