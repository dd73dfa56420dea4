"""Seeded simulation: does ``fpmetrics audit`` find padded townships and leave honest ones alone?

A county of honest townships × 36 months (2022-01 … 2024-12), sizes 200–3,000 births a year,
drawn from Poisson and binomial models (births falling 8% a year with a ±10% season;
in-migrant women a stock with 8% monthly turnover), plus one padded township per scheme:

- ``copied``     2023 and 2024 are 2022's figures again (one cell in ten nudged by ±1);
- ``smoothed``   every count replaced by its 5-month moving average;
- ``heaped``     every count rounded to the nearest 5;
- ``srb105``     boys = round(births × 105/205) every month;
- ``jump``       policy-compliant births at 88% for 30 months, then 97.5% in the last 6
                 (before the assessment);
- ``perinatal``  perinatal births reported as 1.8 × live births, so a 9‰ defect rate passes;
- ``pinned``     in-migrant archive rate held at 90.0–90.5% every month.

Each county is audited as monthly rows and as yearly rows (flows summed, in-migrant stocks
taken at December), through the library (``run_check`` on a CSV file, then ``run_audit``),
as ``fpmetrics audit`` does. Also a padding-free county per seed, for the false-alarm rate.

    uv run python benchmarks/audit_sim.py --seeds 10          # table on stdout
    uv run python benchmarks/audit_sim.py --seeds 10 --json out.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from fpmetrics.analyses.audit import run_audit
from fpmetrics.normalise.fields import FIELDS
from fpmetrics.pipeline import run_check
from fpmetrics.ruleset.rules import load_ruleset

SCHEMES = ("copied", "smoothed", "heaped", "srb105", "jump", "perinatal", "pinned")
MONTHS = [f"{y}-{m:02d}" for y in (2022, 2023, 2024) for m in range(1, 13)]
COUNTS = [
    "births_male", "births_female", "births", "births_policy", "perinatal_births",
    "birth_defects", "migrant_women", "migrant_archived", "migrant_certified",
    "migrant_contacted",
]  # fmt: skip
STOCKS = ["migrant_women", "migrant_archived", "migrant_certified", "migrant_contacted"]
HEADERS = {"township": "乡镇", "period": "统计期", **{f: FIELDS[f].zh for f in COUNTS}}


def honest(rng: np.random.Generator, size: float, t: int = 36) -> dict[str, np.ndarray]:
    """One township's honest months: Poisson births, binomial shares."""
    month = np.arange(t)
    # births fall 8% a year and peak in autumn (±10%), as in most counties
    level = size / 12 * 0.92 ** (month / 12) * (1 + 0.1 * np.cos(2 * np.pi * (month - 9) / 12))
    births = rng.poisson(level)
    male = rng.binomial(births, 0.5122)
    policy = rng.binomial(births, rng.uniform(0.955, 0.995))
    perinatal = births + rng.poisson(0.006 * births)
    defects = rng.poisson(0.004 * perinatal)
    stock = rng.uniform(0.15, 0.6) * size
    shares = rng.uniform(0.91, 0.97, 3)
    women, parts = migrant_stock(rng, stock, shares, t)
    return {
        "births_male": male,
        "births_female": births - male,
        "births": births,
        "births_policy": policy,
        "perinatal_births": perinatal,
        "birth_defects": defects,
        "migrant_women": women,
        "migrant_archived": parts[0],
        "migrant_certified": parts[1],
        "migrant_contacted": parts[2],
    }


def migrant_stock(rng: np.random.Generator, stock: float, shares: np.ndarray, t: int):
    """In-migrant women are a stock: each month 8% leave and newcomers arrive (Poisson, so the
    stock stays near ``stock``); a woman's archive / certificate / contact status stays with
    her, a newcomer has each with its share. Month-to-month figures are autocorrelated, as
    real ones are."""
    turnover = 0.08
    women = np.empty(t, int)
    parts = np.empty((3, t), int)
    w = rng.poisson(stock)
    a = rng.binomial(w, shares)
    for i in range(t):  # months depend on the month before
        arrivals = rng.poisson(turnover * stock)
        stay = rng.binomial(w, 1 - turnover)
        a = rng.hypergeometric(a, w - a, stay) + rng.binomial(arrivals, shares)
        w = stay + arrivals
        women[i], parts[:, i] = w, a
    return women, parts


