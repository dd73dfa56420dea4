"""What the aggregation asks of a database or Spark: the three queries of :mod:`.define`, run
by the engine, their (small) answers as Polars frames."""

from __future__ import annotations

import numpy as np
import polars as pl

from fpmetrics.aggregate.registers.engines import define
from fpmetrics.aggregate.registers.source import Register
from fpmetrics.frame_columns import ROW


class Pushdown:
    """A source that runs SQL: subclasses give ``query(sql) -> (names, rows)`` and
    ``row_number`` (the SQL for a row's number, the first record being row 2)."""

    row_number = "ROW_NUMBER() OVER () + 1"
    row_keys = False
    """True when ``row_number`` gives a database's row address (PostgreSQL's ``ctid``), not a
    number: ``_row``/``_first``/``_last`` then come back as order keys (block * 65536 +
    item, in the table's order), and :meth:`row_numbers` turns the few shown into numbers."""

    def row_numbers(self, keys: np.ndarray) -> np.ndarray:
        """The row numbers of rows given by their ``_row`` (here already numbers)."""
        return keys

    def query(self, sql: str, fill: dict[str, str] | None = None) -> tuple[list[str], list[tuple]]:
        """Column names and rows of ``sql`` (PostgreSQL's dialect) compiled, each marker of
        ``fill`` then replaced by its text."""
        raise NotImplementedError

    def _frame(self, sql: str, fill: dict[str, str] | None = None) -> pl.DataFrame:
        names, rows = self.query(sql, fill)
        if not self.row_keys:
            return pl.DataFrame(rows, schema={n: _dtype(n) for n in names}, orient="row")
        tids = [n for n in names if n in _ROWS]
        schema = {n: pl.String() if n in tids else _dtype(n) for n in names}
        frame = pl.DataFrame(rows, schema=schema, orient="row")
        return frame.with_columns([_tid_key(n) for n in tids])

    @staticmethod
    def _columns_of(register: Register) -> dict[str, str]:
        return {role: register.headers[role] for role in register.columns}

    def combinations(
        self, register: Register, roles: list[str], period: str | None
    ) -> pl.DataFrame:
        columns = self._columns_of(register)
        fill = {}
        if "birth_date" in roles:
            fill[define.DATES] = define.dates_list(self._fast_dates(columns, period))
        return self._frame(define.combinations(columns, roles, period, self.row_number), fill)

    def _fast_dates(self, columns: dict[str, str], period: str | None) -> list[str]:
        """The register's distinct birth dates that the embedded engine's fast path reads
        (:func:`..aggregate._day`), checked here by that same rule, and plain
        ``YYYY-MM-DD`` (whose first 4 or 7 characters are then the period key)."""
        from fpmetrics.aggregate.registers.aggregate import _day

        _, found = self.query(define.date_values(columns, define.DATE_VALUES_LIMIT))
        dates = pl.DataFrame(
            {"birth_date": [r[0] for r in found]}, schema={"birth_date": pl.String}
        )
        plain = pl.col("birth_date").str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
        fast = dates.filter(plain & _day(period).is_not_null())
        return sorted(fast["birth_date"].to_list())

    def bad_rows(
        self, register: Register, bad: dict[str, tuple[list[str], bool]], limit: int
    ) -> pl.DataFrame:
        columns = self._columns_of(register)
        return self._frame(define.bad_rows(columns, bad, limit, self.row_number))

    def repeated_ids(self, register: Register) -> pl.DataFrame:
        return self._frame(define.repeated_ids(self._columns_of(register), self.row_number))


_ROWS = (ROW, "_first", "_last")


def _tid_key(name: str) -> pl.Expr:
    """A ``ctid`` (``(block,item)``) as an order key, block * 65536 + item (an item number
    is below 2^16 in every page size PostgreSQL allows)."""
    cell = pl.col(name)
    block = cell.str.extract(r"^\((\d+),", 1).cast(pl.Int64)
    item = cell.str.extract(r",(\d+)\)$", 1).cast(pl.Int64)
    return (block * 65536 + item).alias(name)


def _dtype(name: str) -> pl.DataType:
    if name in (ROW, "_n", "_first", "_last"):
        return pl.Int64()
    if name == "_day":
        return pl.Int32()
    return pl.String()
