"""``--records``: the register rows behind the failing checks, as a CSV file for Excel."""

from __future__ import annotations

import pandas as pd

from fpmetrics.report.safety import csv_text, defuse_frame


def records_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM: Excel and WPS open it with the Chinese intact."""
    safe = defuse_frame(frame.astype(object), tuple(frame.columns))
    return csv_text(safe).encode("utf-8-sig")
