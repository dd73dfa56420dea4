"""The command line: thin. Parses options, runs the pipeline, picks a renderer.

Heavy modules (pandas, calamine, pydantic models) are imported inside the commands, so
``fpmetrics --version`` and ``--help`` start fast.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperCommand

from fpmetrics import __version__
from fpmetrics.errors import InputError
from fpmetrics.i18n import Message, t


class _Command(TyperCommand):
    """Usage lines that name arguments as their ``metavar`` says: ``fpmetrics check
    [OPTIONS] INPUTS...``. (Recent typer writes a required argument as ``{inputs}...``,
    which reads like a placeholder left unfilled.)"""

    def collect_usage_pieces(self, ctx):  # type: ignore[no-untyped-def]
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if getattr(param, "param_type_name", "") == "argument" and param.metavar:
                pieces.append(param.metavar)
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces


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


class Kind(StrEnum):
    births = "births"
    migrants = "migrants"
    staff = "staff"


class PeriodBy(StrEnum):
    year = "year"
    half = "half"
    quarter = "quarter"
    month = "month"


class Engine(StrEnum):
    embedded = "embedded"
    spark = "spark"


class Level(StrEnum):
    village = "village"
    township = "township"
    county = "county"


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
    # The built-in fields until a rule set declares more (an earlier in-process run may have
    # loaded one). Not imported here if not yet loaded: `--help` must stay cheap.
    loaded = sys.modules.get(f"{__package__}.normalise.fields")
    if loaded is not None:
        loaded.activate(None)


def _consoles():
    """stdout and stderr; piped or redirected, their lines carry no trailing spaces."""
    from rich.console import Console

    from fpmetrics.report.plain_text import TrimmedWriter

    def stream(file):  # type: ignore[no-untyped-def]
        return file if file.isatty() else TrimmedWriter(file)

    return Console(file=stream(sys.stdout), highlight=False, soft_wrap=False), Console(
        file=stream(sys.stderr), stderr=True, highlight=False, soft_wrap=True
    )


InputsArg = Annotated[
    list[str],
    typer.Argument(
        metavar="INPUTS...", help="Spreadsheets (.xlsx .xls .ods .csv) or folders of them."
    ),
]
SourcesArg = Annotated[
    list[str],
    typer.Argument(
        metavar="INPUTS...",
        help="Spreadsheets (.xlsx .xls .ods .csv), Parquet files or folders, folders of "
        "spreadsheets, or a database URL (postgresql://user@host/db, mysql://…) with --table "
        "or --query.",
    ),
]
TableOption = Annotated[
    str | None,
    typer.Option("--table", help="The register's table in the database (or Hive, with Spark)."),
]
QueryOption = Annotated[
    str | None, typer.Option("--query", help="A SELECT giving the register's rows.")
]
EngineOption = Annotated[
    Engine,
    typer.Option("--engine", help="embedded (Polars, default) or spark for Parquet/Hive."),
]
SparkOption = Annotated[
    str | None,
    typer.Option(
        "--spark", help="Spark Connect URL (sc://host:15002) or master URL; default local[*]."
    ),
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
    bool,
    typer.Option(
        "--explain",
        help="Show which column became which field; names given after it (fpmetrics check "
        "births.csv --explain 阿城镇) list the counts behind each of that unit's indicators.",
    ),
]
KindOption = Annotated[
    Kind | None,
    typer.Option(
        "--kind", help="Read registers as births, migrants or staff (default: by columns)."
    ),
]
PeriodOption = Annotated[
    PeriodBy | None,
    typer.Option(
        "--period",
        help="Group register births by year, half, quarter or month of the birth date "
        "(the year as the rule file's periods.year_start says: 01-01 or 10-01).",
    ),
]
UnitsOption = Annotated[
    str | None,
    typer.Option(
        "--units",
        help="The townships' names (a file, one per line, or names separated by commas); "
        "register records of any other township are not counted.",
    ),
]
ByOption = Annotated[
    Level, typer.Option("--by", help="Report per village, township (default) or county.")
]
RecordsOption = Annotated[
    Path | None,
    typer.Option(
        "--records",
        help="Write the register rows behind each failing check (CSV). This exports personal "
        "data (individual records); id numbers are masked unless --full-ids is given.",
    ),
]
FullIdsOption = Annotated[
    bool,
    typer.Option(
        "--full-ids",
        help="With --records: write id numbers (身份证号) in full. Personal data: keep the "
        "file as the rules for personal data require.",
    ),
]
HistoryOption = Annotated[
    Path | None,
    typer.Option(
        "--history",
        envvar="FPMETRICS_HISTORY",
        help="Keep this run's per-township results in this SQLite file and show the change "
        "from the previous period (see `fpmetrics history`).",
    ),
]
TitleOption = Annotated[
    str | None,
    typer.Option(
        "--title",
        help="The county (or area) the reports name in their title (default: found in the inputs).",
    ),
]
FailOnOption = Annotated[
    FailOn,
    typer.Option(
        "--fail-on",
        help="Exit 1 on: fail (fail or invalid, default), warn (also warnings), never.",
    ),
]


def _rules_file(rules: str) -> Path | str:
    """What --rules names, not to be written over (imported here: --help stays cheap)."""
    from fpmetrics.ruleset.rules import rules_file

    return rules_file(rules)


def _files_only(inputs: list[str], command: str) -> list[Path]:
    """The inputs of a command that reads files only; a database URL is refused, masked
    (taken for a file name, it would have been shown with its password)."""
    from fpmetrics.aggregate.registers.engines import split_inputs

    paths, urls = split_inputs(inputs)
    if urls:
        from fpmetrics.aggregate.registers.engines.sql import mask_url

        raise InputError("engine_files_only", command=command, where=mask_url(urls[0]))
    return paths


def _explained(inputs: list[str], explain: bool, lang: str) -> tuple[list[str], list[str]]:
    """--explain 阿城镇: the inputs, and the names among them that are not files (units)."""
    if not explain:
        return inputs, []
    from fpmetrics.aggregate.registers.engines import is_url

    names = [i for i in inputs if not is_url(i) and not Path(i).exists()]
    kept = [i for i in inputs if i not in names]
    if not kept:
        raise InputError("file_missing", file=names[0])
    return kept, names


CHECK_HELP = "Check every township against the rule set; exit 1 if any check fails."
SCORE_HELP = "Score and rank every township: points, one-vote vetoes, award eligibility."


def check_or_score(
    ctx: typer.Context,
    inputs: SourcesArg,
    rules: RulesOption = "default",
    fmt: FormatOption = None,
    output: OutputOption = None,
    sheet: SheetOption = None,
    fields_file: FieldsOption = None,
    explain: ExplainOption = False,
    fail_on: FailOnOption = FailOn.fail,
    kind: KindOption = None,
    period: PeriodOption = None,
    units: UnitsOption = None,
    by: ByOption = Level.township,
    records: RecordsOption = None,
    history: HistoryOption = None,
    title: TitleOption = None,
    full_ids: FullIdsOption = False,
    table: TableOption = None,
    query: QueryOption = None,
    engine: EngineOption = Engine.embedded,
    spark: SparkOption = None,
    lang: LangOption = Lang.zh,
) -> None:
    from fpmetrics import api
    from fpmetrics.aggregate.registers.engines import split_inputs
    from fpmetrics.files.output import refuse_inputs
    from fpmetrics.normalise.unit_names import parse_units
    from fpmetrics.report.formats import format_for
    from fpmetrics.report.present import present

    command, language = ctx.info_name or "check", lang.value
    inputs, explain_units = _explained(inputs, explain, language)
    paths, urls = split_inputs(inputs)
    if records is not None and (urls or engine == Engine.spark):
        from fpmetrics.aggregate.registers.engines.sql import mask_url

        where = mask_url(urls[0]) if urls else "--engine spark"
        raise InputError("engine_records_unsupported", where=where)
    chosen = format_for(command, fmt.value if fmt else None, output)
    for target in (output, records, history):
        if target is not None:
            refuse_inputs(target, paths, (_rules_file(rules), fields_file, units))
    if output is not None and records is not None and output.resolve() == records.resolve():
        raise InputError("output_is_records", file=output)
    run = api.score if command == "score" else api.check
    report = run(
        inputs,
        rules=rules,
        fields=fields_file,
        sheet=sheet,
        kind=kind.value if kind else None,
        period=period.value if period else None,
        units=parse_units(units),
        by=by.value,
        table=table,
        query=query,
        engine=engine.value,
        spark=spark,
        history=history,
        title=title,
        prompt_lang=language,
    )
    out, err = _consoles()
    present(report, chosen, output, language, out, err, explain, explain_units, records, full_ids)
    raise typer.Exit(report.exit_code(fail_on.value))


app.command("check", help=CHECK_HELP, cls=_Command)(check_or_score)
app.command("score", help=SCORE_HELP, cls=_Command)(check_or_score)


@app.command(cls=_Command)
def funnel(
    indicator: Annotated[
        str, typer.Argument(metavar="INDICATOR", help="Indicator id, e.g. sex_ratio_at_birth.")
    ],
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
        Format | None,
        typer.Option("--format", "-f", metavar="<table|json>", help="table (default) or json."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the chart: .png or .svg.")
    ] = None,
    sheet: SheetOption = None,
    fields_file: FieldsOption = None,
    lang: LangOption = Lang.zh,
) -> None:
    """Funnel plot of one indicator: which townships are outside chance (95%, 99.8%)."""
    from fpmetrics import api
    from fpmetrics.files.output import refuse_inputs
    from fpmetrics.report.formats import emit, format_for

    language = lang.value
    files = _files_only(inputs, "funnel")
    chosen = format_for("funnel", fmt.value if fmt else None, output)
    if output is not None:
        refuse_inputs(output, files, (_rules_file(rules), fields_file))
    report = api.funnel(
        indicator,
        files,
        rules=rules,
        fields=fields_file,
        sheet=sheet,
        target=target,
        overdispersion=overdispersion,
    )
    out, err = _consoles()
    emit(report, chosen, output, language, out, err)


@app.command(cls=_Command)
def audit(
    inputs: InputsArg,
    rules: RulesOption = "default",
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            metavar="<table|json|csv>",
            help="table, json or csv (default: --output's suffix, else table).",
        ),
    ] = None,
    output: OutputOption = None,
    sheet: SheetOption = None,
    fields_file: FieldsOption = None,
    history: Annotated[
        Path | None,
        typer.Option(
            "--history",
            envvar="FPMETRICS_HISTORY",
            help="Also read the earlier periods kept in this history file (check --history).",
        ),
    ] = None,
    lang: LangOption = Lang.zh,
) -> None:
    """Data-quality signals, ranked: changes beyond chance, too-smooth series, impossible rates."""
    from fpmetrics import api
    from fpmetrics.files.output import refuse_inputs
    from fpmetrics.report.formats import emit, format_for

    language = lang.value
    files = _files_only(inputs, "audit")
    chosen = format_for("audit", fmt.value if fmt else None, output)
    if output is not None:
        refuse_inputs(output, files, (_rules_file(rules), fields_file))
    report = api.audit(files, rules=rules, fields=fields_file, sheet=sheet, history=history)
    out, err = _consoles()
    emit(report, chosen, output, language, out, err)


class HistoryFormat(StrEnum):
    table = "table"
    json = "json"


@app.command("history", cls=_Command)
def history_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A history file (--history).")],
    unit: Annotated[
        str | None, typer.Option("--unit", help="One township's results over the runs.")
    ] = None,
    diff: Annotated[
        tuple[int, int] | None,
        typer.Option("--diff", metavar="A B", help="What changed from run A to run B."),
    ] = None,
    fmt: Annotated[
        HistoryFormat, typer.Option("--format", "-f", help="table (default) or json.")
    ] = HistoryFormat.table,
    lang: LangOption = Lang.zh,
) -> None:
    """The runs kept in a history file; one township's series; the changes between two runs."""
    from fpmetrics.analyses.history import connect
    from fpmetrics.report.history_out import render_diff, render_runs, render_unit

    language = lang.value
    out, _ = _consoles()
    with connect(file, create=False) as db:
        if diff is not None:
            render_diff(db, diff[0], diff[1], fmt.value, language, out)
        elif unit is not None:
            render_unit(db, unit, fmt.value, language, out)
        else:
            render_runs(db, str(file), fmt.value, language, out)


