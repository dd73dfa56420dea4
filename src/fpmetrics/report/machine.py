"""JSON and CSV renderings of a check: what scripts read."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from json.encoder import encode_basestring

import pandas as pd
from pydantic import BaseModel

from fpmetrics import __version__
from fpmetrics.files.output import Pieces
from fpmetrics.models import CheckReport
from fpmetrics.read.load import Inputs
from fpmetrics.report.safety import csv_text, defuse_frame
from fpmetrics.report.schema import PeriodWindow, UnitVerdict
from fpmetrics.report.values import plain_number

CSV_COLUMNS = [
    "unit", "code", "period", "indicator", "name", "value", "numerator", "denominator", "scale",
    "symbol", "min", "max", "severity", "status", "reason", "fields", "ci_low", "ci_high",
    "p_value", "evidence", "evidence_note", "notes", "q_value",
]  # fmt: skip


# The JSON results: the CSV columns, with what the period covers and the previous period's
# result (--history; null without one).
JSON_COLUMNS = [*CSV_COLUMNS[:3], "period_start", "period_end", *CSV_COLUMNS[3:], "previous"]


def _none(value: object) -> object:
    return None if value is None or (isinstance(value, float) and value != value) else value


def _finite(value: object) -> float | None:
    """JSON has no infinity: an unbounded interval end (no girls: sex ratio ∞) is null."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


def _float_or_none(value: object) -> float | None:
    return _none(None if value is None else float(value))  # type: ignore[arg-type,return-value]


def _list(value: object) -> list:
    return list(value) if value is not None and value == value else []  # type: ignore[call-overload]


_RESULT_CONVERTERS: dict[str, Callable[[object], object]] = {
    **dict.fromkeys(("value", "p_value", "q_value"), _float_or_none),
    **dict.fromkeys(("numerator", "denominator", "scale", "min", "max"), plain_number),
    **dict.fromkeys(("ci_low", "ci_high"), _finite),
    **dict.fromkeys(("fields", "notes"), _list),
}
_JSON_CONVERTERS: dict[str, Callable[[object], object]] = {
    **_RESULT_CONVERTERS,
    "previous": lambda v: v if isinstance(v, dict) else None,
}


@dataclass(frozen=True)
class EncodedItems:
    """A list already encoded as JSON, one item per text: :func:`dumps_document` writes the
    texts as the items of the list."""

    texts: list[str]


def result_records(results: pd.DataFrame) -> list[dict]:
    """One dict per result, keys in the order of the JSON contract. Converted column by
    column: a province has tens of thousands of results."""
    columns = []
    for key in CSV_COLUMNS:
        positions, distinct = _distinct(_result_column(results, key))
        converted = [_RESULT_CONVERTERS.get(key, _none)(v) for v in distinct]
        columns.append([converted[p] for p in positions])
    return [dict(zip(CSV_COLUMNS, row, strict=True)) for row in zip(*columns, strict=True)]


def result_items(results: pd.DataFrame) -> EncodedItems:
    """The results as :func:`result_records` gives them, encoded for the JSON document."""
    columns = {key: _result_column(results, key) for key in JSON_COLUMNS}
    return encode_items(columns, _JSON_CONVERTERS)


def frame_items(frame: pd.DataFrame, model: type[BaseModel]) -> EncodedItems:
    """The rows of ``frame``, with the keys of ``model`` (absent columns: null)."""
    empty = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return encode_items({key: frame.get(key, empty) for key in model.model_fields}, {})


def encode_items(
    columns: dict[str, pd.Series], converters: dict[str, Callable[[object], object]]
) -> EncodedItems:
    """One JSON object per row of ``columns``, exactly as the C encoder writes the dict of
    the row's converted values, built column by column: each distinct value of a column is
    converted and encoded once, and a row's text is the join of its columns' texts
    (tens of thousands of results, in a few hundredths of a second)."""
    encode = _encoder()
    parts = []
    for key, series in columns.items():
        positions, distinct = _distinct(series)
        convert = converters.get(key, _none)
        prefix = encode(key) + ": "
        texts = [prefix + _encode_value(convert(v), encode) for v in distinct]
        parts.append([texts[p] for p in positions])
    return EncodedItems(["{" + ", ".join(row) + "}" for row in zip(*parts, strict=True)])


def _encode_value(value: object, encode: Callable[[object], str]) -> str:
    """``encode(value)``, with the common scalars written directly (one encoder call costs
    more than the value: a province's results hold ~75,000 distinct numbers)."""
    if value is None:
        return "null"
    if type(value) is float and math.isfinite(value):
        return float.__repr__(value)  # what the encoder writes
    if type(value) is str:
        return encode_basestring(value)  # the encoder's own, with ensure_ascii=False
    return encode(value)


