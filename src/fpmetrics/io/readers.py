"""One reader per format, each returning :class:`RawSheet` grids."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..i18n import join, t
from .encoding import decode_text
from .grid import RawSheet
from .sniff import sniff_format


def read_file(path: Path, lang: str, sheet: str | None = None) -> list[RawSheet]:
    """All sheets of ``path`` (or the one named ``sheet``) as raw grids."""
    if not path.exists():
        raise InputError(t("file_missing", lang, file=path))
    kind = sniff_format(path)
    if kind in ("xlsx", "xls", "ods"):
        sheets = _read_workbook(path, lang, sheet)
        if kind == "xlsx":
            _restore_errors(path, sheets)
        return sheets
    if kind == "text":
        return [_read_text(path, lang)]
    if kind == "html":
        detail = t("file_is_html", lang)
        raise InputError(t("file_unreadable", lang, file=path, detail=detail))
    raise InputError(t("file_format_unknown", lang, file=path))


def _read_workbook(path: Path, lang: str, wanted: str | None) -> list[RawSheet]:
    from python_calamine import CalamineWorkbook

    try:
        # From the bytes, not the name: calamine picks the format from a path's extension,
        # but from a file's content.
        with path.open("rb") as handle:
            workbook = CalamineWorkbook.from_filelike(handle)
    except Exception as exc:  # calamine raises several private error types
        raise InputError(t("file_unreadable", lang, file=path, detail=_short(exc))) from None
    names = [
        meta.name
        for meta in workbook.sheets_metadata
        if str(meta.typ).endswith("WorkSheet") and str(meta.visible).endswith("Visible")
    ] or list(workbook.sheet_names)
    if wanted is not None:
        if wanted not in workbook.sheet_names:
            sheets = join(workbook.sheet_names, lang)
            detail = t("no_such_sheet", lang, sheet=wanted, sheets=sheets)
            raise InputError(t("file_unreadable", lang, file=path, detail=detail))
        names = [wanted]
    sheets = []
    for name in names:
        try:
            sheet = workbook.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
            merged = list(sheet.merged_cell_ranges or [])
        except Exception as exc:
            raise InputError(
                t("file_unreadable", lang, file=f"{path} [{name}]", detail=_short(exc))
            ) from None
        cells = pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame(dtype=object)
        sheets.append(RawSheet(file=path, sheet=name, cells=cells, merged=merged))
    return sheets


def _restore_errors(path: Path, sheets: list[RawSheet]) -> None:
    """Put Excel error values back where calamine left empty cells."""
    from .xlsx_errors import error_cells

    errors = error_cells(path)
    for sheet in sheets:
        for row, col, text in errors.get(sheet.sheet or "", []):
            if row < sheet.cells.shape[0] and col < sheet.cells.shape[1]:
                sheet.cells.iat[row, col] = text


def _read_text(path: Path, lang: str) -> RawSheet:
    data = path.read_bytes()
    decoded = decode_text(data)
    if decoded is None:
        raise InputError(t("file_encoding_unknown", lang, file=path))
    text, encoding = decoded
    text = text.lstrip("\ufeff")
    sample = text[:65536]
    delimiter = _delimiter(sample)
    # Title rows have fewer fields than the table; give pandas the widest row up front.
    width = max((len(r) for r in csv.reader(io.StringIO(sample), delimiter=delimiter)), default=1)
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
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(t("file_unreadable", lang, file=path, detail=_short(exc))) from None
    return RawSheet(file=path, sheet=None, cells=cells.astype(object), encoding=encoding)


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
