"""How the app writes numbers, the same in readouts, tooltips and axes: money as £m with one
decimal, crises as whole residents and, where a rate helps, per 1,000 residents a year (the
report's units, sim/analysis), shares as percentages.

The d3 format strings are those Vega-Lite reads for axes and tooltips.
"""

from __future__ import annotations

STEPS_PER_YEAR = 4  # the model's step is a quarter

GBP_M_AXIS = ",.1~f"  # £m on an axis: at most one decimal (0.5, 12, 1,250)
GBP_M_TIP = ",.1f"  # £m in a tooltip: one decimal, as the readouts
COUNT = ",d"  # whole residents, crises, members
SHARE = ".0%"
INDEX = ".2f"  # a 0-to-1 index (wellbeing, collaboration) on an axis
INDEX_TIP = ".3f"
DIFFERENCE = "+.3f"  # a difference of a 0-to-1 index


def gbp_m(value_gbp: float, signed: bool = False) -> str:
    """`value_gbp` in £m with one decimal: £823.8m, -£2.1m (or +£2.1m when `signed`)."""
    sign = ("+" if value_gbp >= 0 else "-") if signed else ("-" if value_gbp < 0 else "")
    return f"{sign}£{abs(value_gbp) / 1e6:,.1f}m"


def millions(value_gbp: float) -> float:
    """GBP as £m, rounded for a chart's data (to £1,000)."""
    return round(value_gbp / 1e6, 3)


def per_1000_a_year(per_quarter: float, population: int) -> float:
    """A count per quarter in a place of `population` residents, as a rate per 1,000 residents a year."""
    return per_quarter * STEPS_PER_YEAR * 1000 / population if population else 0.0


def rate_text(per_quarter: float, population: int) -> str:
    return f"{per_1000_a_year(per_quarter, population):,.1f} per 1,000 residents a year"
