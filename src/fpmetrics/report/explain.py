"""``--explain``: per input, which column became which field and which were ignored."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from fpmetrics.i18n import join, t
from fpmetrics.normalise.fields import FIELDS
from fpmetrics.read.load import Inputs
from fpmetrics.read.xlsx_errors import column_letter


def one_line(header: object) -> str:
    """A header as written, on one line: a line break inside the cell shows as ⏎
    (围产儿数⏎(例)), so that a list of headers stays a list."""
    text = str(header).replace("\r\n", "\n").replace("\r", "\n")
    return "⏎".join(part.strip() for part in text.split("\n"))


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
                one_line(table.headers[field]),
                f"→ {field} ({FIELDS[field].label(lang)})",
            )
        for field, summed in table.summed.items():
            mapping.add_row(
                f"  {'+'.join(column_letter(c) for c in summed.columns)}",
                " + ".join(map(one_line, summed.headers)),
                f"→ {field} ({FIELDS[field].label(lang)}), "
                + t("explain_summed", lang, count=len(summed.columns)),
            )
        err.print(mapping)
        ignored = join(map(one_line, table.ignored), lang) if table.ignored else None
        err.print(Text(t("explain_ignored", lang, columns=ignored or "—")))  # not markup
        if table.duplicate_headers:
            repeated = join(map(one_line, table.duplicate_headers), lang)
            err.print(Text(t("explain_duplicate", lang, columns=repeated)))
