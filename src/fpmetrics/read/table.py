"""Find the table inside a sheet: the header band, its columns' fields, and the unit rows.

A header band is one to three rows; upper rows are spread across their merged ranges and
joined top-down with the rows below (``出生人数`` over ``男`` → ``出生人数男``). Where the joined
text names no field, the lowest cell alone is tried. The band that names the most fields,
including the township column, wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd

from fpmetrics.normalise.field_parts import BandMatch, match_band
from fpmetrics.normalise.repeated_columns import REPEAT_COLUMNS, repeated_fields
from fpmetrics.normalise.summed_fields import SummedField, add_summed
from fpmetrics.read.grid import RawSheet
from fpmetrics.read.header_band import carry_groups, extend_band

HEADER_SEARCH_ROWS = 30
MAX_BAND = 3

_TOTAL_NAMES = {"合计", "总计", "小计", "全县", "全镇", "全乡", "全区", "全市", "县合计", "总数"}
_TOTAL_NAMES |= {"合計", "總計", "小計", "全縣", "全鎮", "全鄉", "全區", "縣合計", "總數"}
_TOTAL_RE = re.compile(
    r"^(?:合计|总计|小计|全县|全镇|全乡|全区|全市|合計|總計|小計|全縣|全鎮|全鄉|全區)"
)
_SUBTOTAL_RE = re.compile(r"(?:小计|小計|合计|合計|总计|總計)$")
_FOOTER_RE = re.compile(
    r"(?:填表人|审核人|统计负责人|单位负责人|填报日期|报出日期|制表人|负责人:|负责人：)"
)
_COLUMN_NUMBER_CELLS = {"栏次", "序号"}
_COLUMN_LETTERS = {"甲", "乙", "丙", "丁"}  # the 栏次 row's labels, or a township's name


@dataclass
class Table:
    """The unit rows of one sheet, with canonical field names as columns.

    ``data`` keeps the raw cells; its index is the spreadsheet row number.
    """

    source: RawSheet
    data: pd.DataFrame
    headers: dict[str, str]
    columns: dict[str, int]
    header_rows: list[int]
    ignored: list[str] = field(default_factory=list)
    duplicate_headers: list[str] = field(default_factory=list)
    totals: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Grand-total rows (合计, 总计, 全县 …; not 小计), raw, indexed by spreadsheet row."""
    repeats: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REPEAT_COLUMNS))
    """Rows where a second column claiming a whole field differs from the first."""
    summed: dict[str, SummedField] = field(default_factory=dict)
    """Fields added up from part columns (计划内 under 一孩/二孩/多孩 → births_policy)."""


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    return str(value).strip()


def _written(parts: tuple[str, ...]) -> str:
    """A header as the user wrote it, on one line: the band's parts joined, breaks removed."""
    return re.sub(r"\s*\n\s*", "", "".join(parts))


def _spread_merged(cells: pd.DataFrame, merged: list) -> pd.DataFrame:
    """Copy each merged range's top-left value into the cells it covers (header rows only)."""
    if not merged:
        return cells
    cells = cells.copy()
    nrows, ncols = cells.shape
    for (r0, c0), (r1, c1) in merged:
        if r0 >= nrows or c0 >= ncols:
            continue
        value = cells.iat[r0, c0]
        cells.iloc[r0 : min(r1, nrows - 1) + 1, c0 : min(c1, ncols - 1) + 1] = value
    return cells


