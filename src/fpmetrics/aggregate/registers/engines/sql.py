"""A register in a SQL database (PostgreSQL through psycopg, MySQL through PyMySQL).

The database does the counting: fpmetrics sends the three queries of :mod:`.define` and gets
back grouped combinations and a bounded sample of problem rows, so its memory does not grow
with the table. Credentials come from the URL, the driver's environment (PGPASSWORD,
~/.pgpass, PGSERVICE…; MYSQL_PWD) or a prompt at a terminal; the password is masked in every
location and message fpmetrics shows.

Row numbers are the table's rows in the order they are stored, as a CSV export of them would
show (the first record is row 2; a table loaded from a CSV numbers as the CSV). In a
PostgreSQL table (14 or later) a row is located by its address (``ctid``, the order a
sequential scan reads): the queries need no row numbers, may use parallel workers, and only
the rows a problem lists are numbered, by one count (:meth:`SqlSource.row_numbers`). A
view, a partitioned table, a ``--query`` and MySQL number the rows with ``ROW_NUMBER()`` in
one sequential scan (PostgreSQL: no parallel workers).
"""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit, urlunsplit

import numpy as np
import polars as pl

from fpmetrics.aggregate.registers.engines import Location, define, register_from_columns, require
from fpmetrics.aggregate.registers.engines.pushdown import Pushdown
from fpmetrics.aggregate.registers.source import Register
from fpmetrics.errors import InputError
from fpmetrics.frame_columns import ROW
from fpmetrics.i18n import t

SESSION_SETTINGS = {
    # The repeated-id check groups every id: a bigger hash table spills less (~1/3 less time
    # at 1M rows). The server's memory, for this session only.
    "work_mem": "128MB",
    # The planner's guesses for these queries (an id's repeats, the dates' list) are far too
    # high, which turns on JIT compiling: >1 s per query, for nothing.
    "jit": "off",
}
"""Set on every PostgreSQL session unless ``PGOPTIONS`` is (the user's own settings stand)."""
TABLE_SETTINGS = {
    # The grouping's partial results are small (combinations, not rows): priced as such, each
    # worker groups its share of the scan (partial aggregation). Measured at 10M: the default
    # (0.1) groups every row in one process (13 s), 0.001 makes sending every row to the
    # leader look free (16 s), 0.01 gives partial aggregation (8.6 s); at 2M 0.01 is as fast
    # as 0.001.
    "parallel_tuple_cost": "0.01",
}
"""Also set once rows are located by ``ctid`` (parallel workers allowed), same condition."""
_REFUSED_PG = {"bytea", "json", "jsonb", "xml", "tsvector", "tsquery"}


