"""One number format for the report, its figures, the README figure and the console.

Numbers for reading get three significant figures with thousands separated (`number`), money in
£m with the sign before the £ (`pounds_m`), differences with their sign (`signed`). The figures'
axes and tooltips use the d3 format strings of `D3_FORMAT`, which print the same way.
"""

from __future__ import annotations

import math

D3_FORMAT = {
    "number": ",.3~g",  # 1,234 · 56.7 · 0.00123
    "signed": "+,.3~g",  # +1,234 · -56.7
    "money": ",.1f",  # £m with one decimal
}


def number(value: float) -> str:
    """Three significant figures, thousands separated: '1,234', '56.7', '0.00123'; 'n/a' for NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.3g}" if abs(value) >= 1 else f"{value:.3g}"


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
