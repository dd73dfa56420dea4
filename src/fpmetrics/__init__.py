"""fpmetrics: check township family-planning spreadsheets against provincial indicators."""

__version__ = "0.2.0"
