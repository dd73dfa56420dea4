"""The columns that travel with the unit rows between stages, beside the canonical fields.

Every input (a township table or an aggregated register) becomes rows of one frame: the key
columns (``township``, ``village``, ``county``, ``code``, ``period``), one column per
canonical field (``births``, ``births_male``, ...) and the bookkeeping columns below, whose
names start with ``_`` so that they can never clash with a field. Who writes and who reads:

``FILE``, ``SHEET``, ``ROW`` (``_file``, ``_sheet``, ``_row``) -- where a row came from.
    Written by ``load._records`` (a table's 1-based spreadsheet row) and by
    ``registers.aggregate.to_records`` (file and sheet of the register; no row: one unit row
    sums many records). Read by ``validate`` and ``emptiness`` (the file/sheet/row of each
    problem), ``io.repeated_columns``, ``audit`` and ``report.unit_explain`` (--explain).
    In a register's own scan (``registers.source``, ``registers.engines.parquet``) ``ROW``
    is each record's spreadsheet row, read by ``registers.aggregate`` and
    ``registers.drill`` to locate bad records.

``header_column(field)`` (``_header_<field>``) -- the header as written in the file that
    became ``field`` (or the key ``township``, ``village``, ``county``, ``period``,
    ``code``); empty when the input has no such column. Written by ``load._records`` and
    ``registers.aggregate.to_records``; read by ``validate`` (the problem's column, which
    fields an input has) and ``report.unit_explain``.

``TABLE`` (``_table``) -- which input table a row came from (0, 1, ...). Written by
    ``load``; read by ``load._join_undated``, ``validate`` (duplicates within one table,
    totals rows against their own table) and ``io.repeated_columns``.

``UNDATED`` (``_undated``) -- the row's input had no periods and was joined to the latest
    period of the others. Written by ``load._join_undated``; read by ``validate``.

``excluded_column(field)`` (``_excluded_<field>``) -- how many register records of the
    unit were not counted in ``field`` (no township, a bad date, ...). Written by
    ``registers.aggregate.to_records``; read by ``compute`` (the ``records_excluded`` note)
    and ``report.unit_explain``.

``bad_column(field)`` (``_bad_<field>``) -- True where any input cell summed into the
    unit's ``field`` was bad (not a count), so the checks using it are ``invalid``.
    Written by ``compute.unit_frame`` (from ``validate``'s bad-cell mask); read by
    ``compute``, ``audit``, ``audit_panel``, ``audit_signals`` and ``history_audit``.
"""

from __future__ import annotations

FILE = "_file"
SHEET = "_sheet"
ROW = "_row"
LOCATION = (FILE, SHEET, ROW)
TABLE = "_table"
UNDATED = "_undated"

HEADER_PREFIX = "_header_"
EXCLUDED_PREFIX = "_excluded_"
BAD_PREFIX = "_bad_"


def header_column(field: str) -> str:
    """``_header_<field>``: the header in the file that became ``field``."""
    return HEADER_PREFIX + field


def excluded_column(field: str) -> str:
    """``_excluded_<field>``: register records of the unit not counted in ``field``."""
    return EXCLUDED_PREFIX + field


def bad_column(field: str) -> str:
    """``_bad_<field>``: the unit's ``field`` sums a bad cell."""
    return BAD_PREFIX + field
