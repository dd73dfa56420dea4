"""The terminal table: townships × indicators, failures in red, a summary line.

The table goes to stdout; data problems go to stderr with the other messages. On a narrow
terminal the indicators are split over several tables rather than squeezed unreadably.
"""

from __future__ import annotations

import re

import pandas as pd
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from fpmetrics.i18n import join, t
from fpmetrics.models import CheckReport
from fpmetrics.report.evidence_text import evidence_lines, infinite_text
from fpmetrics.report.values import display_value, previous_change, summary_line, unit_column_key

_STYLE = {
    "pass": "green",
    "fail": "bold red",
    "warn": "yellow",
    "no_data": "dim",
    "invalid": "bold magenta",
}
MAX_PROBLEMS_SHOWN = 20


def _cell(row: dict, lang: str, decimals: int) -> Text:
    status = row["status"]
    if status == "no_data":
        return Text("—", style=_STYLE[status])
    if status == "invalid":
        return Text(t("status_invalid", lang), style=_STYLE[status])
    shown = display_value(row["value"], decimals, row["min"], row["max"], status)
    shown = infinite_text(row) or shown
    mark = ""
    if status in ("fail", "warn"):
        mark = {"clear_fail": "●", "inconclusive": "○"}.get(row.get("evidence") or "", "")
    text = Text(f"{shown}{row['symbol']}{mark}", style=_STYLE[status])
    change = previous_change(row, decimals)  # --history
    if change:
        text.append(" " + change, style="dim")
    return text


def render_table(report: CheckReport, lang: str, out: Console, err: Console) -> None:
    rules = report.ruleset.active
    results = report.results
    keys = ["unit", "period"]
    has_period = results["period"].notna().any() if not results.empty else False
    keyed = results.assign(period=results["period"].fillna(""))
    cells = {(r["unit"], r["period"], r["indicator"]): r for r in keyed.to_dict("records")}
    units = list(keyed[keys].drop_duplicates().itertuples(index=False, name=None))
    rendered = {key: _cell(row, lang, rules[key[2]].decimals) for key, row in cells.items()}

    def width(key: str) -> int:
        rule = rules[key]
        texts = [rule.short_label(lang), rule.bounds_text()]
        texts += [c.plain for (_, _, k), c in rendered.items() if k == key]
        return max(cell_len(x) for x in texts) + 2

    unit_width = max([cell_len(u) for u, _ in units] + [4]) + 2
    if has_period:
        unit_width += max(cell_len(p) for _, p in units) + 2
    chunks: list[list[str]] = [[]]
    used = unit_width
    for key in rules:
        needed = width(key)
        if chunks[-1] and used + needed > out.width:
            chunks.append([])
            used = unit_width
        chunks[-1].append(key)
        used += needed
    title = t("table_title", lang, ruleset=report.ruleset.label(lang))
    for n, chunk in enumerate(chunks):
        table = Table(
            title=title if n == 0 else None,
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            collapse_padding=True,
            header_style="bold",
            title_style="bold",
        )
        table.add_column(t(unit_column_key(report.level), lang), no_wrap=True)
        if has_period:
            table.add_column(t("col_period", lang), no_wrap=True)
        for key in chunk:
            rule = rules[key]
            header = Text(rule.short_label(lang))
            header.append("\n" + rule.bounds_text(), style="dim")
            table.add_column(header, justify="right", no_wrap=True)
        for unit, period in units:
            row: list[Text | str] = [unit] + ([period] if has_period else [])
            for key in chunk:
                row.append(rendered.get((unit, period, key), Text("")))
            table.add_row(*row)
        out.print(table)

    out.print(summary_line(report, lang))
    if report.results["status"].isin(["fail", "warn"]).any():
        out.print(Text(t("evidence_legend", lang), style="dim"))
        for line in evidence_lines(report, lang)[1:]:  # chance, FDR (the legend is above)
            out.print(Text(line, style="dim"))
    failing = report.verdicts.loc[report.verdicts["status"] == "fail", "unit"].drop_duplicates()
    if len(failing):
        key = "failing_units" if report.level == "township" else f"failing_units_{report.level}"
        label, _, _ = t(key, lang, units="\x00").partition("\x00")
        tokens = [(label, "red"), *_list_tokens(list(failing), lang, "red")]
        out.print(wrapped(tokens, out.width))
    newly = report.newly_failing
    if newly is not None and not newly.empty:  # --history: listed first in the table too
        label, _, _ = t("newly_failing", lang, units="\x00").partition("\x00")
        names = list(newly["unit"].drop_duplicates())
        tokens = [(label, "bold red"), *_list_tokens(names, lang, "bold red")]
        out.print(wrapped(tokens, out.width))
    render_windows(report, lang, out)
    render_problems(report.problems, lang, err)


