"""``--engine spark``: a Parquet register (file or partitioned folder) or a table in Spark's
catalog (Hive), counted by Spark.

The session is a Spark Connect one for ``--spark sc://host:15002``, a classic one on the
master URL otherwise (``spark://…``, ``yarn``, ``k8s://…``), ``local[*]`` when none is given.
The queries are those of :mod:`.define`, compiled to Spark SQL; only grouped combinations and a
bounded sample of problem rows come back to fpmetrics, whose memory does not grow with the
register (in local mode the work happens in Spark's JVM, not in this process).

Row numbers are those the embedded engine gives the same files: the files in path order, each
file's rows in order (``_metadata.row_index``), the first record being row 2. They are computed
without a global sort: per-file row counts, their running sum (one row per file), joined back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fpmetrics.aggregate.registers.engines import Location, define, register_from_columns, require
from fpmetrics.aggregate.registers.engines.pushdown import Pushdown
from fpmetrics.aggregate.registers.source import Register
from fpmetrics.errors import InputError

_ROW = "__fpm_row"
_REFUSED = ("BinaryType", "MapType", "ArrayType", "StructType")


def _numbered(base: str) -> str:
    """``base`` (a table, or ``parquet.`path```) with each row's number in ``__fpm_row``."""
    files = (
        f"SELECT _metadata.file_path AS p, COUNT(*) AS c FROM {base} GROUP BY _metadata.file_path"
    )
    offsets = (
        "SELECT p, COALESCE(SUM(c) OVER (ORDER BY p ROWS BETWEEN UNBOUNDED PRECEDING AND "
        f"1 PRECEDING), 0) AS off FROM ({files}) AS f"
    )
    return (
        f"(SELECT o.off + t._metadata.row_index + 2 AS {_ROW}, t.* FROM {base} AS t "
        f"JOIN ({offsets}) AS o ON t._metadata.file_path = o.p)"
    )


@dataclass
class SparkSource(Pushdown):
    base: str
    """``parquet.`path``` or a table name: what Spark reads."""
    where: str
    session: object = field(repr=False)
    row_number = f't."{_ROW}"'

    def query(self, sql: str, fill: dict[str, str] | None = None) -> tuple[list[str], list[tuple]]:
        # Numbering rows is a join (per-file counts, joined back): only where rows are read.
        compiled = define.compile_sql(sql, "spark", _numbered(self.base), self.base)
        for marker, text in (fill or {}).items():
            compiled = compiled.replace(marker, text)
        try:
            frame = self.session.sql(compiled)  # type: ignore[attr-defined]
            names = list(frame.columns)
            rows = [tuple(row) for row in frame.collect()]
        except Exception as exc:
            raise _failed(exc, self.where) from None
        return names, rows

    def scan_raw(self, register: Register):
        raise InputError("engine_records_unsupported", where=self.where)


def _failed(exc: Exception, where: str) -> InputError:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    detail = lines[0] if lines else type(exc).__name__
    return InputError("spark_failed", where=where, detail=detail[:300])


def session(url: str | None):
    """The Spark session: Spark Connect for ``sc://``, else the master URL (local[*])."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("fpmetrics")
    try:
        if url is not None and url.startswith("sc://"):
            return builder.remote(url).getOrCreate()
        spark = (
            builder.master(url or "local[*]")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        return spark
    except Exception as exc:
        raise _failed(exc, url or "local[*]") from None


def spark_registers(
    paths: list[Path], tables: tuple[str, ...], options, kind: str | None
) -> list[Register]:
    """The registers ``--engine spark`` reads: the Parquet inputs, and the catalog's tables
    named ``hive:NAME`` (or ``--table NAME``)."""
    require("pyspark", "spark", "--engine spark")
    require("sqlglot", "spark", "--engine spark")
    tables = (*tables, *([options.table] if options.table else []))
    if options.query is not None or options.urls or not (paths or tables):
        raise InputError("spark_needs_input")
    spark = session(options.spark)
    bases = [(f"parquet.`{p.resolve()}`", str(p)) for p in paths]
    bases += [(table, f"hive:{table}") for table in tables]
    registers = []
    for base, where in bases:
        try:
            schema = spark.sql(f"SELECT * FROM {base} LIMIT 0").schema
        except Exception as exc:
            raise _failed(exc, where) from None
        names = [f.name for f in schema.fields]
        name, columns = register_from_columns(names, where, kind)
        headers = {role: names[i] for role, i in columns.items()}
        for header in headers.values():
            kind_name = type(schema[header].dataType).__name__
            if kind_name in _REFUSED:
                raise InputError("db_bad_type", where=where, column=header, type=kind_name)
        is_path = base.startswith("parquet.")
        registers.append(
            Register(
                file=Path(where) if is_path else Location(where),  # type: ignore[arg-type]
                sheet=None,
                kind=name,
                headers=headers,
                columns=columns,
                header_row=1,
                source=SparkSource(base=base, where=where, session=spark),
            )
        )
    return registers
