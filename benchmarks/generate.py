"""Generate synthetic births and in-migrant registers for the benchmarks.

A province of ~1,250 townships with Chinese names and several villages each; births over two
years (2023-2024) with a sex ratio at birth of 105-115 per township; in-migrant married women
with 18-digit id numbers, unique except a few repeats; a sprinkle of bad codes (unknown sex,
dates that are not dates, unknown yes/no codes) at ``--bad-rate``.

Everything is vectorised (numpy + Polars), written in chunks so that 50M rows need no more
than a few GB of memory, and deterministic for a given ``--seed`` (and ``--chunk-rows``).

    uv run --group bench python benchmarks/generate.py --rows 10000000
    uv run --group bench python benchmarks/generate.py --rows 1000000 --encoding gb18030
"""

from __future__ import annotations

import argparse
import io
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

DATA_DIR = Path(__file__).resolve().parent / "data"
TOWNSHIPS = 1250
START = np.datetime64("2023-01-01")
DAYS = 731  # 2023-01-01 .. 2024-12-31
BIRTHS_HEADER = ["乡镇", "村", "出生日期", "性别", "是否符合政策", "是否出生缺陷", "妊娠结局"]
MIGRANTS_HEADER = ["乡镇", "身份证号", "是否建档", "是否查验证", "是否信息联系"]
BAD_SEX = ["未知", "", "不详"]
BAD_DATE = ["2023-02-30", "不详", "", "2024-13-01"]
BAD_YES_NO = ["不详", "?"]

_FIRST = list(
    "东西南北中新老大小上下前后高龙凤金银石马牛白黑青红黄太平安长永宁福兴隆和丰泰清河山水"
    "桥湖林松柏桃李杨柳花云雨天"
)
_SECOND = list("山河湖桥口坪坝溪塘岭庄集店营堡寨关湾头沟洲岗源泉田园阳城林江店埠渡港圩铺场")
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘")
_VILLAGE_FORMS = ["{s}家村", "{s}庄村", "{f}{c}村", "{f}{c}社区", "{s}家{c}村"]


@dataclass(frozen=True)
class Province:
    townships: np.ndarray
    """Township names (object array of str)."""
    weight: np.ndarray
    """Share of the records in each township (sums to 1)."""
    village_start: np.ndarray
    village_count: np.ndarray
    villages: np.ndarray
    """Village names, those of township t at village_start[t] : +village_count[t]."""
    p_male: np.ndarray
    p_policy: np.ndarray
    p_defect: np.ndarray
    p_archived: np.ndarray
    p_certified: np.ndarray
    p_contacted: np.ndarray


def province(seed: int) -> Province:
    """The townships, their villages and each township's own rates (fixed by ``seed``)."""
    rng = np.random.default_rng([seed, 0])
    combos = np.array([f + s for f in _FIRST for s in _SECOND if f != s], dtype=object)
    combos = np.unique(combos)
    picked = rng.choice(len(combos), size=TOWNSHIPS, replace=False)
    suffix = rng.choice(np.array(["镇", "乡", "街道"], dtype=object), TOWNSHIPS, p=[0.6, 0.3, 0.1])
    townships = combos[picked] + suffix
    weight = rng.lognormal(0.0, 0.6, TOWNSHIPS)
    weight /= weight.sum()

    count = rng.integers(4, 13, TOWNSHIPS)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    total = int(count.sum())
    forms = rng.integers(0, len(_VILLAGE_FORMS), total)
    s = rng.choice(np.array(_SURNAMES, dtype=object), total)
    f = rng.choice(np.array(_FIRST, dtype=object), total)
    c = rng.choice(np.array(_SECOND, dtype=object), total)
    villages = np.array(
        [
            _VILLAGE_FORMS[k].format(s=a, f=b, c=d)
            for k, a, b, d in zip(forms, s, f, c, strict=True)
        ],  # ~10,000 names: a loop per village, not per row
        dtype=object,
    )
    srb = rng.uniform(105.0, 115.0, TOWNSHIPS)
    return Province(
        townships=townships,
        weight=weight,
        village_start=start,
        village_count=count,
        villages=villages,
        p_male=srb / (100.0 + srb),
        p_policy=rng.uniform(0.93, 0.995, TOWNSHIPS),
        p_defect=rng.uniform(0.001, 0.009, TOWNSHIPS),
        p_archived=rng.uniform(0.85, 0.99, TOWNSHIPS),
        p_certified=rng.uniform(0.82, 0.98, TOWNSHIPS),
        p_contacted=rng.uniform(0.88, 0.995, TOWNSHIPS),
    )


