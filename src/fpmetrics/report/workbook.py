"""The Excel report for the meeting, written with openpyxl.

Sheets: the ranking (``score`` only), a townships × indicators matrix with fails filled red,
the long results, and the data problems with file/sheet/row. Each sheet has a title with
the rule set, the inputs and the date; a frozen header; widths that fit Chinese text; number
formats (``0.0%``, ``0.00"‰"``); A4 landscape, fit to page width, the header repeated on
each printed page.
"""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from rich.cells import cell_len

from fpmetrics import __version__
from fpmetrics.i18n import join, t
from fpmetrics.models import CheckReport, ScoreReport
from fpmetrics.report.evidence_text import (
    evidence_lines,
    infinite_text,
    interval_text,
    mark,
    note_text,
    p_text,
    q_text,
)
from fpmetrics.report.safety import no_formulas
from fpmetrics.report.safety import write_cell as _set
from fpmetrics.report.values import decimals_needed, previous_change, summary_line
from fpmetrics.report.xlsx_styles import style

RED = PatternFill("solid", fgColor="FFC7CE")
RED_FONT = Font(color="9C0006")
AMBER = PatternFill("solid", fgColor="FFEB9C")
GREY = PatternFill("solid", fgColor="EDEDED")
HEADER = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
MIDDLE = Alignment(vertical="center")
CENTRED = Alignment(horizontal="center", vertical="center")
# A cell whose text wraps, keeping its horizontal alignment.
WRAPPED = {h: Alignment(horizontal=h, vertical="center", wrap_text=True) for h in (None, "center")}


def _l(key: str, lang: str) -> str:
    """A sheet name or column header (i18n ``xlsx_<key>``): the keys double as column ids."""
    return t(f"xlsx_{key}", lang)


def _number_format(symbol: str, decimals: int) -> str:
    """The value's digits followed by its symbol as text: 89.9 shows as 89.9%, 2.74 as
    2.74‰ (Excel's own % format would multiply by 100; it has no ‰ one)."""
    zeros = "0." + "0" * decimals if decimals else "0"
    if symbol in ("%", "‰"):
        return zeros + f'"{symbol}"'
    return zeros


def _cell_value(value: float, symbol: str) -> float:
    """Every value cell holds the indicator's value on its own scale, as ``value`` in the
    JSON: 89.9 for 89.9%, 2.74 for 2.74‰, 105.3 for a sex ratio. One rule for all columns,
    so a formula or pandas reading the sheet need not know which is which."""
    return value


# Widths in Excel character units. Headers wrap (up to three lines) instead of widening a
# column of short numbers; long text (reasons, messages, file names) wraps in a column of
# limited width, so that a sheet fits an A4 landscape page at a readable scale.
TEXT_WIDTH_CAP = 34
REASON_WIDTH = 16
FILE_WIDTH = 30
MESSAGE_WIDTH = 44
LINE_HEIGHT = 15  # points per line of 11-point text


