"""fpmetrics: check township family-planning spreadsheets against provincial indicators."""

__version__ = "0.1.0"
