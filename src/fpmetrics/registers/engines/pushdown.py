"""What the aggregation asks of a database or Spark: the three queries of :mod:`.define`, run
by the engine, their (small) answers as Polars frames."""

from __future__ import annotations

import polars as pl

from ..source import Register
from . import define


class Pushdown:
    """A source that runs SQL: subclasses give ``query(sql) -> (names, rows)`` and
    ``row_number`` (the SQL for a row's number, the first record being row 2)."""

    row_number = "ROW_NUMBER() OVER () + 1"

    def query(self, sql: str) -> tuple[list[str], list[tuple]]:
        raise NotImplementedError

    def _frame(self, sql: str) -> pl.DataFrame:
        names, rows = self.query(sql)
        return pl.DataFrame(rows, schema={n: _dtype(n) for n in names}, orient="row")

    @staticmethod
    def _columns_of(register: Register) -> dict[str, str]:
        return {role: register.headers[role] for role in register.columns}

    def combinations(
        self, register: Register, roles: list[str], period: str | None
    ) -> pl.DataFrame:
        columns = self._columns_of(register)
        return self._frame(define.combinations(columns, roles, period, self.row_number))

    def bad_rows(
        self, register: Register, bad: dict[str, tuple[list[str], bool]], limit: int
    ) -> pl.DataFrame:
        columns = self._columns_of(register)
        return self._frame(define.bad_rows(columns, bad, limit, self.row_number))

    def repeated_ids(self, register: Register) -> pl.DataFrame:
        return self._frame(define.repeated_ids(self._columns_of(register), self.row_number))


def _dtype(name: str) -> pl.DataType:
    if name in ("_row", "_n", "_first", "_last"):
        return pl.Int64()
    if name == "_day":
        return pl.Int32()
    return pl.String()
