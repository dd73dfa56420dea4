"""fpmetrics on a partitioned Parquet births register in Spark local mode, against Spark SQL's
own GROUP BY over the same files.

Both run as whole processes with the same Spark settings (the environment's ``SPARK_*`` /
``PYSPARK_SUBMIT_ARGS``; ``--driver-memory`` sets the latter for both):
``fpmetrics check FOLDER --engine spark --period year --format json`` (start, imports, the
JVM, the pushed-down queries, the rules, the JSON) and a Python process that starts a
``local[*]`` session and collects a hand-written ``GROUP BY`` (the per-township, per-year
numerators and denominators of the birth indicators); a third line runs that GROUP BY and
then the repeated-id query (:data:`REPEATED_IDS`) in one session. Wall time, best of
``--repeats``, and peak resident memory of each side's Python process (``VmHWM``, written by
the process at exit) and, separately, of the JVM that PySpark starts as its child (``VmHWM``,
polled every 0.1 s, new java processes looked for every 2 s); the largest over the repeats;
as a Markdown table.

The register is made once under ``data/spark_births_<rows>/`` (git-ignored) and reused while
its files hold that many rows: ``year=2023/part-NNN.parquet``, ``year=2024/…``, one pair of
files per chunk of ``--chunk`` rows (Polars, vectorised, deterministic). ~1,250 townships of
8 villages, births 2023-2024 (the date's year is the partition's), an 18-character id unique
but for ~1e-4 repeats, an unknown sex code every ~1M rows (the table of ``pg_births.py``).
Spark and fpmetrics see the partition as one more column, ``year``.

    uv run --extra spark python benchmarks/spark_births.py --rows 1000000 --repeats 1
    uv run --extra spark python benchmarks/spark_births.py --rows 100000000 --driver-memory 4g
    uv run --extra spark python benchmarks/spark_births.py --rows 100000000 --generate-only
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"

HAND_WRITTEN = """
SELECT `乡镇`, substr(`出生日期`, 1, 4) AS year,
       count(*) FILTER (WHERE `性别` = '男' AND `妊娠结局` = '活产') AS boys,
       count(*) FILTER (WHERE `性别` = '女' AND `妊娠结局` = '活产') AS girls,
       count(*) FILTER (WHERE `是否符合政策` = '是' AND `妊娠结局` = '活产') AS policy,
       count(*) AS perinatal,
       count(*) FILTER (WHERE `是否出生缺陷` = '是') AS defects
