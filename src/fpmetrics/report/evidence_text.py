"""The evidence next to each failure, as every report shows it (issue 16).

● a failure beyond chance (exact one-sided p below α), ○ one chance could explain; the exact
interval, the p-value and the small-sample note; a legend, the number of ● to expect by
chance among the county's units, and what the optional FDR control changed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from fpmetrics.i18n import t

if TYPE_CHECKING:
    from fpmetrics.models import CheckReport

MARKS = {"clear_fail": "●", "inconclusive": "○"}


def mark(row: dict) -> str:
    """● or ○ for a failing (or warned) result with evidence, else nothing."""
    if row.get("status") not in ("fail", "warn"):
        return ""
    return MARKS.get(row.get("evidence") or "", "")


def infinite_text(row: dict) -> str | None:
    """``∞`` for a count over a zero denominator (its value is null), else None."""
    if row.get("reason") != "infinite_ratio":
        return None
    return "∞" if (row.get("numerator") or 0) > 0 else "-∞"


def _number(value: float, decimals: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{value:.{decimals}f}"


def interval_text(row: dict, decimals: int, symbol: str) -> str:
    low, high = row["ci_low"], row["ci_high"]
    if low is None or (isinstance(low, float) and (math.isnan(low) or math.isinf(low))):
        return "—"  # no interval (or a count over no exposure at all: nothing to bound)
    return f"{_number(low, decimals)}–{_number(high, decimals)}{symbol}"


def p_text(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def q_text(value: float | None) -> str:
    """The Benjamini–Hochberg q-value next to the p-value, where the rule file asks for it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f" (q {p_text(value)})"


def note_text(row: dict, lang: str) -> str:
    notes = []
    if row.get("evidence_note") == "small_sample":
        notes.append(t("note_small_sample", lang))
    if "fdr_inconclusive" in (row.get("notes") or []):
        notes.append(t("note_fdr_inconclusive", lang))
    return "; ".join(notes)


def failing_with_evidence(report: CheckReport) -> pd.DataFrame:
    results = report.results
    if results.empty or "evidence" not in results:
        return results.iloc[:0]
    return results[results["status"].isin(["fail", "warn"]) & results["evidence"].notna()]


def _percent(alpha: float) -> str:
    return f"{100 * alpha:g}"


def legend_line(report: CheckReport, lang: str) -> str:
    settings = report.ruleset.evidence
    return t(
        "evidence_legend_report",
        lang,
        alpha=f"{settings.alpha:g}",
        level=f"{100 * settings.level:g}",
    )


def chance_line(report: CheckReport, lang: str) -> str:
    """How many ● chance alone may give per indicator: α for each unit with a value."""
    from fpmetrics.report.values import units_text

    settings = report.ruleset.evidence
    results = report.results
    with_value = results[results["evidence"].notna()] if "evidence" in results else results
    per_indicator = with_value.groupby("indicator").size()
    units = int(per_indicator.max()) if len(per_indicator) else 0
    expected = units * settings.alpha
    return t(
        "evidence_chance",
        lang,
        units=units_text(report, lang),
        expected=f"{expected:.1f}" if expected >= 0.1 else f"{expected:.2g}",  # 0.025, not 0.0
        alpha=_percent(settings.alpha),
    )


def fdr_line(report: CheckReport, lang: str) -> str | None:
    if not report.ruleset.evidence.fdr:
        return None
    s = report.summary
    return t(
        "evidence_fdr", lang, demoted=s.get("fdr_inconclusive", 0), kept=s.get("clear_fail", 0)
    )


def evidence_lines(report: CheckReport, lang: str) -> list[str]:
    """Legend, chance and FDR lines: for every report that shows ● or ○ (else none)."""
    if failing_with_evidence(report).empty:
        return []
    lines = [legend_line(report, lang), chance_line(report, lang)]
    fdr = fdr_line(report, lang)
    return [*lines, fdr] if fdr else lines


def summary_evidence(summary: dict, lang: str) -> str:
    """ "of the fails: ● beyond chance 3 · ○ could be chance 5", or "" without any."""
    clear, inconclusive = summary.get("clear_fail", 0), summary.get("inconclusive_fail", 0)
    if not clear and not inconclusive:
        return ""
    return t("evidence_summary", lang, clear=clear, inconclusive=inconclusive)


def value_text(row: dict, decimals: int, symbol: str) -> str:
    """The value as the tables show it (never a failure rounded into a pass), ∞ for x/0."""
    from fpmetrics.report.values import display_value

    infinite = infinite_text(row)
    if infinite:
        return infinite
    shown = display_value(row["value"], decimals, row["min"], row["max"], row["status"])
    return f"{shown}{symbol}"


def detail_rows(report: CheckReport, lang: str) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the evidence table: one row per failure with evidence."""
    from fpmetrics.report.values import unit_column_key

    rules = report.ruleset.active
    level = f"{100 * report.ruleset.evidence.level:g}"
    headers = [
        t(unit_column_key(report.level), lang),
        t("col_indicator", lang),
        t("col_evidence", lang),
        t("col_interval", lang, level=level),
        t("col_p_value", lang),
        t("col_evidence_note", lang),
    ]
    rows = []
    for r in failing_with_evidence(report).to_dict("records"):
        rule = rules[r["indicator"]]
        rows.append(
            [
                f"{r['unit']} {r['period'] or ''}".strip(),
                f"{rule.short_label(lang)} {value_text(r, rule.decimals, rule.symbol)}",
                mark(r),
                interval_text(r, rule.decimals, rule.symbol),
                p_text(r["p_value"]) + q_text(r.get("q_value")),
                note_text(r, lang),
            ]
        )
    return headers, rows
