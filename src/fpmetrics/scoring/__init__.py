"""Stage 7, score: points, one-vote vetoes, ranks."""
