"""DuckDB baseline: one SQL GROUP BY over read_csv, the same counts as fpmetrics.

    python duckdb_counts.py FILE --kind births|migrants [--encoding gb18030] [--out counts.csv]

DuckDB reads UTF-8 (and UTF-16, Latin-1) only without its ``encodings`` extension; a GB18030
file is transcoded first to a temporary UTF-8 copy, in 16 MB chunks, as fpmetrics does.
"""

from __future__ import annotations

import csv

import duckdb
from common import arguments, utf8_file

BIRTHS = """
WITH r AS (
    SELECT 乡镇 AS township, 性别 AS sex, 是否符合政策 AS policy,
           coalesce(是否出生缺陷, '') AS defect, coalesce(妊娠结局, '') AS outcome,
           try_strptime(出生日期, '%Y-%m-%d') AS born
    FROM read_csv($path, header = true, all_varchar = true)
)
SELECT township, year(born) AS period,
       count(*) FILTER (outcome IN ('活产', '') AND sex = '男') AS births_male,
       count(*) FILTER (outcome IN ('活产', '') AND sex = '女') AS births_female,
       count(*) FILTER (outcome IN ('活产', '') AND policy = '是') AS births_policy,
       count(*) AS perinatal_births,
       count(*) FILTER (defect = '是') AS birth_defects,
       births_male + births_female AS births
FROM r
WHERE township <> '' AND sex IN ('男', '女') AND policy IN ('是', '否')
  AND defect IN ('是', '否', '') AND outcome IN ('活产', '死胎', '死产', '')
  AND born IS NOT NULL
GROUP BY ALL
"""

# A repeated id counts once, on its first row: the row number comes from a streaming window
# over the scan (file order is kept: preserve_insertion_order), the first row of each repeated
# id from a GROUP BY id. The CSV is scanned twice (cheaper than materialising it).
MIGRANTS = """
WITH r AS NOT MATERIALIZED (
    SELECT 乡镇 AS township, upper(trim(身份证号)) AS id, 是否建档 AS archived,
           是否查验证 AS certified, 是否信息联系 AS contacted, row_number() OVER () AS rn
    FROM read_csv($path, header = true, all_varchar = true)
),
later AS (
    SELECT r.rn FROM r JOIN (
        SELECT id, min(rn) AS first FROM r WHERE id <> '' GROUP BY id HAVING count(*) > 1
    ) AS repeated ON r.id = repeated.id AND r.rn > repeated.first
)
SELECT township, '' AS period, count(*) AS migrant_women,
       count(*) FILTER (archived = '是') AS migrant_archived,
       count(*) FILTER (certified = '是') AS migrant_certified,
       count(*) FILTER (contacted = '是') AS migrant_contacted
FROM r ANTI JOIN later USING (rn)
WHERE township <> '' AND archived IN ('是', '否') AND certified IN ('是', '否')
  AND contacted IN ('是', '否')
GROUP BY ALL
"""


def main() -> None:
    args = arguments()
    with utf8_file(args.file, args.encoding) as path:
        query = BIRTHS if args.kind == "births" else MIGRANTS
        result = duckdb.connect().execute(query, {"path": path})
        names = [d[0] for d in result.description]
        rows = result.fetchall()
    with open(args.out, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(names)
        writer.writerows(rows)


if __name__ == "__main__":
    main()
