"""Stage 2, normalise: headers to canonical fields, names cleaned, parts summed, periods parsed."""
