"""Text that no spreadsheet will run as a formula.

A township named ``=HYPERLINK(...)`` or a message starting with ``-`` must stay text when the
export is opened in Excel, WPS or LibreOffice (CSV injection, OWASP). In files meant for a
spreadsheet, such text gets a leading apostrophe (CSV) or is stored as a string cell (xlsx).
"""

from __future__ import annotations

import io

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: object) -> bool:
    return isinstance(text, str) and text.startswith(FORMULA_STARTS)


TEXT_COLUMNS = (
    "unit", "code", "period", "name", "vetoed_by", "veto_unverified", "award_blocked_by",
    "message",
)  # fmt: skip


def defuse_frame(frame: pd.DataFrame, columns: tuple[str, ...] = TEXT_COLUMNS) -> pd.DataFrame:
    """Prefix formula-like strings in the text ``columns`` with an apostrophe."""
    frame = frame.copy()
    for name in columns:
        if name not in frame:
            continue
        text = frame[name].astype("string")
        risky = text.str.startswith(FORMULA_STARTS).fillna(False)
        if risky.any():
            frame[name] = frame[name].where(~risky, "'" + text)
    return frame


def write_cell(ws, row: int, col: int, value: object):
    """Write an openpyxl cell; text that looks like a formula is stored as text, never run."""
    if isinstance(value, float) and value != value:
        value = None
    cell = ws.cell(row=row, column=col, value=value)
    if is_formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def no_formulas(workbook) -> None:
    """Every cell of ``workbook`` that openpyxl would store as a formula (text starting with
    ``=``) stored as text instead: the last guard before saving, whoever wrote the cell.
    (fpmetrics writes no formulas of its own.)"""
    for ws in workbook.worksheets:
        for cell in ws._cells.values():  # only the cells that exist: no scan of empty ranges
            if cell.data_type == "f":
                cell.data_type = "s"
                cell.quotePrefix = True


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text, lines ending in ``\\n``. Python's csv writer quotes only the
    characters of its line terminator, so a carriage return inside a name (``阿城\\r镇``)
    would go out unquoted and split the row when read back; a document holding one is
    written with ``\\r\\n`` line ends, which quotes both CR and LF (RFC 4180)."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\r\n" if _has_cr(frame) else "\n")
    return buffer.getvalue()


def _has_cr(frame: pd.DataFrame) -> bool:
    if any("\r" in str(name) for name in frame.columns):
        return True
    for position in range(frame.shape[1]):  # by position: names may repeat
        column = frame.iloc[:, position]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            text = column.astype("string")
            if text.str.contains("\r", regex=False).fillna(False).any():
                return True
    return False
