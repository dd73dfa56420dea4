"""The one-way pipeline behind ``fpmetrics check``: read → check → aggregate → evaluate."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .compute import evaluate, summarise, unit_counts, unit_verdicts
from .emptiness import empty_unit_problems
from .io.repeated_columns import repeat_problems
from .io.summed_fields import gap_problems
from .levels import at_level
from .load import Inputs, RegisterOptions, load_inputs
from .problem_cells import locate
from .reporting import with_bounds
from .rules import RuleSet
from .validate import PROBLEM_COLUMNS, check_records, check_totals
from .windows import WINDOW_COLUMNS, period_windows


@dataclass
class CheckReport:
    ruleset: RuleSet
    inputs: Inputs
    units: pd.DataFrame
    results: pd.DataFrame
    verdicts: pd.DataFrame
    summary: dict[str, int]
    problems: pd.DataFrame
    windows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=WINDOW_COLUMNS))
    level: str = "township"
    title: str | None = None
    """--title: what the reports name as the county (else found in the inputs)."""
    newly_failing: pd.DataFrame | None = None
    """With --history: the (unit, period) pairs failing now that did not before."""


def run_check(
    paths: list[Path],
    ruleset: RuleSet,
    lang: str = "zh",
    sheet: str | None = None,
    extra_aliases: dict[str, list[str]] | None = None,
    registers: RegisterOptions | None = None,
    by: str = "township",
) -> CheckReport:
    inputs = load_inputs(paths, lang, sheet=sheet, extra_aliases=extra_aliases, registers=registers)
    checked = check_records(inputs.records, inputs.present)
    repeated = repeat_problems(inputs.tables, inputs.records, checked.bad)
    units = unit_counts(at_level(inputs.records, by, lang), checked, inputs.present)
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


@dataclass
class ScoreReport:
    check: CheckReport
    scores: pd.DataFrame
    points: pd.DataFrame  # the scored results, with points and max_points


def run_score(check: CheckReport, lang: str) -> ScoreReport:
    from .errors import InputError
    from .scoring import item_points, score_units

    scoring = check.ruleset.scoring
    if scoring is None:
        raise InputError("no_scoring", name=check.ruleset.name)
    return ScoreReport(
        check=check,
        scores=score_units(check.results, check.verdicts, check.ruleset),
        points=item_points(check.results, scoring),
    )


def exit_code(report: CheckReport, fail_on: str) -> int:
    """0 clean, 1 findings (per ``--fail-on``); 2 is reserved for runs that could not be done.

    A run in which no check could be evaluated at all is 1 whatever ``--fail-on`` says: an
    unfilled form is no pass."""
    s = report.summary
    if not (s["pass"] + s["fail"] + s["warn"] + s["invalid"]):
        return 1
    if fail_on == "never":
        return 0
    findings = s["fail"] + s["invalid"] + (s["warn"] if fail_on == "warn" else 0)
    return 1 if findings else 0
