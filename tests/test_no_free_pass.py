"""Issue 16: verdicts that cannot be gamed, and the evidence on every report.

Every expected number is computed here from first principles with ``scipy.stats``
(independently of ``fpmetrics.stats``).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats as ss

from fpmetrics.pipeline import run_check
from fpmetrics.rules import load_ruleset
from scoring_builders import fpm, scores_by_unit, town, write_csv


@pytest.fixture(scope="module")
def default_rules():
    return load_ruleset("default")


@pytest.fixture
def evaluate(build, default_rules):
    """Check one township with exactly the given columns; results keyed by indicator."""

    def run(fields: dict[str, object], rules=None):
        row = {"township": "张秋镇", **fields}
        path = build.csv("one.csv", build.grid([row], fields=list(fields)))
        report = run_check([path], rules or default_rules)
        return {r["indicator"]: r for r in report.results.to_dict("records")}

    return run


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
    run = fpm("check", path, "--lang", "en")
    assert run.code == 1
    line = next(x for x in run.stdout.splitlines() if x.lstrip().startswith("张秋镇"))
    assert "∞" in line
    run = fpm("check", path, "--format", "json")
    assert run.code == 1
    data = json.loads(run.stdout, parse_constant=_reject)
    [r] = [r for r in data["results"] if r["indicator"] == "sex_ratio_at_birth"]
    assert (r["status"], r["reason"], r["value"]) == ("fail", "infinite_ratio", None)
    assert r["ci_high"] is None
    assert data["units"][0]["failed"] == ["sex_ratio_at_birth"]


def test_infinite_ratio_scores_no_points(tmp_path):
    path = write_csv(tmp_path / "d.csv", [town("张秋镇", births_male=40, births_female=0,
                                               births=40), town("阿城镇")])  # fmt: skip
    run = fpm("score", path, "--format", "json")
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
