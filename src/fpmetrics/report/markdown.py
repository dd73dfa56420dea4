"""Markdown for pasting into documents and chats: summary, ranking, matrix, problems."""

from __future__ import annotations

from ..i18n import t
from ..pipeline import CheckReport, ScoreReport
from .evidence_text import detail_rows, evidence_lines, infinite_text, mark
from .values import display_value, previous_change, summary_line


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(headers: list[str], rows: list[list[object]], right: set[int]) -> list[str]:
    lines = ["| " + " | ".join(_cell(h) for h in headers) + " |"]
    lines.append("|" + "|".join("---:" if i in right else "---" for i in range(len(headers))) + "|")
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def to_markdown(check: CheckReport, scores: ScoreReport | None, lang: str) -> str:
    rules = check.ruleset.active
    label = check.ruleset.label(lang)
    title = t("score_title" if scores is not None else "table_title", lang, ruleset=label)
    from .subject import subject

    about = subject(check, lang)  # 阳谷县 2024年度: the county and the period
    lines = [f"## {about} {title}" if about else f"## {title}", ""]
    if scores is not None:
        from .scores import score_summary_lines

        for line in score_summary_lines(scores, lang):
            lines += [line, ""]
    lines.append(summary_line(check, lang))
    lines.append("")
    if scores is not None:
        from .scores import ScoreTexts, ranking_headers

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
                text = f"**{text} ✗**" if r["status"] == "fail" else text
                change = previous_change(r, rule.decimals)  # --history
                row.append(f"{text} {change}" if change else text)
        rows.append(row)
    headers = [t("col_unit", lang)] + [
        f"{r.short_label(lang)} {r.bounds_text()}" for r in rules.values()
    ]
    lines += [*_table(headers, rows, set(range(1, len(headers)))), ""]
    lines += _evidence(check, lang)

    if not check.problems.empty:
        lines.append(t("problems_header", lang, count=len(check.problems)))
        lines.append("")
        for p in check.problems.to_dict("records"):
            where = str(p["file"]) + (f" [{p['sheet']}]" if p["sheet"] else "")
            if p["row"] is not None and p["row"] == p["row"]:
                where += " " + t("where_row", lang, row=int(p["row"]))
            lines.append(
                f"- {t('level_' + p['level'], lang)} {where} {p['column'] or ''}: {p['message']}"
            )
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
