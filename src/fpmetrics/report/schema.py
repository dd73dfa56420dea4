"""The JSON output of ``fpmetrics check``: a public contract, declared once here.

Keys and their meaning are documented in the README ("JSON output"); tests hold them fixed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Status = Literal["pass", "fail", "warn", "no_data", "invalid"]
Reason = Literal[
    "field_missing", "value_missing", "denominator_zero", "infinite_ratio", "invalid_data"
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Previous(_Strict):
    """The same unit and indicator in the latest earlier period of the history (--history)."""

    period: str | None
    value: float | None
    status: Status


class CheckResult(_Strict):
    unit: str
    code: str | None
    period: str | None
    period_start: str | None = None
    period_end: str | None = None
    indicator: str
    name: str
    value: float | None
    numerator: int | float | None
    denominator: int | float | None
    scale: int | float
    symbol: str
    min: int | float | None
    max: int | float | None
    severity: Literal["fail", "warn"]
    status: Status
    reason: Reason | None
    fields: list[str]
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    evidence: Literal["clear_fail", "clear_pass", "inconclusive"] | None
    evidence_note: Literal["small_sample"] | None
    notes: list[Literal["records_excluded", "fewer_periods", "fdr_inconclusive"]] = []
    q_value: float | None = None
    previous: Previous | None = None


class UnitVerdict(_Strict):
    unit: str
    code: str | None
    period: str | None
    status: Literal["pass", "fail", "warn", "invalid"]
    failed: list[str]
    invalid: list[str]
    warned: list[str]
    no_data: list[str]


class PeriodWindow(_Strict):
    unit: str
    code: str | None
    indicator: str
    periods_required: int
    periods: list[str | None]
    status: Literal["pass", "fail", "warn", "invalid", "no_data"]
    failed_periods: list[str | None]
    notes: list[Literal["fewer_periods"]]


class Problem(_Strict):
    level: Literal["error", "warning"]
    code: str
    file: str | None
    sheet: str | None
    row: int | None
    column: str | None
    cell: str | None
    """The cell in the sheet's own A1 style (``E17``); null without a row or a column."""
    message: str
    hint: str | None
    """How to fix it: one sentence in the output language."""


class InputFile(_Strict):
    file: str
    sheet: str | None
    kind: Literal["table", "births_register", "migrants_register", "staff_register"]
    rows: int | None


SummaryKey = Literal[
    "units", "checks", "pass", "fail", "warn", "no_data", "invalid",
    "clear_fail", "inconclusive_fail", "fdr_inconclusive",
]  # fmt: skip


class CheckOutput(_Strict):
    """Every document (check, score, audit, funnel) starts with ``fpmetrics``, ``ruleset``
    and ``inputs``, then the command's records, then ``summary`` and ``problems``."""

    fpmetrics: str
    ruleset: str
    inputs: list[InputFile]
    results: list[CheckResult]
    units: list[UnitVerdict]
    windows: list[PeriodWindow] = []
    summary: dict[SummaryKey, int]
    problems: list[Problem]


class Blocked(_Strict):
    group: str
    indicators: list[str]


class UnitScore(_Strict):
    unit: str
    code: str | None
    period: str | None
    rank: int
    rank_from_bottom: int
    units_ranked: int
    total: float
    max_total: float
    vetoed: bool
    vetoed_by: list[Blocked]
    veto_unverified: list[Blocked]
    award_eligible: bool
    award_blocked_by: list[Blocked]
    points: dict[str, float | None]


class ScoreOutput(_Strict):
    fpmetrics: str
    ruleset: str
    inputs: list[InputFile]
    results: list[CheckResult]
    units: list[UnitVerdict]
    windows: list[PeriodWindow] = []
    scores: list[UnitScore]
    summary: dict[SummaryKey | Literal["vetoed", "award_eligible"], int]
    problems: list[Problem]


class FunnelPoint(_Strict):
    """One township on a funnel plot; ``no_data`` ones have null numbers and flags."""

    unit: str
    period: str | None
    no_data: bool
    value: float | None
    count: float | None
    n: float | None
    lower_95: float | None
    upper_95: float | None
    lower_998: float | None
    upper_998: float | None
    outside_95: bool | None
    outside_998: bool | None
    above: bool | None
    """Above the upper limit (true), below the lower one (false), inside (null)."""
    meets_standard: bool | None
    """Whether the value is within the rule's bounds (the check's pass or fail)."""


class FunnelOutput(_Strict):
    fpmetrics: str
    ruleset: str
    inputs: list[InputFile]
    indicator: str
    method: str
    target: float | None
    phi: float | None
    tau2: float | None
    overdispersion: str
    phi_rate: float | None
    funnel: list[FunnelPoint]
    summary: dict[Literal["units", "no_data", "outside_95", "outside_998", "fail"], int]
    problems: list[Problem]
