"""Input limits that keep time and memory bounded (see docs/limits-input.md)."""

from __future__ import annotations

from fpmetrics.errors import InputError

MAX_UNITS = 50_000
"""Distinct township names one input may name. A county has tens of townships, a province a
few thousand; past this the township column is almost surely the wrong column (an id or a
date), and the per-unit results, windows and reports would take minutes and gigabytes."""


def check_unit_count(count: int, where: object) -> None:
    """Refuse an input naming more than :data:`MAX_UNITS` townships, before any per-unit work."""
    if count > MAX_UNITS:
        limit = f"{MAX_UNITS:,}"
        raise InputError("too_many_units", where=where, count=f"{count:,}", limit=limit)
