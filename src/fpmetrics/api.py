"""fpmetrics as a library: the four runs behind the commands, each returning a report.

>>> import fpmetrics
>>> report = fpmetrics.check(["sample_data/county_2024.csv"])
>>> report.summary["fail"] > 0
True
>>> text = report.to_json(lang="en")

Every command of the CLI is option parsing, one of these calls and one render call. A run
that cannot be done raises :class:`fpmetrics.InputError` (the CLI's exit 2).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from fpmetrics.models import AuditReport, CheckReport, FunnelReport, ScoreReport

PathLike = str | Path


def check(
    inputs: Sequence[PathLike],
    *,
    rules: PathLike = "default",
    fields: PathLike | None = None,
    sheet: str | None = None,
    kind: str | None = None,
    period: str | None = None,
    units: Iterable[str] | None = None,
    by: str = "township",
    table: str | None = None,
    query: str | None = None,
    engine: str = "embedded",
    spark: str | None = None,
    history: PathLike | None = None,
    title: str | None = None,
    prompt_lang: str = "zh",
) -> CheckReport:
    """Read ``inputs`` (spreadsheets, registers, folders, Parquet, database URLs), check
    the data and evaluate every indicator of ``rules`` per unit (``by``: village, township
    or county).

    ``kind`` forces how registers are read (births, migrants, staff); ``period`` groups
    register births by year, half, quarter or month; ``units`` names the townships whose
    register records count; ``table``/``query``/``engine``/``spark`` say where a register
    lives; ``history`` (a SQLite file) gets this run's results and gives each result the
    previous period's; ``title`` is the county the reports name; ``prompt_lang`` is the
    language of a database's password prompt, the one text a run may show.
    """
    from fpmetrics.aggregate.registers.engines import EngineOptions, split_inputs
    from fpmetrics.normalise.reporting import grouping
    from fpmetrics.pipeline import run_check
    from fpmetrics.read.load import RegisterOptions

    paths, urls = split_inputs(inputs)
    _refuse_empty_files(paths)
    ruleset, aliases = _ruleset_and_aliases(rules, fields)
    if history is not None:
        from fpmetrics.files.output import refuse_inputs
        from fpmetrics.ruleset.rules import rules_file

        refuse_inputs(Path(history), paths, (rules_file(str(rules)), fields))
    options = RegisterOptions(
        kind=kind,
        period=grouping(period, ruleset.periods.start_month),
        units=frozenset(units) if units is not None else None,
        engines=EngineOptions(
            urls=urls, table=table, query=query, engine=engine, spark=spark, prompt_lang=prompt_lang
        ),
    )
    report = run_check(paths, ruleset, sheet=sheet, extra_aliases=aliases, registers=options, by=by)
    report.title = title
    report.register_options = options
    if history is not None:  # last: a run that could not be done is not recorded
        from fpmetrics.analyses.changes import remember

        remember(report, "check", Path(history))
    return report


def score(inputs: Sequence[PathLike], **options: object) -> ScoreReport:
    """:func:`check`, then points, one-vote vetoes, ranks and award eligibility per unit
    (the rule set must have a ``scoring`` section). Takes :func:`check`'s options."""
    from fpmetrics.pipeline import run_score

    history = options.pop("history", None)
    report = check(inputs, **options)  # type: ignore[arg-type]
    scores = run_score(report)
    if history is not None:
        from fpmetrics.analyses.changes import remember

        remember(report, "score", Path(history))  # type: ignore[arg-type]
    return scores


def audit(
    inputs: Sequence[PathLike],
    *,
    rules: PathLike = "default",
    fields: PathLike | None = None,
    sheet: str | None = None,
    history: PathLike | None = None,
) -> AuditReport:
    """Data-quality signals, ranked: changes beyond chance, too-smooth series, impossible
    rates. ``history`` adds the earlier periods a history file keeps."""
    from fpmetrics.analyses.audit import has_periods, run_audit
    from fpmetrics.pipeline import run_check

    paths = [Path(i) for i in inputs]
    _refuse_empty_files(paths)
    ruleset, aliases = _ruleset_and_aliases(rules, fields)
    report = run_check(paths, ruleset, sheet=sheet, extra_aliases=aliases)
    if history is not None:  # earlier periods, as if they had been given as inputs
        from fpmetrics.analyses.history_audit import history_units, with_earlier_periods

        earlier = history_units(Path(history), report.level)
        report.units = with_earlier_periods(report.units, earlier)
    signals = run_audit(report, ruleset.audit)
    return AuditReport(check=report, signals=signals, periods=bool(has_periods(report)))


def funnel(
    indicator: str,
    inputs: Sequence[PathLike],
    *,
    rules: PathLike = "default",
    fields: PathLike | None = None,
    sheet: str | None = None,
    target: str = "overall",
    overdispersion: str = "none",
) -> FunnelReport:
    """The funnel plot of one indicator: each unit's value against limits that chance
    allows at its size (95%, 99.8%). ``target``: overall (the pooled rate), bound, or a
    value; ``overdispersion``: none (exact limits), multiplicative or additive."""
    from fpmetrics.analyses.funnel import funnel_report, refuse_overdispersion
    from fpmetrics.pipeline import run_check

    refuse_overdispersion(overdispersion)
    paths = [Path(i) for i in inputs]
    _refuse_empty_files(paths)
    ruleset, aliases = _ruleset_and_aliases(rules, fields)
    report = run_check(paths, ruleset, sheet=sheet, extra_aliases=aliases)
    return funnel_report(report, indicator, target, overdispersion)


def _ruleset_and_aliases(rules: PathLike, fields: PathLike | None):  # type: ignore[no-untyped-def]
    """The rule set, and its header aliases with the fields file's added."""
    from fpmetrics.ruleset.rules import load_aliases, load_ruleset

    ruleset = load_ruleset(str(rules))
    aliases = dict(ruleset.aliases)
    if fields is not None:
        for field, headers in load_aliases(Path(fields)).items():
            aliases[field] = [*aliases.get(field, []), *headers]
    return ruleset, aliases


def _refuse_empty_files(inputs: list[Path]) -> None:
    """A file named as an input with nothing in it (0 bytes, or only blank lines): say so,
    rather than that no header was found in its first 30 rows. (An empty file inside an
    input folder is skipped like any file without a table.)"""
    from fpmetrics.errors import InputError

    for path in inputs:
        if not path.is_file():
            continue
        size = path.stat().st_size
        if size == 0 or (size < 4096 and not path.read_bytes().strip(b"\xef\xbb\xbf \t\r\n")):
            raise InputError("file_empty", file=path)
