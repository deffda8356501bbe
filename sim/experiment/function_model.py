"""placesim as a function `parameters -> outputs`, the shape EMA Workbench and SALib expect.

    from sim.experiment import model_function
    f = model_function("scenarios/total_place_pilot.yaml", population_sample=20_000)
    f(**{"policy.pool.rate": 0.2, "policy.pool.rule": "need"})   # -> {"total_spend_gbp": ..., ...}

docs/experiments.md shows it driven by EMA Workbench.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.model.simulate import simulate
from sim.scenario.loading import load_scenario

SEED_PARAMETER = "seed"


def model_function(
    base: str | Path,
    population_sample: int | None = None,
    steps: int | None = None,
    seed: int = 1,
) -> Callable[..., dict[str, float]]:
    """A function of dotted-path parameters (and optionally `seed`) returning the run summary."""
    base = Path(base)

    def placesim_model(**parameters: Any) -> dict[str, float]:
        run_seed = int(parameters.pop(SEED_PARAMETER, seed))
        scenario = load_scenario(base, overrides=parameters)
        return simulate(scenario, seed=run_seed, steps=steps, population_sample=population_sample).summary

    return placesim_model
