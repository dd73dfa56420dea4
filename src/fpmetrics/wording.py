"""Words for codes: the one place where results and problems get their text.

The pipeline keeps codes only: a result has its ``indicator`` id, a problem its ``code``,
``message_key`` and ``params`` (see docs/problems.md). The renderers call these functions
at the edge, in the language of the run, so the text fields of every output (``name`` of a
result, ``message`` and ``hint`` of a problem) read as they always have.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import pandas as pd

from fpmetrics.i18n import MESSAGES, render, t

if TYPE_CHECKING:
    from fpmetrics.models import CheckReport, ScoreReport
    from fpmetrics.ruleset.rules import RuleSet


def named(results: pd.DataFrame, ruleset: RuleSet, lang: str) -> pd.DataFrame:
    """``results`` with ``name``, the indicator's label, just after ``indicator``."""
    labels = {key: rule.label(lang) for key, rule in ruleset.indicators.items()}
    name = results["indicator"].map(labels).astype(object)
    named_results = results.drop(columns="name", errors="ignore")
    at = list(named_results.columns).index("indicator") + 1 if "indicator" in results else 0
    named_results.insert(at, "name", name.where(name.notna(), results["indicator"]))
    return named_results


def _joined(separators: tuple[str, str]) -> Callable[[pd.Series, str], pd.Series]:
    def join(values: pd.Series, lang: str) -> pd.Series:
        sep = separators[1] if lang == "en" else separators[0]
        return values.map(lambda v: sep.join(map(str, v)) if isinstance(v, list) else v)

    return join


def _field_label(values: pd.Series, lang: str) -> pd.Series:
    from fpmetrics.normalise.fields import FIELDS

    labels = {name: spec.label(lang) for name, spec in FIELDS.items()}
    return values.map(labels).fillna(values)


def _field_labels(values: pd.Series, lang: str) -> pd.Series:
    """A list of field ids as their labels (English labels hold commas: "; ")."""
    from fpmetrics.normalise.fields import FIELDS

    sep = "; " if lang == "en" else "、"
    return values.map(
        lambda v: sep.join(FIELDS[f].label(lang) for f in v) if isinstance(v, list) else v
    )


def _message(values: pd.Series, lang: str) -> pd.Series:
    """A message key as its text (``expected``: what a code column accepts)."""
    return values.map(lambda key: t(key, lang) if key in MESSAGES else key)


# How a parameter is worded, by name; any other parameter is written as it is.
PARAM_WORDING: dict[str, Callable[[pd.Series, str], pd.Series]] = {
    "field": _field_label,  # a field id
    "fields": _field_labels,  # a list of field ids
    "files": _joined(("、", "; ")),  # a list of "file [sheet]"
    "columns": _joined(("、", ", ")),  # a list of headers as written
    "expected": _message,  # a message key
}


def problem_messages(problems: pd.DataFrame, lang: str) -> pd.Series:
    """Each problem's ``message``: its ``message_key`` in ``lang`` with its ``params``.

    Worded per message key (a template and one column operation per parameter), not per row.
    """
    messages = pd.Series(None, index=problems.index, dtype=object)
    if problems.empty:
        return messages
    for key, rows in problems.groupby("message_key", sort=False).groups.items():
        given = problems.loc[rows, "params"].tolist()
        params = pd.DataFrame([p if isinstance(p, dict) else {} for p in given], index=rows)
        markers = {name: f"\x00{i}\x00" for i, name in enumerate(params.columns)}
        template = t(str(key), lang, **markers) if key in MESSAGES else str(key)
        text = pd.Series(template, index=rows, dtype="string")
        for name in params.columns:
            values = params[name]
            if name in PARAM_WORDING:
                values = PARAM_WORDING[name](values, lang)
            text = _sub(text, markers[name], values)
        messages[rows] = text.astype(object)
    return messages


def problem_hints(problems: pd.DataFrame, lang: str) -> pd.Series:
    """Each problem's ``hint``: how to fix it, one sentence (None for a code without one)."""
    codes = problems["code"].unique() if not problems.empty else []
    hints = {c: t(f"hint_{c}", lang) for c in codes if f"hint_{c}" in MESSAGES}
    hint = problems["code"].map(hints).astype(object)
    return hint.where(hint.notna(), None)


def worded(problems: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``problems`` with ``message`` (after ``column``) and ``hint`` (last), as rendered
    (as they are if already worded)."""
    if "message_key" not in problems:
        return problems
    shown = problems.drop(columns=["message_key", "params"], errors="ignore")
    at = list(shown.columns).index("column") + 1 if "column" in shown else len(shown.columns)
    shown.insert(at, "message", problem_messages(problems, lang))
    return shown.assign(hint=problem_hints(problems, lang))


def worded_report(report: CheckReport, lang: str) -> CheckReport:
    """A copy of ``report`` as the renderers show it: results named, problems worded, the
    whole county's unit named in ``lang``."""
    county = _county_named if report.level == "county" else _as_is
    return replace(
        report,
        results=county(named(report.results, report.ruleset, lang), lang),
        verdicts=county(report.verdicts, lang),
        windows=county(report.windows, lang),
        units=county(report.units, lang),
        newly_failing=None if report.newly_failing is None else county(report.newly_failing, lang),
        problems=worded(report.problems, lang),
    )


def worded_scores(scores: ScoreReport, check: CheckReport, lang: str) -> ScoreReport:
    """``scores`` over the worded ``check``, its scored results named."""
    county = _county_named if check.level == "county" else _as_is
    return replace(
        scores,
        check=check,
        scores=county(scores.scores, lang),
        points=county(named(scores.points, check.ruleset, lang), lang),
    )


def _as_is(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return frame


def _county_named(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The unit ``WHOLE_COUNTY`` (a county-level run without county names) in ``lang``."""
    from fpmetrics.aggregate.levels import WHOLE_COUNTY

    if "unit" not in frame or lang == "zh":
        return frame
    unit = frame["unit"].where(frame["unit"] != WHOLE_COUNTY, t("whole_county", lang))
    return frame.assign(unit=unit)


def spoken_frame(frame: pd.DataFrame, columns: list[str], lang: str) -> pd.DataFrame:
    """``frame`` with ``columns`` worded (a few rows: the audit's signals), attrs kept."""
    worded_frame = frame.assign(
        **{c: frame[c].map(lambda v: render(v, lang)) for c in columns if c in frame}
    )
    worded_frame.attrs = dict(frame.attrs)
    return worded_frame


def _sub(template: pd.Series, marker: str, values: pd.Series) -> pd.Series:
    """The first ``marker`` of each row's text replaced by the row's value (missing: "")."""
    parts = template.str.split(marker, n=1, regex=False)
    filler = values.astype(object).where(values.notna(), "").astype(str).astype("string")
    rest = parts.str[1].astype("string").fillna("")  # no marker in a text: nothing after it
    return parts.str[0] + filler + rest
