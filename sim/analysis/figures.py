"""The report's static (matplotlib) figures: small multiples and the grid's heatmaps.

The figures a reader explores (over time, paired differences, the count, who saves, payback)
are interactive, in sim/analysis/charts.py; these stay static because they are dense grids of
panels (a grid's heatmaps, the samples of a sensitivity design) that read best as one image.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.style import new_figure

MAX_COLUMNS = 3


def panel_grid(count: int, width: float = 4.2, height: float = 3.2, **options) -> tuple[Figure, list]:
    """Small multiples: `count` panels in rows of at most MAX_COLUMNS; unused panels hidden."""
    columns = min(count, MAX_COLUMNS)
    rows = math.ceil(count / columns)
    figure, axes = new_figure(width * columns, height * rows + 0.6, nrows=rows, ncols=columns, squeeze=False, **options)
    flat = list(axes.ravel())
    for axis in flat[count:]:
        axis.set_visible(False)
    return figure, flat[:count]


def grid_heatmaps(means: pd.DataFrame, parameters: list[str], output: str, label: str) -> Figure:
    """Mean of one output over the first two varied parameters; a panel per combination of the rest."""
    x, y, rest = parameters[0], parameters[1], parameters[2:]
    combinations = [()] if not rest else list(means.groupby(rest if len(rest) > 1 else rest[0]).groups)
    figure, axes = panel_grid(len(combinations), width=4.6, height=3.8)
    low, high = means[output].min(), means[output].max()
    for axis, combination in zip(axes, combinations, strict=True):
        key = combination if isinstance(combination, tuple) else (combination,)
        rows = means
        for name, value in zip(rest, key, strict=True):
            rows = rows[rows[name] == value]
        table = rows.pivot_table(index=y, columns=x, values=output)
        image = axis.imshow(table.to_numpy(), cmap="viridis", vmin=low, vmax=high, origin="lower", aspect="auto")
        axis.set_xticks(range(table.shape[1]), [f"{v:g}" if isinstance(v, float) else str(v) for v in table.columns])
        axis.set_yticks(range(table.shape[0]), [f"{v:g}" if isinstance(v, float) else str(v) for v in table.index])
        for (row, column), value in np.ndenumerate(table.to_numpy()):
            axis.text(column, row, f"{value:,.3g}", ha="center", va="center", fontsize="small",
                      color="white" if value < (low + high) / 2 else "black")  # fmt: skip
        axis.set_xlabel(x)
        axis.set_ylabel(y)
        axis.grid(False)
        if rest:
            axis.set_title(", ".join(f"{n}={v}" for n, v in zip(rest, key, strict=True)), fontsize="small")
    figure.colorbar(image, ax=axes, label=label, shrink=0.9)
    figure.suptitle(f"{label} over the grid (mean over replications)")
    return figure
