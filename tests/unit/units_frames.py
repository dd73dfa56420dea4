"""Small in-memory frames in the shapes the pipeline stages pass to each other."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from conftest import HEADERS, PASSING
from fpmetrics.normalise.fields import COUNT_FIELDS


def records(rows: list[dict[str, Any]], fields: list[str]) -> pd.DataFrame:
    """Unit rows as the loader hands them to validate: the key fields, every count field (raw
    cells; None in a column the sheet lacks) with its ``_header_<field>``, and the location
    columns ``_file``, ``_sheet``, ``_row``, ``_table``. ``rows`` start at sheet row 2."""
    n = len(rows)
    frame = pd.DataFrame(
        {
            "township": [r["township"] for r in rows],
            "code": [None] * n,
            "period": [None] * n,
            "village": [None] * n,
            "county": [None] * n,
        }
    )
    for field in COUNT_FIELDS:
        given = field in fields
        frame[field] = pd.Series([r.get(field, "") if given else None for r in rows], dtype=object)
        frame[f"_header_{field}"] = HEADERS.get(field) if given else None
    frame["_header_township"] = HEADERS["township"]
    frame["_file"] = "county.xlsx"
    frame["_sheet"] = "乡镇汇总"
    frame["_row"] = [2 + i for i in range(n)]
    frame["_table"] = 0
    return frame


def units(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per township of summed counts, as compute.unit_counts returns them: every
    count field (NaN where not given) and ``_bad_<field>`` (True where a cell was bad)."""
    frame = pd.DataFrame(
        {
            "township": [r["township"] for r in rows],
            "period": [None] * len(rows),
            "code": [None] * len(rows),
        }
    )
    for field in COUNT_FIELDS:
        frame[field] = [float(r.get(field, PASSING.get(field, np.nan))) for r in rows]
        frame[f"_bad_{field}"] = [field in r.get("bad", ()) for r in rows]
    return frame
