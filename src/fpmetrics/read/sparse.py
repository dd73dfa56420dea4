"""Sheets whose declared size is far beyond their data: read cell by cell, never as a grid.

calamine builds a dense grid from a sheet's first to its last cell: one stray cell at
XFD1048576 asks for 549 GB and aborts the process; one at A1048576 takes minutes. So the
cell references of each .xlsx sheet are scanned first (streaming, bounded memory); a sheet
whose extent is large is read here instead, with openpyxl's streaming parser, keeping only
the rows and columns that hold something. The grid's index keeps the spreadsheet row
numbers, so messages still name the rows as the clerk sees them.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from fpmetrics.read.xlsx_errors import column_index, column_letter, sheet_members

DENSE_LIMIT = 2_000_000
"""Sheets spanning more cells than this (rows × columns, first to last cell) are read sparse."""
MAX_GRID_CELLS = 20_000_000
"""Even read sparse, the rows and columns that hold something must span no more cells."""

_CELL_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')
_MERGE = re.compile(rb'<mergeCell\b[^>]*?\bref="([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})"')
_CHUNK = 4 * 1024 * 1024


@dataclass
class Extent:
    """The last row and column (1-based) any cell of a sheet names, and its merged ranges."""

    rows: int = 0
    cols: int = 0
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)

    @property
    def cells(self) -> int:
        return self.rows * self.cols


def xlsx_extents(path: Path) -> dict[str, Extent]:
    """Per sheet, how far its cells reach; empty when the archive cannot be read this way
    (calamine then says what is wrong)."""
    found: dict[str, Extent] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            for name, member in sheet_members(zf).items():
                found[name] = _extent(zf, member)
    except Exception:  # zlib, zipfile, XML: a damaged archive; calamine says what is wrong
        return {}
    return found


def _extent(zf: zipfile.ZipFile, member: str) -> Extent:
    extent = Extent()
    tail = b""
    with zf.open(member) as handle:
        while True:
            chunk = handle.read(_CHUNK)
            data = tail + chunk
            cut = data.rfind(b"<") if chunk else len(data)  # a tag cut by the chunk waits
            cut = max(cut, 0)
            for letters, row in _CELL_REF.findall(data, 0, cut):
                extent.rows = max(extent.rows, int(row))
                extent.cols = max(extent.cols, column_index(letters) + 1)
            for c0, r0, c1, r1 in _MERGE.findall(data, 0, cut):
                extent.merged.append(
                    ((int(r0) - 1, column_index(c0)), (int(r1) - 1, column_index(c1)))
                )
            tail = data[cut:]
            if not chunk:
                return extent
            if len(tail) > _CHUNK:  # no tag start for 4 MB: nothing to keep
                tail = b""


class TooBig(ValueError):
    """A sheet whose filled cells span more than :data:`MAX_GRID_CELLS`."""

    def __init__(self, cells: int, last: str) -> None:
        super().__init__(f"{cells} cells up to {last}")
        self.cells = cells
        self.last = last


def read_sparse(path: Path, name: str, merged: list) -> tuple[pd.DataFrame, list]:
    """Sheet ``name`` of ``path``: the rows and columns that hold a value, as a grid whose
    index is the 0-based spreadsheet row; ``merged`` ranges mapped onto that grid."""
    from openpyxl import load_workbook
    from openpyxl.worksheet._reader import WorkSheetParser

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook[name]
        rows: list[int] = []
        cols: list[int] = []
        values: list[object] = []
        with sheet._get_source() as source:
            parser = WorkSheetParser(
                source,
                workbook.shared_strings,
                data_only=True,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            for _, row in parser.parse():
                for cell in row:
                    value = cell["value"]
                    if value is None or value == "":
                        continue
                    rows.append(cell["row"] - 1)
                    cols.append(cell["column"] - 1)
                    values.append(value)
    finally:
        workbook.close()
    if not values:
        return pd.DataFrame(dtype=object), []
    row_at = np.array(rows)
    col_at = np.array(cols)
    kept_rows = np.unique(row_at)
    kept_cols = np.unique(col_at)
    if len(kept_rows) * len(kept_cols) > MAX_GRID_CELLS:
        last = f"{column_letter(int(kept_cols[-1]))}{int(kept_rows[-1]) + 1}"
        raise TooBig(len(values), last)
    grid = np.full((len(kept_rows), len(kept_cols)), "", dtype=object)
    grid[np.searchsorted(kept_rows, row_at), np.searchsorted(kept_cols, col_at)] = values
    cells = pd.DataFrame(grid, index=pd.Index(kept_rows), dtype=object)
    return cells, _map_merged(merged, kept_rows, kept_cols)


def _map_merged(merged: list, rows: np.ndarray, cols: np.ndarray) -> list:
    """Merged ranges in the kept rows and columns' positions (ranges over none are dropped)."""
    mapped = []
    for (r0, c0), (r1, c1) in merged:
        a, b = np.searchsorted(rows, r0), np.searchsorted(rows, r1, side="right") - 1
        c, d = np.searchsorted(cols, c0), np.searchsorted(cols, c1, side="right") - 1
        if a <= b and c <= d and rows[a] == r0 and cols[c] == c0:
            mapped.append(((int(a), int(c)), (int(b), int(d))))
    return mapped