FROM parquet.`{folder}` GROUP BY 1, 2
"""

# The baseline's process: the session fpmetrics' engines/spark.py builds, the query, collect.
BASELINE = """
import sys
from pyspark.sql import SparkSession
spark = (SparkSession.builder.appName("baseline").master("local[*]")
         .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
rows = spark.sql(sys.argv[1]).collect()
print(len(rows), sum(r["perinatal"] for r in rows))
for query in sys.argv[2:]:  # the repeated ids, on the second baseline
    print(len(spark.sql(query).collect()))
"""

REPEATED_IDS = """
SELECT upper(trim(`出生医学证明编号`)) AS id, count(*) AS n
FROM parquet.`{folder}` WHERE `出生医学证明编号` IS NOT NULL GROUP BY 1 HAVING count(*) > 1
"""
"""The check that costs most, by hand: the third line of the table runs it after the GROUP BY
in the same session (the ids only; fpmetrics also fetches their rows)."""


# Prepended to each side's Python code: at exit (after PySpark's own exit handlers, atexit
# running the last registered first) the process writes its peak RSS to $SPARK_BENCH_PEAK.
PEAK = """
import atexit, os, runpy, sys
def _peak():
    with open("/proc/self/status") as status, open(os.environ["SPARK_BENCH_PEAK"], "w") as out:
        out.write(next(line for line in status if line.startswith("VmHWM:")).split()[1])
atexit.register(_peak)
"""
# ``python -m fpmetrics.cli`` with PEAK first.
FPMETRICS = PEAK + 'runpy.run_module("fpmetrics.cli", run_name="__main__", alter_sys=True)\n'


def folder_for(rows: int) -> Path:
    return DATA / f"spark_births_{rows}"


def rows_in(folder: Path) -> int:
    """The rows the folder's Parquet files hold (their footers only), 0 without any."""
    import polars as pl

    files = sorted(folder.glob("year=*/*.parquet"))
    if not files:
        return 0
    return int(pl.scan_parquet(files, hive_partitioning=False).select(pl.len()).collect().item())


def chunk_frame(first: int, last: int, year: int):
    """Rows ``first``..``last`` (1-based, inclusive) of the register born in ``year``, as
    pg_births.py's MAKE, lazily (written by streaming: little memory)."""
    import polars as pl

    g = pl.col("g")
    days = (g * 7) % 731  # from 2023-01-01; 2023 has 365 days
    township = pl.lit("乡镇") + (g % 1250).cast(pl.String)
    day = pl.date(2023, 1, 1) + pl.duration(days=days)
    ident = pl.when(g % 10007 == 0).then(g - 1).otherwise(g).cast(pl.String).str.zfill(17)
    sex = (
        pl.when(g % 1_000_003 == 0)
        .then(pl.lit("不详"))
        .when((g * 7919) % 213 < 110)
        .then(pl.lit("男"))
        .otherwise(pl.lit("女"))
    )
    rows = pl.LazyFrame().select(g=pl.int_range(first, last + 1, dtype=pl.Int64))
    return rows.filter((days < 365) == (year == 2023)).select(
        (pl.lit("Q") + ident).alias("出生医学证明编号"),
        township.alias("乡镇"),
        (township + pl.lit("村") + ((g // 1250) % 8).cast(pl.String)).alias("村(居)"),
        day.dt.strftime("%Y-%m-%d").alias("出生日期"),
        sex.alias("性别"),
        pl.when(g % 50 == 0).then(pl.lit("否")).otherwise(pl.lit("是")).alias("是否符合政策"),
        pl.when(g % 97 == 0).then(pl.lit("是")).otherwise(pl.lit("否")).alias("是否出生缺陷"),
        pl.when(g % 400 == 0).then(pl.lit("死胎")).otherwise(pl.lit("活产")).alias("妊娠结局"),
    )


def generate(rows: int, chunk: int) -> Path:
    """The register of ``rows`` births, made (into a temporary folder, then renamed) unless a
    folder with that many rows is there."""

    folder = folder_for(rows)
    if folder.is_dir() and rows_in(folder) == rows:
        print(f"reusing {folder}", file=sys.stderr)
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    start = time.perf_counter()
    for number, first in enumerate(range(1, rows + 1, chunk)):
        for year in (2023, 2024):
            target = partial / f"year={year}" / f"part-{number:03d}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            chunk_frame(first, min(first + chunk - 1, rows), year).sink_parquet(
                target, compression="zstd", row_group_size=1_000_000
            )
    partial.rename(folder)
    size = sum(f.stat().st_size for f in folder.rglob("*.parquet"))
    took = time.perf_counter() - start
    print(f"made {rows:,} rows in {took:.1f} s, {size / 1e6:,.0f} MB: {folder}", file=sys.stderr)
    return folder


def _peak_kb(pid: int) -> int | None:
    """The process's peak resident memory so far (``VmHWM``), None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _children() -> dict[int, list[int]]:
    """Each process's children, from /proc."""
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(parent, []).append(int(entry))
    return tree


def _descendants(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _is_java(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/exe").resolve().name == "java"
    except OSError:
        return False


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run ``command``: wall seconds, its own peak RSS (MB: the larger of the polled one and
    the one it writes at exit, see PEAK) and the largest peak RSS of the Java processes below
    it (MB), polled every 0.1 s."""
    peak_file = Path(tempfile.mkstemp(prefix="spark_bench_peak_")[1])
    env = {**env, "SPARK_BENCH_PEAK": str(peak_file)}
    start = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    own, jvm = 0, 0
    java: set[int] = set()
    stderr: list[str] = []
    reader = threading.Thread(target=lambda: stderr.append(process.stderr.read()))  # type: ignore[union-attr]
    reader.start()
    polls = 0
    while process.poll() is None:
        own = max(own, _peak_kb(process.pid) or 0)
        if polls % 20 == 0:  # all of /proc, ten times a second, took ~30% of a core
            java.update(p for p in _descendants(process.pid) if _is_java(p))
        for pid in java:  # a launcher's java comes and goes first, then Spark's JVM
            jvm = max(jvm, _peak_kb(pid) or 0)
        polls += 1
        time.sleep(0.1)
    wall = time.perf_counter() - start
    reader.join()
    written = peak_file.read_text().strip()
    peak_file.unlink()
    own = max(own, int(written) if written else 0)
    if process.returncode not in (0, 1):
        sys.exit(f"{command[:4]} failed ({process.returncode}): {''.join(stderr)[-1500:]}")
    return wall, own / 1024, jvm / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--chunk", type=int, default=5_000_000, help="rows per pair of files")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--driver-memory",
        help="Spark's driver memory for both sides (PYSPARK_SUBMIT_ARGS), e.g. 4g; "
        "default: the environment's setting, else Spark's (1g)",
    )
    parser.add_argument("--generate-only", action="store_true")
    args = parser.parse_args()

    folder = generate(args.rows, args.chunk)
    if args.generate_only:
        return
    # As a user's install runs: with its modules' bytecode compiled.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if args.driver_memory:
        env["PYSPARK_SUBMIT_ARGS"] = f"--driver-memory {args.driver_memory} pyspark-shell"
    warm = "import fpmetrics.cli, fpmetrics.pipeline, fpmetrics.aggregate.registers.engines.spark"
    subprocess.run([sys.executable, "-c", warm], env=env, check=True)
    fpmetrics = [sys.executable, "-c", FPMETRICS, "check", str(folder), "--engine", "spark",
                 "--period", "year", "--format", "json"]  # fmt: skip
    hand = [sys.executable, "-c", PEAK + BASELINE, HAND_WRITTEN.format(folder=folder)]
    checked = [*hand, REPEATED_IDS.format(folder=folder)]
    order = [("fpmetrics", fpmetrics), ("Spark SQL GROUP BY", hand)]
    order.append(("Spark SQL GROUP BY + repeated ids", checked))
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name, _ in order}
    for n in range(args.repeats):
        for name, command in order if n % 2 == 0 else order[::-1]:
            runs[name].append(measure(command, env))
            wall, own, jvm = runs[name][-1]
            print(f"{name}: {wall:.1f} s, Python {own:.0f} MB, JVM {jvm:.0f} MB", file=sys.stderr)
    base = min(r[0] for r in runs["Spark SQL GROUP BY"])
    setting = env.get("PYSPARK_SUBMIT_ARGS", "Spark's defaults")
    print(f"\n{args.rows:,} births, {folder.name}, local[*], {setting}\n")
    print(
        f"| | wall s (best of {args.repeats}) | × Spark SQL | Python peak RSS MB "
        "| JVM peak RSS MB |"
    )
    print("|---|---:|---:|---:|---:|")
    for name, measured in runs.items():
        wall = min(r[0] for r in measured)
        own = max(r[1] for r in measured)
        jvm = max(r[2] for r in measured)
        print(f"| {name} | {wall:.2f} | {wall / base:.2f} | {own:.0f} | {jvm:.0f} |")


if __name__ == "__main__":
    main()
