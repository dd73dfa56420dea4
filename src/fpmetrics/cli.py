"""The command line: thin. Parses options, runs the pipeline, picks a renderer.

Heavy modules (pandas, calamine, pydantic models) are imported inside the commands, so
``fpmetrics --version`` and ``--help`` start fast.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from . import __version__
from .errors import InputError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="Check township family-planning spreadsheets against provincial assessment indicators.",
)
rules_app = typer.Typer(no_args_is_help=True, help="List, show and validate rule sets.")
app.add_typer(rules_app, name="rules")


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"
    xlsx = "xlsx"


class FailOn(StrEnum):
    fail = "fail"
    warn = "warn"
    never = "never"


class Lang(StrEnum):
    zh = "zh"
    en = "en"


LangOption = Annotated[
    Lang, typer.Option("--lang", envvar="FPMETRICS_LANG", help="Language of tables and messages.")
]


def _version(value: bool) -> None:
    if value:
        print(f"fpmetrics {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """fpmetrics: township indicators, checked against the province's standard."""


def _consoles():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False), Console(
        stderr=True, highlight=False, soft_wrap=True
    )


InputsArg = Annotated[
    list[Path], typer.Argument(help="Spreadsheets (.xlsx .xls .ods .csv) or folders of them.")
]
RulesOption = Annotated[
    str, typer.Option("--rules", "-r", help="Shipped rule set name or a YAML file.")
]
FormatOption = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        help="table, json, csv, markdown, html or xlsx (default: --output's suffix, else table).",
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write to this file (atomically) instead of stdout."),
]
SheetOption = Annotated[
    str | None, typer.Option("--sheet", help="Only this sheet of each workbook.")
]
FieldsOption = Annotated[
    Path | None,
    typer.Option("--fields", help="YAML file of your own headers: aliases: {field: [header]}."),
]
ExplainOption = Annotated[
    bool, typer.Option("--explain", help="Show, per input, which column became which field.")
]
FailOnOption = Annotated[
    FailOn,
    typer.Option(
        "--fail-on",
        help="Exit 1 on: fail (fail or invalid, default), warn (also warnings), never.",
    ),
]


def _ruleset_and_aliases(rules: str, fields_file: Path | None, language: str):
    """The rule set, and its header aliases with the --fields file's added."""
    from .rules import load_aliases, load_ruleset

    ruleset = load_ruleset(rules, language)
    aliases = dict(ruleset.aliases)
    if fields_file is not None:
        for field, headers in load_aliases(fields_file, language).items():
            aliases[field] = [*aliases.get(field, []), *headers]
    return ruleset, aliases


def _run(
    command: str,
    inputs: list[Path],
    rules: str,
    fmt: Format | None,
    output: Path | None,
    sheet: str | None,
    fields_file: Path | None,
    explain: bool,
    fail_on: FailOn,
    lang: Lang,
) -> None:
    from .output import refuse_inputs
    from .pipeline import exit_code, run_check, run_score
    from .render import choose_format, render

    language = lang.value
    out, err = _consoles()
    chosen = choose_format(fmt.value if fmt else None, output, language)
    ruleset, aliases = _ruleset_and_aliases(rules, fields_file, language)
    if output is not None:
        refuse_inputs(output, inputs, language)
    report = run_check(inputs, ruleset, language, sheet=sheet, extra_aliases=aliases)
    scores = run_score(report, language) if command == "score" else None
    if explain:
        from .report.explain import render_explain

        render_explain(report.inputs, language, err)
    render(report, scores, chosen, output, language, out, err)
    raise typer.Exit(exit_code(report, fail_on.value))


@app.command()
def check(
    inputs: InputsArg,
    rules: RulesOption = "default",
    fmt: FormatOption = None,
    output: OutputOption = None,
    sheet: SheetOption = None,
    fields_file: FieldsOption = None,
    explain: ExplainOption = False,
    fail_on: FailOnOption = FailOn.fail,
    lang: LangOption = Lang.zh,
) -> None:
    """Check every township against the rule set; exit 1 if any check fails."""
    _run("check", inputs, rules, fmt, output, sheet, fields_file, explain, fail_on, lang)