def _header_width(label: str) -> int:
    """A short header sets its column's width; a longer first line wraps onto two lines
    (技术人员占比 → 技术人/员占比) rather than widen a column of short numbers. Later lines
    (a bound: ≤ 11.5‰) are kept whole."""
    first, *rest = label.split("\n")
    longest = cell_len(first)
    width = longest + 2 if longest <= 6 else min(max(7, -(-longest // 2) + 2), 10)
    return max([width, *(cell_len(line) + 2 for line in rest)])


def _text_lines(text: str, usable: int) -> int:
    """Lines ``text`` takes when wrapped ``usable`` display cells wide (two per Chinese
    character): an estimate, since openpyxl cannot measure text."""
    usable = max(usable, 1)
    return sum(max(1, -(-cell_len(part) // usable)) for part in text.split("\n"))


class _Sheet:
    """A sheet with a title block, then a table whose header row is frozen and printed.

    Columns are as wide as their content up to a cap (``caps`` per column, else
    TEXT_WIDTH_CAP); text longer than its column wraps, and its row is made tall enough.
    """

    def __init__(
        self,
        wb: Workbook,
        title: str,
        heading: str,
        meta: list[str],
        caps: dict[int, int] | None = None,
    ) -> None:
        self.ws = wb.create_sheet(title)
        self.ws.cell(row=1, column=1, value=heading).font = Font(bold=True, size=14)
        for i, line in enumerate(meta, start=2):
            self.ws.cell(row=i, column=1, value=line).font = Font(color="595959")
        self.header_row = len(meta) + 3
        self.caps = dict(caps or {})
        self.widths: dict[int, int] = {}
        # Text cells that may need more than one line: the only ones finish() looks at.
        self.wraps: list[tuple[int, int]] = []
        self.body: StyleArray | None = None  # the style of a body cell, copied to each

    def header(self, labels: list[str]) -> None:
        for col, label in enumerate(labels, start=1):
            cell = _set(self.ws, self.header_row, col, label)
            cell.font = Font(bold=True)
            cell.fill = HEADER
            cell.border = BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            self._widen(col, _header_width(str(label)))

    def row(self, index: int, values: list[object]) -> list:
        cells = []
        row = self.header_row + 1 + index
        for col, value in enumerate(values, start=1):
            cell = _set(self.ws, row, col, value)
            if self.body is not None and not cell._style:  # a plain cell: the body's style
                cell._style = StyleArray(self.body)
            else:
                style(cell, border=BORDER, alignment=MIDDLE)
                if self.body is None and not cell.quotePrefix:
                    self.body = StyleArray(cell._style)
            if isinstance(value, str):
                self.fit_text(col, value)
                if "\n" in value or len(value) * 2 + 2 > self.caps.get(col, TEXT_WIDTH_CAP):
                    self.wraps.append((row, col))  # else it fits: see fit_text
            elif isinstance(value, float):
                self.fit_text(col, f"{value:.2f}")
            elif value is not None:
                self.fit_text(col, str(value))
            cells.append(cell)
        return cells

    def fit_text(self, col: int, text: str) -> None:
        """Make ``col`` wide enough for ``text`` as displayed, up to the column's cap (a
        number that does not fit would print as ###; text wraps)."""
        if 2 * len(text) + 2 <= self.widths.get(col, 6):
            return  # no wider than the column already is (a character is 1 or 2 cells)
        longest = max(cell_len(line) for line in text.split("\n"))
        self._widen(col, min(self.caps.get(col, TEXT_WIDTH_CAP), longest + 2))

    def _widen(self, col: int, width: int) -> None:
        self.widths[col] = max(self.widths.get(col, 6), width)

    def finish(self, ncols: int, nrows: int, frozen_columns: int = 1) -> None:
        """Column widths; wrapping and row heights for the header and the text cells that
        row() noted (a one-line text no wider than its column's cap always fits: the column
        was widened for it); the header row and the first ``frozen_columns`` columns frozen
        (名次 and 乡镇 stay in view)."""
        ws = self.ws
        for col, width in self.widths.items():
            ws.column_dimensions[get_column_letter(col)].width = width
        heights: dict[int, int] = {}
        header = [(self.header_row, c) for c in range(1, ncols + 1)]
        for r, c in [*header, *self.wraps]:
            cell = ws.cell(row=r, column=c)
            if not isinstance(cell.value, str):
                continue
            # The same margin as fit_text: text that set its column's width is one line.
            needed = _text_lines(cell.value, self.widths.get(c, 6) - 2)
            if needed > 1 and r != self.header_row:
                style(cell, alignment=WRAPPED.get(cell.alignment.horizontal, WRAPPED[None]))
            heights[r] = max(heights.get(r, 1), needed)
        for r, lines in heights.items():
            if lines > 1:
                ws.row_dimensions[r].height = LINE_HEIGHT * lines + 2
        last = get_column_letter(max(ncols, 1))
        ws.freeze_panes = ws.cell(row=self.header_row + 1, column=frozen_columns + 1)
        if nrows:
            ws.auto_filter.ref = f"A{self.header_row}:{last}{self.header_row + nrows}"
        ws.print_title_rows = f"{self.header_row}:{self.header_row}"
        _print_setup(ws)


FOOTER_MARGIN = 0.3  # inches from the paper's edge to the footer
FOOTER_ROOM = 0.5  # inches kept for the footer's line above it


def _print_setup(ws) -> None:
    """A4 landscape, one page wide and as many pages tall as it takes, page numbers."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as it takes
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    # The footer (page numbers) sits 0.3" from the edge and the table stops 0.8" from it:
    # 0.5" for the footer's line, which a bottom margin of 0.6" over the default 0.5"
    # footer margin cut in half.
    ws.page_margins.top = 0.6
    ws.page_margins.bottom = FOOTER_MARGIN + FOOTER_ROOM
    ws.page_margins.header = ws.page_margins.footer = FOOTER_MARGIN
    ws.oddFooter.center.text = "&P / &N"


def _has_codes(frame: pd.DataFrame) -> bool:
    return bool(frame["code"].notna().any()) if "code" in frame else False


def _meta(check: CheckReport, lang: str) -> list[str]:
    files = "、".join(str(f) for f in check.inputs.files)
    today = dt.date.today().isoformat()
    return [
        f"{_l('inputs', lang)}: {files}",
        f"{_l('generated', lang)}: {today} · fpmetrics {__version__} · {check.ruleset.name}",
    ]


REPORT_MARK = "fpmetrics report"


def to_xlsx(check: CheckReport, scores: ScoreReport | None, lang: str) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    from fpmetrics.report.subject import subject

    title = check.ruleset.label(lang)
    about = subject(check, lang)  # every sheet's heading names the county and the period
    title = f"{about} {title}" if about else title
    meta = _meta(check, lang)
    if scores is not None:
        _ranking_sheet(wb, scores, lang, title, meta)
    # The evidence legend (●/○, chance, FDR) heads the sheets that show ●/○ (issue 16).
    evidence = evidence_lines(check, lang)
    evidence_meta = [*meta, summary_line(check, lang), *evidence] if evidence else meta
    _matrix_sheet(wb, check, scores, lang, title, evidence_meta)
    _funnel_sheet(wb, check, lang, title, meta)
    _results_sheet(wb, check, lang, title, evidence_meta)
    _problems_sheet(wb, check, lang, title, meta)
    wb.properties.title = title
    wb.properties.creator = f"fpmetrics {__version__}"
    wb.properties.category = REPORT_MARK  # so that a later run over the folder skips it
    no_formulas(wb)  # headings hold the rule set's title: text, never a formula
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _ranking_sheet(
    wb: Workbook, scores: ScoreReport, lang: str, title: str, meta: list[str]
) -> None:
    from fpmetrics.report.scores import ScoreTexts, points_matrix

    texts = ScoreTexts(scores, lang)
    rules = scores.check.ruleset.active
    matrix = points_matrix(scores)
    has_period = scores.scores["period"].notna().any()
    # No area code here (the matrix and the results have it): the ranking is read by name,
    # and a 12-digit column would shrink the printed page.
    keys = ["rank", "rank_from_bottom", "unit"] + (["period"] if has_period else [])
    keys += ["total", "vetoed_by", "award_eligible", "award_blocked_by"]
    caps = {
        keys.index("vetoed_by") + 1: REASON_WIDTH,
        keys.index("award_blocked_by") + 1: REASON_WIDTH,
    }
    full = scores.check.ruleset.scoring.max_total(set(rules))  # type: ignore[union-attr]
    meta = [*meta, f"{_l('max_total', lang)}: {full:g}"]
    sheet = _Sheet(wb, _l("sheet_ranking", lang), t("score_title", lang, ruleset=title), meta, caps)
    items = scores.check.ruleset.scoring.indicators  # type: ignore[union-attr]
    labels = [_l(k, lang) for k in keys] + [
        t("col_points_of", lang, name=rules[i].short_label(lang), points=f"{items[i].points:g}")
        for i in matrix.columns
    ]
    sheet.header(labels)
    yes, no = t("yes", lang), t("no", lang)
    for n, (row, points) in enumerate(
        zip(scores.scores.to_dict("records"), matrix.itertuples(index=False), strict=True)
    ):
        values = {
            **row,
            "vetoed_by": "\n".join(x for x in (texts.veto(row), texts.unverified(row)) if x)
            or None,
            "award_eligible": yes if row["award_eligible"] else no,
            "award_blocked_by": _award_reasons(texts, row, lang),
        }
        cells = sheet.row(n, [values[k] for k in keys] + list(points))
        for cell in cells[keys.index("total") :]:
            if isinstance(cell.value, float):
                cell.number_format = "0.00"
        if row["vetoed"]:
            for cell in cells:  # the whole row, points included
                style(cell, fill=RED)
            style(cells[keys.index("vetoed_by")], font=RED_FONT)
        elif row["veto_unverified"]:
            style(cells[keys.index("vetoed_by")], fill=AMBER)
    sheet.finish(len(labels), len(scores.scores), frozen_columns=keys.index("unit") + 1)


def _award_reasons(texts, row: dict, lang: str) -> str | None:  # type: ignore[no-untyped-def]
    """Why a unit cannot get an award; a vetoed unit names its veto there too."""
    reasons = texts.award_reasons(row)
    if row["vetoed"]:
        veto = t("award_vetoed", lang, reasons=texts.veto(row))
        reasons = f"{veto}; {reasons}" if reasons else veto
    return reasons or None


def _matrix_sheet(
    wb: Workbook,
    check: CheckReport,
    scores: ScoreReport | None,
    lang: str,
    title: str,
    meta: list[str],
) -> None:
    rules = check.ruleset.active
    results = check.results.assign(period=check.results["period"].fillna(""))
    units = results[["unit", "code", "period"]].drop_duplicates(["unit", "period"])
    has_period = (units["period"] != "").any()
    head = ["unit"] + (["code"] if _has_codes(units) else []) + (["period"] if has_period else [])
    caps = {len(head) + len(rules) + 1: REASON_WIDTH} if scores is not None else {}
    sheet = _Sheet(wb, _l("sheet_matrix", lang), t("table_title", lang, ruleset=title), meta, caps)
    vetoed: dict[tuple[str, str], str] = {}
    unverified: dict[tuple[str, str], str] = {}
    if scores is not None:
        from fpmetrics.report.scores import ScoreTexts

        texts = ScoreTexts(scores, lang)
        for row in scores.scores.to_dict("records"):
            key = (row["unit"], row["period"] or "")
            if row["vetoed"]:
                vetoed[key] = texts.veto(row)
            if row["veto_unverified"]:
                unverified[key] = texts.unverified(row)
    labels = [_l(k, lang) for k in head]
    labels += [f"{r.short_label(lang)}\n{r.bounds_text()}" for r in rules.values()]
    if scores is not None:
        labels.append(_l("vetoed", lang))
    sheet.header(labels)
    # Only the columns used here: to_dict("records") of every column took seconds at 20k units.
    # mark() and infinite_text() read evidence, reason and numerator.
    used = results[
        ["unit", "period", "indicator", "status", "value", "evidence", "reason", "numerator"]
    ]
    cells_by_key = {(r["unit"], r["period"], r["indicator"]): r for r in used.to_dict("records")}
    for n, unit in enumerate(units.to_dict("records")):
        key = (unit["unit"], unit["period"])
        values: list[object] = [unit[k] for k in head]
        values += [None] * len(rules)
        if scores is not None:
            values.append("\n".join(x for x in (vetoed.get(key), unverified.get(key)) if x) or None)
        cells = sheet.row(n, values)
        for i, (indicator, rule) in enumerate(rules.items()):
            cell = cells[len(head) + i]
            result = cells_by_key.get((*key, indicator))
            if result is None:
                continue
            status = result["status"]
            if status in ("pass", "fail", "warn"):
                cell.value = _cell_value(result["value"], rule.symbol)
                digits = decimals_needed(result["value"], rule.decimals, rule.min, rule.max, status)
                sign = mark(result)  # ●/○ after the number, which stays a number
                cell.number_format = _number_format(rule.symbol, digits) + (
                    f'"{sign}"' if sign else ""
                )
                sheet.fit_text(cell.column, f"{result['value']:.{digits}f}{rule.symbol}{sign}")
                if infinite_text(result):  # a count over a zero denominator: no number
                    cell.value = infinite_text(result) + sign
                    cell.alignment = Alignment(horizontal="right", vertical="center")
            else:
                cell.value = "—" if status == "no_data" else t("status_invalid", lang)
                style(cell, alignment=CENTRED, fill=GREY)
                sheet.wraps.append((cell.row, cell.column))  # "invalid" may wrap
            if status == "fail":
                style(cell, fill=RED, font=RED_FONT)
            elif status == "warn":
                style(cell, fill=AMBER)
        if key in vetoed:
            style(cells[0], fill=RED)
            style(cells[-1], font=RED_FONT)
        elif key in unverified:
            style(cells[-1], fill=AMBER)
    sheet.finish(len(labels), len(units))


# Funnel charts: drawn at 8 × 5 inches and 150 dpi, shown 800 × 500 pixels (212 × 132 mm)
# over ten columns 11 wide (820 pixels), the print area. An A4 landscape page (about 277 × 180
# mm inside the margins) then holds the title block and a chart at 100%; each further chart
# starts a page of its own.
CHART_DPI = 150
CHART_PIXELS = (800, 500)
CHART_COLUMNS = 10
CHART_COLUMN_WIDTH = 11
ROW_PIXELS = 20  # a default row, 15 points


def _funnel_sheet(wb: Workbook, check: CheckReport, lang: str, title: str, meta: list[str]) -> None:
    """One funnel chart (PNG) per indicator that has one, one below another."""
    from openpyxl.drawing.image import Image
    from openpyxl.worksheet.pagebreak import Break

    from fpmetrics.report.funnel_chart import draw, numbered, numbered_key, skipped_lines

    funnels, skipped = check.funnels
    ws = wb.create_sheet(_l("sheet_funnels", lang))
    last = get_column_letter(CHART_COLUMNS)
    for col in range(1, CHART_COLUMNS + 1):
        ws.column_dimensions[get_column_letter(col)].width = CHART_COLUMN_WIDTH
    usable = CHART_COLUMNS * CHART_COLUMN_WIDTH - 2

    def text_row(row: int, text: str, font: Font) -> None:
        """Text across the chart's columns, wrapped there (not spilling to the right, which
        would widen the printed area and shrink the charts)."""
        cell = _set(ws, row, 1, text)
        cell.font = font
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(f"A{row}:{last}{row}")
        lines = _text_lines(text, usable)
        if lines > 1:
            ws.row_dimensions[row].height = LINE_HEIGHT * lines + 2

    ws.cell(row=1, column=1, value=f"{_l('sheet_funnels', lang)} — {title}").font = Font(
        bold=True, size=14
    )
    notes = [*meta, *([t("funnel_note", lang)] if funnels else [])]
    notes += skipped_lines(check.ruleset, skipped, lang)
    for row, line in enumerate(notes, start=2):
        text_row(row, line, Font(color="595959"))
    row = len(notes) + 3
    width, height = CHART_PIXELS
    for n, funnel in enumerate(funnels):
        if n:
            ws.row_breaks.append(Break(id=row - 1))  # a page of its own
        key = numbered_key(funnel, lang) if numbered("png") else ""
        if key:  # no Chinese font: the chart numbers the units outside
            text_row(row, key, Font())
            row += 1
        image = Image(BytesIO(draw(funnel, lang, "png", dpi=CHART_DPI)))
        image.width, image.height = width, height
        ws.add_image(image, f"A{row}")
        row += -(-height // ROW_PIXELS) + 1
    ws.print_area = f"A1:{last}{max(row, 2)}"
    _print_setup(ws)


# The long Results sheet (one row per township, period and indicator) lists at most this many
# rows: 5,000 townships of ten indicators. Past that, an xlsx of millions of cells takes
# minutes to write and no one reads it; the Indicators sheet still holds every value, and the
# first lines of the sheet say so (docs/safety-output.md).
RESULTS_MAX_ROWS = 50_000


def _results_sheet(
    wb: Workbook, check: CheckReport, lang: str, title: str, meta: list[str]
) -> None:
    rules = check.ruleset.active
    results = check.results
    if len(results) > RESULTS_MAX_ROWS:  # see RESULTS_MAX_ROWS
        total = len(results)
        results = results.head(RESULTS_MAX_ROWS)
        cut = t("xlsx_results_cut", lang, total=total, shown=RESULTS_MAX_ROWS)
        meta = [*meta, cut]
    keys = ["unit"] + (["code"] if _has_codes(results) else [])
    keys += ["period"] if results["period"].notna().any() else []
    keys += ["indicator", "value", "numerator", "denominator", "bounds", "status", "reason"]
    if "previous" in results and results["previous"].map(lambda p: isinstance(p, dict)).any():
        keys.insert(keys.index("status") + 1, "previous")  # --history: ▲104.00
    keys += ["evidence"]
    caps = {keys.index("reason") + 1: REASON_WIDTH * 2, keys.index("evidence") + 1: 24}
    sheet = _Sheet(wb, _l("sheet_results", lang), t("table_title", lang, ruleset=title), meta, caps)
    sheet.header([_l(k, lang) for k in keys])
    value_at, status_at = keys.index("value"), keys.index("status")
    bounds_at = keys.index("bounds")
    for n, r in enumerate(results.to_dict("records")):
        rule = rules[r["indicator"]]
        reason = None
        if r["reason"]:
            fields = join(r["fields"], lang)
            reason = t(f"reason_{r['reason']}", lang, fields=fields)
        row = {
            **r,
            "indicator": rule.label(lang),
            "value": _cell_value(r["value"], rule.symbol)
            if pd.notna(r["value"])
            else infinite_text(r),
            "bounds": rule.bounds_text(),
            "status": t(f"status_{r['status']}", lang),
            "reason": reason,
            "previous": previous_change(r, rule.decimals) or None,
            "evidence": _evidence_cell(r, rule, lang),
        }
        cells = sheet.row(n, [row[k] for k in keys])
        # 标准 centred: left-aligned straight after a right-aligned number it printed as
        # one figure ("353103–107")
        cells[bounds_at].alignment = Alignment(horizontal="center", vertical="center")
        digits = decimals_needed(r["value"], rule.decimals + 1, rule.min, rule.max, r["status"])
        cells[value_at].number_format = _number_format(rule.symbol, digits)
        if pd.notna(r["value"]):
            sheet.fit_text(value_at + 1, f"{r['value']:.{digits}f}{rule.symbol}")
        if r["status"] == "fail":
            style(cells[status_at], fill=RED, font=RED_FONT)
        elif r["status"] == "warn":
            style(cells[status_at], fill=AMBER)
        elif r["status"] in ("invalid", "no_data"):
            style(cells[status_at], fill=GREY)
    sheet.finish(len(keys), len(results))


def _evidence_cell(r: dict, rule, lang: str) -> str | None:
    """●/○, the exact interval and the p-value (and q, notes) of a failing result."""
    sign = mark(r)
    if not sign:
        return None
    p = p_text(r["p_value"]) + q_text(r.get("q_value"))
    text = f"{sign} {interval_text(r, rule.decimals, rule.symbol)} p {p}"
    note = note_text(r, lang)
    return text + (f"\n{note}" if note else "")


def _problems_sheet(
    wb: Workbook, check: CheckReport, lang: str, title: str, meta: list[str]
) -> None:
    keys = ["level", "file", "sheet", "row", "column", "message"]
    caps = {2: FILE_WIDTH, 5: REASON_WIDTH, 6: MESSAGE_WIDTH}
    heading = _l("sheet_problems", lang) + f" — {title}"
    sheet = _Sheet(wb, _l("sheet_problems", lang), heading, meta, caps)
    sheet.header([_l(k, lang) for k in keys])
    problems = check.problems
    for n, p in enumerate(problems.to_dict("records")):
        values = [t(f"level_{p['level']}", lang), p["file"], p["sheet"], p["row"], p["column"]]
        cells = sheet.row(n, [*values, p["message"]])
        if p["level"] == "error":
            style(cells[0], fill=RED, font=RED_FONT)
        else:
            style(cells[0], fill=AMBER)
    if problems.empty:
        sheet.ws.cell(row=sheet.header_row + 1, column=1, value=_l("no_problems", lang))
    sheet.finish(len(keys), len(problems))
