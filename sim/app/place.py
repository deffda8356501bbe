"""The place as the app runs it: a scenario file plus the student's levers, stepped a quarter at a
time, optionally beside the 2009-10 silo baseline, with a small record of each quarter for the views.

SolaraViz rebuilds the model on Reset as `AppPlace(**model_params)`, so every control is a
keyword argument here; the scenario must be a file the app offers (sim/app/scenario_files.py),
whatever a browser sent. The levers become dotted-path overrides of the scenario (a new frozen
scenario, never a mutated one); levers left at the file's values change nothing, so the app's
first quarter is the first quarter `placesim run` reports for the same file, seed and sample.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim.app.scenario_files import ScenarioFiles
from sim.model.ledger import POOL, SERVICES
from sim.model.model import PlaceModel
from sim.model.outputs import ACUTE_CATEGORIES, PREVENTION_CATEGORIES, WASTE_CATEGORIES
from sim.scenario import Scenario, load_scenario, with_overrides
from sim.scenario.schema import MIN_POPULATION_SAMPLE, Agency

# A browser may send any value: this bounds what a forged "simulated citizens" value can allocate.
LARGEST_POPULATION_SAMPLE = 1_000_000
SAME = 1e-9  # a lever within this of the file's value is the file's value
# The regime of 2009-10 that the comparison runs under: the shipped silo baseline's.
BASELINE_FILE = Path(__file__).resolve().parents[2] / "scenarios" / "total_place_pilot.yaml"
SHIPPED_SCENARIOS = BASELINE_FILE.parent
# An agency's own exceptions to the policy levers: part of the regime, not of the place.
AGENCY_REGIME_FIELDS = ("ring_fence_share", "budget_growth", "extra_prevention_gbp_per_year")


@dataclass(frozen=True)
class Levers:
    """What a student sets: the policy levers of the design brief, in the scenario's units."""

    pool_rule: str
    pooling_rate: float
    gain_share: bool
    ring_fence_share: float
    target_pressure: float
    budget_growth: float
    collaboration: float  # mean initial collaboration tendency of the agencies (see `rescaled`)

    @classmethod
    def of(cls, scenario: Scenario) -> Levers:
        policy = scenario.policy
        return cls(
            pool_rule=policy.pool.rule.value,
            pooling_rate=policy.pool.rate,
            gain_share=policy.pool.gain_share,
            ring_fence_share=policy.ring_fence_share,
            target_pressure=policy.target_pressure,
            budget_growth=policy.budget_growth,
            collaboration=mean_collaboration(scenario),
        )

    @classmethod
    def chosen(cls, values: Mapping[str, Any]) -> Levers:
        """The levers among keyword values of `AppPlace` (the sidebar's), in their types."""
        kinds = {"gain_share": bool, "pool_rule": str}
        return cls(**{f.name: kinds.get(f.name, float)(values[f.name]) for f in fields(cls)})

    def overrides(self, scenario: Scenario) -> dict[str, Any]:
        """Dotted-path overrides that give `scenario` these levers (empty when it has them)."""
        current = Levers.of(scenario)
        wanted = {
            "policy.pool.rule": (self.pool_rule, current.pool_rule),
            "policy.pool.rate": (self.pooling_rate, current.pooling_rate),
            "policy.pool.gain_share": (self.gain_share, current.gain_share),
            "policy.ring_fence_share": (self.ring_fence_share, current.ring_fence_share),
            "policy.target_pressure": (self.target_pressure, current.target_pressure),
            "policy.budget_growth": (self.budget_growth, current.budget_growth),
        }
        overrides = {path: new for path, (new, old) in wanted.items() if differs(new, old)}
        if differs(self.collaboration, current.collaboration):
            for agency_id, agency in scenario.agencies.items():
                moved = rescaled(agency.collaboration, current.collaboration, self.collaboration)
                overrides[f"agencies.{agency_id}.collaboration"] = moved
        return overrides

    def apply(self, scenario: Scenario) -> Scenario:
        overrides = self.overrides(scenario)
        return with_overrides(scenario, overrides) if overrides else scenario


