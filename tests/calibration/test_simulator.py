"""The calibration's simulator (sim/calibration/simulator.py): only the targets asked for, only the
regimes they need, and the same draw always runs the same citizens."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim.calibration.simulator as simulator_module
from sim.calibration.fit import fit_simulator
from sim.calibration.loading import load_calibration
from sim.calibration.predictive import predictive_simulator
from sim.calibration.simulator import draw_seed
from tests.calibration.files import write_calibration


@pytest.fixture
def calibration(tmp_path: Path):
    return load_calibration(write_calibration(tmp_path))


def count_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    names: list[str] = []
    real = simulator_module.simulate

    def counted(scenario, **keywords):
        names.append(scenario.name)
        return real(scenario, **keywords)

    monkeypatch.setattr(simulator_module, "simulate", counted)
    return names


def test_the_fit_never_simulates_a_held_out_target_or_its_regime(calibration, monkeypatch: pytest.MonkeyPatch) -> None:
    ran = count_runs(monkeypatch)
    statistics = fit_simulator(calibration, None)({"domains.*.crisis_threshold": 0.0})
    assert set(statistics) == {"health_rate"}
    assert ran == [calibration.scenario.name]  # the pooled regime serves only the held-out target


def test_the_predictive_runs_compute_every_target_with_paired_regimes(calibration, monkeypatch: pytest.MonkeyPatch) -> None:
    ran = count_runs(monkeypatch)
    statistics = predictive_simulator(calibration, None).statistics({"domains.*.crisis_threshold": 0.0}, seed=4)
    assert set(statistics) == {"health_rate", "pooled_spend"}
    assert ran == [calibration.scenario.name, calibration.regimes["pooled"].name]


def test_the_same_draw_gives_the_same_statistics_and_another_draw_others(calibration) -> None:
    simulate_draw = fit_simulator(calibration, None)
    first = simulate_draw({"domains.*.crisis_threshold": 0.01})
    assert simulate_draw({"domains.*.crisis_threshold": 0.01}) == first
    assert draw_seed({"a": 0.01}) != draw_seed({"a": 0.02})
    lower = simulate_draw.statistics({"domains.*.crisis_threshold": -0.1}, seed=7)["health_rate"]
    higher = simulate_draw.statistics({"domains.*.crisis_threshold": 0.1}, seed=7)["health_rate"]
    assert higher < lower  # the draw reaches the model: higher thresholds, fewer crises
