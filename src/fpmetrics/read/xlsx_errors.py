"""Excel error values (#DIV/0!, #VALUE! …) in an .xlsx, which calamine reads as empty cells.

They are found in the sheet XML (cells with ``t="e"``) so that fpmetrics can say a cell held
an error instead of silently treating it as blank.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path, PurePosixPath

_SHEET = re.compile(rb'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"')
_REL_REVERSED = re.compile(rb'<Relationship\b[^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"')
_ERROR_CELL = re.compile(
    rb'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>.*?<v>([^<]*)</v>', re.S
)
_ERROR_CELL_T_FIRST = re.compile(
    rb'<c\b[^>]*?\bt="e"[^>]*?\br="([A-Z]+)(\d+)"[^>]*>.*?<v>([^<]*)</v>', re.S
)


def column_index(letters: bytes) -> int:
    """0-based index of column ``letters`` (A → 0, XFD → 16383)."""
    index = 0
    for char in letters:
        index = index * 26 + (char - 64)
    return index - 1


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the column as a spreadsheet shows it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _unescape(name: bytes) -> str:
    text = name.decode("utf-8", errors="replace")
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'")):
        text = text.replace(entity, char)
    return text.replace("&amp;", "&")


def sheet_members(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML member in the archive."""
    workbook = zf.read("xl/workbook.xml")
    rels_xml = zf.read("xl/_rels/workbook.xml.rels")
    rels = {rid: target for rid, target in _REL.findall(rels_xml)}
    rels.update({rid: target for target, rid in _REL_REVERSED.findall(rels_xml)})
    members = {}
    for name, rid in _SHEET.findall(workbook):
        target = rels.get(rid)
        if target is None:
            continue
        member = target.decode("utf-8", errors="replace").lstrip("/")
        if not member.startswith("xl/"):
            member = str(PurePosixPath("xl") / member)
        members[_unescape(name)] = member
    return members


def error_cells(path: Path) -> dict[str, list[tuple[int, int, str]]]:
    """Sheet name → [(row, column, error text)], 0-based; empty when there are none."""
    found: dict[str, list[tuple[int, int, str]]] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            for name, member in sheet_members(zf).items():
                xml = zf.read(member)
                if b't="e"' not in xml:
                    continue
                cells = _ERROR_CELL.findall(xml) + _ERROR_CELL_T_FIRST.findall(xml)
                found[name] = sorted(
                    {(int(row) - 1, column_index(col), v.decode()) for col, row, v in cells}
                )
    except (KeyError, zipfile.BadZipFile, OSError, zlib.error, EOFError, UnicodeDecodeError):
        return {}  # a damaged archive: calamine has read what it could
    return found
