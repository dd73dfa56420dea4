"""A sheet as it is in the file: a grid of raw cells with spreadsheet row numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass
class RawSheet:
    """Cells as read (strings, numbers, dates, ``""`` for empty); row i is spreadsheet row i+1."""

    file: Path
    sheet: str | None
    cells: pd.DataFrame
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    encoding: str | None = None

    @property
    def where(self) -> str:
        return f"{self.file}" + (f" [{self.sheet}]" if self.sheet else "")


def trim(cells: pd.DataFrame) -> pd.DataFrame:
    """``cells`` without its trailing empty rows and columns (a million blank lines saved
    after a table cost nothing after this)."""
    if cells.empty:
        return cells
    values = cells.to_numpy(dtype=object)
    filled = pd.notna(values) & (values != "")
    rows = np.flatnonzero(filled.any(axis=1))
    cols = np.flatnonzero(filled.any(axis=0))
    if len(rows) == 0:
        return cells.iloc[:0, :0]
    if rows[-1] + 1 == len(cells) and cols[-1] + 1 == cells.shape[1]:
        return cells
    return cells.iloc[: rows[-1] + 1, : cols[-1] + 1]
