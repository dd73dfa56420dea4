"""Register inputs: one row per birth, per in-migrant woman, per station staff member.

A register is recognised from its columns (or forced with ``--kind``), aggregated to the
canonical count fields per unit and period with Polars, and then joins the report-form rows:
the same checks, rules, verdicts and outputs apply.
"""
