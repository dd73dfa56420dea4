"""JSON and CSV renderings of a check: what scripts read."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable

import pandas as pd
from pydantic import BaseModel

from .. import __version__
from ..pipeline import CheckReport
from .safety import defuse_frame
from .schema import PeriodWindow, UnitVerdict
from .values import plain_number

CSV_COLUMNS = [
    "unit", "code", "period", "indicator", "name", "value", "numerator", "denominator", "scale",
    "symbol", "min", "max", "severity", "status", "reason", "fields", "ci_low", "ci_high",
    "p_value", "evidence", "evidence_note", "notes",
]  # fmt: skip


def _none(value: object) -> object:
    return None if value is None or (isinstance(value, float) and value != value) else value


def _finite(value: object) -> float | None:
    """JSON has no infinity: an unbounded interval end (no girls: sex ratio ∞) is null."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


def result_records(results: pd.DataFrame) -> list[dict]:
    """One dict per result, keys in the order of the JSON contract. Converted column by
    column: a province has tens of thousands of results."""
    columns: dict[str, list] = {}
    for key in CSV_COLUMNS:
        if key in ("value", "p_value"):
            columns[key] = _column(results[key], _float_or_none)
        elif key in ("numerator", "denominator", "scale", "min", "max"):
            columns[key] = _column(results[key], plain_number)
        elif key in ("ci_low", "ci_high"):
            columns[key] = _column(results[key], _finite)
        elif key in ("fields", "notes"):
            given = results[key] if key in results else pd.Series([None] * len(results))
            columns[key] = [list(v) if v is not None and v == v else [] for v in given]
        else:
            columns[key] = _column(results[key], _none)
    return [dict(zip(CSV_COLUMNS, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _column(series: pd.Series, convert: Callable[[object], object]) -> list:
    """``convert`` applied once per distinct value (results repeat names, bounds, statuses)."""
    positions, distinct = pd.factorize(series.astype(object), use_na_sentinel=False)
    converted = [convert(v) for v in distinct]
    return [converted[p] for p in positions]


def _float_or_none(value: object) -> float | None:
    return _none(None if value is None else float(value))  # type: ignore[arg-type,return-value]


def problem_records(problems: pd.DataFrame) -> list[dict]:
    return [
        {
            "level": p["level"],
            "code": p["code"],
            "file": _none(p["file"]),
            "sheet": _none(p["sheet"]),
            "row": None if _none(p["row"]) is None else int(p["row"]),
            "column": _none(p["column"]),
            "message": p["message"],
        }
        for p in problems.to_dict("records")
    ]


def to_json(report: CheckReport) -> str:
    """The check document. Keys and their order are those of :class:`.schema.CheckOutput`
    (the tests validate every document against it; validating 25,000 results at run time
    would cost a second on a province)."""
    payload = {
        "fpmetrics": __version__,
        "ruleset": report.ruleset.name,
        "results": result_records(report.results),
        "units": _records(report.verdicts, UnitVerdict),
        "summary": {key: int(value) for key, value in report.summary.items()},
        "problems": problem_records(report.problems),
        "windows": _records(report.windows, PeriodWindow),
    }
    return dumps_document(payload)


def _records(frame: pd.DataFrame, model: type[BaseModel]) -> list[dict]:
    keys = list(model.model_fields)
    return [{key: _none(row.get(key)) for key in keys} for row in frame.to_dict("records")]


def dumps_document(payload: dict) -> str:
    """JSON with one top-level key per line and one list item per line: readable, ``grep``-
    and ``diff``-friendly, and written by the C encoder (``indent=`` falls back to a Python
    one, several times slower on a province's results)."""

    encode = json.JSONEncoder(ensure_ascii=False, default=_plain).encode  # one, reused

    lines = []
    for key, value in payload.items():
        if isinstance(value, list) and value:
            items = ",\n    ".join(encode(item) for item in value)
            lines.append(f"  {encode(key)}: [\n    {items}\n  ]")
        else:
            lines.append(f"  {encode(key)}: {encode(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _plain(value: object) -> object:
    """numpy scalars and arrays as Python values."""
    if hasattr(value, "tolist"):
        return value.tolist()  # type: ignore[union-attr]
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_csv(report: CheckReport, for_spreadsheet: bool = False) -> str:
    """The results, one row per check. ``for_spreadsheet``: text that looks like a formula
    gets a leading apostrophe (files written with --output; stdout is for scripts)."""
    rows = result_records(report.results)
    frame = pd.DataFrame(rows, columns=CSV_COLUMNS, dtype=object)
    frame["fields"] = frame["fields"].str.join(";")
    frame["notes"] = frame["notes"].str.join(";")
    if for_spreadsheet:
        frame = defuse_frame(frame)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()