def _fix(s: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Totals and parts that add up after a scheme has changed some counts."""
    s["births"] = s["births_male"] + s["births_female"]
    s["births_policy"] = np.minimum(s["births_policy"], s["births"])
    s["perinatal_births"] = np.maximum(s["perinatal_births"], s["births"])
    for f in ("migrant_archived", "migrant_certified", "migrant_contacted"):
        s[f] = np.minimum(s[f], s["migrant_women"])
    return s


def padded(rng: np.random.Generator, scheme: str, size: float) -> dict[str, np.ndarray]:
    s = honest(rng, size)
    if scheme == "copied":
        for f in COUNTS:
            first = s[f][:12].copy()
            copy = np.tile(first, 3)
            nudge = rng.random(36) < 0.1
            copy = np.where(nudge, copy + rng.choice([-1, 1], 36), copy)
            copy[:12] = first
            s[f] = np.maximum(copy, 0)
    elif scheme == "smoothed":
        kernel = np.ones(5) / 5
        for f in COUNTS:
            padded_ = np.pad(s[f].astype(float), 2, mode="edge")
            s[f] = np.rint(np.convolve(padded_, kernel, mode="valid")).astype(int)
    elif scheme == "heaped":
        for f in COUNTS:
            s[f] = (5 * np.rint(s[f] / 5)).astype(int)
    elif scheme == "srb105":
        births = s["births"]
        s["births_male"] = np.rint(births * 105 / 205).astype(int)
        s["births_female"] = births - s["births_male"]
    elif scheme == "jump":
        births = s["births"]
        rate = np.where(np.arange(36) >= 30, 0.975, 0.88)
        s["births_policy"] = rng.binomial(births, rate)
    elif scheme == "perinatal":
        true_perinatal = s["perinatal_births"]
        s["birth_defects"] = rng.poisson(0.009 * true_perinatal)
        s["perinatal_births"] = np.rint(1.8 * s["births"]).astype(int)
    elif scheme == "pinned":
        women = s["migrant_women"]
        s["migrant_archived"] = np.ceil(0.9 * women).astype(int)
    if scheme in ("copied", "smoothed", "heaped"):
        s["births"] = s["births_male"] + s["births_female"]
    return _fix(s) if scheme not in ("heaped",) else s


def county(seed: int, towns: int, schemes: tuple[str, ...]) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    sizes = np.exp(rng.uniform(np.log(200), np.log(3000), towns))
    for i, size in enumerate(sizes):
        frames.append(_frame(f"乡镇{i:02d}", honest(rng, size)))
    for scheme in schemes:
        size = np.exp(rng.uniform(np.log(200), np.log(3000)))
        if scheme == "pinned":  # 90.0–90.5% can only be hit with ≥ ~100 women a month
            size = rng.uniform(800, 3000)
        frames.append(_frame(f"填报{scheme}", padded(rng, scheme, size)))
    return pd.concat(frames, ignore_index=True)


def _frame(name: str, s: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame({"township": name, "period": MONTHS, **s})


def yearly(monthly: pd.DataFrame) -> pd.DataFrame:
    year = monthly["period"].str[:4]
    flows = [c for c in COUNTS if c not in STOCKS]
    summed = monthly.groupby(["township", year], sort=False)[flows].sum()
    december = monthly[monthly["period"].str.endswith("-12")].assign(year=year)
    stocks = december.set_index(["township", "year"])[STOCKS]
    stocks.index.names = summed.index.names
    out = summed.join(stocks).reset_index()
    return out.rename(columns={"period": "period"})


def audit_frame(frame: pd.DataFrame, workdir: Path, name: str) -> tuple[list[dict], int, int]:
    path = workdir / f"{name}.csv"
    frame.rename(columns=HEADERS).to_csv(path, index=False, encoding="utf-8")
    ruleset = load_ruleset("default")
    report = run_check([path], ruleset)
    signals = run_audit(report, ruleset.audit)
    bunching = int((signals["signal"] == "threshold_bunching").sum())
    return signals.attrs["townships"], signals.attrs["tests"], bunching


def evaluate(seed: int, towns: int, workdir: Path) -> list[dict]:
    rows = []
    for padded_county in (True, False):
        monthly = county(seed, towns, SCHEMES if padded_county else ())
        for kind, frame in (("monthly", monthly), ("yearly", yearly(monthly))):
            start = time.perf_counter()
            ranked, tests, bunching = audit_frame(frame, workdir, f"{seed}-{kind}-{padded_county}")
            seconds = time.perf_counter() - start
            rank = {r["unit"]: r for r in ranked}
            flagged_honest = [u for u in rank if not u.startswith("填报")]
            sizes = monthly[monthly["period"].str.startswith("2022")].groupby("township")["births"]
            sizes = sizes.sum()
            row = {
                "seed": seed,
                "input": kind,
                "county": "padded" if padded_county else "padding-free",
                "honest_flagged": len(flagged_honest),
                "honest_signals": [rank[u]["signals"] for u in flagged_honest],
                "honest": towns,
                "tests": tests,
                "threshold_bunching": bunching,
                "seconds": round(seconds, 2),
            }
            for scheme in SCHEMES if padded_county else ():
                hit = rank.get(f"填报{scheme}")
                row[scheme] = None if hit is None else hit["rank"]
                row[f"{scheme}_signals"] = [] if hit is None else hit["signals"]
                row[f"{scheme}_births_2022"] = int(sizes[f"填报{scheme}"])
            rows.append(row)
    return rows


def summarise(rows: list[dict]) -> str:
    lines = []
    for kind in ("monthly", "yearly"):
        padded_rows = [r for r in rows if r["input"] == kind and r["county"] == "padded"]
        free = [r for r in rows if r["input"] == kind and r["county"] == "padding-free"]
        n = len(padded_rows)
        lines.append(f"\n### {kind} input ({n} seeds)\n")
        lines.append("| scheme | recall | ranks when found | signals (most frequent) |")
        lines.append("|---|---|---|---|")
        recalls = []
        for scheme in SCHEMES:
            ranks = [r[scheme] for r in padded_rows if r[scheme] is not None]
            recalls.append(len(ranks) / n)
            found = [s for r in padded_rows for s in r[f"{scheme}_signals"]]
            top = pd.Series(found).value_counts().index[:3].tolist() if found else []
            lines.append(
                f"| {scheme} | {len(ranks)}/{n} | {', '.join(map(str, ranks)) or '—'} | "
                f"{', '.join(top) or '—'} |"
            )
        honest_padded = sum(r["honest_flagged"] for r in padded_rows)
        honest_free = sum(r["honest_flagged"] for r in free)
        total = sum(r["honest"] for r in padded_rows)
        total_free = sum(r["honest"] for r in free)
        lines.append("")
        lines.append(f"- mean recall over schemes: {np.mean(recalls):.2f}")
        lines.append(
            f"- honest townships flagged, padded counties: {honest_padded}/{total} "
            f"({100 * honest_padded / max(total, 1):.2f}%)"
        )
        lines.append(
            f"- honest townships flagged, padding-free counties: {honest_free}/{total_free} "
            f"({100 * honest_free / max(total_free, 1):.2f}%); counties with any flag: "
            f"{sum(r['honest_flagged'] > 0 for r in free)}/{len(free)}"
        )
        lines.append(
            "- counties where threshold_bunching fired: "
            f"{sum(r['threshold_bunching'] > 0 for r in padded_rows + free)}/{n + len(free)}"
        )
        secs = [r["seconds"] for r in padded_rows + free]
        lines.append(f"- audit time per county: median {np.median(secs):.2f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--towns", type=int, default=60)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            rows += evaluate(seed, args.towns, Path(tmp))
            print(f"seed {seed} done", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    print(summarise(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