def _pick(values: list[str] | np.ndarray, index: np.ndarray) -> pl.Series:
    """``values[index]`` as a Polars string column (gathered, not built per row)."""
    return pl.Series(list(values), dtype=pl.String).gather(pl.Series(index, dtype=pl.UInt32))


def _spoil(rng: np.random.Generator, column: pl.Series, rate: float, bad: list[str]) -> pl.Series:
    """Replace a random ``rate`` share of the cells with one of the ``bad`` codes."""
    hit = np.flatnonzero(rng.random(len(column)) < rate)
    if hit.size == 0:
        return column
    values = _pick(bad, rng.integers(0, len(bad), hit.size))
    return column.scatter(hit, values)


def _towns(rng: np.random.Generator, p: Province, n: int) -> np.ndarray:
    cdf = np.cumsum(p.weight)
    return np.minimum(np.searchsorted(cdf, rng.random(n) * cdf[-1]), TOWNSHIPS - 1)


def births_chunk(p: Province, rng: np.random.Generator, n: int, bad_rate: float) -> pl.DataFrame:
    town = _towns(rng, p, n)
    village = p.village_start[town] + (rng.random(n) * p.village_count[town]).astype(np.int64)
    day = rng.integers(0, DAYS, n)
    dates = pl.Series((START + day).astype("datetime64[D]")).cast(pl.String)
    male = rng.random(n) < p.p_male[town]
    policy = rng.random(n) < p.p_policy[town]
    defect = rng.random(n) < p.p_defect[town]
    u = rng.random(n)
    outcome = np.where(u < 0.003, 1, np.where(u < 0.005, 2, 0))  # 活产 / 死胎 / 死产
    return pl.DataFrame(
        {
            "乡镇": _pick(p.townships, town),
            "村": _pick(p.villages, village),
            "出生日期": _spoil(rng, dates, bad_rate, BAD_DATE),
            "性别": _spoil(rng, _pick(["女", "男"], male.astype(np.int64)), bad_rate, BAD_SEX),
            "是否符合政策": _pick(["否", "是"], policy.astype(np.int64)),
            "是否出生缺陷": _pick(["否", "是"], defect.astype(np.int64)),
            "妊娠结局": _pick(["活产", "死胎", "死产"], outcome),
        }
    )


# Id numbers: 6-digit region, birth date (women aged 20-49), 3-digit sequence (even: a woman),
# check digit (GB 11643). A row's position i maps to a distinct (region, date, sequence) by an
# affine bijection of [0, CAPACITY), so ids are unique without a set of the ones issued.
_PROVINCES = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46]
_PROVINCES += [50, 51, 52, 53, 54, 61, 62, 63, 64, 65]
REGIONS = np.array(
    [p * 10000 + c * 100 + k for p in _PROVINCES for c in range(1, 6) for k in range(1, 3)],
    dtype=np.int64,
)
BORN_FROM = np.datetime64("1975-01-01")
BORN_DAYS = 10958  # 1975-01-01 .. 2004-12-31
SEQUENCES = 500
CAPACITY = len(REGIONS) * BORN_DAYS * SEQUENCES
_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = list("10X98765432")


def _multiplier() -> int:
    a = 2654435761 % CAPACITY
    while math.gcd(a, CAPACITY) != 1:
        a += 1
    return a


