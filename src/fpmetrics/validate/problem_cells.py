"""Where a problem is, as a clerk jumps to it: the cell address (``E17``).

A problem names the header of its column as written; the cell address is that column's
letter in its sheet (the table's or the register's own columns) and the problem's row, in
A1 style. The hint (how to fix it) is worded with the message, when rendered
(:func:`fpmetrics.wording.problem_hints`).
"""

from __future__ import annotations

import pandas as pd

from fpmetrics.read.load import Inputs
from fpmetrics.read.xlsx_errors import column_letter


def _letters(inputs: Inputs) -> dict[tuple[str, str, str], str]:
    """(file, sheet, header as written) → column letter, over every table and register."""
    found: dict[tuple[str, str, str], str] = {}
    for table in inputs.tables:
        where = (str(table.source.file), table.source.sheet or "")
        for field, index in table.columns.items():
            header = table.headers.get(field)
            if header is not None:
                found.setdefault((*where, str(header)), column_letter(index))
    for aggregated in inputs.registers:
        register = aggregated.register
        where = (str(register.file), register.sheet or "")
        for role, index in register.columns.items():
            header = register.headers.get(role)
            if header is not None:
                found.setdefault((*where, str(header)), column_letter(index))
    return found


def locate(problems: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    """``problems`` with ``cell`` (``E17``, or null without a row or a known column)."""
    if problems.empty:
        return problems.assign(cell=pd.Series(dtype=object))
    letters = _letters(inputs)
    keys = pd.Series(
        list(
            zip(
                problems["file"].astype(object).where(problems["file"].notna(), "").astype(str),
                problems["sheet"].astype(object).where(problems["sheet"].notna(), "").astype(str),
                problems["column"].astype(object).where(problems["column"].notna(), "").astype(str),
                strict=True,
            )
        ),
        index=problems.index,
        dtype=object,
    )
    letter = keys.map(letters)
    row = pd.to_numeric(problems["row"], errors="coerce")
    known = letter.notna() & row.notna()
    cell = pd.Series(None, index=problems.index, dtype=object)
    cell[known] = letter[known] + row[known].astype("Int64").astype(str)
    return problems.assign(cell=cell)
