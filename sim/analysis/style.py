"""One look for every figure: the Okabe-Ito colour-blind-safe palette, fixed colours per agency,
category and scenario, and units on axes.

Colours are assigned by name, not by plotting order, so the council is the same colour in the
report, the README and the app, and a scenario keeps its colour in every figure of a report.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
GREY = "#999999"
SEQUENCE = [OKABE_ITO[name] for name in ("blue", "orange", "bluish_green", "vermillion", "sky_blue", "reddish_purple", "yellow", "black")]

AGENCY_COLOURS = {
    "council": OKABE_ITO["blue"],
    "nhs": OKABE_ITO["sky_blue"],
    "police": OKABE_ITO["black"],
    "fire": OKABE_ITO["vermillion"],
    "probation": OKABE_ITO["reddish_purple"],
    "jobcentre": OKABE_ITO["bluish_green"],
    "pool": OKABE_ITO["orange"],
}
# Every category of spend on services (sim.model.outputs.SERVICE_CATEGORIES). Okabe-Ito has eight
# colours for eleven categories, so answering crises is one hue (vermillion) in three shades, from
# the capacity paid whether used or not to the premium paid above it.
CATEGORY_COLOURS = {
    "fixed_cost": GREY,
    "capacity": "#8A3C00",
    "acute": OKABE_ITO["vermillion"],
    "capacity_premium": "#F2AA80",
    "benefit": OKABE_ITO["yellow"],
    "decommissioning": OKABE_ITO["black"],
    "prevention": OKABE_ITO["bluish_green"],
    "pool_prevention": OKABE_ITO["sky_blue"],
    "assessment": OKABE_ITO["blue"],
    "duplicated_assessment": OKABE_ITO["reddish_purple"],
    "governance": OKABE_ITO["orange"],
}
CATEGORY_LABELS = {
    "fixed_cost": "Fixed base (paid whether used or not)",
    "capacity": "Acute capacity (paid whether used or not)",
    "acute": "Acute (variable and spot cost of crises)",
    "capacity_premium": "Capacity premium (spot purchase above capacity)",
    "benefit": "Benefits (demand-led, AME)",
    "decommissioning": "Decommissioning (exit cost)",
    "prevention": "Prevention (agency)",
    "pool_prevention": "Prevention (pooled packages)",
    "assessment": "Assessment",
    "duplicated_assessment": "Duplicated assessment (waste)",
    "governance": "Pool governance (waste)",
}


def colour_for(name: str, known: dict[str, str], order: list[str] | None = None) -> str:
    """The fixed colour of a known name; otherwise the palette entry at its place in `order`."""
    if name in known:
        return known[name]
    index = order.index(name) if order and name in order else zlib.crc32(name.encode())
    return SEQUENCE[index % len(SEQUENCE)]


def agency_colour(agency: str) -> str:
    return colour_for(agency, AGENCY_COLOURS, sorted(AGENCY_COLOURS))


def scenario_colours(points: Iterable[str], baseline: str | None) -> dict[str, str]:
    """Colours for the points of one experiment: the baseline grey, the others in palette order."""
    colours: dict[str, str] = {}
    others = [p for p in points if p != baseline]
    if baseline is not None:
        colours[baseline] = GREY
    for index, point in enumerate(others):
        colours[point] = SEQUENCE[index % len(SEQUENCE)]
    return colours


def new_figure(width: float = 8.0, height: float = 4.5, **subplots) -> tuple[Figure, object]:
    """A figure in the house look (no top/right spines, light grid)."""
    figure, axes = plt.subplots(figsize=(width, height), **subplots)
    for axis in figure.axes:
        axis.spines[["top", "right"]].set_visible(False)
        axis.grid(alpha=0.3, linewidth=0.5)
        axis.set_axisbelow(True)
    return figure, axes
