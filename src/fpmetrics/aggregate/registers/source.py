"""Open a register: find its header row, and scan its rows lazily with Polars.

A CSV register is never read whole into Python: only its first 256 KB are decoded to find the
header; Polars then scans the file (in parallel, streaming). Polars reads UTF-8 only, so a
GB18030 or Big5 file is first transcoded, in 16 MB chunks, to a temporary UTF-8 copy. Excel
registers come from the grid the workbook reader already gives.
"""

from __future__ import annotations

import codecs
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from fpmetrics.aggregate.registers.kinds import detect
from fpmetrics.errors import InputError
from fpmetrics.files.cleanup import register as register_temp
from fpmetrics.frame_columns import ROW
from fpmetrics.read.encoding import BadBytes, bad_bytes, detect_encoding
from fpmetrics.read.grid import RawSheet
from fpmetrics.read.readers import bad_bytes_message, check_file_lines, check_line_length, csv_rows
from fpmetrics.read.table import HEADER_SEARCH_ROWS, _cell_text

if TYPE_CHECKING:
    import polars as pl

_PREVIEW_BYTES = 256 * 1024
_LINE_CHECK_BYTES = 256 * 1024 * 1024
"""Registers up to this size are checked for over-long lines before Polars scans them (a
read of the file, ~0.05 s per 100 MB); larger ones are not, to keep big scans fast."""
_CHUNK = 16 * 1024 * 1024

# Polars' streaming CSV reader parses the file in chunks of this many bytes (read when a scan
# runs). Its default holds ~0.4 GB of chunks in flight on a 10M-row register; 4 MB chunks
# hold ~0.2 GB less, in the same time. Set when a CSV register is scanned (importing
# fpmetrics changes no environment); set by the user, their value stands.
_POLARS_CSV_CHUNK_SIZE = str(4 * 1024 * 1024)


@dataclass
class Register:
    """One register table: where it is, its kind, and which column holds each role."""

    file: Path
    sheet: str | None
    kind: str
    headers: dict[str, str]
    """role → the header as written."""
    columns: dict[str, int]
    """role → column index."""
    header_row: int
    """1-based row of the header; data rows follow it."""
    csv_path: Path | None = None
    separator: str = ","
    grid: pd.DataFrame | None = field(default=None, repr=False)
    source: object | None = field(default=None, repr=False)
    """A Parquet file or folder, a database table, a Spark table (see :mod:`.engines`)."""

    @property
    def where(self) -> str:
        return f"{self.file}" + (f" [{self.sheet}]" if self.sheet else "")

    def scan(self) -> pl.LazyFrame:
        """The rows: one string column per role, plus ``_row`` (the row number as the file
        shows it). Blank rows are dropped; spaces around values are stripped."""
        import polars as pl  # imported only when a register is read

        roles = list(self.columns)
        return (
            self.scan_raw(categorical=False)
            .filter(pl.any_horizontal([pl.col(r).is_not_null() for r in roles]))
            .with_columns([pl.col(r).str.strip_chars() for r in roles])
        )

    def scan_raw(self, categorical: bool = True) -> pl.LazyFrame:
        """The rows as written, blank rows included, for grouping: stripping and dropping
        blank rows cost less on the groups than on every row. With ``categorical``, columns
        of few distinct values (all but dates and ids) are read as categories: the scan
        holds less text and groups on integers."""
        import polars as pl  # imported only when a register is read

        if self.source is not None:
            return self.source.scan_raw(self)  # type: ignore[attr-defined]
        if self.csv_path is None:
            assert self.grid is not None
            body = self.grid.iloc[self.header_row :, list(self.columns.values())]
            data = {
                role: body.iloc[:, n].map(_cell_text).astype(str).tolist()
                for n, role in enumerate(self.columns)
            }
            data[ROW] = (body.index.to_numpy() + 1).tolist()
            frame = pl.DataFrame(data, schema_overrides={ROW: pl.UInt32}).lazy()
            return frame.select(
                [pl.col(ROW), *[pl.col(role).replace("", None) for role in self.columns]]
            )
        os.environ.setdefault("POLARS_CSV_CHUNK_SIZE", _POLARS_CSV_CHUNK_SIZE)
        options = dict(
            has_header=False,
            skip_rows=self.header_row,
            separator=self.separator,
            infer_schema=False,
            truncate_ragged_lines=True,
            quote_char='"',
        )
        names = pl.scan_csv(self.csv_path, **options).collect_schema().names()  # type: ignore[arg-type]
        wide = {role: i for role, i in self.columns.items() if i < len(names)}
        if categorical:
            few = [names[i] for role, i in wide.items() if role not in ("birth_date", "id")]
            options["schema_overrides"] = {name: pl.Categorical for name in few}
        frame = pl.scan_csv(self.csv_path, **options).with_row_index(  # type: ignore[arg-type]
            ROW, offset=self.header_row + 1
        )
        picked = [
            pl.col(names[wide[role]]).alias(role)
            if role in wide
            else pl.lit(None, pl.String).alias(role)
            for role in self.columns
        ]
        return frame.select([pl.col(ROW), *picked])


