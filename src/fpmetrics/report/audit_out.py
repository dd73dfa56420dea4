"""``fpmetrics audit``: the ranked signals as a table or JSON."""

from __future__ import annotations

import json
import math

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table

from .. import __version__
from ..i18n import t
from ..pipeline import CheckReport


def _clean(value: object) -> object:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def audit_json(report: CheckReport, signals: pd.DataFrame, periods: bool) -> str:
    payload = {
        "fpmetrics": __version__,
        "ruleset": report.ruleset.name,
        "alpha": report.ruleset.audit.alpha,
        "periods": periods,
        "signals": [_clean(s) for s in signals.to_dict("records")],
        "problems": report.problems[["level", "code", "file", "sheet", "row", "column", "message"]]
        .astype(object)
        .where(report.problems.notna(), None)
        .to_dict("records"),
    }
    return json.dumps(_clean(payload), ensure_ascii=False, indent=2) + "\n"


def render_audit(
    report: CheckReport, signals: pd.DataFrame, periods: bool, lang: str, out: Console, err: Console
) -> None:
    if not periods:
        err.print(t("audit_no_periods", lang), style="yellow")
    if signals.empty:
        out.print(t("audit_none", lang, alpha=report.ruleset.audit.alpha))
        return
    table = Table(
        title=t("audit_title", lang, ruleset=report.ruleset.label(lang)),
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column(t("col_signal", lang), no_wrap=True)
    table.add_column(t("col_unit", lang))
    table.add_column(t("col_period", lang))
    table.add_column(t("col_p", lang), justify="right", no_wrap=True)
    table.add_column(t("col_explanation", lang), overflow="fold")
    for s in signals.to_dict("records"):
        p = s["p_value"]
        shown = "" if p is None or (isinstance(p, float) and math.isnan(p)) else f"{p:.2g}"
        label = t(f"signal_{s['signal']}", lang)
        table.add_row(label, s["unit"] or "", s["period"] or "", shown, s["explanation"])
    out.print(table)
