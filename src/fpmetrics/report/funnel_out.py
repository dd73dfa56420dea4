"""``fpmetrics funnel``: the units outside the limits, as a table or JSON, and the chart."""

from __future__ import annotations

import math

from rich import box
from rich.console import Console
from rich.table import Table

from fpmetrics.files.output import Pieces
from fpmetrics.i18n import t
from fpmetrics.models import FunnelReport
from fpmetrics.report.machine import _none, dumps_document, head, problem_records
from fpmetrics.report.schema import FunnelPoint
from fpmetrics.report.values import plain_number


def _number(value: float | None) -> int | float | None:
    """JSON has no NaN or infinity: an unbounded limit (a sex ratio with share 1) or a φ that
    cannot be estimated is null."""
    if value is None or not math.isfinite(value):
        return None
    return plain_number(value)


def funnel_json(report: FunnelReport) -> Pieces:
    """The funnel document: the common head, ``funnel`` (one record per unit, also those
    without a value), ``summary`` and ``problems``. Keys hold no dots; flags are booleans,
    null where there is no value."""
    funnel, points = report.funnel, report.points
    keys = list(FunnelPoint.model_fields)
    records = []
    for row in points.to_dict("records"):
        record = {}
        for key in keys:
            value = row.get(key)
            if key in ("unit", "period"):
                record[key] = _none(value)
            elif key == "no_data":
                record[key] = bool(value)
            elif row["no_data"] and key not in ("meets_standard",):
                record[key] = None
            elif key in ("outside_95", "outside_998"):
                record[key] = bool(value)
            elif key in ("above", "meets_standard"):
                record[key] = None if _none(value) is None else bool(value)
            else:
                record[key] = _number(None if _none(value) is None else float(value))
        records.append(record)
    with_value = points[~points["no_data"]]
    payload = {
        **head(report.check),
        "indicator": funnel.indicator,
        "method": funnel.method,
        "target": _number(funnel.target),
        "phi": _number(funnel.phi),
        "tau2": _number(funnel.tau2),
        "overdispersion": funnel.overdispersion,
        "phi_rate": _number(funnel.phi_rate),
        "funnel": records,
        "summary": {
            "units": len(points),
            "no_data": int(points["no_data"].sum()),
            "outside_95": int(with_value["outside_95"].sum()),
            "outside_998": int(with_value["outside_998"].sum()),
            "fail": int((points["meets_standard"] == False).sum()),  # noqa: E712
        },
        "problems": problem_records(report.check.problems),
    }
    return dumps_document(payload)


def funnel_table(report: FunnelReport, lang: str, out: Console) -> None:
    """The units outside the limits, and a line on how many and by which method."""
    funnel, rule = report.funnel, report.funnel.rule
    units = funnel.units
    table = Table(
        title=t("funnel_title", lang, name=rule.label(lang), target=f"{funnel.target:.2f}"),
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for label in (
        "col_unit",
        "col_value",
        "col_n",
        "col_limits95",
        "col_limits998",
        "col_flag",
    ):
        table.add_column(t(label, lang), justify="left" if label == "col_unit" else "right")
    flagged = units[(units["outside_95"] != "") | (units["outside_99.8"] != "")]
    for r in flagged.to_dict("records"):
        level = "99.8%" if r["outside_99.8"] else "95%"
        side = r["outside_99.8"] or r["outside_95"]
        table.add_row(
            f"{r['unit']} {r['period'] or ''}".strip(),
            f"{r['value']:.2f}{rule.symbol}",
            f"{r['n']:.0f}",
            f"{r['lower_95']:.2f}–{r['upper_95']:.2f}",
            f"{r['lower_99.8']:.2f}–{r['upper_99.8']:.2f}",
            t(f"funnel_{side}", lang, level=level),
            style="red" if r["outside_99.8"] else "yellow",
        )
    out.print(table)
    extra = ""
    if funnel.phi is not None:
        extra = f" φ = {funnel.phi:.2f}" + (
            f", τ² = {funnel.tau2:.3g}" if funnel.tau2 is not None else ""
        )
    out.print(
        t("funnel_summary", lang, units=len(units), flagged=len(flagged), method=funnel.method)
        + extra
    )
    from fpmetrics.report.funnel_chart import phi_note

    if phi_note(funnel, lang):
        out.print(phi_note(funnel, lang))
