"""JSON and CSV renderings of a check: what scripts read."""

from __future__ import annotations

import io
import json
import math

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
    records = []
    for row in results.to_dict("records"):
        records.append(
            {
                "unit": row["unit"],
                "code": _none(row["code"]),
                "period": _none(row["period"]),
                "indicator": row["indicator"],
                "name": row["name"],
                "value": _none(float(row["value"])),
                "numerator": plain_number(row["numerator"]),
                "denominator": plain_number(row["denominator"]),
                "scale": plain_number(row["scale"]),
                "symbol": row["symbol"],
                "min": plain_number(row["min"]),
                "max": plain_number(row["max"]),
                "severity": row["severity"],
                "status": row["status"],
                "reason": _none(row["reason"]),
                "fields": list(row["fields"]),
                "ci_low": _finite(row["ci_low"]),
                "ci_high": _finite(row["ci_high"]),
                "p_value": _none(float(row["p_value"])),
                "evidence": _none(row["evidence"]),
                "evidence_note": _none(row["evidence_note"]),
                "notes": list(row.get("notes") or []),
            }
        )
    return records


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

    def encode(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, default=_plain)

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
