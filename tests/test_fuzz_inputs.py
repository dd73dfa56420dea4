"""Issue 14, proof: seeded mutants of the sample files, run through the CLI as a user would.

Each mutant must end in exit 0, 1 or 2 with no internal error and no traceback, and the
input file must be left byte for byte as it was, with its modification time. Bounded: the
mutants are cheap to build and the run stops adding mutants after a time budget.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
import time
from pathlib import Path

import pytest

from conftest import REPO

SAMPLES = REPO / "sample_data"
BUDGET_SECONDS = 45
ODD_CELLS = ["inf", "1e309", "9" * 400, "-0", "nan", "", "\ufeff甲镇", "合计", "#DIV/0!", "=1+1"]


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:  # a sample saved as GB18030, as WPS does
        text = data.decode("gb18030")
    return list(csv.reader(io.StringIO(text, newline="")))


def _csv_bytes(rows: list[list[str]], encoding: str = "utf-8", newline: str = "\r\n") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerows(rows)
    return buffer.getvalue().encode(encoding, errors="replace")


def _mutate_csv(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    kind = rng.choice(
        ["truncate", "flip", "dup_row", "del_row", "dup_col", "del_col", "odd_cell",
         "encoding", "newline", "blank_tail"]
    )  # fmt: skip
    if kind == "truncate":
        return kind, data[: rng.randrange(len(data))]
    if kind == "flip":
        out = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            out[rng.randrange(len(out))] = rng.randrange(256)
        return kind, bytes(out)
    rows = _csv_rows(data)[:300]  # the births register is long: its head is enough
    if kind == "dup_row" and len(rows) > 1:
        i = rng.randrange(1, len(rows))
        rows.insert(i, list(rows[i]))
    elif kind == "del_row" and len(rows) > 1:
        del rows[rng.randrange(len(rows))]
    elif kind in ("dup_col", "del_col"):
        c = rng.randrange(len(rows[0]))
        for row in rows:
            if c < len(row):
                row.insert(c, row[c]) if kind == "dup_col" else row.pop(c)
    elif kind == "odd_cell":
        for _ in range(rng.randint(1, 3)):
            row = rows[rng.randrange(len(rows))]
            if row:
                row[rng.randrange(len(row))] = rng.choice(ODD_CELLS)
    elif kind == "encoding":
        return kind, _csv_bytes(rows, rng.choice(["gb18030", "utf-16", "utf-8-sig", "big5"]))
    elif kind == "newline":
        return kind, _csv_bytes(rows, newline=rng.choice(["\r", "\n", "\r\r\n"]))
    elif kind == "blank_tail":
        return kind, _csv_bytes(rows) + b"\r\n" * rng.randint(1, 5000) + b",,,\r\n" * 10
    return kind, _csv_bytes(rows)


def _mutate_xlsx(data: bytes, rng: random.Random, tmp: Path) -> tuple[str, bytes]:
    kind = rng.choice(["truncate", "flip", "stray", "odd_cell"])
    if kind == "truncate":
        return kind, data[: rng.randrange(len(data))]
    if kind == "flip":
        out = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            out[rng.randrange(len(out))] = rng.randrange(256)
        return kind, bytes(out)
    from openpyxl import load_workbook
    from openpyxl.cell.cell import MergedCell

    source = tmp / "source.xlsx"
    source.write_bytes(data)
    workbook = load_workbook(source)
    sheet = workbook.worksheets[rng.randrange(len(workbook.worksheets))]
    if kind == "stray":
        sheet[rng.choice(["XFD1048576", "A1048576", "AA70000", "B30"])] = "x"
    else:
        for _ in range(rng.randint(1, 3)):
            row, col = rng.randint(1, sheet.max_row + 2), rng.randint(1, sheet.max_column + 1)
            cell = sheet.cell(row=row, column=col)
            if not isinstance(cell, MergedCell):  # inside a merge: read-only
                cell.value = rng.choice(ODD_CELLS) or None
    buffer = io.BytesIO()
    workbook.save(buffer)
    return kind, buffer.getvalue()


@pytest.mark.slow
def test_mutants_of_the_samples_never_crash_nor_touch_the_input(cli, tmp_path):
    rng = random.Random(14)
    samples = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".csv", ".xlsx"))
    started = time.monotonic()
    runs = []
    for n in range(400):
        if time.monotonic() - started > BUDGET_SECONDS:
            break
        sample = samples[n % len(samples)]
        data = sample.read_bytes()
        if sample.suffix == ".csv":
            kind, mutant = _mutate_csv(data, rng)
        else:
            kind, mutant = _mutate_xlsx(data, rng, tmp_path)
        path = tmp_path / f"m{n}-{kind}{sample.suffix}"
        path.write_bytes(mutant)
        before = (hashlib.sha256(mutant).hexdigest(), path.stat().st_mtime_ns)
        result = cli("check", path, "--format", "json", "--lang", "en")
        label = f"{sample.name} {kind} (seed 14, mutant {n})"
        assert result.exit_code in (0, 1, 2), (label, result.exit_code, result.stderr)
        assert "internal error" not in result.stderr, (label, result.stderr)
        assert "Traceback" not in result.stderr, (label, result.stderr)
        if result.exit_code == 2:
            assert result.stderr.strip().count("\n") < 3, (label, result.stderr)
        after = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
        assert after == before, f"{label}: the input changed"
        runs.append(kind)
        path.unlink()
    assert len(runs) >= 20, f"only {len(runs)} mutants in the time budget"