@app.command()
def score(
    inputs: InputsArg,
    rules: RulesOption = "default",
    fmt: FormatOption = None,
    output: OutputOption = None,
    sheet: SheetOption = None,
    fields_file: FieldsOption = None,
    explain: ExplainOption = False,
    fail_on: FailOnOption = FailOn.fail,
    lang: LangOption = Lang.zh,
) -> None:
    """Score and rank every township: points, one-vote vetoes, award eligibility."""
    _run("score", inputs, rules, fmt, output, sheet, fields_file, explain, fail_on, lang)


@app.command()
def funnel(
    indicator: Annotated[str, typer.Argument(help="Indicator id, e.g. sex_ratio_at_birth.")],
    inputs: InputsArg,
    rules: RulesOption = "default",
    target: Annotated[
        str,
        typer.Option("--target", help="Centre line: overall (pooled rate), bound, or a value."),
    ] = "overall",
    overdispersion: Annotated[
        str,
        typer.Option("--overdispersion", help="none (exact limits), multiplicative or additive."),
    ] = "none",
    fmt: Annotated[
        Format | None, typer.Option("--format", "-f", help="table (default) or json.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the chart: .png or .svg.")
    ] = None,
    sheet: SheetOption = None,
    fields_file: FieldsOption = None,
    lang: LangOption = Lang.zh,
) -> None:
    """Funnel plot of one indicator: which townships are outside chance (95%, 99.8%)."""
    from .i18n import t
    from .output import refuse_inputs
    from .pipeline import run_check
    from .report.funnel_out import render_funnel

    language = lang.value
    if overdispersion not in ("none", "multiplicative", "additive"):
        raise InputError(t("bad_option", language, detail=f"--overdispersion {overdispersion}"))
    if output is not None:
        if output.suffix.lower() not in (".png", ".svg"):
            raise InputError(t("bad_option", language, detail="the chart is a .png or .svg file"))
        refuse_inputs(output, inputs, language)
    ruleset, aliases = _ruleset_and_aliases(rules, fields_file, language)
    report = run_check(inputs, ruleset, language, sheet=sheet, extra_aliases=aliases)
    out, err = _consoles()
    render_funnel(report, indicator, target, overdispersion, fmt, output, language, out, err)


@app.command()
def audit(
    inputs: InputsArg,
    rules: RulesOption = "default",
    fmt: Annotated[
        Format | None, typer.Option("--format", "-f", help="table (default) or json.")
    ] = None,
    sheet: SheetOption = None,
    fields_file: FieldsOption = None,
    lang: LangOption = Lang.zh,
) -> None:
    """Data-quality signals, ranked: changes beyond chance, too-smooth series, impossible rates."""
    from .audit import has_periods, run_audit
    from .pipeline import run_check
    from .report.audit_out import audit_json, render_audit

    language = lang.value
    ruleset, aliases = _ruleset_and_aliases(rules, fields_file, language)
    report = run_check(inputs, ruleset, language, sheet=sheet, extra_aliases=aliases)
    signals = run_audit(report, ruleset.audit, language)
    periods = bool(has_periods(report))
    out, err = _consoles()
    if fmt is not None and fmt.value == "json":
        sys.stdout.write(audit_json(report, signals, periods))
    else:
        render_audit(report, signals, periods, language, out, err)


@app.command()
def template(
    output: Annotated[Path, typer.Argument(help="The .xlsx file to write.")],
    rules: RulesOption = "default",
    units: Annotated[
        str | None,
        typer.Option("--units", help="Township names to pre-fill, separated by commas or 、."),
    ] = None,
    rows: Annotated[int, typer.Option("--rows", min=1, max=5000, help="Blank rows.")] = 30,
    lang: LangOption = Lang.zh,
) -> None:
    """Write the fill-in workbook for townships: the columns the rule set needs."""
    import re

    from .i18n import t
    from .output import write_atomic
    from .report.template import to_template
    from .rules import load_ruleset

    language = lang.value
    if output.suffix.lower() != ".xlsx":
        raise InputError(t("bad_option", language, detail="the template is an .xlsx file"))
    ruleset = load_ruleset(rules, language)
    names = [u.strip() for u in re.split(r"[,,、\n]", units or "") if u.strip()]
    write_atomic(output, to_template(ruleset, names, rows, language), language)
    _, err = _consoles()
    err.print(t("written", language, file=output))


