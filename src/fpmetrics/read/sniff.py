"""Decide a file's format from its bytes, not its extension."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

EXCEL_EXTENSIONS = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et"}
TEXT_EXTENSIONS = {".csv", ".txt", ".tsv"}
INPUT_EXTENSIONS = EXCEL_EXTENSIONS | TEXT_EXTENSIONS

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff_format(path: Path) -> str:
    """One of ``xlsx``, ``ods``, ``xls``, ``html``, ``xml2003``, ``text``."""
    with path.open("rb") as fh:
        head = fh.read(2048)
    if head.startswith(_OLE):
        return "xls"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
                if "mimetype" in names and b"opendocument.spreadsheet" in zf.read("mimetype"):
                    return "ods"
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
            return "corrupt_zip"
        return "xlsx"
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<html", b"<!doctype html", b"<table", b"<meta")):
        return "html"
    if lowered.startswith(b"<?xml") and b"mso-application" in lowered:
        return "xml2003"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    return "text"


def is_own_report(path: Path) -> bool:
    """An .xlsx report fpmetrics wrote (its document category says so): not an input."""
    try:
        with zipfile.ZipFile(path) as zf:
            return b"<cp:category>fpmetrics report</cp:category>" in zf.read("docProps/core.xml")
    except (zipfile.BadZipFile, KeyError, OSError, zlib.error, EOFError):
        return False