@app.command(cls=_Command)
def template(
    output: Annotated[Path, typer.Argument(metavar="OUTPUT", help="The .xlsx file to write.")],
    rules: RulesOption = "default",
    units: Annotated[
        str | None,
        typer.Option("--units", help="Township names to pre-fill, separated by commas or 、."),
    ] = None,
    rows: Annotated[int, typer.Option("--rows", min=1, max=5000, help="Blank rows.")] = 30,
    force: Annotated[bool, typer.Option("--force", help="Overwrite OUTPUT if it exists.")] = False,
    lang: LangOption = Lang.zh,
) -> None:
    """Write the fill-in workbook for townships: the columns the rule set needs."""
    import re

    from fpmetrics.files.output import refuse_inputs, write_reported
    from fpmetrics.report.template import to_template
    from fpmetrics.ruleset.rules import load_ruleset

    language = lang.value
    if output.suffix.lower() != ".xlsx":
        raise InputError("bad_option", detail=Message("opt_template_suffix", file=output))
    refuse_inputs(output, [], (_rules_file(rules), units))
    if output.exists() and not force:  # it may be a workbook a township has filled in
        raise InputError("template_exists", file=output)
    ruleset = load_ruleset(rules)
    names = [u.strip() for u in re.split(r"[,,、\n]", units or "") if u.strip()]
    _, err = _consoles()
    write_reported(output, to_template(ruleset, names, rows, language), language, err)


