"""What an engine computes for a register, defined once and compiled to each engine's SQL.

The embedded path (:mod:`..aggregate`) asks three things of a register's rows, as Polars
expressions; a database or Spark is asked the same three things as SQL:

1. **combinations**: the rows grouped by their raw role cells, a birth date that reads as
   ``YYYY-MM-DD`` replaced by its period key (``_day``: the year, or year*100+month), with the
   count ``_n`` and the first and last row ``_first``/``_last``. This is where the counting
   happens (a province's 10M births are a few hundred thousand combinations); codes are then
   read once per distinct class (:mod:`..codes`), the same code for every engine.
2. **rows with a bad value**: the rows whose cell in a role is one of a few bad values, in row
   order, at most a bound.
3. **rows with a repeated id**: the rows whose id (trimmed, upper-cased) is on more than one
   row: the duplicate-id check.

The SQL is written once here, in PostgreSQL's dialect, and compiled by SQLGlot to the
engine's (MySQL, Spark SQL). The period key follows :func:`..aggregate._day` exactly
(:data:`FAST_DATE`, :data:`FAST_YEARS`): a date outside it is grouped as written and read by
:func:`..codes.dates`, so the fast path never changes an answer, only how much travels.
"""

from __future__ import annotations

import re
from functools import cache

FAST_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
"""The text a birth date must be for its period to be computed in the engine."""
FAST_YEARS = (1900, 2100)
SOURCE = "__fpm_src__"
"""Stands for the register's table or query until the SQL is compiled."""

_DIALECTS = {"postgres": "postgres", "mysql": "mysql", "spark": "spark"}


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def day_key(column: str, period: str | None) -> str:
    """The period key of a ``YYYY-MM-DD`` date (a real calendar day, years 1900-2100), NULL
    for any other text."""
    y = f"CAST(SUBSTRING({column}, 1, 4) AS INT)"
    m = f"CAST(SUBSTRING({column}, 6, 2) AS INT)"
    d = f"CAST(SUBSTRING({column}, 9, 2) AS INT)"
    leap = f"(({y} % 4 = 0 AND {y} % 100 <> 0) OR {y} % 400 = 0)"
    days = (
        f"CASE WHEN {m} = 2 THEN CASE WHEN {leap} THEN 29 ELSE 28 END "
        f"WHEN {m} IN (4, 6, 9, 11) THEN 30 ELSE 31 END"
    )
    key = f"{y} * 100 + {m}" if period == "month" else y
    low, high = FAST_YEARS
    return (
        f"CASE WHEN LENGTH({column}) = 10 AND {column} ~ {literal(FAST_DATE)} THEN "
        f"CASE WHEN {y} BETWEEN {low} AND {high} AND {m} BETWEEN 1 AND 12 "
        f"AND {d} BETWEEN 1 AND {days} THEN {key} END END"
    )


def rows(columns: dict[str, str], row_number: str) -> str:
    """The register's rows: ``_row`` and one text column per role (``columns``: role → the
    column's name in the table)."""
    picked = ", ".join(f"CAST(t.{quote(c)} AS TEXT) AS {quote(r)}" for r, c in columns.items())
    return f"SELECT {row_number} AS {quote('_row')}, {picked} FROM {SOURCE} AS t"


def combinations(columns: dict[str, str], roles: list[str], period: str | None, rn: str) -> str:
    """Query 1: the grouped combinations (see the module's docstring).

    The period key is computed once per distinct birth date (a few thousand, not one per
    row: its regular expression and arithmetic cost ~10 s per 1M rows in PostgreSQL) and
    joined back; the join costs a second scan of one column."""
    keys = [f"s.{quote(r)}" for r in roles if r != "birth_date"]
    select = list(keys)
    source = f"({rows(columns, rn)}) AS s"
    if "birth_date" in roles:
        date, day = quote("birth_date"), quote("_day")
        raw = f"CAST(t.{quote(columns['birth_date'])} AS TEXT)"
        distinct = f"SELECT DISTINCT {raw} AS v FROM {SOURCE} AS t"
        # DISTINCT here too: it keeps the planner from pulling the key up into the join,
        # where it would be computed on every row again.
        keyed = f"SELECT DISTINCT x.v AS v, {day_key('x.v', period)} AS k FROM ({distinct}) AS x"
        source += f" LEFT JOIN ({keyed}) AS d ON s.{date} = d.v"
        rest = f"CASE WHEN d.k IS NULL THEN s.{date} END"
        select += [f"{rest} AS {date}", f"d.k AS {day}"]
        keys += [rest, "d.k"]
    return (
        f"SELECT {', '.join(select)}, COUNT(*) AS {quote('_n')}, "
        f"MIN(s.{quote('_row')}) AS {quote('_first')}, MAX(s.{quote('_row')}) AS {quote('_last')} "
        f"FROM {source} GROUP BY {', '.join(keys)}"
    )


def bad_rows(
    columns: dict[str, str], bad: dict[str, tuple[list[str], bool]], limit: int, rn: str
) -> str:
    """Query 2: rows holding a bad value (``bad``: role → (values, also NULL)), by row."""
    tests = []
    for role, (values, null) in bad.items():
        parts = []
        if values:
            parts.append(f"TRIM({quote(role)}) IN ({', '.join(literal(v) for v in values)})")
        if null:
            parts.append(f"{quote(role)} IS NULL")
        tests.append("(" + " OR ".join(parts) + ")")
    filled = " OR ".join(f"{quote(r)} IS NOT NULL" for r in columns)
    return (
        f"SELECT * FROM ({rows(columns, rn)}) AS s WHERE ({' OR '.join(tests)}) AND ({filled}) "
        f"ORDER BY {quote('_row')} LIMIT {int(limit)}"
    )


def repeated_ids(columns: dict[str, str], rn: str) -> str:
    """Query 3: the rows whose id is on more than one row, by row."""
    ident = f"CAST(t.{quote(columns['id'])} AS TEXT)"
    repeated = (
        f"SELECT UPPER(TRIM({ident})) AS k FROM {SOURCE} AS t WHERE {ident} IS NOT NULL "
        f"GROUP BY UPPER(TRIM({ident})) HAVING COUNT(*) > 1"
    )
    return (
        f"SELECT * FROM ({rows(columns, rn)}) AS s WHERE {quote('id')} IS NOT NULL AND "
        f"UPPER(TRIM({quote('id')})) IN (SELECT r.k FROM ({repeated}) AS r) "
        f"ORDER BY {quote('_row')}"
    )


@cache
def compile_sql(sql: str, dialect: str, source: str) -> str:
    """``sql`` (PostgreSQL's dialect) in ``dialect``, reading from ``source`` (a table name or
    a parenthesised query, written in the engine's own dialect and left as it is)."""
    import sqlglot

    compiled = sqlglot.transpile(sql, read="postgres", write=_DIALECTS[dialect])[0]
    if dialect == "mysql":  # MySQL 8 and MariaDB both read the operator; only MySQL the function
        compiled = re.sub(r"REGEXP_LIKE\(([\w.`]+), ('[^']*')\)", r"(\1 REGEXP \2)", compiled)
    return compiled.replace(SOURCE, source)
