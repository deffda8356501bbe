"""One number format for the report, its figures, the README figure and the console.

Numbers for reading get three significant figures, trailing zeros kept so a column lines up
("31.0", "2.97", "0.00246"), and whole numbers from 100 up with thousands separated ("3,113")
(`number`); money is £m with the sign before the £ (`pounds_m`), differences carry their sign
(`signed`). The figures' tooltips use the same three significant figures (`D3_FORMAT`), and their
axes d3's shortest exact form ("12,000", "0.0015"), with the sign on axes of differences.
"""

from __future__ import annotations

import math

D3_FORMAT = {
    "number": ",.3r",  # tooltips: 1,230 · 56.7 · 31.0 · 0.00123
    "signed": "+,.3r",  # tooltips of differences: +1,230 · -56.7
    "axis": ",",  # axis ticks: 12,000 · 0.0015
    "signed_axis": "+,",  # axis ticks of differences: +12,000 · -0.0015
    "money": ",.1f",  # £m with one decimal
}


def number(value: float) -> str:
    """Three significant figures, thousands separated: '1,234', '56.7', '0.00123'; 'n/a' for NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:#.3g}"


def signed(value: float) -> str:
    """A difference with its sign: '+1.23', '-0.0456', '0'."""
    text = number(value)
    return text if text in ("n/a", "0") or text.startswith("-") else "+" + text


def pounds_m(value: float, signed_: bool = False) -> str:
    """£m for reading, the sign before the £: '£3.2m', '-£0.41m' (and '+£3.2m' when `signed_`)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    sign = "-" if value < 0 else ("+" if signed_ and value > 0 else "")
    return f"{sign}£{number(abs(value))}m"