@app.command(cls=_Command)
def fields(
    rules: Annotated[
        str | None,
        typer.Option(
            "--rules", "-r", help="Also the fields this rule set (name or YAML file) declares."
        ),
    ] = None,
    fields_file: FieldsOption = None,
    lang: LangOption = Lang.zh,
) -> None:
    """List the canonical fields and the headers each accepts, then the register columns."""
    from fpmetrics.report.listing import render_fields, render_register_columns
    from fpmetrics.ruleset.rules import load_aliases, load_ruleset

    if rules is not None:
        load_ruleset(rules)  # its declared fields become the listed ones
    if fields_file is not None:
        load_aliases(fields_file)
    out, _ = _consoles()
    render_fields(lang.value, out)
    render_register_columns(lang.value, out)


@rules_app.command("list", cls=_Command)
def rules_list(lang: LangOption = Lang.zh) -> None:
    """The shipped rule sets."""
    from rich.table import Table

    from fpmetrics.ruleset.rules import load_ruleset, shipped_names

    out, _ = _consoles()
    table = Table(title=t("rules_title", lang.value))
    table.add_column(t("col_name", lang.value), no_wrap=True)
    table.add_column(t("col_title", lang.value))
    table.add_column(t("col_indicator", lang.value), justify="right")
    for name in shipped_names():
        ruleset = load_ruleset(name)
        table.add_row(name, ruleset.label(lang.value), str(len(ruleset.active)))
    out.print(table)


