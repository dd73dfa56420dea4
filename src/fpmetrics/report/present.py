"""What ``check`` and ``score`` show and write, in order: warnings, ``--explain``, the
``--records`` file, the history line, the report itself, the problems, and a run in which
nothing could be evaluated."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.text import Text

from fpmetrics.i18n import t
from fpmetrics.models import CheckReport, ScoreReport
from fpmetrics.report.formats import emit


def present(
    report: CheckReport | ScoreReport,
    fmt: str,
    output: Path | None,
    lang: str,
    out: Console,
    err: Console,
    explain: bool = False,
    explain_units: list[str] | None = None,
    records: Path | None = None,
    full_ids: bool = False,
) -> None:
    check = report.check if isinstance(report, ScoreReport) else report
    if isinstance(report, ScoreReport):
        from fpmetrics.report.scores import absent_fields_warning

        warning = absent_fields_warning(report, lang)
        if warning:
            err.print(Text(warning, style="yellow"))
    if explain:
        from fpmetrics.report.explain import render_explain

        render_explain(check.inputs, lang, err)
        if explain_units:
            from fpmetrics.report.unit_explain import render_unit_explain

            render_unit_explain(check, explain_units, lang, err)
    if records is not None:
        _write_records(check, records, full_ids, lang, err)
    if check.history_run is not None:
        err.print(t("history_recorded", lang, file=check.history_file, run=check.history_run))
    emit(report, fmt, output, lang, out, err)
    nothing = _nothing_evaluated(check, lang)
    if nothing:
        err.print(Text(nothing, style="bold red"))


def _nothing_evaluated(check: CheckReport, lang: str) -> str | None:
    """The one-line message for a run in which no check has a value, or None."""
    from fpmetrics.i18n import join
    from fpmetrics.normalise.fields import FIELDS
    from fpmetrics.validate.emptiness import fields_without_data

    missing = fields_without_data(check)
    if missing is None:
        return None
    files = join([str(f) for f in check.inputs.files], lang)
    names = [FIELDS[f].label(lang) for f in missing]
    return t("nothing_evaluated", lang, files=files, fields=join(names, lang) or "—")


def _write_records(check: CheckReport, path: Path, full_ids: bool, lang: str, err: Console) -> None:
    from fpmetrics.files.output import write_atomic
    from fpmetrics.report.records import records_csv

    behind = check.failing_records(full_ids=full_ids)
    if behind.empty:
        err.print(t("records_none", lang, file=path))
    else:
        write_atomic(path, records_csv(behind))
        err.print(t("records_written", lang, count=len(behind), file=path))
