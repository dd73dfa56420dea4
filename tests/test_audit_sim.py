"""Issue 17's proof, small: one seed of benchmarks/audit_sim.py (a county of 30 honest townships
plus one padded township per scheme, and a padding-free county), audited as the command does."""

from __future__ import annotations

import sys

import pytest

from conftest import REPO


@pytest.mark.slow
def test_one_seed_of_the_simulation(tmp_path):
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import audit_sim
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    rows = {(r["input"], r["county"]): r for r in audit_sim.evaluate(1, 30, tmp_path)}
    monthly = rows[("monthly", "padded")]
    found = [s for s in audit_sim.SCHEMES if monthly[s] is not None]
    assert len(found) >= 6, found  # the docs: recall 0.98 over 20 seeds of 60 townships
    assert sorted(monthly[s] for s in found) == list(range(1, len(found) + 1))  # padded first
    for key, row in rows.items():
        assert row["honest_flagged"] <= 1, (key, row["honest_signals"])
        assert row["threshold_bunching"] == 0, key
    yearly = rows[("yearly", "padded")]
    for scheme in ("heaped", "perinatal"):  # the schemes yearly rows always show (docs)
        assert yearly[scheme] is not None, scheme
