"""What a run gives back: the reports of check, score, audit and funnel.

The pipeline stages fill these; the renderers in :mod:`fpmetrics.report` read them. Each
report renders itself through one dispatcher (:mod:`fpmetrics.report.formats`) in the
language asked for: ``report.to_json(lang="en")``. Nothing here depends on a language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from fpmetrics.indicators.windows import WINDOW_COLUMNS

if TYPE_CHECKING:
    from fpmetrics.analyses.funnel import Funnel
    from fpmetrics.read.load import Inputs, RegisterOptions
    from fpmetrics.ruleset.rules import RuleSet


class _Renders:
    """``to_json``, ``to_csv``, ``to_markdown``, ``to_html``, ``to_xlsx`` and ``to_table``
    for every report kind, through :func:`fpmetrics.report.formats.document`."""

    kind: str = ""

    def to_json(self, lang: str = "zh") -> str:
        """The JSON document (the contract in docs/json.md); text fields in ``lang``."""
        return self._document("json", lang)  # type: ignore[return-value]

    def to_csv(self, lang: str = "zh", for_spreadsheet: bool = False) -> str:
        """One row per result; ``for_spreadsheet`` defuses cells a spreadsheet would take
        for formulas (as the CLI does for ``-o file.csv``)."""
        return self._document("csv", lang, for_spreadsheet)  # type: ignore[return-value]

    def to_markdown(self, lang: str = "zh") -> str:
        return self._document("markdown", lang)  # type: ignore[return-value]

    def to_html(self, lang: str = "zh") -> str:
        """A self-contained HTML page (no scripts, no outside resources)."""
        return self._document("html", lang)  # type: ignore[return-value]

    def to_table(self, lang: str = "zh", width: int = 160) -> str:
        """The terminal table as plain text."""
        return self._document("table", lang, width=width)  # type: ignore[return-value]

    def to_xlsx(self, path: str | Path | None = None, lang: str = "zh") -> bytes:
        """The Excel report; written atomically to ``path`` when one is given."""
        data = self._document("xlsx", lang)
        assert isinstance(data, bytes)
        if path is not None:
            from fpmetrics.files.output import write_atomic

            write_atomic(Path(path), data)
        return data

    def _document(
        self, fmt: str, lang: str, for_spreadsheet: bool = False, width: int = 160
    ) -> str | bytes:
        from fpmetrics.report.formats import document

        return document(self, fmt, lang, for_spreadsheet=for_spreadsheet, width=width)


@dataclass
class CheckReport(_Renders):
    """``fpmetrics check``: per-unit indicator results, verdicts and the problems found."""

    ruleset: RuleSet
    inputs: Inputs
    units: pd.DataFrame
    """One row per (unit, period): the summed counts the indicators are computed from."""
    results: pd.DataFrame
    """One row per (unit, period, indicator): value, status, bounds, evidence."""
    verdicts: pd.DataFrame
    summary: dict[str, int]
    problems: pd.DataFrame
    windows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=WINDOW_COLUMNS))
    level: str = "township"
    title: str | None = None
    """What the reports name as the county (else found in the inputs)."""
    newly_failing: pd.DataFrame | None = None
    """With history: the (unit, period) pairs failing now that did not before."""
    history_file: Path | None = None
    history_run: int | None = None
    """With history: the file and the number this run was recorded under."""
    register_options: RegisterOptions | None = None
    """How registers were read (kind, period, units, engine): what ``failing_records``
    reads them again with."""
    kind = "check"

    def exit_code(self, fail_on: str = "fail") -> int:
        """0 clean, 1 findings (``fail_on``: fail, warn or never); a run in which nothing
        could be evaluated is 1 whatever ``fail_on`` says: an unfilled form is no pass."""
        s = self.summary
        if not (s["pass"] + s["fail"] + s["warn"] + s["invalid"]):
            return 1
        if fail_on == "never":
            return 0
        findings = s["fail"] + s["invalid"] + (s["warn"] if fail_on == "warn" else 0)
        return 1 if findings else 0

    def failing_records(self, full_ids: bool = False) -> pd.DataFrame:
        """The register rows behind each failing check (personal data: id numbers masked
        unless ``full_ids``). Register files only, not databases or Spark."""
        from fpmetrics.aggregate.registers.drill import rows_behind

        options = self.register_options
        return rows_behind(
            self.results,
            self.inputs.registers,
            self.ruleset,
            self.level,
            options.period if options else None,
            set(options.units) if options and options.units else None,
            full_ids=full_ids,
        )

    @property
    def funnels(self) -> tuple[list[Funnel], list[tuple[str, str]]]:
        """The funnel of every indicator that has one (the reports draw them), and the
        indicators without one with the reason. Computed once, when first asked for."""
        cached = self.__dict__.get("_funnels")
        if cached is None:
            from fpmetrics.analyses.funnel import report_funnels

            cached = self.__dict__["_funnels"] = report_funnels(self.results, self.ruleset)
        return cached


@dataclass
class ScoreReport(_Renders):
    """``fpmetrics score``: points, vetoes and ranks, over a check."""

    check: CheckReport
    scores: pd.DataFrame
    points: pd.DataFrame
    """The scored results, with points and max_points."""
    kind = "score"

    def exit_code(self, fail_on: str = "fail") -> int:
        return self.check.exit_code(fail_on)


@dataclass
class AuditReport(_Renders):
    """``fpmetrics audit``: data-quality signals, ranked, over a check."""

    check: CheckReport
    signals: pd.DataFrame
    """One row per signal; ``attrs``: ``tests``, ``townships``, ``needs_periods``."""
    periods: bool
    """Whether the inputs had a period column (the series signals need one)."""
    kind = "audit"


@dataclass
class FunnelReport(_Renders):
    """``fpmetrics funnel``: one indicator's funnel plot: limits and flags per unit."""

    check: CheckReport
    funnel: Funnel
    points: pd.DataFrame
    """Every unit with a result for the indicator (also those without a value, ``no_data``)."""
    kind = "funnel"

    def chart(self, fmt: str = "svg", lang: str = "zh") -> bytes:
        """The funnel plot drawn as ``svg`` or ``png``."""
        from fpmetrics.report.funnel_chart import draw

        return draw(self.funnel, lang, fmt)