def id_numbers(position: np.ndarray, seed: int) -> pl.Series:
    """Distinct 18-digit id numbers for distinct ``position`` values (< CAPACITY)."""
    if position.size and int(position.max()) >= CAPACITY:
        raise SystemExit(f"at most {CAPACITY:,} distinct id numbers")
    x = (position.astype(np.int64) * _multiplier() + seed * 7919) % CAPACITY
    x, seq = np.divmod(x, SEQUENCES)
    region, day = np.divmod(x, BORN_DAYS)
    born = BORN_FROM + day.astype("timedelta64[D]")
    year = born.astype("datetime64[Y]").astype(np.int64) + 1970
    month = born.astype("datetime64[M]").astype(np.int64) % 12 + 1
    mday = (born - born.astype("datetime64[M]")).astype(np.int64) + 1
    body = REGIONS[region] * 10**11 + (year * 10000 + month * 100 + mday) * 1000 + seq * 2
    total = np.zeros(position.size, dtype=np.int64)
    rest = body.copy()
    for weight in _WEIGHTS[::-1]:  # 17 vectorised passes, one per digit
        rest, digit = np.divmod(rest, 10)
        total += digit * weight
    check = _pick(_CHECK, total % 11)
    return pl.Series(body).cast(pl.String) + check


def migrants_chunk(
    p: Province, rng: np.random.Generator, n: int, first: int, bad_rate: float, seed: int
) -> pl.DataFrame:
    town = _towns(rng, p, n)
    ids = id_numbers(np.arange(first, first + n, dtype=np.int64), seed)
    # A few women registered twice: a later row repeats an earlier row's id (same chunk).
    repeat = np.flatnonzero(rng.random(n) < max(bad_rate * 10, 1e-5))
    repeat = repeat[repeat > 0]
    if repeat.size:
        earlier = (rng.random(repeat.size) * repeat).astype(np.int64)
        ids = ids.scatter(repeat, ids.gather(earlier))
    columns = {"乡镇": _pick(p.townships, town), "身份证号": ids}
    for name, share in (
        ("是否建档", p.p_archived),
        ("是否查验证", p.p_certified),
        ("是否信息联系", p.p_contacted),
    ):
        yes = rng.random(n) < share[town]
        columns[name] = _spoil(rng, _pick(["否", "是"], yes.astype(np.int64)), bad_rate, BAD_YES_NO)
    return pl.DataFrame(columns)


def label(rows: int) -> str:
    """1000000 → ``1M``; 250000 → ``250k``; other counts as they are."""
    for size, unit in ((1_000_000, "M"), (1_000, "k")):
        if rows >= size and rows % size == 0:
            return f"{rows // size}{unit}"
    return str(rows)


def target(kind: str, rows: int, encoding: str, out_dir: Path) -> Path:
    return out_dir / f"{kind}_{label(rows)}_{encoding.replace('-', '')}.csv"


def write(
    kind: str,
    rows: int,
    encoding: str,
    out_dir: Path,
    seed: int = 20240601,
    bad_rate: float = 1e-5,
    chunk_rows: int = 2_000_000,
) -> Path:
    """Write one register of ``rows`` data rows; returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = target(kind, rows, encoding, out_dir)
    p = province(seed)
    header = BIRTHS_HEADER if kind == "births" else MIGRANTS_HEADER
    with path.open("wb") as handle:
        handle.write((",".join(header) + "\n").encode(encoding))
        for number, first in enumerate(range(0, rows, chunk_rows)):
            n = min(chunk_rows, rows - first)
            rng = np.random.default_rng([seed, 1 if kind == "births" else 2, number])
            if kind == "births":
                frame = births_chunk(p, rng, n, bad_rate)
            else:
                frame = migrants_chunk(p, rng, n, first, bad_rate, seed)
            buffer = io.BytesIO()
            frame.write_csv(buffer, include_header=False)
            data = buffer.getvalue()
            if encoding != "utf-8":
                data = data.decode("utf-8").encode(encoding)
            handle.write(data)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="data rows per register")
    parser.add_argument("--encoding", choices=["utf-8", "gb18030"], default="utf-8")
    parser.add_argument("--kind", choices=["births", "migrants", "both"], default="both")
    parser.add_argument("--out-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--bad-rate", type=float, default=1e-5, help="share of bad codes")
    parser.add_argument("--chunk-rows", type=int, default=2_000_000)
    args = parser.parse_args(argv)
    kinds = ["births", "migrants"] if args.kind == "both" else [args.kind]
    for kind in kinds:
        began = time.perf_counter()
        path = write(
            kind, args.rows, args.encoding, args.out_dir, args.seed, args.bad_rate, args.chunk_rows
        )
        size = path.stat().st_size / 1e6
        took = time.perf_counter() - began
        print(f"{path}  {args.rows:,} rows  {size:,.0f} MB  {took:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
