"""One reader per format, each returning :class:`RawSheet` grids."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from fpmetrics.errors import InputError
from fpmetrics.i18n import Joined, Message
from fpmetrics.read.encoding import BadBytes, decode_text
from fpmetrics.read.grid import RawSheet, trim
from fpmetrics.read.sniff import sniff_format
from fpmetrics.read.sparse import DENSE_LIMIT, MAX_GRID_CELLS, TooBig, read_sparse, xlsx_extents
from fpmetrics.read.xlsx_errors import column_letter


def read_file(path: Path, sheet: str | None = None) -> list[RawSheet]:
    """All sheets of ``path`` (or the one named ``sheet``) as raw grids."""
    if not path.exists():
        raise InputError("file_missing", file=path)
    kind = sniff_format(path)
    if kind == "corrupt_zip":
        detail = Message("xlsx_damaged", detail="zip")
        raise InputError("file_unreadable", file=path, detail=detail)
    if kind in ("xlsx", "xls", "ods"):
        sheets = _read_workbook(path, sheet, kind)
        if kind == "xlsx":
            _restore_errors(path, sheets)
        return sheets
    if kind == "text":
        return [_read_text(path)]
    if kind == "html":
        raise InputError("file_unreadable", file=path, detail=Message("file_is_html"))
    raise InputError("file_format_unknown", file=path)


def _read_workbook(path: Path, wanted: str | None, kind: str) -> list[RawSheet]:
    from python_calamine import CalamineWorkbook

    try:
        # From the bytes, not the name: calamine picks the format from a path's extension,
        # but from a file's content.
        with path.open("rb") as handle:
            workbook = CalamineWorkbook.from_filelike(handle)
    except Exception as exc:  # calamine raises several private error types
        raise InputError(_damaged(path, exc)) from None
    names = [
        meta.name
        for meta in workbook.sheets_metadata
        if str(meta.typ).endswith("WorkSheet") and str(meta.visible).endswith("Visible")
    ] or list(workbook.sheet_names)
    if wanted is not None:
        if wanted not in workbook.sheet_names:
            sheets = Joined(workbook.sheet_names)
            detail = Message("no_such_sheet", sheet=wanted, sheets=sheets)
            raise InputError("file_unreadable", file=path, detail=detail)
        names = [wanted]
    # calamine allocates a sheet's whole extent: a stray far cell must not reach it.
    extents = xlsx_extents(path) if kind == "xlsx" else {}
    sheets = []
    for name in names:
        where = f"{path} [{name}]"
        extent = extents.get(name)
        try:
            if extent is not None and extent.cells > DENSE_LIMIT:
                cells, merged = read_sparse(path, name, extent.merged)
            else:
                sheet = workbook.get_sheet_by_name(name)
                merged = list(sheet.merged_cell_ranges or [])
                cells = _calamine_cells(sheet)
        except TooBig as exc:
            limit = f"{MAX_GRID_CELLS:,}"
            raise InputError(
                "sheet_too_big", where=where, cell=exc.last, cells=exc.cells, limit=limit
            ) from None
        except Exception as exc:
            raise InputError(_damaged(where, exc)) from None
        sheets.append(RawSheet(file=path, sheet=name, cells=trim(cells), merged=merged))
    return sheets


def _calamine_cells(sheet: object) -> pd.DataFrame:
    """A calamine sheet as a grid; a large one (an .xls or .ods with far stray cells) row by
    row, keeping only rows that hold something, indexed by spreadsheet row."""
    height, width = sheet.height, sheet.width  # type: ignore[attr-defined]
    if height * width <= DENSE_LIMIT:
        rows = sheet.to_python(skip_empty_area=False)  # type: ignore[attr-defined]
        return pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame(dtype=object)
    kept: list[list[object]] = []
    numbers: list[int] = []
    for number, row in enumerate(sheet.iter_rows()):  # type: ignore[attr-defined]
        if any(value != "" and value is not None for value in row):
            kept.append(row)
            numbers.append(number)
            if len(kept) * width > MAX_GRID_CELLS:
                raise TooBig(len(kept) * width, f"{column_letter(width - 1)}{number + 1}")
    return pd.DataFrame(kept, index=pd.Index(numbers), dtype=object)


def _damaged(where: object, exc: BaseException) -> Message:
    """A workbook the library cannot parse: damaged, what to do, the library's words last."""
    detail = Message("xlsx_damaged", detail=_short(exc)[:120])
    return Message("file_unreadable", file=where, detail=detail)


def _restore_errors(path: Path, sheets: list[RawSheet]) -> None:
    """Put Excel error values back where calamine left empty cells."""
    from fpmetrics.read.xlsx_errors import error_cells

    errors = error_cells(path)
    for sheet in sheets:
        if not isinstance(sheet.cells.index, pd.RangeIndex):
            continue  # read sparse: its error values are in place already
        for row, col, text in errors.get(sheet.sheet or "", []):
            if row < sheet.cells.shape[0] and col < sheet.cells.shape[1]:
                sheet.cells.iat[row, col] = text


