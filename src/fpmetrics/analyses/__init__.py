"""Stage 8, analyses: audit signals, funnel plots, history and changes between runs."""
