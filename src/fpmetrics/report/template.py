"""The fill-in workbook a county sends to its townships.

It asks for exactly the counts the chosen rule set needs, under the canonical Chinese
headers (so a filled-in template goes through ``check`` with no mapping), with whole-number
validation on every count cell and a protected header. Like an official form it has a 统计期
column and a 填报单位/填表人/审核人/报出日期 footer (which ``check`` skips), and its headers
wrap between whole words (乡镇(街道) never leaves ")" alone on a line).
"""

from __future__ import annotations

import re
from io import BytesIO
from itertools import combinations, pairwise

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from rich.cells import cell_len

from fpmetrics.i18n import join, t
from fpmetrics.normalise.fields import FIELDS
from fpmetrics.report.safety import no_formulas, write_cell
from fpmetrics.ruleset.rules import RuleSet

HEADER_ROW = 3
COUNTS_FROM = 3  # column C: after 乡镇(街道) and 统计期
LINE_HEIGHT = 15  # points per line of 11-point text
THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
# Texts in i18n: template_footer_<key> across the form's foot, template_help_<key> heading
# the 填表说明 sheet's field table.
_FOOTER = ("unit", "filler", "checker", "date")
_HELP_HEAD = ("header", "field", "meaning", "used_by")


def template_fields(ruleset: RuleSet) -> list[str]:
    """The count fields the active indicators need; a total of births only if boys and
    girls are not both asked for (it is their sum)."""
    needed = {f for rule in ruleset.active.values() for f in rule.fields}
    if {"births_male", "births_female"} <= needed:
        needed.discard("births")
    return [f for f in FIELDS if f in needed]


def to_template(ruleset: RuleSet, units: list[str], rows: int, lang: str) -> bytes:
    fields = template_fields(ruleset)
    wb = Workbook()
    ws = wb.active
    ws.title = t("template_sheet", lang)
    title = t("template_title", lang, title=ruleset.label(lang))
    write_cell(ws, 1, 1, title).font = Font(bold=True, size=14)  # rule text: never a formula
    ws.cell(row=2, column=1, value=t("template_unit_line", lang))
    headers = [FIELDS["township"].zh, FIELDS["period"].zh] + [FIELDS[f].zh for f in fields]
    for col, header in enumerate(headers, start=1):
        lines = header_lines(header)
        cell = ws.cell(row=HEADER_ROW, column=col, value="\n".join(lines))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER
        ws.column_dimensions[get_column_letter(col)].width = _form_width(lines)
    # Headers wrap onto up to three lines, so that the form prints one page wide at a
    # readable size rather than as wide as 流入已婚育龄妇女数 in one line.
    ws.row_dimensions[HEADER_ROW].height = 3 * LINE_HEIGHT + 4

    nrows = max(rows, len(units))
    first, last = HEADER_ROW + 1, HEADER_ROW + nrows
    unlocked = Protection(locked=False)
    for r in range(first, last + 1):
        for col in range(1, len(headers) + 1):
            cell = ws.cell(row=r, column=col)
            cell.protection = unlocked
            cell.border = BORDER
    for i, unit in enumerate(units):
        write_cell(ws, first + i, 1, unit)

    if fields:
        validation = DataValidation(
            type="whole",
            operator="greaterThanOrEqual",
            formula1="0",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=t("template_error_title", lang),
            error=t("template_error", lang),
        )
        last_col = get_column_letter(len(headers))
        validation.add(f"{get_column_letter(COUNTS_FROM)}{first}:{last_col}{last}")
        ws.add_data_validation(validation)

    _footer(ws, last + 2, len(headers), lang)
    ws.freeze_panes = ws.cell(row=first, column=COUNTS_FROM)
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # clerks may widen columns
    ws.protection.formatRows = False
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"

    _help_sheet(wb, ruleset, fields, lang)
    no_formulas(wb)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# 表头 | 字段名 | 含义 | 用于指标: widths in Excel character units; text wraps within them.
HELP_WIDTHS = (20, 20, 44, 40)


