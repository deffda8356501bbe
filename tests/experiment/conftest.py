"""Small experiment files written next to a copy of nothing: they point at the shipped scenario."""

from __future__ import annotations

from pathlib import Path

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
