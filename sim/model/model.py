"""The place: a Mesa model that owns the population, the agencies, the pool and the ledger.

One step is one quarter, in this order (docs/ODD.md, "Process overview and scheduling"):
income -> pool contributions and governance (committed up front, as pooled budgets are agreed
in advance) -> need dynamics -> crises answered (statutory) -> pool packages -> silo prevention -> assessments (duplication) -> gain-share -> learning ->
record. Randomness: the seed's SeedSequence spawns two independent streams, one for the
population (initial needs and shocks) and one for agency decisions (Mesa's `model.rng`), so two
scenarios run with one seed face the same citizens and the same shocks.
"""

from __future__ import annotations

from collections.abc import Iterable

import mesa
import numpy as np

from sim.model.agencies import ServiceAgency
from sim.model.crises import CrisisReport, detect_crises, stabilise
from sim.model.duplication import AssessmentBill, ContactRegister
from sim.model.ledger import Ledger
from sim.model.outputs import StepRecorder
from sim.model.pool import PooledBudget
from sim.model.population import Population
from sim.scenario.schema import Scenario


def random_streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """(population stream, decisions stream), independent children of one SeedSequence."""
    population_seed, decisions_seed = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(population_seed), np.random.default_rng(decisions_seed)


def lead_agencies(scenario: Scenario) -> dict[str, str]:
    """Domain -> the agency with the largest duty share there (the first such, on a tie)."""
    leads = {}
    for domain in scenario.domains:
        shares = {a: config.statutory_duties.get(domain, 0.0) for a, config in scenario.agencies.items()}
        leads[domain] = max(shares, key=shares.__getitem__)
    return leads


class PlaceModel(mesa.Model):
    """One place under one policy regime, stepped a quarter at a time."""

    def __init__(self, scenario: Scenario, seed: int, population_sample: int | None = None):
        population_rng, decisions_rng = random_streams(seed)
        super().__init__(rng=decisions_rng)
        self.scenario = scenario
        self.seed = seed
        self.domain_index = {name: i for i, name in enumerate(scenario.domains)}
        self.lead_agency = lead_agencies(scenario)
        self.ledger = Ledger()
        self.population = Population(scenario, population_sample or scenario.run.population_sample, population_rng)
        self.warm_up(scenario.run.warmup_steps)
        self.contacts = ContactRegister(scenario.agency_ids, self.population.size)
        for agency_id, config in scenario.agencies.items():
            ServiceAgency(self, agency_id, config)
        self.agency_list: list[ServiceAgency] = list(self.agents)
        self._by_id = {a.agency_id: a for a in self.agency_list}
        self.pool = PooledBudget(self)
        self.recorder = StepRecorder()
        self.crises: CrisisReport | None = None
        self.crisis_targets: dict[str, int] = {}
        self.assessment_bills: dict[str, AssessmentBill] = {}

    def warm_up(self, quarters: int) -> None:
        """Let needs settle into the dynamics' own steady state before anything is counted.

        The initial draw is the citizens' baseline, not a state the dynamics would keep; without
        warm-up, step 1 would show a burst of crises. During warm-up crises are answered (the
        statutory minimum) but nothing is paid or recorded, and no policy acts, so every scenario
        starts from the same place for one seed.
        """
        for _ in range(quarters):
            self.population.evolve()
            stabilise(self.population, self.scenario, detect_crises(self.population, self.scenario))
        self.population.crisis_episodes.fill(0)

    def agencies_by_id(self, agency_ids: Iterable[str]) -> list[ServiceAgency]:
        return [self._by_id[a] for a in agency_ids]

    def step(self) -> None:
        self.ledger.begin_step(self.steps)
        self.contacts.clear()
        self.agents.do("receive_income")
        self.pool.collect()
        self.population.evolve()
        self.crises = detect_crises(self.population, self.scenario)
        if not self.crisis_targets:  # the first quarter is its own target
            self.crisis_targets = dict(self.crises.counts)
        self.agents.do("respond_to_crises")
        stabilise(self.population, self.scenario, self.crises)
        self.pool.buy_packages()
        self.agents.do("prevent")
        self.assessment_bills = self.contacts.bills()
        self.agents.do("pay_assessments")
        self.pool.share_gains()
        self.agents.do("learn")
        self.recorder.record(self)
        self.ledger.close_step()
        self.crisis_targets = dict(self.crises.counts)
