"""Reporting periods as the rule file defines them: the year's start, halves, quarters, months.

The family-planning statistical reports do not use the calendar year: their 全年报表 covers
the previous 1 October to 30 September, their 半年报表 1 October to 31 March. A rule file
says which year its indicators use (``periods: {year_start: "10-01"}``); ``--period`` then
groups register births into that year, its halves or quarters, or calendar months.

A *grouping* is the text the register readers pass around: the period kind, with the month
the year starts in when that is not January (``"year"``, ``"half@10"``). Labels say what they
cover: ``2024统计年度 (2023-10-01 – 2024-09-30)``. A calendar year stays ``2024`` and a month
``2024-05``, exactly as before: they need no dates to be understood.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta

import pandas as pd

KINDS = ("year", "half", "quarter", "month")
_SPAN = {"year": 12, "half": 6, "quarter": 3, "month": 1}
_COVERS = re.compile(r"\((\d{4}-\d{2}-\d{2}) – (\d{4}-\d{2}-\d{2})\)$")


def grouping(kind: str | None, start_month: int = 1) -> str | None:
    """The grouping text for ``--period KIND`` under a year starting in ``start_month``."""
    if kind is None:
        return None
    return kind if start_month == 1 or kind == "month" else f"{kind}@{start_month}"


def parse_grouping(text: str) -> tuple[str, int]:
    """``"half@10"`` → ``("half", 10)``; ``"year"`` → ``("year", 1)``."""
    kind, _, month = text.partition("@")
    return kind, int(month) if month else 1


def is_calendar_year(text: str | None) -> bool:
    return text == "year"


def _add_months(year: int, month: int, months: int) -> date:
    """The first day of the month ``months`` after ``year``-``month``."""
    index = year * 12 + (month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def _label(kind: str, start_month: int, year: int, part: int) -> tuple[str, date, date]:
    """The label of one period and the first and last day it covers.

    ``year`` is the (statistical) year it belongs to, named after the calendar year it ends
    in; ``part`` is its index within that year (0-based half, quarter or month)."""
    begin = _add_months(year - (start_month != 1), start_month, part * _SPAN[kind])
    end = _add_months(begin.year, begin.month, _SPAN[kind]) - timedelta(days=1)
    if kind == "month":
        return f"{begin.year}-{begin.month:02d}", begin, end
    statistical = "统计年度" if start_month != 1 else ""
    if kind == "year" and not statistical:
        return str(year), begin, end
    name = (
        f"{year}{statistical}"
        + {
            "year": "",
            "half": "上半年" if part == 0 else "下半年",
            "quarter": f"第{part + 1}季度",
        }[kind]
    )
    return f"{name} ({begin.isoformat()} – {end.isoformat()})", begin, end


def label_dates(when: pd.Series, text: str) -> pd.Series:
    """The period label of each date (None where there is no date).

    Column operations give each date its year and part; only the distinct (year, part)
    pairs, a handful, are turned into labels."""
    kind, start_month = parse_grouping(text)
    valid = when.notna()
    month = when.dt.month.where(valid, 1).astype(int)
    year = when.dt.year.where(valid, 0).astype(int)
    if kind == "month":
        stat_year, part = year, month - 1
    else:
        stat_year = year + ((month >= start_month) & (start_month != 1)).astype(int)
        part = ((month - start_month) % 12) // _SPAN[kind]
    keys = pd.DataFrame({"y": stat_year, "p": part})
    distinct = keys[valid].drop_duplicates()
    names = {
        (y, p): _label(kind, start_month, int(y), int(p))[0]
        for y, p in zip(distinct["y"], distinct["p"], strict=True)
    }
    index = pd.MultiIndex.from_frame(keys)
    labels = pd.Series(index.map(names.get), index=when.index, dtype=object)
    return labels.where(valid, None)


def bounds(label: object, start_month: int = 1) -> tuple[str | None, str | None]:
    """The first and last day (ISO dates) a period label covers; (None, None) when the label
    does not say. A report form's bare year (``2024``) is the rule file's year."""
    if not isinstance(label, str):
        return None, None
    text = label.strip()
    covered = _COVERS.search(text)
    if covered:
        return covered.group(1), covered.group(2)
    year = re.fullmatch(r"(\d{4})\s*年?", text)
    if year:
        _, begin, end = _label("year", start_month, int(year.group(1)), 0)
        return begin.isoformat(), end.isoformat()
    month = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?", text)
    if month and 1 <= int(month.group(2)) <= 12:
        _, begin, end = _label("month", 1, int(month.group(1)), int(month.group(2)) - 1)
        return begin.isoformat(), end.isoformat()
    return None, None


def bounds_of(labels: Iterable[object], start_month: int = 1) -> dict[object, tuple]:
    """:func:`bounds` of each distinct label."""
    return {label: bounds(label, start_month) for label in set(labels)}


def with_bounds(results: pd.DataFrame, start_month: int = 1) -> pd.DataFrame:
    """The results with ``period_start`` and ``period_end`` (ISO dates, or None)."""
    found = bounds_of(results["period"], start_month)
    begins = {label: b for label, (b, _) in found.items()}
    ends = {label: e for label, (_, e) in found.items()}
    return results.assign(
        period_start=results["period"].map(begins).astype(object),
        period_end=results["period"].map(ends).astype(object),
    )
