"""The results folder's tables and manifest (sim/calibration/outputs.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibration.loading import load_calibration
from sim.calibration.outputs import calibration_hash, targets_table
from tests.calibration.files import calibration_data, write_calibration


def test_the_hash_ignores_stopping_rules_and_predictive_runs_but_not_priors(tmp_path: Path) -> None:
    base = calibration_hash(load_calibration(write_calibration(tmp_path)))
    longer = calibration_data(abc={"population_size": 10, "max_generations": 9, "max_walltime_minutes": 5},
                              predictive={"draws": 30})
    assert calibration_hash(load_calibration(write_calibration(tmp_path, longer))) == base
    wider = calibration_data()
    wider["parameters"]["domains.*.crisis_threshold"]["high"] = 0.2
    assert calibration_hash(load_calibration(write_calibration(tmp_path, wider))) != base
    more_particles = calibration_data(abc={"population_size": 20, "max_generations": 2})
    assert calibration_hash(load_calibration(write_calibration(tmp_path, more_particles))) != base


def test_a_target_is_within_when_the_predictive_interval_meets_the_observed_band(tmp_path: Path) -> None:
    calibration = load_calibration(write_calibration(tmp_path))
    rng = np.random.default_rng(1)
    predictive = pd.DataFrame({
        "health_rate": rng.normal(0.05, 0.001, 200),  # band 0.02-0.04: missed
        "pooled_spend": rng.normal(0.0, 0.002, 200),  # band -0.01-0.01: met
    })
    table = targets_table(calibration, predictive).set_index("target")
    assert table.loc["health_rate", ["low", "high"]].tolist() == pytest.approx([0.02, 0.04])
    assert not table.loc["health_rate", "within"]
    assert table.loc["pooled_spend", "within"]
    assert table.loc["pooled_spend", "role"] == "held_out"
    assert table.loc["health_rate", "simulated_p05"] < table.loc["health_rate", "simulated_median"] < table.loc["health_rate", "simulated_p95"]
