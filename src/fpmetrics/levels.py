"""The level a check reports at: village, township (default) or county.

Rows are relabelled, not averaged: the per-unit counts are then summed by
:func:`fpmetrics.compute.unit_counts`, so a county's rate comes from the county's counts.
"""

from __future__ import annotations

import pandas as pd

from .i18n import t

LEVELS = ("village", "township", "county")


def at_level(records: pd.DataFrame, by: str, lang: str) -> pd.DataFrame:
    """``records`` with ``township`` holding the name of the unit at level ``by``.

    Village: ``阿城镇/东村`` (a row without a village stays its township). County: the county
    column where given, else one unit for everything (全县). A county has no area code here.
    """
    if by == "township":
        return records
    named = records["township"] != ""
    if by == "village":
        village = records["village"].fillna("").astype(str)
        label = records["township"].where(village == "", records["township"] + "/" + village)
        return records.assign(township=label.where(named, ""))
    county = records["county"].fillna("").astype(str)
    label = county.where(county != "", t("whole_county", lang))
    return records.assign(township=label.where(named, ""), code=None)
