"""Run specs: one immutable (resolved scenario, seed) job, and the function that runs it.

Replication r uses the same seed at every design point (common random numbers): the seeds are
children of the experiment seed's SeedSequence, so a paired comparison between two points
compares the same citizens facing the same shocks. With `parameters_from`, replication r also
runs the same posterior draw at every point: the run spec carries the draw (`drawn`, recorded
as `param:<name>` columns) and the overrides it makes on the point's scenario (`world`), which
the run applies, so the point's scenario object stays shared by its replications.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.scenario.loading import with_overrides
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd


def replication_seeds(experiment_seed: int, replications: int) -> list[int]:
    """One seed per replication, shared by every design point."""
    children = np.random.SeedSequence(experiment_seed).spawn(replications)
    return [int(child.generate_state(1, dtype=np.uint32)[0]) for child in children]


@dataclass(frozen=True)
class RunSpec:
    """Everything one run needs, and nothing shared or mutable."""

    run_id: str
    point_id: int
    point_name: str
    replication: int
    seed: int
    scenario: Scenario
    parameters: dict[str, Any]
    steps: int | None
    population_sample: int | None
    outputs: tuple[str, ...] | None
    world: dict[str, Any] = field(default_factory=dict)  # dotted-path overrides of the posterior draw
    drawn: dict[str, float] = field(default_factory=dict)  # the posterior draw, by parameter name


def run_id(point_id: int, replication: int) -> str:
    return f"p{point_id:05d}-r{replication:04d}"


def execute(spec: RunSpec) -> tuple[dict[str, Any], pd.DataFrame]:
    """Run one spec: (its row for runs.parquet, its selected per-step outputs).

    The model wing (Mesa, pandas: about a second) is imported by the first run, not with this
    module: an experiment's run specs are built, and its file validated, without it.
    """
    from sim.model.simulate import simulate

    scenario = with_overrides(spec.scenario, spec.world) if spec.world else spec.scenario
    result = simulate(scenario, seed=spec.seed, steps=spec.steps, population_sample=spec.population_sample)
    identity = {
        "run_id": spec.run_id,
        "point_id": spec.point_id,
        "point": spec.point_name,
        "replication": spec.replication,
        "seed": spec.seed,
    }
    parameters = {**spec.drawn, **spec.parameters}
    row = {**identity, **{f"param:{k}": v for k, v in parameters.items()}, **result.summary}
    steps = result.steps
    if spec.outputs is not None:
        steps = steps[steps["measure"].isin(spec.outputs)]
    steps = steps.assign(**{k: v for k, v in identity.items() if k != "point"})
    return row, steps.reset_index(drop=True)