def _help_sheet(wb: Workbook, ruleset: RuleSet, fields: list[str], lang: str) -> None:
    """The 填表说明 sheet: the rules of filling in, then one row per field, in the output
    language (the headers themselves are the Chinese ones the form uses). Prints A4
    landscape, one page wide, every sentence wrapped inside the page."""
    ws = wb.create_sheet(t("template_help_sheet", lang))
    ncols = len(HELP_WIDTHS)
    total = sum(HELP_WIDTHS)
    wrap = Alignment(wrap_text=True, vertical="top")
    intro = [t(f"template_help_intro_{n}", lang) for n in (1, 2, 3)]
    for i, line in enumerate(intro, start=1):
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=ncols)
        cell = ws.cell(row=i, column=1, value=line)
        cell.alignment = wrap
        ws.row_dimensions[i].height = LINE_HEIGHT * _lines(line, total)
    start = len(intro) + 2
    for col, label in enumerate((t(f"template_help_{k}", lang) for k in _HELP_HEAD), start=1):
        cell = ws.cell(row=start, column=col, value=label)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.border = BORDER
    for i, field in enumerate(fields, start=start + 1):
        spec = FIELDS[field]
        users = [r.label(lang) for r in ruleset.active.values() if field in r.fields]
        values = [spec.zh, spec.name, spec.meaning(lang), join(users, lang)]
        for col, value in enumerate(values, start=1):
            cell = write_cell(ws, i, col, value)
            cell.alignment = wrap
            cell.border = BORDER
        lines = max(_lines(v, w) for v, w in zip(values, HELP_WIDTHS, strict=True))
        ws.row_dimensions[i].height = LINE_HEIGHT * lines + 2
    for col, width in enumerate(HELP_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.print_title_rows = f"{start}:{start}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.5


def _footer(ws, row: int, ncols: int, lang: str) -> None:
    """填报单位(盖章): … 填表人: … 审核人: … 报出日期: …, spread over the form's width, left
    open for the clerk (``check`` stops reading the table at this row)."""
    labels = [t(f"template_footer_{k}", lang) for k in _FOOTER]
    step = max(1, ncols // len(labels))
    unlocked = Protection(locked=False)
    for i, label in enumerate(labels):
        col = 1 + i * step
        if i and col > ncols:
            col = ncols
        cell = ws.cell(row=row, column=col, value=label)
        cell.protection = unlocked
        for extra in range(col + 1, min(col + step, ncols + 1)):
            ws.cell(row=row, column=extra).protection = unlocked


# A line never starts with a closing bracket or ends with an opening one; a bracketed group
# (街道) and a run of Latin letters or digits stay whole.
_TOKENS = re.compile(r"[(\[（【][^)\]）】]*[)\]）】]|[A-Za-z0-9_.%‰]+|\S")
MAX_LINES = 3
LINE_CELLS = 8  # display cells per header line (four Chinese characters): one page wide


# Words of the canonical headers, so that lines break between words (服务站/在编/人员数,
# not 服务站在/编人员数); other text breaks between characters.
_HEADER_WORDS = sorted(
    {
        "乡镇", "街道", "统计期", "出生", "男婴数", "女婴数", "人数", "符合", "政策", "生育数",
        "上报", "核查", "出生数", "围产儿数", "缺陷数", "年平均", "人口", "死亡", "服务站",
        "在编", "专业", "技术", "人员数", "流入", "已婚", "育龄", "妇女数", "已建档数",
        "已查验", "证数", "信息", "联系数", "性别比", "生育率", "区划", "代码",
    },
    key=len,
    reverse=True,
)  # fmt: skip


def _words(header: str) -> list[str]:
    """The header's unbreakable pieces: known words, bracketed groups, Latin runs, characters."""
    text = re.sub(r"\s+", "", header)
    out: list[str] = []
    i = 0
    while i < len(text):
        bracket = _TOKENS.match(text, i)
        word = next((w for w in _HEADER_WORDS if text.startswith(w, i)), None)
        if word is None and bracket is not None:
            word = bracket.group(0)
        word = word or text[i]
        out.append(word)
        i += len(word)
    return out


def header_lines(header: str) -> list[str]:
    """The header broken into at most three balanced lines between whole words."""
    tokens = _words(header)
    if cell_len(header) <= LINE_CELLS or len(tokens) < 2:
        return [header]
    best: list[str] = [header]
    best_width = cell_len(header)
    for n in range(2, min(MAX_LINES, len(tokens)) + 1):
        lines = _balanced(tokens, n)
        width = max(cell_len(line) for line in lines)
        if width < best_width:
            best, best_width = lines, width
        if width <= LINE_CELLS:
            break
    return best


def _balanced(tokens: list[str], n: int) -> list[str]:
    """``tokens`` in ``n`` lines whose longest is as short as can be (headers are a few
    words: every way of cutting them is tried)."""
    best: list[str] = ["".join(tokens)]
    for cuts in combinations(range(1, len(tokens)), n - 1):
        bounds = (0, *cuts, len(tokens))
        lines = ["".join(tokens[i:j]) for i, j in pairwise(bounds)]
        if max(map(cell_len, lines)) < max(map(cell_len, best)):
            best = lines
    return best


def _form_width(lines: list[str]) -> int:
    """A form column: room for a six-digit count, and the longest header line."""
    return max(8, max(cell_len(line) for line in lines) + 2)


def _lines(text: str, width: int) -> int:
    """Lines ``text`` wraps onto in a column ``width`` wide (an estimate: two display cells
    per Chinese character, a little spare)."""
    usable = max(int(width * 0.92), 1)
    return max(1, -(-cell_len(text) // usable))
