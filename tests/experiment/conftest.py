"""Small experiment files written next to a copy of nothing: they point at the shipped scenario."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "scenarios" / "total_place_pilot.yaml"
QUICK = """
population_sample: 1000
steps: 6
outputs: [crises, wellbeing, collaboration, spend_gbp]
"""


def experiment_file(folder: Path, body: str, name: str = "exp") -> Path:
    """Write an experiment file with the quick run settings; `body` gives the rest."""
    path = folder / f"{name}.yaml"
    path.write_text(f"name: {name}\nbase: {DEFAULT}\n{QUICK}\n{body}")
    return path


GRID = """
seed: 11
replications: 2
baseline: {policy.pool.rule: silo}
design:
  kind: grid
  fixed: {run.warmup_steps: 1, policy.pool.rule: need}
  levers:
    policy.pool.rate: [0.1, 0.4]
    policy.pool.gain_share: [false, true]
"""


@pytest.fixture
def grid_file(tmp_path: Path) -> Path:
    return experiment_file(tmp_path, GRID, "grid")


# A fake finished calibration (sim/calibration/posterior.py) and an experiment that draws from it.
RATES = [0.05, 0.15, 0.3, 0.45]
TAKE_UPS = [0.5, 0.6, 0.8, 0.9]
PARAMETERS = {
    "policy.pool.rate": {"prior": "uniform", "low": 0.0, "high": 0.5, "source": "test"},
    "policy.pool.take_up": {"prior": "uniform", "low": 0.4, "high": 1.0, "source": "test"},
}
EXPERIMENT = """
name: {name}
base: {base}
population_sample: 500
steps: 4
outputs: [crises, spend_gbp]
seed: 5
replications: {replications}
parameters_from: {parameters_from}
baseline: silo
design:
  kind: scenarios
  fixed: {{run.warmup_steps: 1}}
  points:
    silo: {{}}
    pooled: {{set: {{policy.pool.rule: need}}}}
    own_rate: {{set: {{policy.pool.rule: need, policy.pool.rate: 0.25}}}}
"""


def calibration_folder(folder: Path, rates: list[float] = RATES, parameters: dict | None = None) -> Path:
    """A finished calibration's results as sim/calibration/posterior.py reads them."""
    folder.mkdir(parents=True, exist_ok=True)
    parameters = PARAMETERS if parameters is None else parameters
    (folder / "manifest.json").write_text(json.dumps({"status": "complete", "parameters": parameters}))
    table = {"param:policy.pool.rate": rates, "param:policy.pool.take_up": TAKE_UPS[: len(rates)]}
    table = {name: values for name, values in table.items() if name.removeprefix("param:") in parameters}
    for name in parameters:
        table.setdefault(f"param:{name}", [0.1] * len(rates))
    pd.DataFrame({**table, "weight": [0.1, 0.2, 0.3, 0.4][: len(rates)]}).to_parquet(folder / "posterior.parquet")
    return folder


def experiment_with_posterior(folder: Path, parameters_from: str = "calibration", replications: int = 3) -> Path:
    path = folder / "drawn.yaml"
    path.write_text(EXPERIMENT.format(name="drawn", base=DEFAULT, replications=replications, parameters_from=parameters_from))
    return path
