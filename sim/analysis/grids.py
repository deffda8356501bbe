"""Grid designs as surfaces: the mean of an output over every combination of two parameters.

A grid varies two or more parameters. The first two varied parameters (in the order of the
experiment file) are the axes of a heatmap; each combination of any others is a separate panel,
so nothing is averaged away. The baseline point (outside the grid) is left out. Parameters drawn
from a calibration (`parameters_from`) vary between replications, not grid points: they are
named in `drawn` and averaged over like chance.
"""

from __future__ import annotations

import json
from collections.abc import Collection

import pandas as pd

PARAMETER_PREFIX = "param:"


def is_grid(manifest: dict) -> bool:
    return manifest["experiment"]["design"]["kind"] == "grid"


def varied_parameters(runs: pd.DataFrame, baseline: str | None, drawn: Collection[str] = ()) -> list[str]:
    """Parameter columns (without prefix) that take more than one value across the grid points;
    the `drawn` parameters of a calibration are not grid parameters."""
    grid = runs[runs["point"] != baseline]
    columns = [c for c in runs.columns if c.startswith(PARAMETER_PREFIX) and c.removeprefix(PARAMETER_PREFIX) not in drawn]
    varied = [c for c in columns if grid[c].map(json.dumps).nunique() > 1]
    return [c.removeprefix(PARAMETER_PREFIX) for c in varied]


def grid_means(
    runs: pd.DataFrame, baseline: str | None, outputs: list[str], drawn: Collection[str] = ()
) -> pd.DataFrame:
    """Mean over replications of each output at every grid point, with its varied parameters.

    Columns: the varied parameters (x, y, then panel parameters), `replications`, then outputs.
    """
    parameters = varied_parameters(runs, baseline, drawn)
    if len(parameters) < 2:
        return pd.DataFrame()
    grid = runs[runs["point"] != baseline].rename(columns={PARAMETER_PREFIX + p: p for p in parameters})
    grouped = grid.groupby(parameters, sort=True)
    table = grouped[outputs].mean()
    table.insert(0, "replications", grouped.size())
    return table.reset_index()
