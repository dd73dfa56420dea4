"""Parquet registers: one file or a (hive-partitioned) folder, scanned lazily by Polars.

The column names are the header. Every role column is read as text (a date column as
``2023-05-01``, a number as ``1``), so the codes are read exactly as from a CSV export, and the
counting is today's Polars path, streaming, with the columns it needs only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from fpmetrics.aggregate.registers.engines import register_from_columns
from fpmetrics.aggregate.registers.source import Register
from fpmetrics.errors import InputError
from fpmetrics.frame_columns import ROW


@dataclass(frozen=True)
class ParquetSource:
    path: Path

    def lazy(self) -> pl.LazyFrame:
        if self.path.is_dir():
            return pl.scan_parquet(self.path / "**" / "*.parquet", hive_partitioning=True)
        return pl.scan_parquet(self.path)

    def scan_raw(self, register: Register) -> pl.LazyFrame:
        """``_row`` (a CSV export's row number: the first record is row 2) and one text
        column per role."""
        names = register.headers
        frame = self.lazy().with_row_index(ROW, offset=register.header_row + 1)
        picked = [pl.col(names[role]).cast(pl.String).alias(role) for role in register.columns]
        return frame.select([pl.col(ROW), *picked])


def parquet_register(path: Path, kind: str | None) -> Register:
    source = ParquetSource(path)
    try:
        names = source.lazy().collect_schema().names()
    except (pl.exceptions.PolarsError, OSError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError("file_unreadable", file=path, detail=detail) from None
    name, columns = register_from_columns(names, str(path), kind)
    return Register(
        file=path,
        sheet=None,
        kind=name,
        headers={role: names[i] for role, i in columns.items()},
        columns=columns,
        header_row=1,
        source=source,
    )
