"""From paths on the command line to one frame of unit rows with their locations."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from fpmetrics.aggregate.levels import village_from_code
from fpmetrics.aggregate.registers.kinds import not_a_register
from fpmetrics.aggregate.registers.source import Register, csv_register, sheet_register
from fpmetrics.errors import InputError
from fpmetrics.frame_columns import FILE, ROW, SHEET, TABLE, UNDATED, header_column
from fpmetrics.normalise.fields import COUNT_FIELDS, RATE_FIELDS, alias_table, clean_names
from fpmetrics.normalise.periods import period_rank
from fpmetrics.read.limits import check_unit_count
from fpmetrics.read.readers import read_file
from fpmetrics.read.sniff import INPUT_EXTENSIONS, is_own_report, sniff_format
from fpmetrics.read.table import HEADER_SEARCH_ROWS, Table, locate_table

if TYPE_CHECKING:
    from fpmetrics.aggregate.registers.aggregate import Aggregated
    from fpmetrics.aggregate.registers.engines import EngineOptions

LOCATION_COLUMNS = [FILE, SHEET, ROW]


@dataclass
class Inputs:
    files: list[Path]
    tables: list[Table]
    records: pd.DataFrame
    totals: pd.DataFrame
    present: set[str]
    registers: list[Aggregated] = dataclasses.field(default_factory=list)
    skipped: list[tuple[Path, str]] = dataclasses.field(default_factory=list)
    """Files in an input folder that were not read: ``own_report`` (a report fpmetrics
    wrote) or ``no_table`` (no township table or register in it)."""


@dataclass(frozen=True)
class RegisterOptions:
    """How register inputs are read: the kind forced, the period births are grouped by, the
    township names every record must use."""

    kind: str | None = None
    period: str | None = None
    units: frozenset[str] | None = None
    engines: EngineOptions | None = None
    """Database URLs, --table/--query, --engine/--spark (Parquet needs none of them)."""


def expand_inputs(paths: list[Path]) -> list[tuple[Path, bool]]:
    """(file, named on the command line) for each input file: files as given, folders as the
    spreadsheet files inside them (sorted, no temp files)."""
    files: list[tuple[Path, bool]] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in INPUT_EXTENSIONS
                and not p.name.startswith(("~$", "."))
            )
            if not found:
                raise InputError("file_is_dir_empty", file=path)
            files.extend((f, False) for f in found)
        elif not path.exists():
            raise InputError("file_missing", file=path)
        else:
            files.append((path, True))
    return files


def load_inputs(
    paths: list[Path],
    sheet: str | None = None,
    extra_aliases: dict[str, list[str]] | None = None,
    registers: RegisterOptions | None = None,
) -> Inputs:
    options = registers or RegisterOptions()
    aliases = alias_table(extra_aliases)
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    tables: list[Table] = []
    found_registers: list[Register] = []
    paths, found_registers = _open_sources(paths, options)
    files.extend(r.file for r in found_registers)
    for file, named in expand_inputs(paths):
        if not named and is_own_report(file):
            skipped.append((file, "own_report"))
            continue
        files.append(file)
        if sniff_format(file) == "text":
            register = csv_register(file, options.kind)
            if register is not None:
                found_registers.append(register)
                continue
        found = []
        sheets = read_file(file, sheet)
        for raw in sheets:
            register = sheet_register(raw, options.kind)
            if register is not None:
                found_registers.append(register)
                continue
            table = locate_table(raw, aliases)
            if table is not None:
                check_unit_count(table.data["township"].nunique(), raw.where)
                found.append(table)
        if not found and not any(r.file == file for r in found_registers):
            if not named:  # a notes file in a folder of township sheets
                files.pop()
                skipped.append((file, "no_table"))
                continue
            where = sheets[0].where if len(sheets) == 1 else str(file)
            if options.kind is not None:
                raise InputError(not_a_register(where, options.kind))
            raise InputError("no_header", where=where, rows=HEADER_SEARCH_ROWS)
        tables.extend(found)
    if not files:
        raise InputError("no_tables_in", files="、".join(str(f) for f, _ in skipped))
    units = set(options.units) if options.units is not None else None
    aggregated = _aggregate(found_registers, options.period, units)
    frames = [_records(table, table.data).assign(**{TABLE: n}) for n, table in enumerate(tables)]
    if aggregated:
        from fpmetrics.aggregate.registers.aggregate import to_records

        frames += [
            to_records(a).assign(**{TABLE: len(tables) + n}) for n, a in enumerate(aggregated)
        ]
    records = _join_undated(pd.concat(frames, ignore_index=True))
    village = village_from_code(records)  # villages told apart by their code, too
    records["village"] = village.where(village != "", None)
    totals = pd.concat(
        [_records(table, table.totals).assign(**{TABLE: n}) for n, table in enumerate(tables)]
        or [records.iloc[:0]],
        ignore_index=True,
    )
    present = {name for table in tables for name in table.headers}
    present |= {name for a in aggregated for name in a.fields}
    present |= {k for a in aggregated for k in ("village", "county") if k in a.register.columns}
    return Inputs(
        files=files,
        tables=tables,
        records=records,
        totals=totals,
        present=present,
        registers=aggregated,
        skipped=skipped,
    )


def _open_sources(paths: list[Path], options: RegisterOptions) -> tuple[list[Path], list[Register]]:
    """Parquet files and folders, database tables, Spark tables: registers read where they
    live (:mod:`.registers.engines`); the other paths are read as spreadsheets."""
    from fpmetrics.aggregate.registers.engines import EngineOptions, is_parquet, open_sources

    engines = options.engines or EngineOptions()
    if engines == EngineOptions() and not any(p.exists() and is_parquet(p) for p in paths):
        return paths, []
    return open_sources(paths, engines, options.kind)


def _aggregate(
    registers: list[Register], period: str | None, units: set[str] | None
) -> list[Aggregated]:
    if not registers:
        return []
    from fpmetrics.aggregate.registers.aggregate import (
        aggregate,  # Polars: imported only for registers
    )

    return [_aggregate_one(aggregate, r, period, units) for r in registers]


def _aggregate_one(
    aggregate: Callable[..., Aggregated],
    register: Register,
    period: str | None,
    units: set[str] | None,
) -> Aggregated:
    """One register, its read errors (bytes that are not UTF-8, a damaged file) as a message."""
    import polars as pl

    try:
        return aggregate(register, period, units)
    except pl.exceptions.PolarsError as exc:
        from fpmetrics.read.encoding import find_bad_utf8
        from fpmetrics.read.readers import bad_bytes_message

        bad = find_bad_utf8(register.csv_path) if register.csv_path is not None else None
        if bad is not None:
            raise InputError(bad_bytes_message(register.file, bad)) from None
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise InputError("register_unreadable", where=register.where, detail=detail) from None


def _join_undated(records: pd.DataFrame) -> pd.DataFrame:
    """Inputs without periods (a migrant register, a staff list) describe the present: when
    other inputs have periods, their rows join the latest period (not a unit of their own)."""
    dated = records.groupby(TABLE)["period"].transform(lambda p: p.notna().any())
    if not dated.any() or dated.all():
        return records
    rank = period_rank(records.loc[dated, "period"].dropna().astype(str))
    latest = max(rank, key=rank.__getitem__)
    return records.assign(period=records["period"].where(dated, latest), **{UNDATED: ~dated})


def _records(table: Table, data: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``data`` (unit or totals rows of ``table``) with their locations."""
    frame = pd.DataFrame(index=data.index)
    frame["township"] = clean_names(data["township"].astype(str))
    frame["code"] = _key_text(data["code"]) if "code" in data else None
    frame["period"] = _key_text(data["period"]) if "period" in data else None
    for key in ("village", "county"):
        frame[key] = clean_names(_key_text(data[key])) if key in data else None
        frame[header_column(key)] = table.headers.get(key)
    for field in (*COUNT_FIELDS, *RATE_FIELDS):
        frame[field] = data.get(field)
        frame[header_column(field)] = table.headers.get(field)
    frame[header_column("township")] = table.headers["township"]
    frame[header_column("period")] = table.headers.get("period")
    frame[header_column("code")] = table.headers.get("code")
    frame[FILE] = str(table.source.file)
    frame[SHEET] = table.source.sheet
    frame[ROW] = data.index.astype(int)
    return frame.reset_index(drop=True)


def _key_text(raw: pd.Series) -> pd.Series:
    """Periods and area codes as text: 2023.0 or 371521100000.0 from Excel become "2023" and
    "371521100000" (never 3.71521e+11); empty cells become None."""
    numbers = pd.to_numeric(raw, errors="coerce")
    whole = numbers.notna() & (numbers == numbers.round())
    text = raw.astype("string").str.strip()
    text = text.where(~whole, numbers.where(whole).astype("Int64").astype("string"))
    return text.replace("", pd.NA).astype(object).where(text.notna() & (text != ""), None)
