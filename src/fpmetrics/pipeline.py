"""The one-way pipeline behind ``fpmetrics check``: read → check → aggregate → evaluate."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fpmetrics.aggregate.levels import at_level
from fpmetrics.indicators.compute import evaluate, summarise, unit_counts, unit_verdicts
from fpmetrics.indicators.windows import period_windows
from fpmetrics.models import CheckReport, ScoreReport
from fpmetrics.normalise.repeated_columns import repeat_problems
from fpmetrics.normalise.reporting import with_bounds
from fpmetrics.normalise.summed_fields import gap_problems
from fpmetrics.read.load import Inputs, RegisterOptions, load_inputs
from fpmetrics.ruleset.rules import RuleSet
from fpmetrics.validate.checks import PROBLEM_COLUMNS, check_records, check_totals
from fpmetrics.validate.emptiness import empty_unit_problems
from fpmetrics.validate.problem_cells import locate


def run_check(
    paths: list[Path],
    ruleset: RuleSet,
    sheet: str | None = None,
    extra_aliases: dict[str, list[str]] | None = None,
    registers: RegisterOptions | None = None,
    by: str = "township",
) -> CheckReport:
    inputs = load_inputs(paths, sheet=sheet, extra_aliases=extra_aliases, registers=registers)
    checked = check_records(inputs.records, inputs.present)
    repeated = repeat_problems(inputs.tables, inputs.records, checked.bad)
    units = unit_counts(at_level(inputs.records, by), checked, inputs.present)
    results, windows = period_windows(evaluate(units, ruleset, inputs.present), ruleset)
    results = with_bounds(results, ruleset.periods.start_month)
    frames = [
        f
        for f in (
            _skipped_files(inputs),
            checked.problems,
            gap_problems(inputs.tables),
            repeated,
            empty_unit_problems(inputs.records, checked),
            *(r.problems for r in inputs.registers),
            check_totals(inputs.totals, inputs.records, checked.values),
        )
        if not f.empty
    ]
    problems = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if problems.empty:
        problems = pd.DataFrame(columns=PROBLEM_COLUMNS)
    else:
        problems = problems.sort_values(
            ["file", "sheet", "row"], kind="stable", na_position="first"
        )
    return CheckReport(
        ruleset=ruleset,
        inputs=inputs,
        units=units,
        results=results,
        verdicts=unit_verdicts(results),
        summary=summarise(results),
        problems=locate(problems.reset_index(drop=True), inputs),
        windows=windows,
        level=by,
    )


def _skipped_files(inputs: Inputs) -> pd.DataFrame:
    """A warning for each file of an input folder that was not read, and why."""
    rows = [
        {
            "level": "warning",
            "code": "file_skipped",
            "file": str(file),
            "sheet": None,
            "row": None,
            "column": None,
            "message_key": f"skipped_{why}",
            "params": {},
        }
        for file, why in inputs.skipped
    ]
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS)


def run_score(check: CheckReport) -> ScoreReport:
    from fpmetrics.errors import InputError
    from fpmetrics.scoring.points import item_points, score_units

    scoring = check.ruleset.scoring
    if scoring is None:
        raise InputError("no_scoring", name=check.ruleset.name)
    return ScoreReport(
        check=check,
        scores=score_units(check.results, check.verdicts, check.ruleset),
        points=item_points(check.results, scoring),
    )
