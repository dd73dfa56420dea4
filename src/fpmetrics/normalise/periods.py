"""Periods in natural order: "2024-2" before "2024-10", "2月" before "10月".

As text, "10月" sorts before "2月": the last N periods, the latest period and month-to-month
comparisons would all pick the wrong months.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def period_key(period: object) -> tuple:
    parts = re.findall(r"\d+|\D+", str(period))
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def period_rank(periods: Iterable[object]) -> dict[object, int]:
    """Each distinct period → its position in natural order (0 = earliest)."""
    return {p: i for i, p in enumerate(sorted(set(periods), key=period_key))}
