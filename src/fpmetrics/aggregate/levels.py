"""The level a check reports at: village, township (default) or county.

Rows are relabelled, not averaged: the per-unit counts are then summed by
:func:`fpmetrics.indicators.compute.unit_counts`, so a county's rate comes from the county's counts.

A 12-digit area code (统计用区划代码: 2 province + 2 prefecture + 2 county + 3 township +
3 village) names its township and county too: a village row with code ``371521100201``
belongs to township ``371521100000`` and county ``371521000000``. So villages are told apart
by their code where there is no village column, and the unit's code is the code of its level.
"""

from __future__ import annotations

import pandas as pd

LEVELS = ("village", "township", "county")
WHOLE_COUNTY = "全县"
"""The one unit of a county-level run whose inputs name no county."""


def at_level(records: pd.DataFrame, by: str) -> pd.DataFrame:
    """``records`` with ``township`` holding the name of the unit at level ``by``, and
    ``code`` that unit's area code (where the rows have 12-digit codes).

    Village: ``阿城镇/东村`` (a row without a village stays its township). County: the county
    column where given, else one unit per county code when the codes name several counties,
    else one unit for everything, named ``WHOLE_COUNTY`` (worded in the report's language
    when rendered).
    """
    named = records["township"] != ""
    area = area_codes(records)
    if by == "township":
        if area.isna().all():
            return records
        return records.assign(code=_objects(_level_code(area, 9).fillna(records["code"])))
    if by == "village":
        village = _text(records, "village")
        label = records["township"].where(village == "", records["township"] + "/" + village)
        return records.assign(township=label.where(named, ""))
    county = _text(records, "county")
    county_code = _level_code(area, 6)
    if county_code.dropna().nunique() > 1:
        county = county.where(county != "", county_code.fillna(""))
    label = county.where(county != "", WHOLE_COUNTY)
    return records.assign(township=label.where(named, ""), code=_objects(county_code))


def area_codes(records: pd.DataFrame) -> pd.Series:
    """The 12-digit area codes of ``records`` (NA where a row has none)."""
    if "code" not in records:
        return pd.Series(pd.NA, index=records.index, dtype="string")
    code = records["code"].astype("string")
    return code.where(code.str.fullmatch(r"\d{12}").fillna(False))


def village_from_code(records: pd.DataFrame) -> pd.Series:
    """The village column, or where it is empty, a village-level area code (not ending 000)."""
    village = _text(records, "village")
    area = area_codes(records)
    return village.where(village != "", area.where(area.str[9:] != "000").fillna(""))


def _level_code(area: pd.Series, digits: int) -> pd.Series:
    """The code of the township (9 digits kept) or county (6) an area code lies in."""
    return area.str[:digits].str.pad(12, "right", "0")


def _objects(series: pd.Series) -> pd.Series:
    return series.astype(object).where(series.notna(), None)


def _text(records: pd.DataFrame, column: str) -> pd.Series:
    if column not in records:
        return pd.Series("", index=records.index)
    return records[column].fillna("").astype(str)
