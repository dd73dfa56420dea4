"""Register cell codes read as values, over a column at once (usually its distinct values).

Sex: 男/女, 1/2, M/F. Yes/no: 是/否, 有/无, Y/N, 1/0, √/×. Outcome: 活产/死胎/死产. Dates:
2023-05-01, 2023/5/1, 2023.5.1, 20230501, 2023年5月1日, with or without a time, or an Excel
serial number. Anything else is unknown (None) and becomes a located problem.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

import pandas as pd

_SEX = {
    "男": "m", "男性": "m", "男孩": "m", "男婴": "m", "1": "m", "m": "m", "male": "m",
    "女": "f", "女性": "f", "女孩": "f", "女婴": "f", "2": "f", "f": "f", "female": "f",
}  # fmt: skip
_YES_NO = {
    "是": True, "有": True, "y": True, "yes": True, "1": True, "√": True, "✓": True, "✔": True,
    "true": True, "已": True, "在编": True, "已建档": True, "已查验": True, "已联系": True,
    "否": False, "无": False, "n": False, "no": False, "0": False, "×": False, "✗": False,
    "x": False, "false": False, "未": False, "不是": False, "非在编": False, "编外": False,
    "不在编": False, "未建档": False, "未查验": False, "未联系": False,
}  # fmt: skip
_OUTCOME = {"活产": "live", "死胎": "stillbirth", "死产": "stillbirth"}
# Traditional forms arrive too; NFKC does not fold them, so list them.
_OUTCOME |= {"活產": "live", "死產": "stillbirth"}
_YES_NO |= {"無": False, "編外": False, "在編": True, "非在編": False}


def per_distinct(read: Callable[..., pd.Series]) -> Callable[..., pd.Series]:
    """Run a code reader once per distinct value of the column, then spread the result back.

    A register column holds a handful of codes over millions of rows (or of grouped
    combinations); text normalisation and regular expressions then cost nothing."""

    @wraps(read)
    def reader(raw: pd.Series, *args: object, **kwargs: object) -> pd.Series:
        positions, distinct = pd.factorize(raw.astype(object), use_na_sentinel=False)
        if len(distinct) == len(raw):
            return read(raw, *args, **kwargs)
        values = read(pd.Series(distinct, dtype=object), *args, **kwargs)
        spread = values.take(positions)
        spread.index = raw.index
        return spread

    return reader


def clean(raw: pd.Series) -> pd.Series:
    """Codes compared as text: NFKC (full-width), trimmed, lower case, ``1.0`` as ``1``."""
    text = raw.astype("string").str.normalize("NFKC").str.strip().str.lower()
    return text.str.replace(r"^(\d+)\.0+$", r"\1", regex=True).fillna("")


@per_distinct
def sex(raw: pd.Series) -> pd.Series:
    """``m``, ``f`` or None."""
    return clean(raw).map(_SEX).astype(object)


@per_distinct
def yes_no(raw: pd.Series, empty: bool | None = None) -> pd.Series:
    """True, False or None; an empty cell reads as ``empty``."""
    text = clean(raw)
    value = text.map(_YES_NO).astype(object)
    return value.where(text != "", empty)


@per_distinct
def outcome(raw: pd.Series) -> pd.Series:
    """``live``, ``stillbirth`` or None; an empty cell is a live birth (the common export)."""
    text = clean(raw)
    return text.map(_OUTCOME).astype(object).where(text != "", "live")


_DATE = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$"


@per_distinct
def dates(raw: pd.Series) -> pd.Series:
    """Datetime (NaT where the text is not a date)."""
    text = raw.astype("string").str.normalize("NFKC").str.strip().fillna("")
    parts = text.str.extract(_DATE)
    compact = text.str.extract(r"^(\d{4})(\d{2})(\d{2})$")
    parts = parts.fillna(compact)
    iso = parts[0] + "-" + parts[1].str.zfill(2) + "-" + parts[2].str.zfill(2)
    parsed = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")
    serial = pd.to_numeric(text.where(parts[0].isna()), errors="coerce")
    serial = serial.where((serial >= 10000) & (serial < 2958466) & (serial == serial.round()))
    from_serial = pd.Timestamp("1899-12-30") + pd.to_timedelta(serial, unit="D")
    return parsed.fillna(from_serial)


def period_of(when: pd.Series, period: str) -> pd.Series:
    """``2023`` for --period year, ``2023-05`` for --period month, the statistical year, half
    or quarter when the rules say so (:mod:`fpmetrics.normalise.reporting`); None where no date."""
    from fpmetrics.normalise.reporting import label_dates

    return label_dates(when, period)
