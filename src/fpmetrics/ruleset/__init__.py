"""Stage 6, rules: the YAML rule files, checked and loaded (indicators, bounds, scoring)."""
