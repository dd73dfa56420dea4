"""Id numbers (身份证号, birth certificate numbers) are personal data: shown masked.

``110105199001014514`` becomes ``1101**********4514``: the first and last four characters
stay, so a clerk can tell two ids apart and find the row, and the person cannot be named
from a report. Shorter ids keep their first and last character; ids of two characters or
fewer are all stars.
"""

from __future__ import annotations

import pandas as pd


def mask_id(value: object) -> str:
    """One id, masked (see the module docstring)."""
    text = str(value).strip()
    n = len(text)
    if n >= 9:
        return text[:4] + "*" * (n - 8) + text[-4:]
    if n >= 3:
        return text[0] + "*" * (n - 2) + text[-1]
    return "*" * n


def mask_ids(values: pd.Series) -> pd.Series:
    """A column of ids, masked as :func:`mask_id` does (missing values stay missing)."""
    text = values.astype("string").str.strip().fillna("")
    n = text.str.len()
    long, mid = n >= 9, (n >= 3) & (n < 9)
    keep = long.astype(int) * 4 + mid.astype(int)  # characters kept at each end
    stars = pd.Series("*", index=text.index, dtype="string").str.repeat(list(n - 2 * keep))
    masked = stars.where(~long, text.str[:4] + stars + text.str[-4:])
    masked = masked.where(~mid, text.str[:1] + stars + text.str[-1:])
    return masked.astype(object).where(values.notna(), values)
