"""A self-contained HTML report (no network: inline CSS and SVG) a person can email.

Summary, ranking (``score``), the indicator matrix, one chart per indicator showing every
township against the threshold band, and the data problems.
"""

from __future__ import annotations

import datetime as dt
import math
from html import escape

import pandas as pd

from fpmetrics import __version__
from fpmetrics.i18n import join, t
from fpmetrics.models import CheckReport, ScoreReport
from fpmetrics.report.evidence_text import detail_rows, evidence_lines, infinite_text, mark
from fpmetrics.report.values import display_value, previous_change, summary_line, unit_column_key
from fpmetrics.ruleset.rules import Indicator

_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:2em auto;
max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em}
h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}
.meta{color:#666;font-size:.9em}
table{border-collapse:collapse;font-size:.9em;margin:.6em 0}
th,td{border:1px solid #ccc;padding:.25em .5em}th{background:#ddebf7}
td.num{text-align:right;font-variant-numeric:tabular-nums}td:first-child,td.name{white-space:nowrap}
.wide{overflow-x:auto;max-width:100%}.meta{overflow-wrap:anywhere}
.chart svg{width:100%;max-width:760px;height:auto;display:block}
td.fail{background:#ffc7ce;color:#9c0006;font-weight:bold}td.warn{background:#ffeb9c}
td.no_data,td.invalid{background:#ededed;color:#666;text-align:center}
tr.vetoed td:first-child,tr.vetoed td.veto{background:#ffc7ce;color:#9c0006}
.unverified{background:#ffeb9c;color:#7f6000}
.cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #ccc;border-radius:6px;
padding:.5em 1em;min-width:6em}.card b{display:block;font-size:1.6em}
.chart{margin:.5em 0 1.5em}svg text{font-size:11px;font-family:inherit}
.funnel svg{width:100%;max-width:880px;height:auto}
.funnel svg *{stroke-linejoin:round;stroke-linecap:butt}
@media print{h2{page-break-after:avoid}.chart{page-break-inside:avoid}}
"""


def _table(headers: list[str], rows: list[str]) -> str:
    """A table in a box of its own width that scrolls sideways on a narrow screen (a phone):
    the page itself never does."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    return (
        f'<div class="wide"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def to_html(check: CheckReport, scores: ScoreReport | None, lang: str) -> str:
    from fpmetrics.report.subject import subject

    title = check.ruleset.label(lang)
    heading = t("score_title" if scores is not None else "table_title", lang, ruleset=title)
    about = subject(check, lang)  # 阳谷县 2024年度
    heading = f"{about} {heading}" if about else heading
    title = f"{about} {title}" if about else title
    files = "、".join(str(f) for f in check.inputs.files)
    parts = [
        f'<!DOCTYPE html><html lang="{t("html_lang", lang)}"><head>',
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(heading)}</h1>",
        f'<p class="meta">{t("html_inputs", lang)}: {escape(files)}<br>'
        f"{t('html_generated', lang)}: "
        f"{dt.date.today().isoformat()} · fpmetrics {__version__} · "
        f"{escape(check.ruleset.name)}</p>",
        f"<h2>{t('html_summary', lang)}</h2>",
        _summary(check, scores, lang),
    ]
    if scores is not None:
        parts += [f"<h2>{t('html_ranking', lang)}</h2>", _ranking(scores, lang)]
    parts += [f"<h2>{t('html_matrix', lang)}</h2>", _matrix(check, lang)]
    parts += _evidence(check, lang)
    parts += [f"<h2>{t('html_charts', lang)}</h2>"]
    for key, rule in check.ruleset.active.items():
        parts.append(
            _chart(check.results[check.results["indicator"] == key], rule, check.level, lang)
        )
    parts += _funnels(check, lang)
    parts += [f"<h2>{t('html_problems', lang)}</h2>", _problems(check, lang), "</body></html>"]
    return "\n".join(parts) + "\n"


def _summary(check: CheckReport, scores: ScoreReport | None, lang: str) -> str:
    """Score reports lead with the score summary (vetoed, award-eligible); both then give the
    verdict counts, as the terminal's summary line and as cards. With periods, units are
    counted once (18 townships × 12 periods, not 216 townships)."""
    periods = check.results["period"].dropna().nunique()
    cards = [(t(unit_column_key(check.level), lang), check.results["unit"].nunique())]
    if periods:
        cards.append((t("col_period", lang), periods))
    lines = []
    if scores is not None:
        from fpmetrics.report.scores import score_summary_lines

        table = scores.scores
        cards.append((t("col_veto", lang), int(table["vetoed"].sum())))
        cards.append((t("col_award", lang), int(table["award_eligible"].sum())))
        unverified = int((table["veto_unverified"].str.len() > 0).sum())
        if unverified:
            cards.append((t("html_unverified", lang), unverified))
        lines = score_summary_lines(scores, lang)
    lines.append(summary_line(check, lang))
    # Every card counts townships (units), never checks: the line above gives the checks.
    cards += [(t(f"card_units_{k}", lang), n) for k, n in _units_by_status(check).items()]
    html = "".join(f'<div class="card"><b>{v}</b>{escape(k)}</div>' for k, v in cards)
    text = "".join(f"<p>{escape(line)}</p>" for line in lines)
    note = f'<p class="meta">{escape(t("cards_count_units", lang))}</p>'
    return f'{text}<div class="cards">{html}</div>{note}'


def _units_by_status(check: CheckReport) -> dict[str, int]:
    """Townships (counted once over periods) whose results are all passing (or without
    data), and those with at least one result failing, warned, without data, invalid."""
    results = check.results
    unit = results["unit"]
    has = {k: (results["status"] == k).groupby(unit).any() for k in ("fail", "warn", "no_data",
                                                                     "invalid")}  # fmt: skip
    clean = ~(has["fail"] | has["warn"] | has["invalid"])
    return {
        "pass": int(clean.sum()),
        **{k: int(v.sum()) for k, v in has.items()},
    }


def _ranking(scores: ScoreReport, lang: str) -> str:
    from fpmetrics.report.scores import ScoreTexts, ranking_headers

    texts = ScoreTexts(scores, lang)
    has_period = scores.scores["period"].notna().any()
    rows = []
    for r in scores.scores.to_dict("records"):
        veto = escape(texts.veto(r))
        unverified = texts.unverified(r)
        if unverified:
            veto += (veto and "<br>") + f'<span class="unverified">{escape(unverified)}</span>'
        award = texts.award(r)
        rows.append(
            f'<tr class="{"vetoed" if r["vetoed"] else ""}"><td class="num">{r["rank"]}</td>'
            f'<td class="name">{escape(r["unit"])}</td>'
            + (f"<td>{escape(r['period'] or '')}</td>" if has_period else "")
            + f'<td class="num">{r["total"]:.2f}</td>'
            f'<td class="num">{r["rank_from_bottom"]}</td><td class="veto">{veto}</td>'
            f"<td>{escape(award)}</td></tr>"
        )
    return _table([t(h, lang) for h in ranking_headers(has_period)], rows)


def _matrix(check: CheckReport, lang: str) -> str:
    rules = check.ruleset.active
    results = check.results.assign(period=check.results["period"].fillna(""))
    cells = {(r["unit"], r["period"], r["indicator"]): r for r in results.to_dict("records")}
    units = results[["unit", "period"]].drop_duplicates().itertuples(index=False, name=None)
    rows = []
    for unit, period in units:
        label = f"{unit} {period}".strip()
        tds = [f"<td>{escape(label)}</td>"]
        for key, rule in rules.items():
            r = cells.get((unit, period, key))
            if r is None:
                tds.append("<td></td>")
                continue
            status = r["status"]
            if status in ("pass", "fail", "warn"):
                shown = display_value(r["value"], rule.decimals, rule.min, rule.max, status)
                text = f"{infinite_text(r) or shown}{rule.symbol}{mark(r)}"
                change = previous_change(r, rule.decimals)  # --history
                text = f"{text} {change}" if change else text
            else:
                text = "—" if status == "no_data" else t("status_invalid", lang)
            tds.append(f'<td class="num {status}">{escape(text)}</td>')
        rows.append(f"<tr>{''.join(tds)}</tr>")
    headers = [t(unit_column_key(check.level), lang)] + [
        f"{r.short_label(lang)} {r.bounds_text()}" for r in rules.values()
    ]
    return _table(headers, rows)


def _evidence(check: CheckReport, lang: str) -> list[str]:
    """Legend, chance and FDR lines, and each failure's ●/○, interval, p-value and note."""
    notes = evidence_lines(check, lang)
    if not notes:
        return []
    headers, rows = detail_rows(check, lang)
    cells = ["<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows]
    legend = "".join(f'<p class="meta">{escape(line)}</p>' for line in notes)
    return [f"<h3>{escape(t('evidence_details', lang))}</h3>", legend, _table(headers, cells)]


def _chart(results: pd.DataFrame, rule: Indicator, level: str, lang: str) -> str:
    """Townships as dots on the indicator's scale, the passing band shaded, fails in red."""
    shown = results[results["status"].isin(["pass", "fail", "warn"])]
    title = f"{rule.label(lang)} ({rule.bounds_text()})"
    note = _no_data_note(results, shown, level, lang)
    if shown.empty:
        return f'<div class="chart"><b>{escape(title)}</b>{note}</div>'
    values = shown["value"].astype(float)
    bounds = [b for b in (rule.min, rule.max) if b is not None]
    lo = min([*values, *bounds])
    hi = max([*values, *bounds])
    pad = (hi - lo) * 0.08 or max(abs(hi) * 0.05, 1)
    lo, hi = lo - pad, hi + pad
    if rule.symbol in ("%",) and lo < 0:
        lo = 0
    # Drawn on a 520-wide canvas (viewBox) that scales to the page: on a phone the chart
    # shrinks with it instead of running off the edge. Names on the left, each dot's value
    # written at the right, so nothing needs a hover.
    left, width, row_h, values_w = 100, 340, 16, 80
    height = row_h * len(shown) + 40
    total_w = left + width + values_w

    def x(v: float) -> float:
        return left + (v - lo) / (hi - lo) * width

    band_lo = x(rule.min if rule.min is not None else lo)
    band_hi = x(rule.max if rule.max is not None else hi)
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {total_w} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" role="img" '
        f'aria-label="{escape(title)}">',
        f'<rect x="{band_lo:.1f}" y="10" width="{max(band_hi - band_lo, 0):.1f}" '
        f'height="{height - 30}" fill="#e2f0d9"><title>{t("html_band", lang)}</title></rect>',
    ]
    for bound in bounds:
        svg.append(
            f'<line x1="{x(bound):.1f}" x2="{x(bound):.1f}" y1="10" y2="{height - 20}" '
            f'stroke="#548235" stroke-dasharray="4 3"/>'
            f'<text x="{x(bound):.1f}" y="{height - 6}" text-anchor="middle">{bound:g}</text>'
        )
    for i, r in enumerate(shown.to_dict("records")):
        y = 20 + i * row_h
        colour = (
            "#c00000"
            if r["status"] == "fail"
            else "#bf8f00"
            if r["status"] == "warn"
            else "#2f5597"
        )
        value = display_value(r["value"], rule.decimals, rule.min, rule.max, r["status"])
        label = f"{r['unit']} {r['period'] or ''}".strip()
        svg.append(
            f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">{escape(label)}</text>'
            f'<line x1="{left}" x2="{left + width}" y1="{y}" y2="{y}" stroke="#eee"/>'
            f'<circle cx="{x(r["value"]):.1f}" cy="{y}" r="4.5" fill="{colour}">'
            f"<title>{escape(label)}: {value}{escape(rule.symbol)}</title></circle>"
            f'<text x="{left + width + 8}" y="{y + 4}" fill="{colour}">'
            f"{escape(value)}{escape(rule.symbol)}</text>"
        )
    svg.append("</svg>")
    return f'<div class="chart"><b>{escape(title)}</b>{note}<br>{"".join(svg)}</div>'


def _funnels(check: CheckReport, lang: str) -> list[str]:
    """A funnel plot per indicator that has one (a share, a sex ratio, a rate) and values for
    a few townships: the chart ``fpmetrics funnel`` draws, as inline SVG."""
    from fpmetrics.report.funnel_chart import skipped_lines, svg_for_html

    funnels, skipped = check.funnels
    parts = [f"<h2>{escape(t('funnel_section', lang))}</h2>", '<section class="funnels">']
    if funnels:
        parts.append(f'<p class="meta">{escape(t("funnel_note", lang))}</p>')
    parts += [f'<div class="chart funnel">{svg_for_html(f, lang)}</div>' for f in funnels]
    parts += [
        f'<p class="meta">{escape(line)}</p>'
        for line in skipped_lines(check.ruleset, skipped, lang)
    ]
    parts.append("</section>")
    return parts


def _no_data_note(results: pd.DataFrame, shown: pd.DataFrame, level: str, lang: str) -> str:
    """ " · 无数据: 大布乡" under a chart, or " · 7 个乡镇无数据" when there are many (units
    counted once over periods)."""
    missing = results.drop(shown.index)
    if missing.empty:
        return ""
    pairs = zip(missing["unit"], missing["period"], strict=True)
    names = [f"{unit} {period or ''}".strip() for unit, period in pairs]
    if len(names) <= 5:
        text = t("chart_no_data", lang, units=join(names, lang))
    else:
        units = t(f"units_{level}", lang, n=missing["unit"].nunique())
        text = t("chart_no_data_count", lang, units=units)
    return f" · {escape(text)}"


def _problems(check: CheckReport, lang: str) -> str:
    if check.problems.empty:
        return f"<p>{t('html_none', lang)}</p>"
    rows = []
    for p in check.problems.to_dict("records"):
        row = (
            ""
            if p["row"] is None or (isinstance(p["row"], float) and math.isnan(p["row"]))
            else int(p["row"])
        )
        cells = [
            t(f"level_{p['level']}", lang),
            p["file"],
            p["sheet"] or "",
            row,
            p["column"] or "",
            p.get("cell") or "",
            p["message"] + (f" → {p['hint']}" if isinstance(p.get("hint"), str) else ""),
        ]
        rows.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + "</tr>")
    keys = ("level", "file", "sheet", "row", "column", "cell", "message")
    return _table([t(f"html_{k}", lang) for k in keys], rows)
