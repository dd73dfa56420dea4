"""Cell styles set by index, for workbooks of many thousand rows.

openpyxl hashes a style object (font, fill, border, alignment) again on every assignment,
through the whole object tree: about 0.1 ms a cell and style, which made the report for 20,000
townships (200,000 result rows) take many minutes. :func:`style` looks each style object up
in the workbook's list once and then sets the cell's index directly, as openpyxl's own
setter does. Style objects passed here must not be changed afterwards (module constants).
"""

from __future__ import annotations

from openpyxl.styles.cell_style import StyleArray

_SLOTS = {
    "font": ("_fonts", "fontId"),
    "fill": ("_fills", "fillId"),
    "border": ("_borders", "borderId"),
    "alignment": ("_alignments", "alignmentId"),
}


def style(cell, **styles: object) -> None:
    """``style(cell, fill=RED, font=RED_FONT)``: as ``cell.fill = RED`` etc., fast."""
    wb = cell.parent.parent
    known: dict[tuple[str, int], tuple[int, object]] = wb.__dict__.setdefault("_fpm_style_ids", {})
    if not cell._style:  # as openpyxl's own setter does
        cell._style = StyleArray()
    array = cell._style
    for name, value in styles.items():
        collection, slot = _SLOTS[name]
        entry = known.get((name, id(value)))
        if entry is None:
            entry = known[(name, id(value))] = (getattr(wb, collection).add(value), value)
        setattr(array, slot, entry[0])
