"""What the paired tests can say with the replications run: the smallest p-value within reach.

The report tests each paired difference with the Wilcoxon signed-rank test, Holm-adjusted across
the points compared. With n pairs the exact two-sided test can give no p-value below 2 / 2**n
(every difference of one sign: the most extreme of the 2**n equally likely sign patterns, counted
at both tails), and Holm multiplies the smallest p-value of a family of m tests by m. So

    smallest Holm p = min(1, m * 2 / 2**n)

and when that is not below the significance level no difference can be called significant, however
large. 5 pairs and 5 points give 0.31; 2 pairs give 1. The report says so, and how many pairs would
let the largest difference reach the level: the least n with m * 2 / 2**n < level.
"""

from __future__ import annotations

import math

import pandas as pd

SIGNIFICANCE = 0.05


def excludes_zero(table: pd.DataFrame) -> pd.Series:
    """Rows of a paired-difference table whose 95% interval lies wholly on one side of 0."""
    return (table["ci_low"] > 0) | (table["ci_high"] < 0)


def beyond_noise(table: pd.DataFrame, level: float = SIGNIFICANCE) -> pd.Series:
    """The report's one rule for a difference beyond noise: Holm-adjusted p below `level` and an
    interval that excludes 0."""
    return (table["p_holm"] < level) & excludes_zero(table)


def smallest_wilcoxon_p(pairs: int) -> float:
    """The smallest two-sided p-value of the exact signed-rank test on `pairs` differences."""
    return min(1.0, 2.0 / 2.0**pairs) if pairs > 0 else 1.0


def smallest_holm_p(pairs: int, comparisons: int) -> float:
    """The smallest Holm-adjusted p-value a family of `comparisons` tests on `pairs` pairs can reach."""
    return min(1.0, max(comparisons, 1) * smallest_wilcoxon_p(pairs))


def can_reach_significance(pairs: int, comparisons: int, level: float = SIGNIFICANCE) -> bool:
    return smallest_holm_p(pairs, comparisons) < level


def pairs_needed(comparisons: int, level: float = SIGNIFICANCE) -> int:
    """The fewest pairs with which the largest of `comparisons` differences can reach `level`."""
    return math.floor(math.log2(2.0 * max(comparisons, 1) / level)) + 1
