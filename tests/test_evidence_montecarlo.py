"""Issue 16: over honest townships, the rate of ● (clear_fail) is at most the stated α.

Seeded Monte Carlo through the real check. Honest townships have a true rate exactly on the
bound (the worst honest case: any rate further inside gives fewer ●), at sizes from 50 to
5,000 births. The verdict is an exact one-sided test at α = (1 − 0.95)/2 = 0.025, so the true
rate of ● is at most 0.025 at every size; the simulated rate is allowed the Monte Carlo
error of 3 standard errors, and over all sizes together it must be below α itself.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from fpmetrics.pipeline import run_check
from fpmetrics.ruleset.rules import load_ruleset

SIZES = (50, 100, 200, 500, 1000, 2000, 5000)
TOWNS = 2000  # per size and indicator
ALPHA = 0.025


def _honest(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Counts of TOWNS honest townships of ``n`` births, each indicator's truth on its bound."""
    low_side = np.arange(TOWNS) < TOWNS // 2  # half at SRB 103, half at 107
    share = np.where(low_side, 103 / 203, 107 / 207)
    boys = rng.binomial(n, share)
    population = round(n / 0.0115)  # a township's size for that many births
    deaths = rng.poisson(n, TOWNS)  # natural growth true 5.5‰: births − deaths = 5.5‰ × pop
    births = rng.poisson(n + 0.0055 * population, TOWNS)
    return {
        "births_male": boys,
        "births_female": n - boys,
        "births_policy": rng.binomial(n, 0.95, TOWNS),  # ≥ 95%
        "perinatal_births": np.full(TOWNS, n),
        "birth_defects": rng.binomial(n, 0.006, TOWNS),  # ≤ 6‰
        "births": births,
        "deaths": deaths,
        "population": np.full(TOWNS, population),
    }


@pytest.mark.slow
def test_rate_of_clear_fails_over_honest_townships_is_at_most_alpha(build):
    rng = np.random.default_rng(20261207)
    rules = load_ruleset("default")
    indicators = ("sex_ratio_at_birth", "policy_birth_rate", "birth_defect_rate",
                  "natural_growth_rate")  # fmt: skip
    total = {k: [0, 0] for k in indicators}
    for n in SIZES:
        c = _honest(rng, n)
        # the policy-birth rate is births_policy / births: a file of its own, births = n
        towns = [
            {"township": f"镇{i}", "births_male": c["births_male"][i],
             "births_female": c["births_female"][i], "perinatal_births": n,
             "birth_defects": c["birth_defects"][i], "births": c["births"][i],
             "deaths": c["deaths"][i], "population": c["population"][i]}
            for i in range(TOWNS)
        ]  # fmt: skip
        policy = [
            {"township": f"镇{i}", "births": n, "births_policy": c["births_policy"][i]}
            for i in range(TOWNS)
        ]
        fields = ["births_male", "births_female", "perinatal_births", "birth_defects",
                  "births", "deaths", "population"]  # fmt: skip
        first = run_check([build.csv(f"m{n}.csv", build.grid(towns, fields=fields))], rules)
        second = run_check(
            [build.csv(f"p{n}.csv", build.grid(policy, fields=["births", "births_policy"]))],
            rules,
        )
        checked = [(first, key) for key in indicators if key != "policy_birth_rate"]
        for report, key in [*checked, (second, "policy_birth_rate")]:
            res = report.results
            rows = res[res["indicator"] == key]
            assert len(rows) == TOWNS
            clear = int((rows["evidence"] == "clear_fail").sum())
            se = math.sqrt(ALPHA * (1 - ALPHA) / TOWNS)
            assert clear / TOWNS <= ALPHA + 3 * se, (key, n, clear / TOWNS)
            total[key][0] += clear
            total[key][1] += TOWNS
    for key, (clear, count) in total.items():
        assert count == TOWNS * len(SIZES)
        assert clear / count <= ALPHA, (key, clear / count)
