"""Stage 4, aggregate: records and registers counted per unit (village, township, county)
and period."""
