"""Small calibration files for the tests: the default place at a few hundred citizens and quarters,
so a simulation takes a fraction of a second."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"

SMALL_RUN = {"population_sample": 300, "steps": 4, "warmup_steps": 2}


def write_small_scenarios(folder: Path) -> Path:
    """The default place and its pooled twin, shortened; returns the silo file."""
    silo = folder / "small_silo.yaml"
    silo.write_text(yaml.safe_dump({"extends": str(SCENARIOS / "total_place_pilot.yaml"), "run": SMALL_RUN}))
    (folder / "small_pooled.yaml").write_text(yaml.safe_dump({"extends": str(SCENARIOS / "pooled.yaml"), "run": SMALL_RUN}))
    return silo


def calibration_data(**changes: Any) -> dict[str, Any]:
    """A valid calibration of the small place: one free parameter, a fit and a held-out target."""
    data: dict[str, Any] = {
        "scenario": "small_silo.yaml",
        "regimes": {"pooled": {"scenario": "small_pooled.yaml"}},
        "parameters": {
            "domains.*.crisis_threshold": {"applies": "add", "prior": "uniform", "low": -0.1, "high": 0.1,
                                           "source": "test"},
        },
        "targets": {
            "health_rate": {"statistic": "crisis_prevalence", "domain": "health", "observed": 0.03, "sd": 0.005,
                            "source": "test", "role": "fit"},
            "pooled_spend": {"statistic": "spend_change_share", "regime": "pooled", "observed": 0.0,
                             "band": [-0.01, 0.01], "source": "test", "role": "held_out"},
        },
        "run": {"population_sample": 300, "steps": 4},
        "abc": {"population_size": 10, "max_generations": 2},
        "predictive": {"draws": 3},
    }
    data.update(changes)
    return data


def write_calibration(folder: Path, data: dict[str, Any] | None = None, name: str = "small.yaml") -> Path:
    write_small_scenarios(folder)
    path = folder / name
    path.write_text(yaml.safe_dump(data if data is not None else calibration_data(), sort_keys=False))
    return path
