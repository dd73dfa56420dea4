"""fpmetrics: check township family-planning spreadsheets against provincial indicators.

Used as a library (docs/library.md)::

    import fpmetrics

    report = fpmetrics.check(["county_2024.csv"], rules="default")
    report.summary                      # {"pass": …, "fail": …, …}
    report.results                      # one row per (unit, period, indicator)
    report.to_json(lang="en")           # the CLI's JSON, text fields in English
    report.to_xlsx("report.xlsx")       # the Excel report, written atomically

The heavy modules load on first use, so ``import fpmetrics`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.2.0"

__all__ = [
    "AuditReport",
    "CheckReport",
    "FunnelReport",
    "InputError",
    "ScoreReport",
    "__version__",
    "audit",
    "check",
    "funnel",
    "score",
]

if TYPE_CHECKING:
    from fpmetrics.api import audit, check, funnel, score
    from fpmetrics.errors import InputError
    from fpmetrics.models import AuditReport, CheckReport, FunnelReport, ScoreReport

_HOMES = {
    "check": "api",
    "score": "api",
    "audit": "api",
    "funnel": "api",
    "CheckReport": "models",
    "ScoreReport": "models",
    "AuditReport": "models",
    "FunnelReport": "models",
    "InputError": "errors",
}


def __getattr__(name: str) -> object:
    """The public names, imported when first used (PEP 562)."""
    if name in _HOMES:
        from importlib import import_module

        value = getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