def silo_baseline(scenario: Scenario, baseline: Scenario) -> Scenario:
    """`scenario`'s place under `baseline`'s regime: the whole `policy` and `settlement` (the
    centre's budget path) blocks of `baseline`, and
    each agency's own exceptions to it (AGENCY_REGIME_FIELDS) as `baseline` sets them for that
    agency (the schema's defaults, none, for an agency `baseline` lacks). Everything else (the
    place, run settings, domains, population, agencies' budgets, duties, ring-fenced lines, costs,
    prevention propensity, initial collaboration and trust, learning) stays `scenario`'s. The
    shipped reform scenarios differ from total_place_pilot.yaml only in `policy` (and name and
    description), so for each of them, and for the baseline file itself, this is the baseline file's
    scenario under the picked file's name."""
    overrides: dict[str, Any] = {
        "policy": baseline.policy.model_dump(mode="json"),
        "settlement": baseline.settlement.model_dump(mode="json"),
    }
    for agency_id in scenario.agencies:
        own = baseline.agencies.get(agency_id)
        for field in AGENCY_REGIME_FIELDS:
            value = getattr(own, field) if own is not None else Agency.model_fields[field].default
            overrides[f"agencies.{agency_id}.{field}"] = value
    return with_overrides(scenario, overrides)


def differs(new: object, old: object) -> bool:
    if isinstance(new, float) and isinstance(old, float):
        return abs(new - old) > SAME
    return new != old


def mean_collaboration(scenario: Scenario) -> float:
    return float(np.mean([agency.collaboration for agency in scenario.agencies.values()]))


def rescaled(value: float, mean: float, target: float) -> float:
    """Move one agency's collaboration so that the agencies' mean goes from `mean` to `target`:
    towards 0 in proportion to each value, towards 1 in proportion to each distance from 1. The
    agencies keep their order, stay in [0, 1], and their mean is exactly `target`."""
    if target <= mean:
        return value * target / mean if mean > 0 else target
    return 1.0 - (1.0 - value) * (1.0 - target) / (1.0 - mean) if mean < 1 else target


@dataclass(frozen=True)
class Quarter:
    """What the views show of one quarter of one place (GBP at place scale, crises in residents)."""

    step: int
    spend_gbp: dict[tuple[str, str], float]  # (agency or "pool", domain or "") -> spend on services
    category_gbp: dict[str, float]  # category -> spend on services
    pooled_gbp: float  # paid into the pool by its members
    pool_spent_gbp: dict[str, float]  # category -> paid by the pool (packages, their assessment, governance)
    crises: dict[str, float]  # domain -> crises this quarter
    wellbeing: float
    collaboration: dict[str, float]  # agency -> collaboration tendency at the end of the quarter
    pool_balance_gbp: float
    pool_members: int
    pool_packages: float

    @property
    def total_spend_gbp(self) -> float:
        return sum(self.category_gbp.values())

    def share(self, categories: tuple[str, ...]) -> float:
        total = self.total_spend_gbp
        return sum(self.category_gbp.get(c, 0.0) for c in categories) / total if total else 0.0

    @property
    def acute_share(self) -> float:
        return self.share(ACUTE_CATEGORIES)

    @property
    def prevention_share(self) -> float:
        return self.share(PREVENTION_CATEGORIES)

    @property
    def waste_gbp(self) -> float:
        return sum(self.category_gbp.get(c, 0.0) for c in WASTE_CATEGORIES)

    @property
    def total_crises(self) -> float:
        return sum(self.crises.values())


