"""fpmetrics on a births table in PostgreSQL against a hand-written GROUP BY through psql.

Each runs as a whole process: ``fpmetrics check URL --table births --period year --format json``
(start, imports, the pushed-down queries, the rules, the JSON) and ``psql -c "SELECT … GROUP BY
…"`` (the per-township, per-year numerators and denominators of the birth indicators). Wall
time and the peak resident memory of each process (its own, not the server's) are reported,
best of ``--repeats``, as a Markdown table. A third line runs the GROUP BY and then the
repeated-id query (:data:`REPEATED_IDS`) in one psql: the hand-written work closest to what
the check does besides counting. psql runs with the session settings fpmetrics gives its
own connection (:func:`psql_settings`).

The table is made inside the server (generate_series; no file travels): ~1,250 townships of 8
villages, births 2023-2024, an 18-character id unique but for ~1e-4 repeats, an unknown sex
code every ~1M rows.

    uv run --extra sql python benchmarks/pg_births.py --rows 10000000            # own cluster
    uv run --extra sql python benchmarks/pg_births.py --url postgresql://u@h/db  # a server

Without ``--url`` a throwaway cluster is started in a temporary folder (tests/pg_cluster.py:
the Debian ``postgresql`` package's initdb and pg_ctl), and removed at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

MAKE = """
DROP TABLE IF EXISTS births;
CREATE TABLE births AS
SELECT 'Q' || lpad((CASE WHEN g % 10007 = 0 THEN g - 1 ELSE g END)::text, 17, '0')
           AS "出生医学证明编号",
       '乡镇' || (g % 1250) AS "乡镇",
       '乡镇' || (g % 1250) || '村' || ((g / 1250) % 8) AS "村(居)",
       to_char(date '2023-01-01' + ((g * 7) % 731)::int, 'YYYY-MM-DD') AS "出生日期",
       CASE WHEN g % 1000003 = 0 THEN '不详'
            WHEN (g * 7919) % 213 < 110 THEN '男' ELSE '女' END AS "性别",
       CASE WHEN g % 50 = 0 THEN '否' ELSE '是' END AS "是否符合政策",
       CASE WHEN g % 97 = 0 THEN '是' ELSE '否' END AS "是否出生缺陷",
       CASE WHEN g % 400 = 0 THEN '死胎' ELSE '活产' END AS "妊娠结局"
FROM generate_series(1::bigint, {rows}) AS g;
ANALYZE births;
"""

HAND_WRITTEN = """
SELECT "乡镇", substr("出生日期", 1, 4) AS year,
       count(*) FILTER (WHERE "性别" = '男' AND "妊娠结局" = '活产') AS boys,
       count(*) FILTER (WHERE "性别" = '女' AND "妊娠结局" = '活产') AS girls,
       count(*) FILTER (WHERE "是否符合政策" = '是' AND "妊娠结局" = '活产') AS policy,
       count(*) AS perinatal,
       count(*) FILTER (WHERE "是否出生缺陷" = '是') AS defects
FROM births GROUP BY 1, 2
"""


REPEATED_IDS = """
SELECT UPPER(TRIM("出生医学证明编号")) AS id, count(*), min(ctid), max(ctid)
FROM births WHERE "出生医学证明编号" IS NOT NULL GROUP BY 1 HAVING count(*) > 1
"""
"""The check that costs most, by hand: the ids on more than one row, with their first and
last row. The third line of the table runs it after the GROUP BY in the same psql: the work
a hand-written query has to do to find what fpmetrics' check finds besides the counts."""


def psql_settings() -> str:
    """``PGOPTIONS`` for psql: the settings fpmetrics gives its own session on a table."""
    from fpmetrics.aggregate.registers.engines.sql import SESSION_SETTINGS, TABLE_SETTINGS

    return " ".join(f"-c {k}={v}" for k, v in {**SESSION_SETTINGS, **TABLE_SETTINGS}.items())


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``command`` in a fresh Python parent so its peak RSS is its own."""
    code = (
        "import resource,subprocess,sys,time;t=time.perf_counter();"
        "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE);"
        "w=time.perf_counter()-t;"
        "m=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024;"
        "print(w,m,r.returncode);sys.stderr.write(r.stderr.decode(errors='replace')[-800:])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *command], env=env, capture_output=True, text=True
    )
    wall, peak, rc = done.stdout.split()
    if int(rc) not in (0, 1):
        sys.exit(f"{command[0]} failed ({rc}): {done.stderr}")
    return float(wall), float(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--url", help="an existing database (default: a throwaway cluster)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the table (with --url)")
    args = parser.parse_args()

    cluster = None
    url = args.url
    if url is None:
        import pg_cluster

        cluster = pg_cluster.start()
        url = cluster.url("postgres")
    try:
        import psycopg

        # As a user's install runs: with its modules' bytecode compiled (an environment
        # that sets PYTHONDONTWRITEBYTECODE compiles every import again, ~2.5 s a run here).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        warm = (
            "import fpmetrics.cli, fpmetrics.pipeline, fpmetrics.aggregate.registers.engines.sql,"
            " sqlglot"
        )
        subprocess.run([sys.executable, "-c", warm], env=env, check=True)
        with psycopg.connect(url, autocommit=True) as connection:
            start = time.perf_counter()
            connection.execute(MAKE.format(rows=int(args.rows)))
            took = time.perf_counter() - start
            print(f"made {args.rows:,} rows in {took:.1f} s", file=sys.stderr)
        psql = shutil.which("psql") or "psql"
        fpmetrics = [sys.executable, "-m", "fpmetrics.cli", "check", url, "--table", "births",
                     "--period", "year", "--format", "json"]  # fmt: skip
        # psql runs with the session settings fpmetrics gives its own connection (sql.py),
        # so that both sides run alike (128 MB of work_mem: the repeated ids spill less).
        env_psql = {**env, "PGOPTIONS": psql_settings()}
        hand = [psql, "-X", "-q", "-d", url, "-o", "/dev/null", "-c", HAND_WRITTEN]
        checked = [*hand, "-c", REPEATED_IDS]
        order = [("fpmetrics", fpmetrics), ("psql GROUP BY", hand)]
        order.append(("psql GROUP BY + repeated ids", checked))
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in order}
        for n in range(args.repeats):
            for name, command in order if n % 2 == 0 else order[::-1]:
                runs[name].append(measure(command, env_psql if command[0] == psql else env))
        best = {name: min(r) for name, r in runs.items()}
        base = best["psql GROUP BY"][0]
        print(f"| {args.rows:,} births | wall s (best of {args.repeats}) | × psql | peak RSS MB |")
        print("|---|---:|---:|---:|")
        for name, (wall, peak) in best.items():
            print(f"| {name} | {wall:.2f} | {wall / base:.2f} | {peak:.0f} |")
        if args.url and not args.keep:
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute("DROP TABLE births")
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
