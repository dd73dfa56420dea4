"""What a report is about: the county and the data period, for its title.

The county comes from ``--title``, else from the inputs (a county column, else a title row
above a table's header: 阳谷县2024年度…); the period from the period column (first–last),
else a year in those title rows or the file names. Either may be unknown.
"""

from __future__ import annotations

import re

from fpmetrics.models import CheckReport

_COUNTY = re.compile(r"([\u4e00-\u9fff]{1,10}?(?:自治县|县|市|区|旗))")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*(年度|年)?")


def _title_rows(check: CheckReport) -> list[str]:
    """The text of the rows above each table's header (a sheet's title)."""
    lines = []
    for table in check.inputs.tables:
        top = min(table.header_rows) - 1 if table.header_rows else 0
        cells = table.source.cells.iloc[:top]
        for row in cells.itertuples(index=False):
            text = "".join(str(c) for c in row if c is not None and str(c).strip())
            if text:
                lines.append(text)
    return lines


def county(check: CheckReport) -> str | None:
    records = check.inputs.records
    if "county" in records:
        names = records["county"].dropna().astype(str).str.strip().unique()
        if len(names) == 1 and names[0]:
            return str(names[0])
    for line in _title_rows(check):
        found = _COUNTY.search(line)
        if found:
            return found.group(1)
    return None


def period(check: CheckReport) -> str | None:
    periods = check.results["period"].dropna().astype(str).unique()
    if len(periods):
        first, last = periods[0], periods[-1]
        return first if first == last else f"{first}–{last}"
    # A file's name (县2024年报.xlsx); a database location is a masked URL, not a path.
    texts = [*_title_rows(check), *(getattr(f, "name", "") for f in check.inputs.files)]
    for text in texts:
        found = _YEAR.search(text)
        if found:
            return found.group(1) + (found.group(2) or "")
    return None


def subject(check: CheckReport, lang: str) -> str:
    """ "阳谷县 2024年度" (either part may be missing; empty when both are)."""
    title = getattr(check, "title", None) or county(check)
    when = period(check)
    if when and lang == "en" and when.endswith(("年度", "年")):
        when = when.rstrip("年度")
    return " ".join(x for x in (title, when) if x)
