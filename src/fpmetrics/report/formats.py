"""The one format dispatcher: which formats each report has, which one an output file's
suffix names, and the renderer behind each (report kind, format)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from fpmetrics.errors import InputError
from fpmetrics.files.output import Pieces, deliver, write_reported
from fpmetrics.i18n import Message
from fpmetrics.report.plain_text import trim_lines

if TYPE_CHECKING:
    from fpmetrics.models import AuditReport, CheckReport, FunnelReport, ScoreReport

    Report = CheckReport | ScoreReport | AuditReport | FunnelReport

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
ALL_FORMATS = ("table", "json", "csv", "markdown", "html", "xlsx")
FORMATS = {
    "check": ALL_FORMATS,
    "score": ALL_FORMATS,
    "audit": ("table", "json", "csv"),
    "funnel": ("table", "json"),
}
"""The formats of each report kind (``-f``); the funnel's ``-o`` is its chart (.png/.svg)."""
CHART_SUFFIXES = (".png", ".svg")


def choose_format(fmt: str | None, output: Path | None) -> str:
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


def format_for(kind: str, fmt: str | None, output: Path | None) -> str:
    """The format a command writes, from ``-f`` and ``-o``; refused (exit 2) before any
    input is read if the command cannot write it."""
    if kind == "funnel":  # -o is the chart; -f is what stdout shows
        if fmt is not None and fmt not in FORMATS[kind]:
            detail = Message("opt_command_format", command=kind, fmt=fmt, formats="table, json")
            raise InputError("bad_option", detail=detail)
        if output is not None and output.suffix.lower() not in CHART_SUFFIXES:
            raise InputError("bad_option", detail=Message("opt_chart_suffix", file=output))
        return fmt or "table"
    if kind == "audit":
        chosen = choose_format(fmt, output) if fmt in (None, *FORMATS[kind]) else fmt
        if chosen not in FORMATS[kind]:
            raise InputError("bad_option", detail=Message("opt_audit_format", fmt=chosen))
        return chosen
    return choose_format(fmt, output)


def document(
    report: Report, fmt: str, lang: str, for_spreadsheet: bool = False, width: int = 160
) -> str | bytes:
    """``report`` rendered as ``fmt`` in ``lang``: text, or bytes for xlsx."""
    _refuse_format(report.kind, fmt)
    rendered = _document(worded(report, lang), fmt, lang, for_spreadsheet, width)
    return rendered.text() if isinstance(rendered, Pieces) else rendered


def worded(report: Report, lang: str) -> Report:
    """A copy of ``report`` as the renderers show it, in ``lang``: the results named, the
    problems and the audit's signals worded. The one place the language meets the data."""
    from dataclasses import replace

    from fpmetrics.wording import spoken_frame, worded_report, worded_scores

    if report.kind == "check":
        return worded_report(report, lang)  # type: ignore[arg-type]
    check = worded_report(report.check, lang)  # type: ignore[union-attr]
    if report.kind == "score":
        return worded_scores(report, check, lang)  # type: ignore[arg-type]
    if report.kind == "audit":
        signals = spoken_frame(report.signals, ["unit", "detail", "explanation"], lang)  # type: ignore[union-attr]
        return replace(report, check=check, signals=signals)  # type: ignore[type-var]
    return replace(report, check=check)  # type: ignore[type-var]


def _document(
    report: Report, fmt: str, lang: str, for_spreadsheet: bool = False, width: int = 160
) -> str | bytes | Pieces:
    _refuse_format(report.kind, fmt)
    if fmt == "table":
        console = Console(file=StringIO(), width=width)
        _table(report, lang, console, Console(file=StringIO(), stderr=True))
        return trim_lines(console.file.getvalue())  # type: ignore[attr-defined]
    return _render(report, fmt, lang, for_spreadsheet)


def _refuse_format(kind: str, fmt: str) -> None:
    if fmt not in FORMATS[kind]:
        formats = ", ".join(FORMATS[kind])
        detail = Message("opt_command_format", command=kind, fmt=fmt, formats=formats)
        raise InputError("bad_option", detail=detail)


