"""Markdown for pasting into documents and chats: summary, ranking, matrix, problems."""

from __future__ import annotations

import re

from fpmetrics.i18n import t
from fpmetrics.models import CheckReport, ScoreReport
from fpmetrics.report.evidence_text import detail_rows, evidence_lines, infinite_text, mark
from fpmetrics.report.values import display_value, previous_change, summary_line

# Markdown is pasted into documents and chats that render it, and many renderers pass raw
# HTML through: a township named <script>… or <img onerror=…> must stay text. &, <, > become
# entities; Markdown's own marks are backslash-escaped; a line break inside a name, a space.
_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_MARKS = re.compile(r"([\\`*_\[\]|~#])")
_BREAKS = re.compile(r"\r\n|\r|\n")


class _Markup(str):
    """Markdown made here (bold for a failing value): not escaped again."""


def md_text(text: object) -> str:
    """Any text from the data or the rule file, safe to place in Markdown."""
    if isinstance(text, _Markup):
        return str(text)
    plain = _BREAKS.sub(" ", str(text)).translate(_HTML)
    return _MARKS.sub(r"\\\1", plain)


def _cell(text: object) -> str:
    return md_text(text)


def _table(headers: list[str], rows: list[list[object]], right: set[int]) -> list[str]:
    lines = ["| " + " | ".join(_cell(h) for h in headers) + " |"]
    lines.append("|" + "|".join("---:" if i in right else "---" for i in range(len(headers))) + "|")
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def to_markdown(check: CheckReport, scores: ScoreReport | None, lang: str) -> str:
    rules = check.ruleset.active
    label = check.ruleset.label(lang)
    title = t("score_title" if scores is not None else "table_title", lang, ruleset=label)
    from fpmetrics.report.subject import subject

    about = subject(check, lang)  # 阳谷县 2024年度: the county and the period
    lines = [f"## {md_text(f'{about} {title}' if about else title)}", ""]
    if scores is not None:
        from fpmetrics.report.scores import score_summary_lines

        for line in score_summary_lines(scores, lang):
            lines += [md_text(line), ""]
    lines.append(md_text(summary_line(check, lang)))
    lines.append("")
    if scores is not None:
        from fpmetrics.report.scores import ScoreTexts, ranking_headers

        texts = ScoreTexts(scores, lang)
        has_period = scores.scores["period"].notna().any()
        rows = [
            [
                r["rank"],
                r["unit"],
                *([r["period"] or ""] if has_period else []),
                f"{r['total']:.2f}",
                r["rank_from_bottom"],
                "; ".join(x for x in (texts.veto(r), texts.unverified(r)) if x),
                texts.award(r),
            ]
            for r in scores.scores.to_dict("records")
        ]
        headers = ranking_headers(has_period)
        right = {0, 3, 4} if has_period else {0, 2, 3}
        lines += [*_table([t(h, lang) for h in headers], rows, right), ""]

    results = check.results.assign(period=check.results["period"].fillna(""))
    cells = {(r["unit"], r["period"], r["indicator"]): r for r in results.to_dict("records")}
    rows = []
    for unit, period in results[["unit", "period"]].drop_duplicates().itertuples(index=False):
        row: list[object] = [f"{unit} {period}".strip()]
        for key, rule in rules.items():
            r = cells.get((unit, period, key))
            if r is None or r["status"] == "no_data":
                row.append("—")
            elif r["status"] == "invalid":
                row.append(t("status_invalid", lang))
            else:
                shown = display_value(r["value"], rule.decimals, rule.min, rule.max, r["status"])
                text = f"{infinite_text(r) or shown}{rule.symbol}{mark(r)}"
                failed = r["status"] == "fail"
                cell = _Markup(f"**{md_text(text)} ✗**" if failed else md_text(text))
                change = previous_change(r, rule.decimals)  # --history: ▲104.00
                row.append(_Markup(f"{cell} {change}") if change else cell)
        rows.append(row)
    headers = [t("col_unit", lang)] + [
        f"{r.short_label(lang)} {r.bounds_text()}" for r in rules.values()
    ]
    lines += [*_table(headers, rows, set(range(1, len(headers)))), ""]
    lines += _evidence(check, lang)

    if not check.problems.empty:
        lines.append(md_text(t("problems_header", lang, count=len(check.problems))))
        lines.append("")
        for p in check.problems.to_dict("records"):
            where = str(p["file"]) + (f" [{p['sheet']}]" if p["sheet"] else "")
            if p["row"] is not None and p["row"] == p["row"]:
                where += " " + t("where_row", lang, row=int(p["row"]))
            text = f"{t('level_' + p['level'], lang)} {where} {p['column'] or ''}: {p['message']}"
            lines.append(f"- {md_text(text)}")
        lines.append("")
    return "\n".join(lines)


def _evidence(check: CheckReport, lang: str) -> list[str]:
    """Legend, chance and FDR lines, and each failure's ●/○, interval, p-value and note."""
    notes = evidence_lines(check, lang)
    if not notes:
        return []
    headers, rows = detail_rows(check, lang)
    lines = [f"### {t('evidence_details', lang)}", ""]
    lines += [*(f"- {line}" for line in notes), ""]
    return [*lines, *_table(headers, rows, {3, 4}), ""]