def _band_labels(texts: list[list[str]]) -> list[tuple[str, ...]]:
    """Per column, the non-empty header parts from top to bottom (consecutive repeats merged).

    A group header that was merged without the merge being saved (CSV, some WPS files) stands
    in its first column only; it is carried right over the blank cells that have a sub-header
    below them.
    """
    ncols = len(texts[0])
    filled = [list(row) for row in texts]
    for upper, lower in pairwise(filled):
        for c in range(1, ncols):
            if not upper[c] and lower[c] and upper[c - 1] and lower[c - 1]:
                upper[c] = upper[c - 1]
    labels = []
    for c in range(ncols):
        parts: list[str] = []
        for row in filled:
            part = row[c]
            if part and (not parts or parts[-1] != part):
                parts.append(part)
        labels.append(tuple(parts))
    return labels


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells as stripped text (also U+3000 and U+00A0); whole numbers without ".0"."""
    text = frame.fillna("").astype(str)
    return text.apply(_clean_text)


def _clean_text(col: pd.Series) -> pd.Series:
    col = col.str.strip()
    whole = col.str.endswith(".0")  # the regular expression only where it can match: fast
    if not whole.any():
        return col
    return col.where(~whole, col[whole].str.replace(r"^(-?\d+)\.0$", r"\1", regex=True))


def _squeezed(text: pd.Series) -> pd.Series:
    text = text.astype(object).astype(str)  # a table without rows gives a float column
    return text.str.normalize("NFKC").str.replace(" ", "", regex=False)


def _is_total(name: pd.Series) -> pd.Series:
    """合计, 全县 … and area subtotals such as 东片小计."""
    return name.isin(_TOTAL_NAMES) | name.str.match(_TOTAL_RE) | name.str.contains(_SUBTOTAL_RE)


def _column_number_rows(below: pd.DataFrame, unit: pd.Series) -> pd.Series:
    """The 栏次 row under a header (only the first two rows): 1 2 3 … across the columns,
    its unit cell empty or a letter (甲); or 甲 with nothing else. A row named 甲 whose
    other cells are figures (10 5 5) is a township called 甲, not the 栏次 row."""
    found = pd.Series(False, index=below.index)
    for position, row in enumerate(below.index[:2]):
        label = unit[row]
        texts = [
            str(int(v)) if isinstance(v, float) and v.is_integer() else _cell_text(v)
            for v in below.iloc[position].tolist()
        ]
        if label in _COLUMN_LETTERS:  # 甲 乙 丙 label the text columns; the figures are numbered
            texts = [c for c in texts if c not in _COLUMN_LETTERS]
        cells = [c for c in texts if c]
        numbers = [int(c) for c in cells if c.isdigit()]
        if label in _COLUMN_LETTERS and not cells:
            found[row] = True
        elif len(cells) >= 3 and len(numbers) == len(cells) and numbers == sorted(set(numbers)):
            found[row] = numbers[-1] - numbers[0] == len(numbers) - 1
    return found


def _first_filled(values: np.ndarray, filled: np.ndarray, index: pd.Index) -> pd.Series:
    """Per row, its first non-empty cell as text (``""`` for a blank row)."""
    if values.shape[1] == 0:
        return pd.Series("", index=index, dtype=object)
    first = values[np.arange(len(values)), filled.argmax(axis=1)]
    first = np.where(filled.any(axis=1), first, "")
    return _clean_text(pd.Series(first, index=index, dtype=object).astype(str))


def _any_cell_matches(
    values: np.ndarray, filled: np.ndarray, index: pd.Index, pattern: re.Pattern[str]
) -> pd.Series:
    """Per row: does any non-empty cell match ``pattern`` (one pass over the filled cells)."""
    rows, _ = np.nonzero(filled)
    hits = pd.Series(values[filled]).astype(str).str.contains(pattern).to_numpy(dtype=bool)
    found = np.zeros(len(index), dtype=bool)
    found[rows[hits]] = True
    return pd.Series(found, index=index)


def locate_table(sheet: RawSheet, aliases: dict[str, str]) -> Table | None:
    """The table in ``sheet``, or None when no band of header rows names a township column."""
    cells = sheet.cells
    if cells.empty:
        return None
    top = _spread_merged(cells.iloc[: HEADER_SEARCH_ROWS + MAX_BAND], sheet.merged)
    # Rows as lists, not itertuples: that takes a column at a time (slow on 16,384 columns).
    texts = [[_cell_text(v) for v in row] for row in top.to_numpy(dtype=object).tolist()]
    best: tuple[tuple[int, int, int], int, int, BandMatch] | None = None
    for start in range(min(HEADER_SEARCH_ROWS, len(texts))):
        for height in range(1, MAX_BAND + 1):
            band = texts[start : start + height]
            if len(band) < height or not any(band[-1]):
                break
            found = match_band(_band_labels(carry_groups(band)), aliases)
            fields = found.fields()
            if "township" not in fields or len(fields) < 2:
                continue
            # The same fields from fewer rows: the lower band; but the band that reads more
            # columns wins (计划内 under 一孩/二孩/多孩 are three parts, not three repeats).
            score = (len(fields), found.columns_used(), -height)
            if best is None or score > best[0]:
                best = (score, start, height, found)
    if best is None:
        return None
    _, start, height, match = best

    def rematch(h: int) -> BandMatch:
        return match_band(_band_labels(carry_groups(texts[start : start + h])), aliases)

    height, match = extend_band(cells, sheet.merged, start, height, MAX_BAND, match, rematch)
    labels = _band_labels(carry_groups(texts[start : start + height]))
    table = _build_table(sheet, start, height, match.whole, labels)
    return _add_summed_fields(table, match, labels)


def _add_summed_fields(table: Table, match: BandMatch, labels: list[tuple[str, ...]]) -> Table:
    """The fields a form splits over part columns, added up per row (units and totals)."""
    written = [_written(label) for label in labels]
    table.repeats = repeated_fields(table.data, table.source.cells, match.whole, written)
    used = set(match.whole)
    for name, columns in match.parts.items():
        headers = [_written(labels[c]) for c in columns]
        table.data, summed = add_summed(table.data, table.source.cells, name, columns, headers)
        if not table.totals.empty:
            table.totals, _ = add_summed(table.totals, table.source.cells, name, columns, headers)
        table.summed[name] = summed
        table.headers[name] = " + ".join(headers)
        used |= set(columns)
    table.ignored = ["".join(labels[c]) for c in range(len(labels)) if labels[c] and c not in used]
    return table


def _build_table(
    sheet: RawSheet,
    start: int,
    height: int,
    matched: dict[int, str],
    labels: list[tuple[str, ...]],
) -> Table:
    headers: dict[str, str] = {}
    columns: dict[str, int] = {}
    duplicates: list[str] = []
    for c, name in sorted(matched.items()):
        written = _written(labels[c])
        if name in columns:
            duplicates.append(written)
            continue
        columns[name] = c
        headers[name] = written
    ignored = ["".join(labels[c]) for c in range(len(labels)) if labels[c] and c not in matched]

    # Below the header, merged cells hold their value in every cell they cover (a 合计 merged
    # across 序号:乡镇 labels the whole row).
    cells = _spread_merged(sheet.cells, sheet.merged)
    rows = cells.index[start + height :] + 1  # spreadsheet rows (a sparse sheet skips some)
    below = cells.iloc[start + height :].set_axis(rows, axis=0)
    values = below.to_numpy(dtype=object)
    filled = pd.notna(values) & (values != "")
    if not filled.all(axis=None):  # empty rows say nothing: left out before any text work
        keep_rows = filled.any(axis=1)
        below, values, filled = below[keep_rows], values[keep_rows], filled[keep_rows]
    body = below.iloc[:, list(columns.values())]
    body.columns = list(columns.keys())
    text = _as_text(body)  # text work on the table's own columns only: wide sheets stay fast

    blank = (text == "").all(axis=1)
    unit = _squeezed(text["township"])
    first = _squeezed(_first_filled(values, filled, below.index))
    footer = _any_cell_matches(values, filled, below.index, _FOOTER_RE)
    after_footer = footer.cumsum() > 0
    column_numbers = unit.isin(_COLUMN_NUMBER_CELLS) | _column_number_rows(below, unit)
    totals = _is_total(unit) | (_is_total(first) & (unit == ""))
    keep = ~(blank | after_footer | column_numbers | totals)

    data = body[keep].copy()
    data["township"] = text.loc[keep, "township"]
    return Table(
        source=sheet,
        data=data,
        headers=headers,
        columns=columns,
        header_rows=[int(row) + 1 for row in cells.index[start : start + height]],
        ignored=ignored,
        duplicate_headers=duplicates,
        totals=body[totals & ~after_footer & ~(unit + first).str.contains("小计|小計")].assign(
            township=first[totals & ~after_footer]
        ),
    )
