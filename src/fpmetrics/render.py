"""Pick the renderer for a format and send its output to stdout or a file."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

from rich.console import Console

from .errors import InputError
from .i18n import Message
from .output import deliver
from .pipeline import CheckReport, ScoreReport
from .plain_text import trim_lines

SUFFIX_FORMATS = {
    ".json": "json",
    ".csv": "csv",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xlsx": "xlsx",
    ".txt": "table",
}
BINARY_FORMATS = {"xlsx"}


def choose_format(fmt: str | None, output: Path | None, lang: str) -> str:
    """The format asked for, else the one the output's suffix names, else the table.

    An output whose suffix names no format (``-o r.foo``, ``-o report``) is refused rather
    than silently written as a text table.
    """
    if fmt is None and output is not None:
        if output.suffix.lower() not in SUFFIX_FORMATS:
            suffixes = " ".join(SUFFIX_FORMATS)
            detail = Message("opt_unknown_suffix", file=output, suffixes=suffixes)
            raise InputError("bad_option", detail=detail)
        fmt = SUFFIX_FORMATS[output.suffix.lower()]
    chosen = fmt or "table"
    if chosen in BINARY_FORMATS and output is None:
        raise InputError("bad_option", detail=Message("opt_needs_output", fmt=chosen))
    return chosen


def render(
    check: CheckReport,
    scores: ScoreReport | None,
    fmt: str,
    output: Path | None,
    lang: str,
    out: Console,
    err: Console,
) -> None:
    from .report.console import render_problems
    from .wording import worded_report, worded_scores

    check = worded_report(check, lang)  # the text of results and problems, in ``lang``
    scores = None if scores is None else worded_scores(scores, check, lang)
    if fmt == "table":
        console = out if output is None else Console(file=StringIO(), width=160)
        if scores is None:
            from .report.console import render_table

            render_table(check, lang, console, err)
        else:
            from .report.scores import render_score_table

            render_score_table(scores, lang, console, err)
        if output is not None:
            text = trim_lines(console.file.getvalue())  # type: ignore[attr-defined]
            deliver(text, fmt, output, lang, err)
        return

    deliver(_document(check, scores, fmt, lang, output is not None), fmt, output, lang, err)
    render_problems(check.problems, lang, err)


def _document(
    check: CheckReport, scores: ScoreReport | None, fmt: str, lang: str, csv_for_file: bool
) -> str | bytes:
    if fmt == "json":
        if scores is None:
            from .report.machine import to_json

            return to_json(check)
        from .report.scores import score_json

        return score_json(scores)
    if fmt == "csv":
        if scores is None:
            from .report.machine import to_csv

            return to_csv(check, for_spreadsheet=csv_for_file)
        from .report.scores import score_csv

        return score_csv(scores, for_spreadsheet=csv_for_file)
    if fmt == "markdown":
        from .report.markdown import to_markdown

        return to_markdown(check, scores, lang)
    if fmt == "html":
        from .report.html import to_html

        return to_html(check, scores, lang)
    if fmt == "xlsx":
        from .report.workbook import to_xlsx

        return to_xlsx(check, scores, lang)
    raise InputError("bad_option", detail=Message("opt_unknown_format", fmt=fmt))