MAX_LINE_BYTES = 1024 * 1024
"""A line longer than this (1 MB) is no table row: the file is refused, before it is parsed."""
MAX_TABLE_BYTES = 64 * 1024 * 1024
"""A text table (not a register, which is scanned lazily) larger than this is refused unread."""


def _size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def _read_text(path: Path) -> RawSheet:
    size = path.stat().st_size
    if size > MAX_TABLE_BYTES:
        raise InputError(
            "text_too_big",
            file=path,
            size=_size_text(size),
            limit=_size_text(MAX_TABLE_BYTES),
        )
    data = path.read_bytes()
    check_line_length(path, data)
    try:
        decoded = decode_text(data)
    except BadBytes as exc:
        raise InputError(bad_bytes_message(path, exc)) from None
    if decoded is None:
        raise InputError("file_encoding_unknown", file=path)
    text, encoding = decoded
    del data
    text = text.lstrip("\ufeff")
    sample = text[:65536]
    delimiter = _delimiter(sample)
    # Blank lines (or lines of bare separators) after the table: not parsed at all.
    text = text.rstrip(" \t\r\n" + delimiter) + "\n"
    # Title rows have fewer fields than the table; give pandas the widest row up front.
    width = max((len(r) for r in csv_rows(sample, delimiter)), default=1)
    if len(text) > len(sample):  # a row past the sample may be wider: pandas would take a
        # wider first row's extra fields as an index. Separators per line bound the width.
        lines = text.replace("\r", "\n").split("\n")
        width = max(width, max(line.count(delimiter) for line in lines) + 1)
        del lines
    cells = None
    for attempt in range(2):
        try:
            cells = pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                header=None,
                names=range(width),
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                engine="c",
            )
            break
        except (pd.errors.ParserError, ValueError) as exc:
            if attempt == 0 and "Expected" in str(exc):  # a wider row after the first 64 KB
                width = max((len(r) for r in csv_rows(text, delimiter)), default=1)
                continue
            raise InputError("file_unreadable", file=path, detail=_short(exc)) from None
    assert cells is not None
    return RawSheet(file=path, sheet=None, cells=trim(cells.astype(object)), encoding=encoding)


def csv_rows(text: str, delimiter: str) -> list[list[str]]:
    """Rows of CSV ``text`` with Python's reader: any line ending (old Mac CR too, as pandas
    reads them), and fields of any length (its default limit is 128 KB)."""
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, 2 * MAX_TABLE_BYTES))
    try:
        return list(csv.reader(io.StringIO(text, newline=None), delimiter=delimiter))
    except csv.Error:  # a NUL byte, say: no rows to learn from
        return []
    finally:
        csv.field_size_limit(limit)


def check_line_length(path: Path, data: bytes, complete: bool = True) -> None:
    """Refuse ``data`` (a file's start) if a line in it is longer than :data:`MAX_LINE_BYTES`
    (``complete``: ``data`` is the whole file; else only lines ending in it are judged)."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    breaks = np.flatnonzero((buffer == 10) | (buffer == 13))
    ends = np.concatenate(([-1], breaks, [len(data)] if complete else []))
    lengths = np.diff(ends) - 1
    if len(lengths) == 0 or lengths.max() <= MAX_LINE_BYTES:
        if complete or len(data) - 1 - (breaks[-1] if len(breaks) else -1) <= MAX_LINE_BYTES:
            return
        line = int(np.count_nonzero(buffer == 10)) + 1
    else:
        first = int(np.argmax(lengths > MAX_LINE_BYTES))
        line = int(np.count_nonzero(buffer[: ends[first] + 1] == 10)) + 1
    limit = _size_text(MAX_LINE_BYTES)
    raise InputError("line_too_long", file=path, line=line, limit=limit)


def check_file_lines(path: Path, block: int = MAX_LINE_BYTES) -> None:
    """:func:`check_line_length` over a whole file, a block at a time (bounded memory; two
    byte searches per block, so fast). Within a block no line can exceed the limit; only
    the stretch between one block's last break and a later block's first can."""
    since = 0  # bytes since the last line break
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(block):
            first = _first_break(chunk)
            if first < 0:
                since += len(chunk)
            else:
                since += first
                if since <= MAX_LINE_BYTES:
                    since = len(chunk) - 1 - max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
            if since > MAX_LINE_BYTES:
                line = lines + 1 + (chunk[: max(first, 0)].count(b"\n") if first >= 0 else 0)
                limit = _size_text(MAX_LINE_BYTES)
                raise InputError("line_too_long", file=path, line=line, limit=limit)
            lines += chunk.count(b"\n")


def _first_break(chunk: bytes) -> int:
    found = [i for i in (chunk.find(b"\n"), chunk.find(b"\r")) if i >= 0]
    return min(found) if found else -1


def bad_bytes_message(path: Path, exc: BadBytes) -> Message:
    return Message(
        "file_bad_bytes", file=path, line=exc.line, encoding=exc.encoding, offset=exc.offset
    )


def _delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:30] if line.strip()]
    best, best_score = ",", -1
    for candidate in (",", "\t", ";"):
        score = sum(line.count(candidate) for line in lines)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
