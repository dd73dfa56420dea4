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
engine's (MySQL, Spark SQL). The period key follows :func:`..aggregate._day` exactly: the
engine lists its distinct 10-character dates (:func:`date_values`), fpmetrics reads them with
that same Polars rule and sends the real days back in query 1; a date outside them is grouped
as written and read by :func:`..codes.dates`, so the fast path never changes an answer, only
how much travels.
"""

from __future__ import annotations

from functools import cache

SOURCE = "__fpm_src__"
"""Stands for the register's table or query until the SQL is compiled."""
PLAIN = "__fpm_plain__"
"""Stands for the register's rows without row numbers, for the queries that need none (the
dates, the grouping of ids): where numbering rows costs a join (Spark), they skip it."""
DATES = "__fpm_dates__"
"""Stands for the fast-path birth dates until the SQL is compiled (a long list: kept out of
SQLGlot's parser)."""
LISTED = "__fpm_listed__"
"""Stands for a long list of literals (row addresses, ids) until the SQL is compiled."""
DATE_VALUES_LIMIT = 100_000
"""At most this many distinct dates are read back; any further date is grouped as written
(more combinations, the same answers)."""

_DIALECTS = {"postgres": "postgres", "mysql": "mysql", "spark": "spark"}


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def rows(columns: dict[str, str], row_number: str) -> str:
    """The register's rows: ``_row`` and one text column per role (``columns``: role → the
    column's name in the table)."""
    picked = ", ".join(f"CAST(t.{quote(c)} AS TEXT) AS {quote(r)}" for r, c in columns.items())
    return f"SELECT {row_number} AS {quote('_row')}, {picked} FROM {SOURCE} AS t"


def date_values(columns: dict[str, str], limit: int) -> str:
    """The distinct birth dates that could be read by the fast path (10 characters), at most
    ``limit``: fpmetrics picks the real calendar days among them with the embedded engine's
    own rule (:func:`..aggregate._day`) and sends them back in :func:`combinations`."""
    raw = f"CAST(t.{quote(columns['birth_date'])} AS TEXT)"
    return (
        f"SELECT DISTINCT {raw} AS v FROM {PLAIN} AS t WHERE LENGTH({raw}) = 10 LIMIT {int(limit)}"
    )


def by_month(period: str | None) -> bool:
    """Whether the period key holds the month (:func:`..aggregate._day`)."""
    return period not in (None, "year")


def combinations(columns: dict[str, str], roles: list[str], period: str | None, rn: str) -> str:
    """Query 1: the grouped combinations (see the module's docstring).

    A birth date listed in :data:`DATES` (the fast-path dates of :func:`date_values`, filled
    in after compiling) is grouped by its first 4 (year) or 7 (month) characters, any other
    text as written behind a ``#``; one hashed ``IN`` per row, no regular expression, no
    join. The key is split back into ``birth_date`` and ``_day`` on the grouped rows."""
    keys = [f"s.{quote(r)}" for r in roles if r != "birth_date"]
    select = list(keys)
    if "birth_date" in roles:
        raw = f"s.{quote('birth_date')}"
        width = 7 if by_month(period) else 4
        key = (
            f"CASE WHEN {raw} IN ({DATES}) THEN SUBSTRING({raw}, 1, {width}) ELSE '#' || {raw} END"
        )
        select.append(f"{key} AS {quote('_k')}")
        keys.append(key)
    grouped = (
        f"SELECT {', '.join(select)}, COUNT(*) AS {quote('_n')}, "
        f"MIN(s.{quote('_row')}) AS {quote('_first')}, MAX(s.{quote('_row')}) AS {quote('_last')} "
        f"FROM ({rows(columns, rn)}) AS s GROUP BY {', '.join(keys)}"
    )
    if "birth_date" not in roles:
        return grouped
    k = f"g.{quote('_k')}"
    day = f"CAST(SUBSTRING({k}, 1, 4) AS INT)"
    if by_month(period):
        day = f"{day} * 100 + CAST(SUBSTRING({k}, 6, 2) AS INT)"
    kept = [f"g.{quote(r)}" for r in roles if r != "birth_date"]
    kept += [
        f"CASE WHEN SUBSTRING({k}, 1, 1) = '#' THEN SUBSTRING({k}, 2) END AS {quote('birth_date')}",
        f"CASE WHEN SUBSTRING({k}, 1, 1) <> '#' THEN {day} END AS {quote('_day')}",
    ]
    kept += [f"g.{quote(c)}" for c in ("_n", "_first", "_last")]
    return f"SELECT {', '.join(kept)} FROM ({grouped}) AS g"


def dates_list(dates: list[str]) -> str:
    """What stands for :data:`DATES`: the fast-path dates as literals (digits and dashes
    only, so quoted alike in every dialect); a value no date equals when there is none."""
    return ", ".join(literal(d) for d in dates) if dates else "'#'"


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
        f"SELECT UPPER(TRIM({ident})) AS k FROM {PLAIN} AS t WHERE {ident} IS NOT NULL "
        f"GROUP BY UPPER(TRIM({ident})) HAVING COUNT(*) > 1"
    )
    return (
        f"SELECT * FROM ({rows(columns, rn)}) AS s WHERE {quote('id')} IS NOT NULL AND "
        f"UPPER(TRIM({quote('id')})) IN (SELECT r.k FROM ({repeated}) AS r) "
        f"ORDER BY {quote('_row')}"
    )


def repeated_id_groups(columns: dict[str, str], first: str, last: str) -> str:
    """Query 3, first half, where rows have an address (PostgreSQL's ``ctid``): each id on
    more than one row with its count and its first and last row (``first``/``last``: the
    SQL of those addresses). Two rows, the usual repeat, are then fetched by address
    (:func:`rows_at`); one scan of the table, no join back to it."""
    ident = f"CAST(t.{quote(columns['id'])} AS TEXT)"
    key = f"UPPER(TRIM({ident}))"
    return (
        f"SELECT {key} AS k, COUNT(*) AS n, {first} AS a, {last} AS b FROM {SOURCE} AS t "
        f"WHERE {ident} IS NOT NULL GROUP BY {key} HAVING COUNT(*) > 1"
    )


def rows_at(columns: dict[str, str], rn: str, where: str) -> str:
    """The register's rows that ``where`` picks (over ``t``), by row."""
    return f"SELECT * FROM ({rows(columns, rn)} WHERE {where}) AS s ORDER BY {quote('_row')}"


@cache
def compile_sql(sql: str, dialect: str, source: str, plain: str | None = None) -> str:
    """``sql`` (PostgreSQL's dialect) in ``dialect``, reading from ``source`` (a table name or
    a parenthesised query, written in the engine's own dialect and left as it is), and from
    ``plain`` where no row numbers are needed (``source`` when None)."""
    import sqlglot

    compiled = sqlglot.transpile(sql, read="postgres", write=_DIALECTS[dialect])[0]
    return compiled.replace(SOURCE, source).replace(PLAIN, source if plain is None else plain)
