"""Registers where they live: a Parquet file or folder, a database table, a Spark table.

Each source opens as a :class:`~fpmetrics.aggregate.registers.source.Register` whose ``source`` does
the heavy part in its own engine: Parquet is scanned by Polars (the embedded engine, like
CSV); a database or Spark runs the grouping, the window of periods and the checks' row look-ups
as SQL compiled from one definition (:mod:`.define`), and only grouped counts and a bounded
sample of problem rows come back.

A register read from a table has no header row: its row numbers (``row`` in problems) count
as a CSV export of it would, the header being row 1 and the first record row 2.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fpmetrics.errors import InputError

_URL = re.compile(r"^(postgres|postgresql|mysql)(\+\w+)?://", re.IGNORECASE)
_CATALOG = re.compile(r"^(hive|spark):(?!//)\S+$", re.IGNORECASE)


@dataclass(frozen=True)
class EngineOptions:
    """Where registers that do not come as files live, and which engine counts them."""

    urls: tuple[str, ...] = ()
    table: str | None = None
    query: str | None = None
    engine: str = "embedded"
    spark: str | None = None
    """Spark Connect URL (``sc://host:15002``) or master URL; local mode when None."""
    prompt_lang: str = dataclasses.field(default="zh", compare=False)
    """The language of the password prompt, if a database asks for one."""


_CREDENTIALS = re.compile(
    r"\b((?:postgres|postgresql|mysql)(?:\+\w+)?:/{1,2}[^\s:/@]*):\S*@", re.IGNORECASE
)


def mask_credentials(text: str) -> str:
    """Every database URL's password in ``text`` as ``***`` (also in a URL taken for a path,
    whose ``//`` became ``/``)."""
    return _CREDENTIALS.sub(r"\1:***@", text)


class Location(str):
    """Where a register is, as shown in problems and reports (a database URL, masked)."""


def is_url(text: str) -> bool:
    """A database URL, or ``hive:NAME`` (a table in Spark's catalog, for --engine spark)."""
    return bool(_URL.match(text) or _CATALOG.match(text))


def split_inputs(inputs: Iterable[object]) -> tuple[list[Path], tuple[str, ...]]:
    """The inputs that are files or folders, and the database URLs (and ``hive:NAME``) among
    them, each in the order given. A URL is never a path: taken for one, it would be looked
    for on disk and shown whole, password included."""
    texts = [str(i) for i in inputs]
    return [Path(t) for t in texts if not is_url(t)], tuple(t for t in texts if is_url(t))


def is_parquet(path: Path) -> bool:
    """A ``.parquet`` file, or a folder of ``.parquet`` files (hive-partitioned or not) with
    no spreadsheet in it (a folder of both is read as a folder of spreadsheets)."""
    if path.is_file():
        return path.suffix.lower() in (".parquet", ".pq")
    if not path.is_dir() or next(path.rglob("*.parquet"), None) is None:
        return False
    from fpmetrics.read.sniff import INPUT_EXTENSIONS

    return not any(p.suffix.lower() in INPUT_EXTENSIONS for p in path.rglob("*") if p.is_file())


def require(module: str, extra: str, what: str) -> None:
    """Exit 2 naming the extra to install when ``module`` is not importable."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise InputError("engine_extra_missing", what=what, extra=extra)


def open_sources(
    paths: list[Path], options: EngineOptions, kind: str | None
) -> tuple[list[Path], list]:
    """The registers among the inputs that are not spreadsheet files, and the other paths.

    Parquet inputs go to Polars (or Spark with ``--engine spark``); database URLs to the
    database. Returns (other paths, registers)."""
    registers = []
    rest: list[Path] = []
    parquet = [p for p in paths if p.exists() and is_parquet(p)]
    rest = [p for p in paths if p not in parquet]
    tables = tuple(u.split(":", 1)[1] for u in options.urls if _CATALOG.match(u))
    options = dataclasses.replace(
        options, urls=tuple(u for u in options.urls if not _CATALOG.match(u))
    )
    if tables and options.engine != "spark":
        raise InputError("engine_options_unused", option=f"hive:{tables[0]}")
    if options.engine == "spark":
        from fpmetrics.aggregate.registers.engines.spark import spark_registers

        registers += spark_registers(parquet, tables, options, kind)
    else:
        from fpmetrics.aggregate.registers.engines.parquet import parquet_register

        registers += [parquet_register(p, kind) for p in parquet]
    if options.urls:
        if options.table is None and options.query is None:
            from fpmetrics.aggregate.registers.engines.sql import mask_url

            raise InputError("engine_need_table", where=mask_url(options.urls[0]))
        if len(options.urls) > 1:
            raise InputError("engine_one_database", count=len(options.urls))
        from fpmetrics.aggregate.registers.engines.sql import sql_register

        registers.append(sql_register(options.urls[0], options, options.prompt_lang, kind))
    elif (options.table or options.query) and options.engine != "spark":
        option = "--table" if options.table else "--query"
        raise InputError("engine_options_unused", option=option)
    return rest, registers


def register_from_columns(names: list[str], where: str, kind: str | None):
    """Kind and role columns named by a table's column names (its header)."""
    from fpmetrics.aggregate.registers.kinds import detect, not_a_register

    found = detect([str(n).strip() for n in names], kind)
    if found is None:
        if kind is not None:
            raise InputError(not_a_register(where, kind))
        raise InputError("engine_not_register", where=where, names="、".join(names))
    return found
