"""Run one scenario with one seed and return its tables: the model wing's public entry point."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from sim.model.ledger import LedgerError
from sim.model.model import PlaceModel
from sim.model.outputs import summarise
from sim.scenario.inert_levers import InertLeverWarning, inert_levers
from sim.scenario.loading import with_overrides
from sim.scenario.schema import PoolRule, Scenario


@dataclass
class RunResult:
    """The tables of one run (pandas DataFrames) and its summary; `panel` is the citizen panel
    (sim/model/panel.py, docs/results.md) when one was asked for, else None."""

    scenario: Scenario
    seed: int
    population_sample: int
    steps: pd.DataFrame
    ledger: pd.DataFrame
    balances: pd.DataFrame
    summary: dict[str, float] = field(default_factory=dict)
    panel: pd.DataFrame | None = None


def simulate(
    scenario: Scenario,
    seed: int | None = None,
    steps: int | None = None,
    population_sample: int | None = None,
    on_step: Callable[[int, int], None] | None = None,
    panel_citizens: int = 0,
) -> RunResult:
    """Run the model; refuse to return results whose ledger does not balance. With
    `panel_citizens` > 0, `result.panel` follows the first that many simulated citizens (all of
    them if it is at least the sample)."""
    if panel_citizens < 0:
        raise ValueError(f"panel_citizens must be 0 (no panel) or a number of citizens to follow, not {panel_citizens}")
    sample = population_sample or scenario.run.population_sample
    model = PlaceModel(scenario, seed=seed, population_sample=sample, steps=steps, panel_citizens=panel_citizens)
    try:
        while model.running:
            model.step()
            if on_step is not None:
                on_step(model.steps, model.horizon)
        model.ledger.verify()
        flows = model.ledger.flows()
        table = model.recorder.table(flows)
        result = RunResult(scenario, model.seed, sample, table, flows, model.ledger.balances())
        if model.panel is not None:
            result.panel = model.panel.table()
    finally:
        model.close()
    result.summary = summarise(table, flows, scenario.place.population)
    return result


def silo_twin(scenario: Scenario) -> Scenario:
    """The same place and seed-compatible settings with no pool: the baseline for 'averted'."""
    return with_overrides(scenario, {"policy.pool.rule": PoolRule.silo.value})


def run(
    scenario: Scenario,
    seed: int | None = None,
    steps: int | None = None,
    population_sample: int | None = None,
    compare_with_silo: bool = True,
    on_step: Callable[[int, int], None] | None = None,
    panel_citizens: int = 0,
) -> RunResult:
    """Run a scenario; with `compare_with_silo`, also report crises averted against its silo twin
    run with the same seed (common random numbers); `panel_citizens` as for `simulate`, for this
    run only (the twin keeps no panel). Warns (`InertLeverWarning`) of levers that are set but
    cannot act, such as a pool rule with a pooling rate of 0."""
    for path, message in inert_levers(scenario):
        warnings.warn(f"{scenario.name}: {path}: {message}", InertLeverWarning, stacklevel=2)
    result = simulate(scenario, seed, steps, population_sample, on_step, panel_citizens)
    averted = 0.0
    if compare_with_silo and scenario.policy.pool.rule is not PoolRule.silo:
        baseline = simulate(silo_twin(scenario), result.seed, steps, result.population_sample)
        averted = baseline.summary["total_crises"] - result.summary["total_crises"]
    if compare_with_silo:
        result.summary["crises_averted_vs_silo"] = averted
    return result


__all__ = ["LedgerError", "RunResult", "run", "simulate", "silo_twin"]
