"""placesim as a function `parameters -> outputs`, the shape EMA Workbench and SALib expect.

    from sim.experiment import model_function
    f = model_function("scenarios/pooled.yaml", population_sample=20_000, baseline={"policy.pool.rule": "silo"})
    f(**{"policy.pool.rate": 0.2}, seed=3)   # -> {"total_crises": ..., "total_crises_vs_baseline": ..., ...}

The result is a frozen, picklable object (not a closure), so process pools that spawn their
workers (Mesa's import makes multiprocessing spawn) can ship it. Its base file is resolved and
validated when it is made. docs/experiments.md shows it driven by EMA Workbench.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Real
from pathlib import Path
from typing import Any

from sim.model.simulate import simulate
from sim.scenario.loading import load_scenario

SEED_PARAMETER = "seed"
VS_BASELINE_SUFFIX = "_vs_baseline"


@dataclass(frozen=True)
class ScenarioFunction:
    """A scenario file as a function of dotted-path overrides (and `seed`) to the run summary.

    With a `baseline` (dotted-path overrides applied on top of each call's parameters), every call
    also runs that twin with the same seed (common random numbers) and adds, for each numeric
    measure `m`, `m_vs_baseline` = this run's `m` minus the twin's. `baseline` is kept as
    (path, value) pairs so the object stays frozen and hashable.
    """

    base: Path
    population_sample: int | None = None
    steps: int | None = None
    seed: int = 1
    baseline: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "base", Path(self.base).resolve())
        object.__setattr__(self, "baseline", tuple(dict(self.baseline).items()))
        load_scenario(self.base)
        if self.baseline:
            load_scenario(self.base, overrides=dict(self.baseline))

    def __call__(self, **parameters: Any) -> dict[str, float]:
        run_seed = int(parameters.pop(SEED_PARAMETER, self.seed))
        summary = self.summary(parameters, run_seed)
        if not self.baseline:
            return summary
        twin = self.summary({**parameters, **dict(self.baseline)}, run_seed)
        paired = {
            f"{measure}{VS_BASELINE_SUFFIX}": value - twin[measure]
            for measure, value in summary.items()
            if isinstance(value, Real) and isinstance(twin.get(measure), Real)
        }
        return {**summary, **paired}

    def summary(self, overrides: Mapping[str, Any], seed: int) -> dict[str, float]:
        """One run of the base file with `overrides`: its summary."""
        scenario = load_scenario(self.base, overrides=overrides)
        return simulate(scenario, seed=seed, steps=self.steps, population_sample=self.population_sample).summary


def model_function(
    base: str | Path,
    population_sample: int | None = None,
    steps: int | None = None,
    seed: int = 1,
    baseline: Mapping[str, Any] | None = None,
) -> ScenarioFunction:
    """placesim as a function of dotted-path parameters (and optionally `seed`) returning the run
    summary; raises `ScenarioError` now if `base` (with `baseline`) is not a valid scenario."""
    return ScenarioFunction(Path(base), population_sample, steps, seed, tuple((baseline or {}).items()))