def quarter_of(model: PlaceModel) -> Quarter:
    """The quarter `model` has just stepped, read from what the model recorded and paid."""
    step = model.steps
    recorded: dict[tuple[str, str, str], float] = {}
    for row_step, measure, agency, domain, _category, value in reversed(model.recorder.rows):
        if row_step != step:
            break
        recorded[(measure, agency, domain)] = value
    flows = model.ledger.flows()
    flows = flows[flows["step"] == step]
    spent = flows[flows["destination"] == SERVICES]
    by_pool = spent[spent["source"] == POOL]
    return Quarter(
        step=step,
        spend_gbp={key: float(v) for key, v in spent.groupby(["source", "domain"])["amount"].sum().items()},
        category_gbp={key: float(v) for key, v in spent.groupby("category")["amount"].sum().items()},
        pooled_gbp=float(flows.loc[flows["category"] == "pool_contribution", "amount"].sum()),
        pool_spent_gbp={key: float(v) for key, v in by_pool.groupby("category")["amount"].sum().items()},
        crises={domain: recorded[("crises", "", domain)] for domain in model.scenario.domains},
        wellbeing=recorded[("wellbeing", "", "")],
        collaboration={a: recorded[("collaboration", a, "")] for a in model.scenario.agencies},
        pool_balance_gbp=recorded[("pool_balance_gbp", "", "")],
        pool_members=int(recorded[("pool_members", "", "")]),
        pool_packages=recorded[("pool_packages", "", "")],
    )


class AppPlace(mesa.Model):
    """One place built from a scenario file and the levers, optionally with the 2009-10 silo
    baseline of the same place (`silo_baseline` of the file, none of the levers) stepped in
    lockstep with the same seed and number of citizens, so that a difference between the two is
    the effect of the student's choices net of noise (common random numbers). Stops at the
    scenario's horizon (`run.steps`). `scenario` (a name or path) must be one of the files the app
    offers from `scenario_folder`, else `NotOffered` is raised before anything is read."""

    def __init__(
        self,
        scenario: str,
        pool_rule: str,
        pooling_rate: float,
        gain_share: bool,
        ring_fence_share: float,
        target_pressure: float,
        budget_growth: float,
        collaboration: float,
        population_sample: int,
        seed: int,
        compare_with_silo: bool = True,
        scenario_folder: str = str(SHIPPED_SCENARIOS),
    ):
        # Reset drops the previous place, whose models are reference cycles (Mesa's models point to
        # themselves) that Python frees only at a full collection: without one here, each Reset
        # would add a population to the server's memory until the collector happened to run.
        gc.collect()
        scenario_path = ScenarioFiles(Path(scenario_folder)).path_of(scenario)
        super().__init__(seed=seed)
        self.scenario_path = scenario_path
        self.levers = Levers(
            pool_rule=str(pool_rule),
            pooling_rate=float(pooling_rate),
            gain_share=bool(gain_share),
            ring_fence_share=float(ring_fence_share),
            target_pressure=float(target_pressure),
            budget_growth=float(budget_growth),
            collaboration=float(collaboration),
        )
        chosen = load_scenario(self.scenario_path)
        self.scenario = self.levers.apply(chosen)
        self.seed = int(seed)
        self.population_sample = int(population_sample)
        if not MIN_POPULATION_SAMPLE <= self.population_sample <= LARGEST_POPULATION_SAMPLE:
            raise ValueError(
                f"population_sample {self.population_sample:,} is outside {MIN_POPULATION_SAMPLE}..{LARGEST_POPULATION_SAMPLE:,}: "
                "the app's citizens control offers only values in that range"
            )
        self.horizon = self.scenario.run.steps
        self.place = PlaceModel(self.scenario, seed=self.seed, population_sample=self.population_sample)
        self.compare_with_silo = bool(compare_with_silo)
        self.baseline_scenario: Scenario | None = None
        self.baseline: PlaceModel | None = None
        if self.compare_with_silo:
            self.baseline_scenario = silo_baseline(chosen, load_scenario(BASELINE_FILE))
            self.baseline = PlaceModel(self.baseline_scenario, seed=self.seed, population_sample=self.population_sample)
        self.history: list[Quarter] = []
        self.baseline_history: list[Quarter] = []
        self.step_seconds = 0.0  # model time of the last step, baseline included (the views' drawing excluded)

    @property
    def is_the_baseline(self) -> bool:
        """True when the running place is the silo baseline itself (every difference is zero)."""
        return self.scenario == self.baseline_scenario

    def step(self) -> None:
        started = time.perf_counter()
        self.place.step()
        self.history.append(quarter_of(self.place))
        if self.baseline is not None:
            self.baseline.step()
            self.baseline_history.append(quarter_of(self.baseline))
        self.running = self.steps < self.horizon
        self.step_seconds = time.perf_counter() - started
