"""The fill-in workbook a county sends to its townships.

It asks for exactly the counts the chosen rule set needs, under the canonical Chinese
headers (so a filled-in template goes through ``check`` with no mapping), with whole-number
validation on every count cell and a protected header.
"""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from rich.cells import cell_len

from ..fields import FIELDS
from ..rules import RuleSet
from .safety import write_cell

HEADER_ROW = 3
THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

_TEXT = {
    "sheet": ("填报表", "Form"),
    "help_sheet": ("填表说明", "Instructions"),
    "title": ("{title} 基础数据填报表", "{title}: data form"),
    "unit_line": (
        "填报单位(盖章):                单位:人",
        "Reporting unit:            Unit: persons",
    ),
    "error_title": ("只能填写整数", "Whole numbers only"),
    "error": ("请填写不小于 0 的整数(人数、例数)。", "Enter a whole number ≥ 0 (persons, cases)."),
    "help_head": (
        ["表头", "字段名", "含义", "用于指标"],
        ["Header", "Field", "Meaning", "Used by"],
    ),
    "help_intro": (
        [
            "每个乡镇(街道)填一行;人数、例数只填整数,没有的填 0,不知道的留空。",
            "“其中”各项不得大于其总数(如已建档数不得大于流入已婚育龄妇女数)。",
            "请勿修改表头;不要加合计行以外的说明行。填好后交县里用 fpmetrics 检查。",
        ],
        [
            "One row per township; counts are whole numbers, 0 where there are none, "
            "blank if unknown.",
            "A part may not exceed its whole (archived ≤ in-migrant women, and so on).",
            "Do not change the header. Return the file to the county for `fpmetrics check`.",
        ],
    ),
}


def _x(key: str, lang: str):
    zh, en = _TEXT[key]
    return en if lang == "en" else zh


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
    ws.title = _x("sheet", lang)
    title = _x("title", lang).format(title=ruleset.label(lang))
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=_x("unit_line", lang))
    headers = [FIELDS["township"].zh] + [FIELDS[f].zh for f in fields]
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER
        ws.column_dimensions[get_column_letter(col)].width = max(10, cell_len(header) + 2)
    ws.row_dimensions[HEADER_ROW].height = 32

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
            errorTitle=_x("error_title", lang),
            error=_x("error", lang),
        )
        last_col = get_column_letter(len(headers))
        validation.add(f"B{first}:{last_col}{last}")
        ws.add_data_validation(validation)

    ws.freeze_panes = ws.cell(row=first, column=2)
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # clerks may widen columns
    ws.protection.formatRows = False
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"

    help_ws = wb.create_sheet(_x("help_sheet", lang))
    for i, line in enumerate(_x("help_intro", lang), start=1):
        help_ws.cell(row=i, column=1, value=line)
    start = len(_x("help_intro", lang)) + 2
    for col, label in enumerate(_x("help_head", lang), start=1):
        help_ws.cell(row=start, column=col, value=label).font = Font(bold=True)
    for i, field in enumerate(fields, start=start + 1):
        spec = FIELDS[field]
        users = [r.label(lang) for r in ruleset.active.values() if field in r.fields]
        help_ws.cell(row=i, column=1, value=spec.zh)
        help_ws.cell(row=i, column=2, value=spec.name)
        help_ws.cell(row=i, column=3, value=spec.en)
        help_ws.cell(row=i, column=4, value="、".join(users))
    for col, width in ((1, 24), (2, 20), (3, 40), (4, 60)):
        help_ws.column_dimensions[get_column_letter(col)].width = width
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
