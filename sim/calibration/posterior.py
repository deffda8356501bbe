"""A finished calibration's posterior, as experiments use it: weighted parameter sets, drawn with a
seed, applied to any scenario with the calibration's own paths and rules.

A results folder holds `posterior.parquet` (a `param:<path>` column per free parameter and
`weight`, the weights summing to 1) and `manifest.json`, whose `parameters` section keeps each
parameter's prior and `applies` rule, and `reference_values` the calibrated scenario's values
that `add` and `multiply` act on, so a draw can be applied without the calibration file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration.parameters import apply_draw
from sim.calibration.spec import FreeParameter
from sim.scenario.loading import ScenarioError
from sim.scenario.schema import Scenario

PARAMETER_PREFIX = "param:"
POSTERIOR_FILE = "posterior.parquet"
MANIFEST_FILE = "manifest.json"


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, quantiles: list[float]) -> np.ndarray:
    """Quantiles of a weighted sample: the smallest value whose cumulative weight reaches each q."""
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    positions = np.minimum(np.searchsorted(cumulative, quantiles), len(values) - 1)
    return values[order][positions]


def resample(weights: np.ndarray, count: int, seed: int) -> np.ndarray:
    """`count` row positions drawn with replacement in proportion to `weights`, with `seed`."""
    return np.random.default_rng(seed).choice(len(weights), size=count, replace=True, p=weights / weights.sum())


@dataclass(frozen=True)
class Posterior:
    folder: Path
    parameters: dict[str, FreeParameter]
    table: pd.DataFrame  # one row per accepted parameter set: param:<path> columns and weight
    reference: dict[str, float]  # what add and multiply parameters act on (parameters.reference_values)

    def values(self) -> pd.DataFrame:
        """The parameter sets with plain names (the dotted paths)."""
        columns = [PARAMETER_PREFIX + name for name in self.parameters]
        return self.table[columns].rename(columns=lambda column: column.removeprefix(PARAMETER_PREFIX))

    def draws(self, count: int, seed: int) -> list[dict[str, float]]:
        """`count` parameter sets resampled by weight with `seed`: draw r is the same for every
        design point of an experiment, so points stay paired."""
        rows = resample(self.table["weight"].to_numpy(dtype=float), count, seed)
        values = self.values()
        return [{name: float(values.iloc[row][name]) for name in self.parameters} for row in rows]

    def apply(self, scenario: Scenario, draw: dict[str, float]) -> Scenario:
        """`scenario` with the draw applied; `add` and `multiply` act on the calibrated scenario's
        values, so a draw means the same whatever the scenario's defaults are now."""
        return apply_draw(scenario, self.parameters, draw, self.reference)


def read_posterior(folder: str | Path) -> Posterior:
    """Read a calibration's results folder; a folder without a finished posterior is an error that
    says how to make one."""
    folder = Path(folder)
    manifest_path, table_path = folder / MANIFEST_FILE, folder / POSTERIOR_FILE
    if not manifest_path.is_file() or not table_path.is_file():
        raise ScenarioError(str(folder), [("", "holds no finished calibration (manifest.json and posterior.parquet); "
                                               "run `placesim calibrate FILE --out " + str(folder) + "` first")])
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("status") != "complete":
        raise ScenarioError(str(manifest_path), [("status", "the calibration did not finish; resume it with --resume")])
    parameters = {name: FreeParameter.model_validate(spec) for name, spec in manifest["parameters"].items()}
    table = pd.read_parquet(table_path)
    missing = [PARAMETER_PREFIX + name for name in parameters if PARAMETER_PREFIX + name not in table]
    if missing or "weight" not in table:
        raise ScenarioError(str(table_path), [("", f"lacks columns {missing + ([] if 'weight' in table else ['weight'])}")])
    reference = {path: float(value) for path, value in manifest.get("reference_values", {}).items()}
    return Posterior(folder.resolve(), parameters, table, reference)