@rules_app.command("show", cls=_Command)
def rules_show(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Shipped rule set name or a YAML file.")
    ],
    lang: LangOption = Lang.zh,
) -> None:
    """Every indicator of a rule set: formula, bounds, severity, source."""
    from fpmetrics.report.listing import render_rules
    from fpmetrics.ruleset.rules import load_ruleset

    out, _ = _consoles()
    render_rules(load_ruleset(name), lang.value, out)


@rules_app.command("validate", cls=_Command)
def rules_validate(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A rule file to check.")],
    lang: LangOption = Lang.zh,
) -> None:
    """Check a rule file; exit 2 with the file and line of each mistake."""
    from fpmetrics.ruleset.rules import load_ruleset, missing_sources

    if not file.is_file():
        raise InputError("file_missing", file=file)
    ruleset = load_ruleset(str(file))
    _, err = _consoles()
    for where in missing_sources(str(file)):
        err.print(t("rules_no_source", lang.value, where=where))
    err.print(t("rules_valid", lang.value, file=file, count=len(ruleset.active)))


def main() -> None:
    """Entry point: run the app; a run that cannot be done exits 2 with a message."""
    try:
        from typer.main import get_command

        from fpmetrics.help_lang import help_language, localise

        command = get_command(app)
        localise(command, help_language(sys.argv[1:]))
        command(prog_name="fpmetrics")  # also under `python -m fpmetrics.cli` or pytest
    except InputError as exc:  # worded here, in the language the run asked for
        from fpmetrics.help_lang import help_language

        print(_masked(exc.render(help_language(sys.argv[1:]))), file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a bug: say so plainly, keep the traceback for whoever asks
        if os.environ.get("FPMETRICS_DEBUG"):
            raise
        print(
            _masked(f"fpmetrics: internal error ({type(exc).__name__}: {exc}). ")
            + "Please report it with the input file; FPMETRICS_DEBUG=1 shows the traceback.",
            file=sys.stderr,
        )
        sys.exit(2)


def _masked(text: str) -> str:
    """``text`` with the password of any database URL in it as ``***``: the last guard, for
    a message that quotes an input as it was given."""
    from fpmetrics.aggregate.registers.engines import mask_credentials

    return mask_credentials(text)


def run() -> None:
    """The console script: :func:`main`, then an exit that skips tearing the interpreter down.

    Freeing pandas, SciPy and Polars module by module at exit costs ~0.1 s on every run, after
    the work is done and written. Output is flushed and exit handlers (temporary files) run
    first; the exit code is the one :func:`main` gives.

    The cyclic garbage collector runs every 10,000 new objects rather than 700: a check makes
    hundreds of thousands of small objects and few cycles, and at the default pace the
    collector walked the ~100,000 objects of the imported libraries some 30 times (~0.1 s on
    a 10M-row register; ~0.05 s now)."""
    gc.set_threshold(10_000, 10, 10)
    from fpmetrics.files.cleanup import install

    install()  # SIGTERM, SIGHUP, SIGINT: temporary copies removed, then exit 128 + signal
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = _exit_status(exc.code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe (`| head`): nothing more can be said
        pass
    atexit._run_exitfuncs()
    os._exit(code)


def _exit_status(code: object) -> int:
    """The status ``sys.exit(code)`` would give: None is 0, text is printed and is 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


if __name__ == "__main__":
    run()