def _result_column(results: pd.DataFrame, key: str) -> pd.Series:
    if key in results:
        return results[key]
    return pd.Series([None] * len(results), index=results.index, dtype=object)


def _distinct(series: pd.Series) -> tuple[list[int], list]:
    """Each row's position among the column's distinct values, and those values (results
    repeat names, bounds, statuses). Lists (fields, notes) and dicts (previous) are compared
    as tuples."""
    values = series.astype(object).to_numpy()
    try:
        positions, distinct = pd.factorize(values, use_na_sentinel=False)
        return positions.tolist(), list(distinct)
    except TypeError:  # unhashable: lists
        seen: dict[object, int] = {}
        firsts: list = []
        positions_list = []
        for value in values:
            if isinstance(value, dict):  # previous: {period, value, status}
                key = ("\x00dict", *value.items())
            else:
                key = tuple(value) if isinstance(value, list | tuple) else value
            if key not in seen:
                seen[key] = len(firsts)
                firsts.append(value)
            positions_list.append(seen[key])
        return positions_list, firsts


def problem_records(problems: pd.DataFrame) -> list[dict]:
    """The problems as the JSON lists them: where (``cell`` in A1 style when the row and the
    column are known), what (``code``, ``message``) and how to fix it (``hint``)."""
    return [
        {
            "level": p["level"],
            "code": p["code"],
            "file": _none(p["file"]),
            "sheet": _none(p["sheet"]),
            "row": None if _none(p["row"]) is None else int(p["row"]),
            "column": _none(p["column"]),
            "cell": _none(p.get("cell")),
            "message": p["message"],
            "hint": _none(p.get("hint")),
        }
        for p in problems.to_dict("records")
    ]


def input_records(inputs: Inputs) -> list[dict]:
    """What was read: each table and register, with its file, sheet and kind."""
    tables = [
        {
            "file": str(table.source.file),
            "sheet": table.source.sheet,
            "kind": "table",
            "rows": len(table.data),
        }
        for table in inputs.tables
    ]
    registers = [
        {
            "file": str(a.register.file),
            "sheet": a.register.sheet,
            "kind": f"{a.register.kind}_register",
            "rows": None,
        }
        for a in inputs.registers
    ]
    return tables + registers


def head(report: CheckReport) -> dict:
    """The keys every document starts with: ``fpmetrics``, ``ruleset``, ``inputs``."""
    return {
        "fpmetrics": __version__,
        "ruleset": report.ruleset.name,
        "inputs": input_records(report.inputs),
    }


def check_records(report: CheckReport) -> dict:
    """The check's records: ``results``, ``units`` and ``windows``."""
    return {
        "results": result_items(report.results),
        "units": frame_items(report.verdicts, UnitVerdict),
        "windows": frame_items(report.windows, PeriodWindow),
    }


def to_json(report: CheckReport) -> Pieces:
    """The check document. Keys and their order are those of :class:`.schema.CheckOutput`
    (the tests validate every document against it; validating 25,000 results at run time
    would cost a second on a province)."""
    payload = {
        **head(report),
        **check_records(report),
        "summary": {key: int(value) for key, value in report.summary.items()},
        "problems": problem_records(report.problems),
    }
    return dumps_document(payload)


def _encoder() -> Callable[[object], str]:
    return json.JSONEncoder(ensure_ascii=False, default=_plain).encode


def dumps_document(payload: dict) -> Pieces:
    """JSON with one top-level key per line and one list item per line: readable, ``grep``-
    and ``diff``-friendly, and written by the C encoder (``indent=`` falls back to a Python
    one, several times slower on a province's results). As pieces: the command line writes
    them one run at a time, the library joins them (:class:`Pieces`)."""

    encode = _encoder()  # one, reused
    # One list of pieces, never joined on the way: a province's document is tens of MB of
    # text, and each intermediate string would be another copy of it in fresh memory.
    parts = ["{\n"]
    for number, (key, value) in enumerate(payload.items()):
        parts.append((",\n" if number else "") + f"  {encode(key)}: ")
        if isinstance(value, EncodedItems):
            texts = value.texts
        elif isinstance(value, list):
            texts = [encode(item) for item in value]
        else:
            parts.append(encode(value))
            continue
        if not texts:
            parts.append("[]")
            continue
        items = [",\n    "] * (2 * len(texts) - 1)
        items[::2] = texts
        parts += ["[\n    ", *items, "\n  ]"]
    parts.append("\n}\n")
    return Pieces(parts)


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
    return csv_text(frame)