@app.command()
def fields(lang: LangOption = Lang.zh) -> None:
    """List the canonical fields and the headers each accepts."""
    from rich.table import Table

    from .fields import FIELDS
    from .i18n import t

    out, _ = _consoles()
    table = Table(title=t("fields_title", lang.value), show_lines=False)
    table.add_column(t("col_field", lang.value), no_wrap=True)
    table.add_column(t("col_meaning", lang.value))
    table.add_column(t("col_headers", lang.value))
    for spec in FIELDS.values():
        table.add_row(spec.name, spec.label(lang.value), "、".join(spec.aliases))
    out.print(table)


@rules_app.command("list")
def rules_list(lang: LangOption = Lang.zh) -> None:
    """The shipped rule sets."""
    from rich.table import Table

    from .i18n import t
    from .rules import load_ruleset, shipped_names

    out, _ = _consoles()
    table = Table(title=t("rules_title", lang.value))
    table.add_column(t("col_name", lang.value), no_wrap=True)
    table.add_column(t("col_title", lang.value))
    table.add_column(t("col_indicator", lang.value), justify="right")
    for name in shipped_names():
        ruleset = load_ruleset(name, lang.value)
        table.add_row(name, ruleset.label(lang.value), str(len(ruleset.active)))
    out.print(table)


@rules_app.command("show")
def rules_show(
    name: Annotated[str, typer.Argument(help="Shipped rule set name or a YAML file.")],
    lang: LangOption = Lang.zh,
) -> None:
    """Every indicator of a rule set: formula, bounds, severity, source."""
    from rich.table import Table

    from .i18n import t
    from .rules import load_ruleset

    language = lang.value
    out, _ = _consoles()
    ruleset = load_ruleset(name, language)
    table = Table(title=f"{ruleset.name}: {ruleset.label(language)}", show_lines=True)
    for key in ("col_indicator", "col_formula", "col_bounds", "col_severity", "col_source"):
        table.add_column(t(key, language))
    for key, rule in ruleset.active.items():
        formula = f"{rule.numerator} / {rule.denominator} × {rule.scale:g}"
        table.add_row(
            f"{key}\n{rule.label(language)}",
            formula,
            rule.bounds_text() + (f" (×{rule.periods})" if rule.periods else ""),
            rule.severity,
            rule.source,
        )
    out.print(table)


@rules_app.command("validate")
def rules_validate(
    file: Annotated[Path, typer.Argument(help="A rule file to check.")],
    lang: LangOption = Lang.zh,
) -> None:
    """Check a rule file; exit 2 with the file and line of each mistake."""
    from .i18n import t
    from .rules import load_ruleset

    if not file.is_file():
        raise InputError(t("file_missing", lang.value, file=file))
    ruleset = load_ruleset(str(file), lang.value)
    _, err = _consoles()
    err.print(t("rules_valid", lang.value, file=file, count=len(ruleset.active)))


def main() -> None:
    """Entry point: run the app; a run that cannot be done exits 2 with a message."""
    try:
        app()
    except InputError as exc:
        print(exc.message, file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a bug: say so plainly, keep the traceback for whoever asks
        if os.environ.get("FPMETRICS_DEBUG"):
            raise
        print(
            f"fpmetrics: internal error ({type(exc).__name__}: {exc}). "
            "Please report it with the input file; FPMETRICS_DEBUG=1 shows the traceback.",
            file=sys.stderr,
        )
        sys.exit(2)


if __name__ == "__main__":
    main()
