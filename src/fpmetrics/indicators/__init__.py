"""Stage 5, indicators: each rule's value, interval, evidence and status per unit."""