def emit(
    report: Report, fmt: str, output: Path | None, lang: str, out: Console, err: Console
) -> None:
    """What the command line shows: ``report`` as ``fmt`` on stdout or atomically in
    ``output``; the problems and advice on stderr."""
    report = worded(report, lang)
    if report.kind == "audit":
        from fpmetrics.report.audit_out import write_audit

        write_audit(report.check, report.signals, report.periods, fmt, output, lang, out, err)
        return
    if report.kind == "funnel":
        _emit_funnel(report, fmt, output, lang, out, err)  # type: ignore[arg-type]
        return
    check = report.check if report.kind == "score" else report
    if fmt == "table":
        console = out if output is None else Console(file=StringIO(), width=160)
        _table(report, lang, console, err)
        if output is not None:
            text = trim_lines(console.file.getvalue())  # type: ignore[attr-defined]
            deliver(text, fmt, output, lang, err)
        return
    deliver(_document(report, fmt, lang, output is not None), fmt, output, lang, err)
    from fpmetrics.report.console import render_problems

    render_problems(check.problems, lang, err)  # type: ignore[union-attr]


def _emit_funnel(
    report: FunnelReport, fmt: str, output: Path | None, lang: str, out: Console, err: Console
) -> None:
    """The funnel as a table or JSON on stdout; with ``output``, also its chart."""
    if fmt == "json":
        deliver(_document(report, "json", lang), "json", None, lang, err)
    else:
        _table(report, lang, out, err)
    if output is not None:
        from fpmetrics.report.funnel_chart import draw, numbered, numbered_key

        chart = output.suffix.lower().lstrip(".")
        write_reported(output, draw(report.funnel, lang, chart), lang, err)
        key = numbered_key(report.funnel, lang) if numbered(chart) else ""
        if key:  # no Chinese font: the chart numbers the units outside
            err.print(key)


def _table(report: Report, lang: str, out: Console, err: Console) -> None:
    if report.kind == "check":
        from fpmetrics.report.console import render_table

        render_table(report, lang, out, err)  # type: ignore[arg-type]
    elif report.kind == "score":
        from fpmetrics.report.scores import render_score_table

        render_score_table(report, lang, out, err)  # type: ignore[arg-type]
    elif report.kind == "audit":
        from fpmetrics.report.audit_out import render_audit

        render_audit(report.check, report.signals, report.periods, lang, out, err)  # type: ignore[union-attr]
    else:
        from fpmetrics.report.funnel_out import funnel_table

        funnel_table(report, lang, out)  # type: ignore[arg-type]


def _render(report, fmt: str, lang: str, for_spreadsheet: bool) -> str | bytes | Pieces:  # type: ignore[no-untyped-def]
    """The renderer of (report kind, ``fmt``), a valid pair, imported only when used."""
    if fmt in ("markdown", "html", "xlsx"):  # check and score: the check, and the scores
        from importlib import import_module  # only the one format's module (openpyxl…)

        module = import_module(f"fpmetrics.report.{'workbook' if fmt == 'xlsx' else fmt}")
        check, scores = (report.check, report) if report.kind == "score" else (report, None)
        return getattr(module, f"to_{fmt}")(check, scores, lang)
    if report.kind == "check":
        from fpmetrics.report.machine import to_csv, to_json

        return to_json(report) if fmt == "json" else to_csv(report, for_spreadsheet=for_spreadsheet)
    if report.kind == "score":
        from fpmetrics.report.scores import score_csv, score_json

        if fmt == "json":
            return score_json(report)
        return score_csv(report, for_spreadsheet=for_spreadsheet)
    if report.kind == "audit":
        from fpmetrics.report.audit_out import audit_csv, audit_json

        if fmt == "json":
            return audit_json(report.check, report.signals, report.periods)
        return audit_csv(report.signals, for_spreadsheet=for_spreadsheet)
    from fpmetrics.report.funnel_out import funnel_json

    return funnel_json(report)
