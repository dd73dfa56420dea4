"""Stage 3, validate: the data checks (column operations) and where each problem is."""
