"""A sheet as it is in the file: a grid of raw cells with spreadsheet row numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

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
