"""Issue 16: verdicts that cannot be gamed, and the evidence on every report.

Every expected number is computed here from first principles with ``scipy.stats``
(independently of ``fpmetrics.indicators.stats``).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats as ss

from conftest import run_cli
from fpmetrics.pipeline import run_check
from fpmetrics.ruleset.rules import load_ruleset
from scoring_builders import failing, scores_by_unit, town, write_csv


def _reject(name):
    raise AssertionError(f"{name} is not JSON")


# ---------------------------------------------------------------------- hole 1: x / 0


@pytest.mark.parametrize(
    ("indicator", "counts"),
    [
        ("sex_ratio_at_birth", {"births_male": 40, "births_female": 0}),
        ("birth_stat_error_rate", {"births_verified": 0, "births_reported": 3}),
        ("crude_birth_rate", {"births": 3, "deaths": 0, "population": 0}),
        ("natural_growth_rate", {"births": 3, "deaths": 0, "population": 0}),
    ],
)
def test_a_count_over_a_zero_denominator_fails(evaluate, indicator, counts):
    """40 boys and no girls is an infinite sex ratio: a failure, not "no data"."""
    r = evaluate(counts)[indicator]
    assert (r["status"], r["reason"]) == ("fail", "infinite_ratio")
    assert math.isnan(r["value"])  # no finite value: JSON null, the reason says why


def test_boys_and_no_girls_evidence_is_exact(evaluate):
    """40 boys, 0 girls: P(40 boys of 40 | male share of SRB 107) — far beyond chance; 4 boys,
    0 girls: P = p0^4 = 0.071 — could be chance."""
    p0 = 107 / 207
    r = evaluate({"births_male": 40, "births_female": 0})["sex_ratio_at_birth"]
    assert r["p_value"] == pytest.approx(ss.binom.sf(39, 40, p0), rel=1e-9)
    assert r["evidence"] == "clear_fail"
    r = evaluate({"births_male": 4, "births_female": 0})["sex_ratio_at_birth"]
    assert r["p_value"] == pytest.approx(p0**4, rel=1e-9)
    assert r["p_value"] == pytest.approx(0.0714, abs=1e-4)
    assert r["evidence"] == "inconclusive"


def test_only_zero_over_zero_is_no_data(evaluate):
    r = evaluate({"births_male": 0, "births_female": 0})["sex_ratio_at_birth"]
    assert (r["status"], r["reason"]) == ("no_data", "denominator_zero")
    assert r["evidence"] is None


def test_infinite_ratio_through_the_cli(tmp_path):
    """Exit 1, the table shows ∞, JSON has a null value, a reason and no Infinity."""
    path = write_csv(tmp_path / "d.csv", [town("张秋镇", births_male=40, births_female=0,
                                               births=40)])  # fmt: skip
    run = run_cli("check", path, "--lang", "en")
    assert run.exit_code == 1
    line = next(x for x in run.stdout.splitlines() if x.lstrip().startswith("张秋镇"))
    assert "∞" in line
    run = run_cli("check", path, "--format", "json")
    assert run.exit_code == 1
    data = json.loads(run.stdout, parse_constant=_reject)
    [r] = [r for r in data["results"] if r["indicator"] == "sex_ratio_at_birth"]
    assert (r["status"], r["reason"], r["value"]) == ("fail", "infinite_ratio", None)
    assert r["ci_high"] is None
    assert data["units"][0]["failed"] == ["sex_ratio_at_birth"]


def test_infinite_ratio_scores_no_points(tmp_path):
    path = write_csv(tmp_path / "d.csv", [town("张秋镇", births_male=40, births_female=0,
                                               births=40), town("阿城镇")])  # fmt: skip
    run = run_cli("score", path, "--format", "json")
    scores = scores_by_unit(json.loads(run.stdout, parse_constant=_reject))
    assert scores["张秋镇"]["points"]["sex_ratio_at_birth"] == 0
    assert scores["阿城镇"]["points"]["sex_ratio_at_birth"] == 20


# ---------------------------------------------------------------------- hole 2: natural growth


def test_natural_growth_interval_does_not_collapse_at_zero_events(evaluate):
    """0 births and 0 deaths in 100 people: not (0, 0), p = 0 and a clear pass. Each end is
    an exact one-sided Garwood bound of both counts at (1 − 0.95)/4 (Bonferroni): for a count
    of 0 the upper bound is χ²_{1−t}(2)/2 = −ln t."""
    r = evaluate({"births": 0, "deaths": 0, "population": 100})["natural_growth_rate"]
    tail = 0.05 / 4
    bound = ss.chi2.ppf(1 - tail, 2) / 2 / 100 * 1000
    assert bound == pytest.approx(-math.log(tail) / 100 * 1000)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((-bound, bound), rel=1e-9)
    # at least as wide as the exact interval of the birth rate alone: (0, 36.9‰)
    birth_upper = ss.chi2.ppf(0.975, 2) / 2 / 100 * 1000
    assert birth_upper == pytest.approx(36.89, abs=0.01)
    assert r["ci_high"] >= birth_upper
    assert r["status"] == "pass"
    assert r["p_value"] == 1.0
    assert r["evidence"] == "inconclusive"


def test_natural_growth_clear_only_when_the_combined_interval_excludes_the_bound(evaluate):
    """A big county with growth well above 5.5‰: the combined exact interval is above it."""
    r = evaluate({"births": 2000, "deaths": 100, "population": 100_000})["natural_growth_rate"]
    tail = 0.05 / 4
    low = ss.chi2.ppf(tail, 4000) / 2 - ss.chi2.ppf(1 - tail, 202) / 2
    assert r["ci_low"] == pytest.approx(low / 100_000 * 1000, rel=1e-9)
    assert r["ci_low"] > 5.5
    assert r["evidence"] == "clear_fail"
    assert r["p_value"] < 0.025


# ---------------------------------------------------------------------- hole 3: exact verdicts


def test_seven_of_ten_against_ninety_percent_is_not_clear(evaluate):
    r = evaluate({"migrant_women": 10, "migrant_archived": 7})["migrant_archive_rate"]
    assert r["status"] == "fail"
    want = ss.binom.cdf(7, 10, 0.9)
    assert want == pytest.approx(0.0702, abs=1e-4)
    assert r["p_value"] == pytest.approx(want, rel=1e-9)
    assert r["evidence"] == "inconclusive"
    # the interval shown is the exact one and agrees: it reaches 90%
    assert r["ci_high"] == pytest.approx(100 * ss.beta.ppf(0.975, 8, 3), rel=1e-9)
    assert r["ci_high"] >= 90


def test_no_boys_and_four_girls_is_not_clear(evaluate):
    r = evaluate({"births_male": 0, "births_female": 4})["sex_ratio_at_birth"]
    assert r["status"] == "fail"
    want = ss.binom.cdf(0, 4, 103 / 203)
    assert want == pytest.approx(0.0589, abs=1e-4)
    assert r["p_value"] == pytest.approx(want, rel=1e-9)
    assert r["evidence"] == "inconclusive"
    assert r["ci_high"] >= 103  # the interval reaches the bound


def test_interval_and_verdict_never_contradict(build, default_rules):
    """Every count of 0…n staff for n = 1…25: ● exactly when the interval shown is wholly
    beyond 70%, a clear pass exactly when it is wholly within, and ● exactly when the exact
    one-sided p (from scipy) is below 0.025."""
    rows = [
        build.town(f"镇{n}_{x}", station_staff=n, station_tech_staff=x)
        for n in range(1, 26)
        for x in range(n + 1)
    ]
    report = run_check([build.csv("grid.csv", build.grid(rows))], default_rules)
    res = report.results[report.results["indicator"] == "tech_staff_share"]
    assert len(res) == len(rows)
    x, n = res["numerator"].to_numpy(), res["denominator"].to_numpy()
    evidence = res["evidence"].to_numpy()
    assert ((evidence == "clear_fail") == (res["ci_high"] < 70).to_numpy()).all()
    assert ((evidence == "clear_pass") == (res["ci_low"] >= 70).to_numpy()).all()
    exact = np.where(x / n < 0.7, ss.binom.cdf(x, n, 0.7), ss.binom.sf(x - 1, n, 0.7))
    assert ((evidence != "inconclusive") == (exact < 0.025)).all()
    assert (evidence == "clear_fail").sum() > 50  # the grid has clear cases of both kinds
    assert (evidence == "clear_pass").sum() > 10


def test_wilson_in_an_old_rule_file_still_gives_exact_verdicts(evaluate, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(
        "name: old\ntitle: 旧\nextends: default\nevidence: {method: wilson}\n", encoding="utf-8"
    )
    r = evaluate({"migrant_women": 10, "migrant_archived": 7}, load_ruleset(str(path)))
    assert r["migrant_archive_rate"]["evidence"] == "inconclusive"


# ---------------------------------------------------------------------- holes 4 and 6: reports


def _county(tmp_path):
    """30 townships passing everything, 甲镇 with 1 technician of 10 staff (far below 70%:
    ●, a small sample) and 乙镇 with 19 of 40 (47.5%: p = 0.0024, ● on its own)."""
    towns = [town(f"镇{i}") for i in range(30)]
    towns += [town("甲镇", station_staff=10, station_tech_staff=1),
              town("乙镇", station_staff=40, station_tech_staff=19)]  # fmt: skip
    return write_csv(tmp_path / "county.csv", towns)


def _fdr_rules(tmp_path):
    path = tmp_path / "fdr.yaml"
    path.write_text(
        "name: fdr\ntitle: 县级控制\nextends: default\nevidence: {fdr: true}\n", encoding="utf-8"
    )
    return path


P_JIA = ss.binom.cdf(1, 10, 0.7)
P_YI = ss.binom.cdf(19, 40, 0.7)


def test_summary_counts_clear_and_inconclusive_fails_apart(tmp_path):
    path = write_csv(tmp_path / "d.csv", [
        town("甲镇", station_staff=10, station_tech_staff=1),  # p = 0.00014: ●
        town("乙镇", station_staff=10, station_tech_staff=6),  # p = 0.35: ○
        town("丙镇"),
    ])  # fmt: skip
    run = run_cli("check", path, "--format", "json")
    assert run.exit_code == 1  # the exit code is the administrative verdict's, as before
    s = json.loads(run.stdout)["summary"]
    assert (s["fail"], s["clear_fail"], s["inconclusive_fail"], s["fdr_inconclusive"]) == (
        2, 1, 1, 0,
    )  # fmt: skip
    run = run_cli("check", path, "--lang", "en")
    assert run.exit_code == 1
    assert "of the fails: ● beyond chance 1 · ○ could be chance 1" in run.stdout
    run = run_cli("check", path)
    assert "其中 ● 超出偶然 1 · ○ 可能是偶然 1" in run.stdout


@pytest.mark.slow
def test_fdr_is_a_rule_file_option_and_shows_what_it_changes(tmp_path):
    path = _county(tmp_path)
    plain = json.loads(run_cli("check", path, "--format", "json").stdout)
    rows = {r["unit"]: r for r in plain["results"] if r["indicator"] == "tech_staff_share"}
    assert rows["乙镇"]["p_value"] == pytest.approx(P_YI, rel=1e-9)
    assert P_YI < 0.025 < P_YI * 32 / 2  # clear alone, not after BH over 32 townships
    assert rows["甲镇"]["evidence"] == rows["乙镇"]["evidence"] == "clear_fail"
    assert rows["乙镇"]["q_value"] is None
    assert plain["summary"]["clear_fail"] == 2

    run = run_cli("check", path, "--rules", _fdr_rules(tmp_path), "--format", "json")
    assert run.exit_code == 1  # unchanged: FDR changes the evidence, never the verdict
    data = json.loads(run.stdout)
    rows = {r["unit"]: r for r in data["results"] if r["indicator"] == "tech_staff_share"}
    family = [P_JIA, P_YI] + [1.0] * 30  # a township that does not fail enters with p = 1
    q = ss.false_discovery_control(family, method="bh")
    assert rows["甲镇"]["q_value"] == pytest.approx(q[0], rel=1e-9)
    assert rows["乙镇"]["q_value"] == pytest.approx(q[1], rel=1e-9)
    assert (rows["甲镇"]["evidence"], rows["乙镇"]["evidence"]) == ("clear_fail", "inconclusive")
    assert rows["乙镇"]["notes"] == ["fdr_inconclusive"]
    assert rows["乙镇"]["status"] == "fail"
    assert rows["镇0"]["q_value"] is None  # passing: no q
    s = data["summary"]
    assert (s["clear_fail"], s["inconclusive_fail"], s["fdr_inconclusive"]) == (1, 1, 1)

    run = run_cli("check", path, "--rules", _fdr_rules(tmp_path), "--lang", "en")
    assert "Benjamini–Hochberg" in run.stdout and "1 ● became ○, 1 ● kept" in run.stdout


def _expected_chance(n: int) -> str:
    return f"up to about {n * 0.025:.1f} ● per indicator"


@pytest.mark.slow
def test_every_report_with_a_clear_fail_states_the_chance_and_the_evidence(tmp_path):
    """Terminal, Markdown, HTML and Excel: ●/○, the exact interval, the p-value, the
    small-sample note, a legend, and how many ● chance alone gives in 32 townships."""
    import openpyxl

    path = _county(tmp_path)
    low = 100 * ss.beta.ppf(0.025, 1, 10)  # 甲镇: 1 of 10, exact 95% interval, in %
    high = 100 * ss.beta.ppf(0.975, 2, 9)
    interval = f"{low:.1f}–{high:.1f}%"
    chance = _expected_chance(32)
    assert chance == "up to about 0.8 ● per indicator"

    run = run_cli("check", path, "--lang", "en")
    assert chance in " ".join(run.stdout.split())
    for suffix in (".md", ".html"):
        out = tmp_path / f"report{suffix}"
        assert run_cli("check", path, "--lang", "en", "-o", out).exit_code == 1
        text = out.read_text(encoding="utf-8")
        assert chance in text, suffix
        assert "● beyond chance 2 · ○ could be chance 0" in text  # the summary
        assert "exact one-sided test p" in text  # the legend
        assert "10.0%●" in text and "47.5%●" in text  # the marks in the matrix
        assert interval in text, (suffix, interval)
        assert "&lt; 0.001" in text or "< 0.001" in text  # 甲镇's p-value
        assert f"{P_YI:.3f}" in text  # 乙镇's p-value
        assert "small sample" in text

    out = tmp_path / "report.xlsx"
    assert run_cli("check", path, "--lang", "en", "-o", out).exit_code == 1
    wb = openpyxl.load_workbook(out)
    texts = [c for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c]
    assert any(isinstance(c, str) and chance in c for c in texts)
    assert any(isinstance(c, str) and "● beyond chance 2 · ○ could be chance 0" in c for c in texts)
    assert any(isinstance(c, str) and c.startswith("● exact one-sided") for c in texts)
    evidence = [c for c in texts if isinstance(c, str) and c.startswith(("● ", "○ "))]
    assert any(interval in c and "p < 0.001" in c and "small sample" in c for c in evidence)
    assert any(f"p {P_YI:.3f}" in c for c in evidence)
    marked = [c for row in wb["Indicators"].iter_rows() for c in row if "●" in c.number_format]
    assert len(marked) == 2  # the numbers stay numbers, the mark is in their format


def test_reports_without_failures_carry_no_chance_line(tmp_path):
    path = write_csv(tmp_path / "d.csv", [town("甲镇"), town("乙镇")])
    run = run_cli("check", path, "--lang", "en")
    assert run.exit_code == 0
    assert "By chance alone" not in run.stdout
    out = tmp_path / "r.md"
    run_cli("check", path, "--lang", "en", "-o", out)
    assert "By chance alone" not in out.read_text(encoding="utf-8")


# ---------------------------------------------------------------------- hole 5: funnel φ


def _defects_csv(tmp_path, towns: list[tuple[str, int, int]]):
    path = tmp_path / "defects.csv"
    lines = ["乡镇,围产儿数,出生缺陷数", *(f"{u},{n},{x}" for u, n, x in towns)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _funnel(path, *options):
    run = run_cli("funnel", "birth_defect_rate", path, "--format", "json", *options)
    assert run.exit_code == 0, run.stderr
    data = json.loads(run.stdout, parse_constant=_reject)
    return data, {u["unit"]: u for u in data["funnel"]}


def _exact_poisson_limit(n: int, rate: float, p: float) -> float:
    """Spiegelhalter (2005) A.1.1: r_p = smallest r with F(r) ≥ p, α = (F(r) − p)/(F(r) −
    F(r − 1)), limit (r − α)/n, in ‰."""
    mean = n * rate
    r = ss.poisson.ppf(p, mean)
    f_r, f_before = ss.poisson.cdf(r, mean), ss.poisson.cdf(r - 1, mean)
    return (r - (f_r - p) / (f_r - f_before)) / n * 1000


@pytest.mark.parametrize("method", ["multiplicative", "additive"])
def test_overdispersion_with_phi_at_most_one_keeps_the_exact_limits(tmp_path, method):
    """20 townships exactly at their expected count (φ ≈ 0) and 3 defects in 179 births:
    the normal limits (θ0 + 3.09 √(θ0/n)) would put it above 99.8%; the exact ones do not."""
    towns = [(f"镇{i}", 1000, 3) for i in range(20)] + [("小镇", 179, 3)]
    path = _defects_csv(tmp_path, towns)
    data, units = _funnel(path, "--overdispersion", method)
    rate = 63 / 20179
    normal_upper = (rate + 3.090232 * math.sqrt(rate / 179)) * 1000
    assert normal_upper < 3 / 179 * 1000  # the old, narrower limit flagged 小镇
    assert data["phi"] <= 1
    assert data["method"] == "exact" and data["overdispersion"] == method
    small = units["小镇"]
    assert small["upper_998"] == pytest.approx(_exact_poisson_limit(179, rate, 0.999), rel=1e-9)
    assert small["upper_95"] == pytest.approx(_exact_poisson_limit(179, rate, 0.975), rel=1e-9)
    assert small["outside_998"] is False
    _, plain = _funnel(path)  # the same limits as without --overdispersion
    assert small["upper_998"] == plain["小镇"]["upper_998"]


def test_phi_is_measured_against_the_county_rate_not_the_bound(tmp_path):
    """A county well below the 6‰ bound, with some spread between townships: φ is the
    spread around the county's own rate, the same whatever the centre line."""
    counts = [(800, 1), (1200, 6), (500, 0), (900, 5), (1500, 2), (700, 4), (1100, 1), (600, 3),
              (1000, 2), (400, 2)]  # fmt: skip
    towns = [(f"第{i}镇", n, x) for i, (n, x) in enumerate(counts)]
    path = _defects_csv(tmp_path, towns)
    n = np.array([t[1] for t in towns], dtype=float)
    x = np.array([t[2] for t in towns], dtype=float)
    pooled = x.sum() / n.sum()
    z = (x / n - pooled) / np.sqrt(pooled / n)
    lo, hi = np.quantile(z, [0.1, 0.9])
    phi = float(np.mean(np.clip(z, lo, hi) ** 2))
    z_bound = (x / n - 0.006) / np.sqrt(0.006 / n)  # against the bound: the county's distance
    lo_b, hi_b = np.quantile(z_bound, [0.1, 0.9])
    assert float(np.mean(np.clip(z_bound, lo_b, hi_b) ** 2)) > phi + 0.5
    for target in ("overall", "bound", "6"):
        data, _ = _funnel(path, "--overdispersion", "multiplicative", "--target", target)
        assert data["phi"] == pytest.approx(phi, rel=1e-9), target
        assert data["phi_rate"] == pytest.approx(pooled * 1000, rel=1e-9)
    run = run_cli("funnel", "birth_defect_rate", path, "--overdispersion", "multiplicative",
              "--target", "bound", "--lang", "en")  # fmt: skip
    assert "measured against the county's own rate" in " ".join(run.stdout.split())


def test_chance_count_in_a_one_township_county_is_not_shown_as_zero(tmp_path):
    """One township: chance alone gives up to 0.025 ● per indicator, not "about 0.0"."""
    path = write_csv(tmp_path / "one.csv", [failing("张秋镇", "sex_ratio_at_birth")])
    run = run_cli("check", path, "--lang", "en")
    assert "up to about 0.025 ● per indicator" in run.stdout, run.stdout
    assert "about 0.0 ●" not in run.stdout