def render_windows(report: CheckReport, lang: str, out: Console) -> None:
    """Rules over the last N periods: who failed in which period, who has too few periods."""
    windows = report.windows
    if windows.empty:
        return
    dated = report.results["period"].notna().any()
    for key, group in windows.groupby("indicator", sort=False):
        rule = report.ruleset.active[key]
        failed = group[group["status"].isin(["fail", "warn"])] if dated else group.iloc[:0]
        short = group[group["notes"].map(lambda n: "fewer_periods" in n)]
        if failed.empty and short.empty:
            continue
        head = t("window_line", lang, name=rule.short_label(lang), n=rule.periods)
        tokens: list[tuple[str, str]] = [(head + " ", "bold")]
        if not failed.empty:
            parts = [
                f"{u}({join(ps, lang)})"
                for u, ps in zip(failed["unit"], failed["failed_periods"], strict=True)
            ]
            tokens += [(t("window_failed", lang, units="").rstrip() + " ", "red")]
            tokens += _list_tokens(parts, lang, "red")
            tokens[-1] = (tokens[-1][0] + " ", "red")
        if not dated:
            tokens += _phrases(t("window_no_periods", lang), "dim")
        elif len(short) == len(group):  # every unit: say it once
            have = group["periods"].str.len().max()
            tokens += _phrases(t("window_short_all", lang, have=have, n=rule.periods), "dim")
        elif not short.empty:
            label = t("window_short", lang, units="", n=rule.periods)
            tokens += [(label + " ", "dim"), *_list_tokens(list(short["unit"]), lang, "dim")]
        out.print(wrapped(tokens, out.width))


def _phrases(text: str, style: str) -> list[tuple[str, str]]:
    """A sentence as pieces that may go on separate lines: words, or Chinese clauses."""
    return [(p, style) for p in re.findall(r"[^,;:,;: ]+[,;:,;: ]*", text)]


def _list_tokens(names: list[str], lang: str, style: str) -> list[tuple[str, str]]:
    sep = t("list_separator", lang)
    return [(n + (sep if i < len(names) - 1 else ""), style) for i, n in enumerate(names)]


def wrapped(tokens: list[tuple[str, str]], width: int, indent: int = 2) -> Text:
    """Styled pieces filled into lines no wider than ``width``, breaking only between pieces
    (rich breaks Chinese text inside names: 郭⏎屯镇); continuation lines are indented by
    ``indent``. A piece wider than a line stays whole on a line of its own."""
    text = Text()
    used = 0
    for piece, style in tokens:
        size = cell_len(piece.rstrip())
        if used > indent and used + size > width:
            text.rstrip()
            text.append("\n" + " " * indent)
            used = indent
            piece = piece.lstrip()
        text.append(piece, style=style)
        used += cell_len(piece)
    text.rstrip()
    return text


def render_problems(problems: pd.DataFrame, lang: str, err: Console) -> None:
    """Each problem as ``级别 文件 [工作表] E17 (列): message hint``, wrapped to the terminal
    with an indent, breaking between words or clauses, never inside a name, id or path."""
    if problems.empty:
        return
    err.print(t("problems_header", lang, count=len(problems)))
    for p in problems.head(MAX_PROBLEMS_SHOWN).to_dict("records"):
        level = t(f"level_{p['level']}", lang)
        style = "red" if p["level"] == "error" else "yellow"
        tokens = [(f"  {level} ", style), (f"{where_text(p, lang)}: ", "")]
        tokens += _phrases(str(p["message"]), "")
        hint = p.get("hint")
        if isinstance(hint, str) and hint:
            tokens[-1] = (tokens[-1][0] + " ", tokens[-1][1])
            tokens += _phrases("→ " + hint, "dim")
        err.print(wrapped(tokens, err.width, indent=4))
    if len(problems) > MAX_PROBLEMS_SHOWN:
        err.print(t("problems_more", lang, count=len(problems) - MAX_PROBLEMS_SHOWN))


def where_text(problem: dict, lang: str) -> str:
    """``文件 [工作表] E17`` (the cell address when known, else the row and the column)."""
    where = str(problem["file"])
    if problem.get("sheet"):
        where += f" [{problem['sheet']}]"
    cell = problem.get("cell")
    if isinstance(cell, str) and cell:
        where += f" {cell}"
        if problem.get("column"):
            where += f" ({problem['column']})"
        return where
    row = problem.get("row")
    if row is not None and row == row:
        where += " " + t("where_row", lang, row=int(row))
    if problem.get("column"):
        where += f" {problem['column']}"
    return where
