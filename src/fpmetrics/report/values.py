"""Numbers as people read them, without ever rounding a failure into a pass; counts of units."""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from fpmetrics.i18n import t

if TYPE_CHECKING:
    from fpmetrics.models import CheckReport


def display_value(
    value: float, decimals: int, minimum: float | None, maximum: float | None, status: str
) -> str:
    """``value`` with ``decimals`` digits, never a failing value shown as a passing number.

    Values are rounded to nearest, unless that would put a failing value on or inside the
    bound: then it is rounded away from it (107.004 fails "≤ 107" and shows as 107.01, not
    107.00), and digits are added if the bound has more digits than the display.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    exact = Decimal(repr(float(value)))
    outside = status in ("fail", "warn")
    nearest = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)
    if not outside or not _inside(nearest, minimum, maximum):
        return f"{nearest:f}"
    rounding = ROUND_CEILING if maximum is not None and value > maximum else ROUND_FLOOR
    for digits in range(decimals, decimals + 8):
        shown = exact.quantize(Decimal(1).scaleb(-digits), rounding=rounding)
        if not outside or not _inside(shown, minimum, maximum):
            return f"{shown:f}"
    return repr(float(value))


def _inside(shown: Decimal, minimum: float | None, maximum: float | None) -> bool:
    if minimum is not None and shown < Decimal(repr(minimum)):
        return False
    return not (maximum is not None and shown > Decimal(repr(maximum)))


def plain_number(value: float | None) -> int | float | None:
    """JSON-friendly: NaN → None, whole floats → int."""
    if value is None:
        return None
    value = float(value)
    if math.isnan(value):
        return None
    return int(value) if value.is_integer() else value


def decimals_needed(
    value: float, decimals: int, minimum: float | None, maximum: float | None, status: str
) -> int:
    """Digits a spreadsheet number format needs so that a failing value, rounded to nearest
    as Excel does, is not shown as a number within the bounds (89.96 → "89.96%", not "90.0%")."""
    if status not in ("fail", "warn") or value is None or math.isnan(value):
        return decimals
    exact = Decimal(repr(float(value)))
    for digits in range(decimals, decimals + 8):
        shown = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        if not _inside(shown, minimum, maximum):
            return digits
    return decimals + 8


def unit_column_key(level: str) -> str:
    return "col_unit" if level == "township" else f"col_unit_{level}"


def units_text(report: CheckReport, lang: str) -> str:
    """ "18 个乡镇" or, with periods, "18 个乡镇 × 12 期" (not 216 townships): for every
    summary line, in the terminal, Markdown and HTML alike."""
    results = report.results
    text = t(f"units_{report.level}", lang, n=results["unit"].nunique())
    periods = results["period"].dropna().nunique()
    return text + (t("units_periods", lang, n=periods) if periods else "")


def summary_line(report: CheckReport, lang: str) -> str:
    """ "18 个乡镇, 180 项检查: 达标 150 · 不达标 25 · …": the terminal, Markdown and HTML."""
    from fpmetrics.report.evidence_text import summary_evidence

    s = report.summary
    split = summary_evidence(s, lang)
    return t(
        "summary_counts",
        lang,
        units=units_text(report, lang),
        checks=s["checks"],
        pass_=s["pass"],
        fail=s["fail"],
        warn=s["warn"],
        no_data=s["no_data"],
        invalid=s["invalid"],
    ) + (f" ({split})" if split else "")


def previous_change(row: dict, decimals: int) -> str:
    """``▲104.00``: the change from the previous period's value (▼ down, = the same), or ""
    when the result has no value or no previous one (--history)."""
    previous = row.get("previous")
    value = row.get("value")
    if not isinstance(previous, dict) or previous.get("value") is None:
        return ""
    if value is None or value != value:
        return ""
    before = float(previous["value"])
    arrow = "▲" if value > before else "▼" if value < before else "="
    shown = display_value(before, decimals, row.get("min"), row.get("max"), previous["status"])
    return f"{arrow}{shown}"