def mask_url(url: str) -> str:
    """The URL with its password (if any) as ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    user = parts.netloc.rsplit("@", 1)[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _dialect(url: str) -> str:
    return "mysql" if url.lower().startswith("mysql") else "postgres"


@dataclass
class SqlSource(Pushdown):
    url: str = field(repr=False)
    """As given, password included: never shown (:attr:`where` is the masked one)."""
    dialect: str
    source: str
    """The table's name, or the user's query in parentheses."""
    what: str
    """``--table NAME`` or ``--query``: what a missing table is called in messages."""
    lang: str
    password: str | None = field(default=None, repr=False)
    _connection: object | None = field(default=None, repr=False)
    row_keys: bool = False
    _numbered: tuple[np.ndarray, np.ndarray] = field(
        default_factory=lambda: (np.empty(0, np.int64), np.empty(0, np.int64)), repr=False
    )
    """The keys numbered so far (sorted) and the rows stored before each."""

    @property
    def row_number(self) -> str:  # type: ignore[override]
        return "t.ctid" if self.row_keys else Pushdown.row_number

    @property
    def where(self) -> str:
        return mask_url(self.url)

    # -- connecting ------------------------------------------------------------------------

    def connect(self):
        if self._connection is None:
            self._connection = (
                self._connect_postgres() if self.dialect == "postgres" else self._connect_mysql()
            )
        return self._connection

    def _connect_postgres(self):
        import psycopg

        conninfo = "postgresql://" + self.url.split("://", 1)[1]
        options = {"application_name": "fpmetrics", "connect_timeout": 10}
        try:
            try:
                connection = psycopg.connect(conninfo, autocommit=True, **options)
            except psycopg.OperationalError as exc:
                if "no password supplied" not in str(exc) or not _interactive():
                    raise
                self.password = getpass.getpass(
                    t("db_password_prompt", self.lang, where=self.where)
                )
                connection = psycopg.connect(
                    conninfo, autocommit=True, password=self.password, **options
                )
        except psycopg.Error as exc:
            raise self._connect_error(exc) from None
        # Until rows are known to be located by ctid (:meth:`locate_by_ctid`): one sequential
        # scan in table order, so that ROW_NUMBER() numbers rows as they are stored.
        connection.execute("SET max_parallel_workers_per_gather = 0")
        if "PGOPTIONS" not in os.environ:  # the user's own settings stand
            for name, value in SESSION_SETTINGS.items():
                connection.execute(f"SET {name} = '{value}'")
        return connection

    def _connect_mysql(self):
        import pymysql

        parts = urlsplit(self.url)
        password = unquote(parts.password) if parts.password else os.environ.get("MYSQL_PWD")
        if password is None and _interactive():
            password = getpass.getpass(t("db_password_prompt", self.lang, where=self.where))
        self.password = password
        try:
            return pymysql.connect(
                host=parts.hostname or "localhost",
                port=parts.port or 3306,
                user=unquote(parts.username or getpass.getuser()),
                password=password or "",
                database=unquote(parts.path.lstrip("/")) or None,
                charset="utf8mb4",
                connect_timeout=10,
                autocommit=True,
            )
        except pymysql.Error as exc:
            raise self._connect_error(exc) from None

    def _connect_error(self, exc: Exception) -> InputError:
        detail = self._detail(exc)
        text = str(exc).lower()
        auth = (
            "password authentication failed" in text
            or "no password supplied" in text
            or "access denied" in text
            or "authentication failed" in text
        )
        return InputError("db_auth" if auth else "db_unreachable", where=self.where, detail=detail)

    def _detail(self, exc: Exception) -> str:
        """The driver's message, first line, with no password in it."""
        lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
        text = lines[0] if lines else type(exc).__name__
        secrets = [s for s in (self.password, urlsplit(self.url).password) if s]
        for secret in secrets:
            text = text.replace(secret, "***").replace(unquote(secret), "***")
        return text

    # -- querying --------------------------------------------------------------------------

    def query(self, sql: str, fill: dict[str, str] | None = None) -> tuple[list[str], list[tuple]]:
        """Column names and rows of ``sql`` (PostgreSQL's dialect, compiled)."""
        compiled = define.compile_sql(sql, self.dialect, self.source)
        for marker, text in (fill or {}).items():
            compiled = compiled.replace(marker, text)
        return self._run(compiled)

    def _run(self, compiled: str) -> tuple[list[str], list[tuple]]:
        connection = self.connect()
        try:
            cursor = connection.cursor()  # type: ignore[attr-defined]
            cursor.execute(compiled)
            rows = cursor.fetchall()
            names = [d[0] for d in cursor.description]
            cursor.close()
        except Exception as exc:
            raise self._query_error(exc) from None
        return names, rows

    def locate_by_ctid(self, table: str) -> None:
        """Locate rows by ``ctid`` when ``table`` is a plain table (or materialized view) of
        a PostgreSQL 14 or later (its ``min``/``max`` of a tid, its TID range scans), and let
        the queries use parallel workers again."""
        if self.dialect != "postgres":
            return
        connection = self.connect()
        try:
            found = connection.execute(  # type: ignore[attr-defined]
                "SELECT current_setting('server_version_num')::int >= 140000 AND "
                "(SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)) IN ('r', 'm')",
                (table,),
            ).fetchone()
        except Exception:  # a name to_regclass cannot read: numbered as before
            return
        if found and found[0]:
            self.row_keys = True
            connection.execute("RESET max_parallel_workers_per_gather")  # type: ignore[attr-defined]
            if "PGOPTIONS" not in os.environ:
                for name, value in TABLE_SETTINGS.items():
                    connection.execute(f"SET {name} = '{value}'")  # type: ignore[attr-defined]

    def repeated_ids(self, register: Register) -> pl.DataFrame:
        """As :meth:`Pushdown.repeated_ids`. In a PostgreSQL table, one grouping scan gives
        each repeated id with its first and last row (``ctid``): an id on two rows, the usual
        repeat, needs nothing more than those two rows, fetched by address; only the ids on
        three or more rows are looked for again (a scan, when there are any). The join back
        to the table this replaces took two thirds of the time at 10M rows, measured."""
        if not self.row_keys:
            return super().repeated_ids(register)
        columns = self._columns_of(register)
        groups = define.repeated_id_groups(columns, "MIN(t.ctid)::text", "MAX(t.ctid)::text")
        _, found = self.query(groups)
        if not found:
            return self._frame(define.rows_at(columns, self.row_number, "FALSE"))
        tids = sorted({tid for _, _, first, last in found for tid in (first, last)})
        at = f"t.ctid = ANY(ARRAY[{define.LISTED}]::tid[])"
        listed = {define.LISTED: ", ".join(define.literal(tid) for tid in tids)}
        frames = [self._frame(define.rows_at(columns, self.row_number, at), listed)]
        many = [key for key, count, _, _ in found if count > 2]
        if many:  # the rows between the first and the last of an id on 3 or more rows
            ident = f"UPPER(TRIM(CAST(t.{define.quote(columns['id'])} AS TEXT)))"
            keys = {define.LISTED: ", ".join(define.literal(k) for k in many)}
            where = f"{ident} IN ({define.LISTED})"
            frames.append(self._frame(define.rows_at(columns, self.row_number, where), keys))
        return pl.concat(frames).unique(ROW, keep="first").sort(ROW)

    def row_numbers(self, keys: np.ndarray) -> np.ndarray:
        """The row numbers of the rows at ``keys`` (order keys of their ``ctid``): 2 + the
        rows stored before each. Only rows a problem lists come here.

        One query of TID range counts, one per gap between a new key and the key before it
        among those already numbered and the new ones (a correlated count over ``unnest`` of
        the gaps' bounds): each reads only the addresses of its gap, with no work per row but
        the count. The keys numbered are kept, so that a later call (the repeated ids' rows,
        then the bad values') counts only from the nearest of them, not from the table's
        start. Measured at 10M rows, 2,000 listed rows: 0.7-1.3 s, against 2.4-3.3 s for one
        scan placing each row among the keys (``width_bucket``), which this replaces."""
        keys = np.asarray(keys, dtype=np.int64)
        if not self.row_keys or keys.size == 0:
            return keys
        unique, inverse = np.unique(keys, return_inverse=True)
        known, before = self._numbered
        fresh = np.setdiff1d(unique, known)
        if fresh.size:
            merged = np.union1d(known, fresh)
            is_fresh = np.isin(merged, fresh)
            at = np.flatnonzero(is_fresh)
            gaps = np.zeros(merged.size, dtype=np.int64)
            gaps[at] = self._gap_counts(np.where(at > 0, merged[at - 1], -1), merged[at])
            running = np.cumsum(gaps)
            counted = np.zeros(merged.size, dtype=np.int64)
            counted[~is_fresh] = before
            index = np.arange(merged.size)
            last = np.maximum.accumulate(np.where(is_fresh, -1, index))  # last known, or -1
            start = np.where(last >= 0, counted[last] - running[np.maximum(last, 0)], 0)
            known, before = merged, start + running
            self._numbered = (known, before)
        return (before[np.searchsorted(known, unique)] + 2)[inverse].reshape(keys.shape)

    def _gap_counts(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """The rows stored from each ``starts`` key (-1: the table's start) up to, not
        including, the ``ends`` key at the same place: one query."""
        lows = ", ".join(_tid_literal(k) for k in starts.tolist())
        highs = ", ".join(_tid_literal(k) for k in ends.tolist())
        sql = (
            f"SELECT r.i - 1, (SELECT COUNT(*) FROM {self.source} AS t "
            "WHERE t.ctid >= r.lo AND t.ctid < r.hi) "
            f"FROM unnest(ARRAY[{lows}]::tid[], ARRAY[{highs}]::tid[]) "
            "WITH ORDINALITY AS r(lo, hi, i)"
        )
        _, found = self._run(sql)
        counts = np.zeros(ends.size, dtype=np.int64)
        for gap, count in found:  # one row per gap
            counts[int(gap)] = int(count)
        return counts

    def columns(self) -> list[str]:
        """The columns of the table or query; a column of a type that is not text, a number
        or a date is refused when it is a register column."""
        connection = self.connect()
        try:
            cursor = connection.cursor()  # type: ignore[attr-defined]
            cursor.execute(f"SELECT * FROM {self.source} AS t LIMIT 0")
            description = list(cursor.description)
            cursor.fetchall()
            cursor.close()
        except Exception as exc:
            raise self._query_error(exc) from None
        self._types = {d[0]: _type_name(d, cursor, self.dialect) for d in description}
        return [d[0] for d in description]

    def check_types(self, headers: dict[str, str]) -> None:
        for header in headers.values():
            kind = self._types.get(header)
            if kind is not None and _refused(kind):
                raise InputError("db_bad_type", where=self.where, column=header, type=kind)

    def _query_error(self, exc: Exception) -> InputError:
        detail = self._detail(exc)
        name = type(exc).__name__
        code = getattr(exc, "args", [None])[0] if self.dialect == "mysql" else None
        if name in ("UndefinedTable", "InvalidSchemaName") or code == 1146:
            return InputError("db_no_table", where=self.where, table=self.what, detail=detail)
        lost = (
            name in ("OperationalError", "InterfaceError", "AdminShutdown", "ConnectionFailure")
            or (isinstance(code, int) and code in (2006, 2013))
            or ("connection" in detail.lower() and "closed" in detail.lower())
        )
        if lost:
            return InputError("db_dropped", where=self.where, detail=detail)
        return InputError("db_failed", where=self.where, detail=detail)

    def scan_raw(self, register: Register) -> pl.LazyFrame:
        raise InputError("engine_records_unsupported", where=self.where)


def _tid_literal(key: int) -> str:
    """A ``ctid`` order key (block * 65536 + item) as a tid literal; -1, the table's start."""
    return f"'({key >> 16},{key & 0xFFFF})'" if key >= 0 else "'(0,0)'"


def _type_name(column, cursor, dialect: str) -> str:
    if dialect == "postgres":
        return str(getattr(column, "type_display", "") or "")
    from pymysql.constants import FIELD_TYPE

    names = {FIELD_TYPE.JSON: "json", FIELD_TYPE.GEOMETRY: "geometry", FIELD_TYPE.BIT: "bit"}
    return names.get(column[1], "")


def _refused(kind: str) -> bool:
    return kind in _REFUSED_PG or kind.endswith("[]") or kind in ("geometry", "bit")


def _interactive() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def sql_register(url: str, options, lang: str, kind: str | None) -> Register:
    """The register in a database table (``--table``) or query (``--query``)."""
    dialect = _dialect(url)
    module = "psycopg" if dialect == "postgres" else "pymysql"
    require(module, "sql", "PostgreSQL" if dialect == "postgres" else "MySQL")
    require("sqlglot", "sql", "PostgreSQL" if dialect == "postgres" else "MySQL")
    if options.query is not None:
        source, what = f"({options.query.strip().rstrip(';')})", "--query"
    else:
        source, what = options.table, options.table
    sql = SqlSource(url=url, dialect=dialect, source=source, what=what, lang=lang)
    names = sql.columns()
    where = sql.where + (f" [{options.table}]" if options.table else " [--query]")
    name, columns = register_from_columns(names, where, kind)
    headers = {role: names[i] for role, i in columns.items()}
    sql.check_types(headers)
    if options.query is None:
        sql.locate_by_ctid(options.table)
    return Register(
        file=Location(sql.where),  # type: ignore[arg-type]
        sheet=options.table,
        kind=name,
        headers=headers,
        columns=columns,
        header_row=1,
        source=sql,
    )
