"""``fpmetrics funnel``: the units outside the limits, as a table or JSON, and the chart."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from .. import __version__
from ..errors import InputError
from ..funnel import build_funnel
from ..i18n import join, t
from ..output import write_reported
from ..pipeline import CheckReport
from .machine import _none
from .values import plain_number


def _number(value: float | None) -> int | float | None:
    """JSON has no NaN or infinity: an unbounded limit (a sex ratio with share 1) or a φ that
    cannot be estimated is null."""
    if value is None or not math.isfinite(value):
        return None
    return plain_number(value)


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
    rules = report.ruleset.active
    if indicator not in rules:
        detail = t("opt_no_indicator", lang, indicator=indicator, indicators=join(rules, lang))
        raise InputError(t("bad_option", lang, detail=detail))
    rule = rules[indicator]
    if rule.evidence_model not in ("binomial", "sex_ratio", "poisson"):
        raise InputError(t("funnel_model", lang, indicator=indicator))
    if target not in ("overall", "bound"):
        try:
            value = float(target)
        except ValueError:
            value = math.nan
        # a share lies in 0…scale (0–100%); a rate or a sex ratio is ≥ 0
        top = rule.scale if rule.evidence_model == "binomial" else math.inf
        if not (math.isfinite(value) and 0 <= value <= top):
            detail = t("opt_target", lang, value=target)
            raise InputError(t("bad_option", lang, detail=detail)) from None
    funnel = build_funnel(report.results, indicator, rule, target, overdispersion)
    units = funnel.units
    if units.empty:  # nothing to draw, and a centre line of NaN
        raise InputError(t("funnel_no_values", lang, name=rule.label(lang)))
    if str(fmt) == "json":
        payload = {
            "fpmetrics": __version__,
            "indicator": indicator,
            "method": funnel.method,
            "target": _number(funnel.target),
            "phi": _number(funnel.phi),
            "tau2": _number(funnel.tau2),
            "overdispersion": funnel.overdispersion,
            "phi_rate": _number(funnel.phi_rate),
            "units": [
                {k: (_number(v) if isinstance(v, float) else _none(v)) for k, v in r.items()}
                for r in units.to_dict("records")
            ],
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
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
