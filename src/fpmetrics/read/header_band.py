"""The header band of an official form, whether or not its merged cells survived.

国人口统1表 and the provincial forms have a two-row header: single columns (地区, 本期出生人数)
merged down over both rows, groups (一孩出生) merged across their sub-columns, and under a
group its own count (lower cell empty) next to 其中:计划内. A re-save by LibreOffice or WPS, or
a CSV export, may drop the merges; the band is then read from the layout alone:

- a sub-header whose upper cell is empty belongs to the group header on its left;
- a row under the band whose township cell is empty (or covered by the township header's
  merge) and that holds only header words is the band's lower row, never a data row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from itertools import pairwise

import pandas as pd

from fpmetrics.normalise.field_parts import BandMatch

_NUMBER = re.compile(r"^[-+]?[\d,]*\.?\d+%?$")
_NOT_HEADER = re.compile(
    r"(?:合计|合計|总计|總計|填表人|审核人|统计负责人|报出日期|填报日期|栏次|^[甲乙丙丁]$)"
)


def carry_groups(band: list[list[str]]) -> list[list[str]]:
    """Each group header carried right over its sub-headers where the merge was not saved.

    A cell that is empty above a sub-header takes the header on its left (一孩出生 over the
    count column, nothing over 其中:计划内 → 一孩出生 over both).
    """
    if len(band) < 2:
        return band
    filled = [list(row) for row in band]
    for upper, lower in pairwise(filled):
        for c in range(1, len(upper)):
            if not upper[c] and lower[c] and upper[c - 1]:
                upper[c] = upper[c - 1]
    return filled


def _raw_text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _covered_from_above(merged: list, row: int, col: int) -> bool:
    return any(r0 < row <= r1 and c0 <= col <= c1 for (r0, c0), (r1, c1) in merged)


def is_lower_header_row(cells: pd.DataFrame, merged: list, row: int, township_col: int) -> bool:
    """Whether sheet row ``row`` (0-based) is a band's lower row rather than a unit's row:
    its township cell empty, merged from above or the header above written again, and only
    header words in it."""
    if row >= len(cells):
        return False
    township = _raw_text(cells.iat[row, township_col]) if township_col < cells.shape[1] else ""
    above = _raw_text(cells.iat[row - 1, township_col]) if row else ""
    repeated = township == above  # 地区 written again instead of merged down
    if township and not repeated and not _covered_from_above(merged, row, township_col):
        return False
    texts = [_raw_text(v) for v in cells.iloc[row]]
    words = [t for t in texts if t]
    if not words:
        return False
    for word in words:
        if _NUMBER.match(word.replace(" ", "")) or _NOT_HEADER.search(word):
            return False
        if not any(ch.isalpha() for ch in word):  # "—", "/" and other fillers
            return False
    return True


def extend_band(
    cells: pd.DataFrame,
    merged: list,
    start: int,
    height: int,
    max_height: int,
    match: BandMatch,
    rematch: Callable[[int], BandMatch],
) -> tuple[int, BandMatch]:
    """The band grown down over lower header rows, as long as it still names every field it
    named before (a note row under the header must not cost a column its field)."""
    township = next((c for c, name in match.whole.items() if name == "township"), None)
    if township is None:
        return height, match
    while height < max_height and is_lower_header_row(cells, merged, start + height, township):
        grown = rematch(height + 1)
        if not grown.fields() >= match.fields():
            break
        height, match = height + 1, grown
    return height, match
