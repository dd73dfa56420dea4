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
    message: str


class CheckOutput(_Strict):
    fpmetrics: str
    ruleset: str
    results: list[CheckResult]
    units: list[UnitVerdict]
    summary: dict[
        Literal[
            "units", "checks", "pass", "fail", "warn", "no_data", "invalid",
            "clear_fail", "inconclusive_fail", "fdr_inconclusive",
        ],
        int,
    ]  # fmt: skip
    problems: list[Problem]
    windows: list[PeriodWindow] = []
