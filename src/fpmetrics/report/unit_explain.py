"""``--explain 阿城镇``: the counts behind each of a unit's indicators, and where they came from."""

from __future__ import annotations

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from fpmetrics.aggregate.levels import at_level
from fpmetrics.errors import InputError
from fpmetrics.frame_columns import FILE, SHEET, excluded_column, header_column
from fpmetrics.i18n import t
from fpmetrics.models import CheckReport
from fpmetrics.normalise.fields import FIELDS
from fpmetrics.report.values import display_value, plain_number


def render_unit_explain(report: CheckReport, names: list[str], lang: str, err: Console) -> None:
    results = report.results
    known = list(dict.fromkeys(results["unit"]))
    for name in names:
        if name not in known:
            raise InputError("explain_unit_missing", unit=name, units="、".join(known[:30]))
    records = at_level(report.inputs.records, report.level)
    for name in names:
        err.print(Text(t("explain_unit_title", lang, unit=name), style="bold"))
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, header_style="bold")
        for key in ("col_indicator", "col_period", "col_value", "col_bounds", "col_status",
                    "col_counts"):  # fmt: skip
            table.add_column(t(key, lang), no_wrap=key != "col_counts")
        mine = results[results["unit"] == name]
        absent = mine[mine["reason"] == "field_missing"]
        for row in mine[mine["reason"] != "field_missing"].to_dict("records"):
            rule = report.ruleset.active[row["indicator"]]
            value = (
                display_value(row["value"], rule.decimals, row["min"], row["max"], row["status"])
                + row["symbol"]
                if row["value"] == row["value"]
                else "—"
            )
            notes = "、".join(t(f"note_{n}", lang) for n in row.get("notes") or [])
            counts = f"{_side(rule.numerator, row['numerator'])} / "
            counts += _side(rule.denominator, row["denominator"])
            table.add_row(
                rule.short_label(lang),
                row["period"] or "",
                value,
                rule.bounds_text(),
                t(f"status_{row['status']}", lang),
                counts + (f" ({notes})" if notes else ""),
            )
        err.print(table)
        if not absent.empty:
            labels = dict.fromkeys(
                report.ruleset.active[k].short_label(lang) for k in absent["indicator"]
            )
            err.print(t("explain_absent", lang, indicators="、".join(labels)))
        err.print(_sources(records[records["township"] == name], lang))


def _side(expression: str, value: float) -> str:
    if any(op in expression for op in ("+", " - ", "*")):  # (births - deaths) / population
        expression = f"({expression})"
    number = plain_number(value)
    return f"{expression} = {number}" if number is not None else expression


def _sources(rows: pd.DataFrame, lang: str) -> Table:
    """Per field: which file and column gave it, summed over the unit's rows."""
    table = Table(box=None, pad_edge=False, show_header=True, header_style="dim")
    for key in ("col_field", "col_value", "col_source"):
        table.add_column(t(key, lang))
    for field, spec in FIELDS.items():
        if not spec.is_count or header_column(field) not in rows:
            continue
        given = rows[rows[header_column(field)].notna()]
        if given.empty:
            continue
        total = pd.to_numeric(given[field], errors="coerce").sum(min_count=1)
        where = "、".join(
            dict.fromkeys(
                f"{f}{f' [{s}]' if s else ''} “{h}”"
                for f, s, h in zip(
                    given[FILE], given[SHEET], given[header_column(field)], strict=True
                )
            )
        )
        excluded = given.get(excluded_column(field))
        if excluded is not None and excluded.fillna(0).sum() > 0:
            where += "; " + t("explain_excluded", lang, count=int(excluded.fillna(0).sum()))
        table.add_row(f"{field} ({spec.label(lang)})", str(plain_number(total)), where)
    return table
