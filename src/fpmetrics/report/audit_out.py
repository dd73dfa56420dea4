"""``fpmetrics audit``: the ranked signals as a table, JSON or CSV, on stdout or in a file."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table

from fpmetrics.files.output import deliver
from fpmetrics.i18n import t
from fpmetrics.models import CheckReport
from fpmetrics.report.machine import head, problem_records
from fpmetrics.report.plain_text import trim_lines
from fpmetrics.report.safety import csv_text, defuse_frame

FORMATS = ("table", "json", "csv")
CSV_COLUMNS = [
    "signal", "unit", "period", "statistic", "p_value", "q_value", "detail", "explanation",
]  # fmt: skip


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
    """The audit document: the common head, the settings, ``signals``, ``summary`` (how many
    signals, over how many tests, naming how many townships) and ``problems``."""
    townships = signals.attrs.get("townships", [])
    payload = {
        **head(report),
        "alpha": report.ruleset.audit.alpha,
        "periods": periods,
        "tests": signals.attrs.get("tests", 0),
        "townships": townships,
        "needs_periods": signals.attrs.get("needs_periods", []),
        "signals": [_clean(s) for s in signals.to_dict("records")],
        "summary": {
            "signals": len(signals),
            "tests": int(signals.attrs.get("tests", 0)),
            "townships": len(townships),
        },
        "problems": problem_records(report.problems),
    }
    return json.dumps(_clean(payload), ensure_ascii=False, indent=2) + "\n"


def audit_csv(signals: pd.DataFrame, for_spreadsheet: bool = False) -> str:
    """One row per signal, the JSON keys as columns; ``detail`` (its numbers) as compact JSON.
    ``for_spreadsheet``: text that looks like a formula gets a leading apostrophe (files
    written with --output; stdout is for scripts)."""
    rows = [_clean(s) for s in signals.to_dict("records")]
    frame = pd.DataFrame(rows, columns=CSV_COLUMNS, dtype=object)
    frame["detail"] = frame["detail"].map(
        lambda d: None if d is None else json.dumps(d, ensure_ascii=False, separators=(",", ":"))
    )
    if for_spreadsheet:
        frame = defuse_frame(frame, ("unit", "period", "explanation"))
    return csv_text(frame)


def write_audit(
    report: CheckReport,
    signals: pd.DataFrame,
    periods: bool,
    fmt: str,
    output: Path | None,
    lang: str,
    out: Console,
    err: Console,
) -> None:
    """The signals in ``fmt`` (table, json, csv), to stdout or atomically to ``output`` (a
    CSV file with a UTF-8 BOM for Excel and WPS; none on stdout)."""
    if fmt == "table":
        console = out if output is None else Console(file=io.StringIO(), width=160)
        render_audit(report, signals, periods, lang, console, err)
        if output is None:
            return
        data = trim_lines(console.file.getvalue())  # type: ignore[attr-defined]
    elif fmt == "json":
        data = audit_json(report, signals, periods)
    else:
        _period_advice(signals, periods, lang, err)
        data = audit_csv(signals, for_spreadsheet=output is not None)
    deliver(data, fmt, output, lang, err)


def _period_advice(signals: pd.DataFrame, periods: bool, lang: str, err: Console) -> None:
    """No period column, or one period: which signals were not computed and how to get them."""
    if not periods:
        err.print(t("audit_no_periods", lang), style="yellow")
    needs = signals.attrs.get("needs_periods", [])
    if needs:
        names = "、".join(t(f"signal_{s}", lang) for s in needs)
        err.print(t("audit_needs_periods", lang, signals=names), style="yellow")


def render_audit(
    report: CheckReport, signals: pd.DataFrame, periods: bool, lang: str, out: Console, err: Console
) -> None:
    _period_advice(signals, periods, lang, err)
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
    ranked = signals.attrs.get("townships", [])
    if ranked:
        shown = [f"{r['rank']}. {r['unit']} (q = {r['q_value']:.2g})" for r in ranked[:10]]
        out.print(t("audit_townships", lang, list=", ".join(shown)))