def csv_register(path: Path, kind: str | None) -> Register | None:
    """The register in CSV ``path``, or None when its first rows name no register."""
    with path.open("rb") as handle:
        sample = handle.read(_PREVIEW_BYTES)
        complete = len(sample) < _PREVIEW_BYTES
    if not complete and b"\n" not in sample and b"\r" not in sample:
        check_file_lines(path)  # no break in 256 KB: is the first line over the limit?
    check_line_length(path, sample, complete=complete)
    if not complete:
        sample = sample[: max(sample.rfind(b"\n"), sample.rfind(b"\r")) + 1]
    encoding = detect_encoding(sample)
    if encoding is None:
        return None
    try:
        text = sample.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise InputError(bad_bytes_message(path, bad_bytes(sample, encoding, exc))) from None
    separator = _separator(text)
    rows = csv_rows(text, separator)[:HEADER_SEARCH_ROWS]
    for index, row in enumerate(rows):
        found = detect([cell.strip() for cell in row], kind)
        if found is None:
            continue
        name, columns = found
        if not complete and path.stat().st_size <= _LINE_CHECK_BYTES:
            check_file_lines(path)  # Polars takes minutes over one giant line
        old_mac = b"\r" in sample and b"\n" not in sample  # CR-only lines: Polars splits on LF
        utf8 = encoding in ("utf-8", "utf-8-sig")
        source = path if utf8 and not old_mac else _transcode(path, encoding)
        return Register(
            file=path,
            sheet=None,
            kind=name,
            headers={role: row[i].strip() for role, i in columns.items()},
            columns=columns,
            header_row=index + 1,
            csv_path=source,
            separator=separator,
        )
    return None


def sheet_register(sheet: RawSheet, kind: str | None) -> Register | None:
    """The register in a workbook sheet, or None when its first rows name no register."""
    top = sheet.cells.iloc[:HEADER_SEARCH_ROWS]
    for index, row in enumerate(top.to_numpy(dtype=object).tolist()):
        cells = [_cell_text(v) for v in row]
        found = detect(cells, kind)
        if found is None:
            continue
        name, columns = found
        return Register(
            file=sheet.file,
            sheet=sheet.sheet,
            kind=name,
            headers={role: cells[i] for role, i in columns.items()},
            columns=columns,
            header_row=index + 1,
            grid=sheet.cells,
        )
    return None


def _separator(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:30] if line.strip()]
    counts = {c: sum(line.count(c) for line in lines) for c in (",", "\t", ";")}
    return max(counts, key=lambda c: counts[c])


_TEMP: list[Path] = []


def _temp_dir() -> Path:
    if not _TEMP:
        _TEMP.append(Path(tempfile.mkdtemp(prefix="fpmetrics-")))
        register_temp(_TEMP[0])  # removed at exit and on SIGTERM, SIGHUP, SIGINT
    return _TEMP[0]


def _transcode(path: Path, encoding: str) -> Path:
    """A UTF-8 copy of ``path`` in a private temporary folder (removed at exit, or when the
    run is stopped by a signal: see :mod:`fpmetrics.files.cleanup`)."""
    target = _temp_dir() / f"{len(list(_temp_dir().iterdir()))}-{path.stem}.utf8.csv"
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = lines = 0
    held = ""  # a CR at a chunk's end: the next chunk may start with its LF
    try:
        with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
            while True:
                chunk = src.read(_CHUNK)
                text = held + decoder.decode(chunk, final=not chunk)
                held = text[-1:] if chunk and text.endswith("\r") else ""
                text = text[: len(text) - len(held)]
                # CR and CRLF line endings become LF, which is all Polars splits on.
                dst.write(text.replace("\r\n", "\n").replace("\r", "\n"))
                if not chunk:
                    break
                offset += len(chunk)
                lines += chunk.count(b"\n")
    except UnicodeDecodeError as exc:
        bad = BadBytes(encoding, offset + exc.start, lines + chunk[: exc.start].count(b"\n") + 1)
        raise InputError(bad_bytes_message(path, bad)) from None
    return target
