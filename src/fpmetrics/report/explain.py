"""``--explain``: per input, which column became which field and which were ignored."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table as RichTable

from ..fields import FIELDS
from ..i18n import t
from ..load import Inputs


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the column as a spreadsheet shows it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def render_explain(inputs: Inputs, lang: str, err: Console) -> None:
    for table in inputs.tables:
        rows = table.header_rows
        err.print(
            t(
                "explain_table",
                lang,
                where=table.source.where,
                rows="–".join(str(r) for r in (rows[0], rows[-1]) if r)
                if len(rows) > 1
                else rows[0],
                units=len(table.data),
                totals=len(table.totals),
            ),
            style="bold",
        )
        mapping = RichTable(box=None, pad_edge=False, show_header=False)
        for _ in range(3):
            mapping.add_column()
        for field, index in table.columns.items():
            mapping.add_row(
                f"  {column_letter(index)}",
                table.headers[field],
                f"→ {field} ({FIELDS[field].label(lang)})",
            )
        err.print(mapping)
        ignored = "、".join(table.ignored) if table.ignored else None
        err.print(t("explain_ignored", lang, columns=ignored or "—"))
        if table.duplicate_headers:
            err.print(t("explain_duplicate", lang, columns="、".join(table.duplicate_headers)))
