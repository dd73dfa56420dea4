"""Issue 16: verdicts that cannot be gamed, and the evidence on every report.

Every expected number is computed here from first principles with ``scipy.stats``
(independently of ``fpmetrics.stats``).
"""

from __future__ import annotations

import json
import math

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
