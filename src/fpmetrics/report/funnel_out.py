"""``fpmetrics funnel``: the units outside the limits, as a table or JSON, and the chart."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table

from ..errors import InputError
from ..funnel import Funnel, build_funnel
from ..i18n import Joined, Message, Words, t
from ..output import write_reported
from ..pipeline import CheckReport
from ..wording import worded_report
from .machine import _none, dumps_document, head, problem_records
from .schema import FunnelPoint
from .values import plain_number


def _number(value: float | None) -> int | float | None:
    """JSON has no NaN or infinity: an unbounded limit (a sex ratio with share 1) or a φ that
    cannot be estimated is null."""
    if value is None or not math.isfinite(value):
        return None
    return plain_number(value)


def funnel_points(report: CheckReport, funnel: Funnel) -> pd.DataFrame:
    """Every unit with a result for the funnel's indicator, in the funnel's order, then the
    units without a value (``no_data``); with flags as booleans (``above``: which side of
    the limits, null inside) and ``meets_standard`` (the check passed: within the bounds)."""
    results = report.results
    rows = results[results["indicator"] == funnel.indicator]
    status = rows[["unit", "period", "status"]].assign(
        period=rows["period"].astype(object).where(rows["period"].notna(), None)
    )
    units = funnel.units.assign(
        period=funnel.units["period"].astype(object).where(funnel.units["period"].notna(), None)
    )
    # on text keys: a None period matches None (pandas merges None keys together)
    units = units.drop(columns="status", errors="ignore")  # the results' status, joined below
    points = units.merge(status, on=["unit", "period"], how="left", sort=False)
    missing = status.merge(units[["unit", "period"]], on=["unit", "period"], how="left",
                           indicator=True)  # fmt: skip
    missing = missing[missing["_merge"] == "left_only"].drop(columns="_merge")
    points = pd.concat([points, missing], ignore_index=True, sort=False)
    points["no_data"] = points["value"].isna()
    sides = {level: points[f"outside_{level}"].fillna("") for level in ("95", "99.8")}
    outer = sides["99.8"].where(sides["99.8"] != "", sides["95"])
    points["above"] = outer.map({"high": True, "low": False})
    for level, key in (("95", "95"), ("99.8", "998")):
        points[f"outside_{key}"] = sides[level].isin(["low", "high"])
        points[f"lower_{key}"] = points[f"lower_{level}"]
        points[f"upper_{key}"] = points[f"upper_{level}"]
    points["meets_standard"] = points["status"].map({"pass": True, "fail": False, "warn": False})
    return points.drop(columns=["lower_99.8", "upper_99.8", "outside_99.8"])


def funnel_json(report: CheckReport, funnel: Funnel) -> str:
    """The funnel document: the common head, ``funnel`` (one record per unit, also those
    without a value), ``summary`` and ``problems``. Keys hold no dots; flags are booleans,
    null where there is no value."""
    points = funnel_points(report, funnel)
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
        **head(report),
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
        "problems": problem_records(report.problems),
    }
    return dumps_document(payload)


def render_funnel(
    report: CheckReport,
    indicator: str,
    target: str,
    overdispersion: str,
    fmt: object,
    output: Path | None,
    lang: str,
    out: Console,
    err: Console,
) -> None:
    report = worded_report(report, lang)
    rules = report.ruleset.active
    if indicator not in rules:
        detail = Message("opt_no_indicator", indicator=indicator, indicators=Joined(rules))
        raise InputError("bad_option", detail=detail)
    rule = rules[indicator]
    if rule.evidence_model not in ("binomial", "sex_ratio", "poisson"):
        raise InputError("funnel_model", indicator=indicator)
    if target not in ("overall", "bound"):
        try:
            value = float(target)
        except ValueError:
            value = math.nan
        # a share lies in 0…scale (0–100%); a rate or a sex ratio is ≥ 0
        top = rule.scale if rule.evidence_model == "binomial" else math.inf
        if not (math.isfinite(value) and 0 <= value <= top):
            detail = Message("opt_target", value=target)
            raise InputError("bad_option", detail=detail) from None
    funnel = build_funnel(report.results, indicator, rule, target, overdispersion)
    units = funnel.units
    if units.empty:  # nothing to draw, and a centre line of NaN
        name = Words(rule.label("zh"), rule.label("en"))
        raise InputError("funnel_no_values", name=name)
    if str(fmt) == "json":
        sys.stdout.write(funnel_json(report, funnel))
    else:
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
        from .funnel_chart import phi_note

        if phi_note(funnel, lang):
            out.print(phi_note(funnel, lang))
    if output is not None:
        from .funnel_chart import draw, numbered, numbered_key

        fmt_out = output.suffix.lower().lstrip(".")
        write_reported(output, draw(funnel, lang, fmt_out), lang, err)
        key = numbered_key(funnel, lang) if numbered(fmt_out) else ""
        if key:  # no Chinese font: the chart numbers the units outside
            err.print(key)
