"""The analysis wing: the count, statistics, figures and reports, read from results."""
