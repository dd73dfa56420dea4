"""Fields read as the sum of their part columns (计划内 under 一孩/二孩/多孩 → births_policy).

The parts are added per row, column-wise. An empty part next to filled ones counts as 0 and is
a warning on its cell (:attr:`SummedField.gaps`); a part that is not a number makes the sum
that text, so that the field's usual check reports it and its indicators become invalid.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class SummedField:
    """One field of a table made of several columns."""

    name: str
    columns: list[int]
    headers: list[str]
    gaps: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["row", "column"]))
    """Rows (spreadsheet numbers) and the part header whose cell was empty among filled ones."""


def summed(raw: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """The row sums of ``raw`` (one column per part) and the empty-part mask.

    A row whose parts are all empty stays empty; a part that is not a number gives its text.
    """
    from fpmetrics.validate.checks import (
        parse_counts,  # validate imports pandas checks only; no cycle
    )

    # All parts parsed as one column (a form may have thousands of part columns).
    flat = pd.Series(raw.to_numpy(dtype=object).ravel(), dtype=object)
    values, not_number, _ = parse_counts(flat)
    shape = raw.shape
    numbers = pd.DataFrame(
        values.to_numpy(dtype=float).reshape(shape), index=raw.index, columns=raw.columns
    )
    wrong = pd.DataFrame(
        not_number.to_numpy(dtype=bool).reshape(shape), index=raw.index, columns=raw.columns
    )
    total = numbers.sum(axis=1, min_count=1).astype(object)
    total = total.where(total.notna(), None)
    if wrong.any().any():
        first_wrong = raw.where(wrong).bfill(axis=1).iloc[:, 0]
        total = total.where(~wrong.any(axis=1), first_wrong)
    filled = numbers.notna() | wrong
    gaps = ~filled & filled.any(axis=1).to_numpy()[:, None]
    return total, gaps


def add_summed(
    data: pd.DataFrame,
    cells: pd.DataFrame,
    name: str,
    columns: list[int],
    headers: list[str],
) -> tuple[pd.DataFrame, SummedField]:
    """``data`` (indexed by spreadsheet row) with field ``name`` summed from ``columns`` of the
    raw ``cells`` (row i is spreadsheet row i+1)."""
    positions = [int(r) - 1 for r in data.index]
    raw = cells.iloc[positions, columns].set_axis(data.index, axis=0)
    raw.columns = list(range(len(columns)))
    total, gaps = summed(raw)
    data = data.assign(**{name: total})
    hits = gaps.stack()
    hits = hits[hits]
    gap_frame = pd.DataFrame(
        {
            "row": hits.index.get_level_values(0).astype(int),
            "column": [headers[i] for i in hits.index.get_level_values(1)],
        }
    )
    return data, SummedField(name=name, columns=columns, headers=headers, gaps=gap_frame)


def gap_problems(tables: list) -> pd.DataFrame:
    """A warning on each empty part cell of a summed field whose other parts are filled."""
    from fpmetrics.validate.checks import PROBLEM_COLUMNS

    frames = []
    for table in tables:
        for name, part in table.summed.items():
            if part.gaps.empty:
                continue
            frames.append(
                pd.DataFrame(
                    {
                        "level": "warning",
                        "code": "part_empty",
                        "file": str(table.source.file),
                        "sheet": table.source.sheet,
                        "row": part.gaps["row"].to_numpy(),
                        "column": part.gaps["column"].to_numpy(),
                        "message_key": "p_part_empty",
                        "params": [{"field": name} for _ in range(len(part.gaps))],
                    },
                    columns=PROBLEM_COLUMNS,
                )
            )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=PROBLEM_COLUMNS)
