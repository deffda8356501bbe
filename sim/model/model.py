"""The place: a Mesa model that owns the population, the agencies, the pool and the ledger.

One step is one quarter, in this order (docs/ODD.md, "Process overview and scheduling"):
income -> pool contributions and governance (committed up front, as pooled budgets are agreed
in advance) -> need dynamics (with the pull back towards each citizen's baseline) and this
quarter's event, assessment and take-up draws -> counterfactuals for deadweight step on ->
crisis detection and crisis events -> statutory response (each agency pays its duty share) ->
stabilisation (the acute response removes `acute_effect` of every crisis citizen's need) -> pool
packages -> silo prevention (targeting, queues) -> assessments (duplication) -> members'
savings estimates and gain-share -> learning (against the silo targets) -> record. The first
quarter of a year opens it (budgets, capacity, the fixed-base plan) and the last closes it
(ring-fences returned, savings rules: settlement.py; families and concentration: outputs.py).
Before step 1, warm-up runs the silo services under the warm-up policy on a scratch ledger, so
needs, capacity, the fixed base and the silo targets settle (docs/ODD.md 7.2).
Randomness: the seed's SeedSequence spawns two independent streams, one for the population
(initial needs, contact draws and shocks; it spawns its own for households, events and
targeting) and one for agency decisions (Mesa's `model.rng`), so two scenarios run with one seed
face the same citizens, the same shocks and the same event and take-up draws.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim.model.agencies import STEPS_PER_YEAR, ServiceAgency
from sim.model.crises import CrisisReport, detect_crises, stabilise
from sim.model.deadweight import Counterfactuals
from sim.model.duplication import AssessmentBill, ContactRegister
from sim.model.ledger import Ledger
from sim.model.outputs import StepRecorder, opening_headline
from sim.model.panel import PanelRecorder
from sim.model.pool import PooledBudget
from sim.model.population import Population
from sim.model.savings_estimate import BusinessCase
from sim.model.settlement import close_year, open_year, settle_after_warm_up, settle_fixed_base_in_warm_up
from sim.model.targets import Indicators
from sim.scenario.loading import load_scenario, with_overrides
from sim.scenario.schema import Policy, PoolRule, Scenario


def random_streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """(population stream, decisions stream), independent children of one SeedSequence."""
    population_seed, decisions_seed = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(population_seed), np.random.default_rng(decisions_seed)


def warm_up_policy(scenario: Scenario) -> Policy:
    """The regime warm-up runs: `run.warmup_policy`, else the scenario's own policy with no pool."""
    if scenario.run.warmup_policy is not None:
        return scenario.run.warmup_policy
    pool = scenario.policy.pool.model_copy(update={"rule": PoolRule.silo})
    return scenario.policy.model_copy(update={"pool": pool})


def lead_agencies(scenario: Scenario) -> dict[str, str]:
    """Domain -> the agency with the largest duty share there (the first such, on a tie)."""
    leads = {}
    for domain in scenario.domains:
        shares = {a: config.statutory_duties.get(domain, 0.0) for a, config in scenario.agencies.items()}
        leads[domain] = max(shares, key=shares.__getitem__)
    return leads


class PlaceModel(mesa.Model):
    """One place under one policy regime, stepped a quarter at a time.

    Usable the Mesa way: `PlaceModel("scenarios/pooled.yaml", seed=2, policy__pool__rate=0.3)`
    builds it from a file (or a `Scenario`) with keyword overrides (`__` or `.` between the parts of
    a dotted path); `running` turns False after the scenario's `run.steps` quarters (or `steps`);
    `datacollector` records the headline each quarter (HEADLINE_REPORTERS, AGENCY_REPORTERS), so
    `mesa.batch_run(PlaceModel, ...)` works (docs/experiments.md). Call `close()` when done with a
    model you built yourself in a long loop: see its docstring.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path,
        seed: int | None = None,
        population_sample: int | None = None,
        steps: int | None = None,
        panel_citizens: int = 0,
        **overrides: Any,
    ):
        scenario = resolve_scenario(scenario, overrides)
        seed = scenario.run.seed if seed is None else int(seed)
        population_rng, decisions_rng = random_streams(seed)
        super().__init__(rng=decisions_rng)
        self.scenario = scenario
        self.seed = seed
        self.horizon = steps or scenario.run.steps
        self.domain_index = {name: i for i, name in enumerate(scenario.domains)}
        self.lead_agency = lead_agencies(scenario)
        self.population = Population(scenario, population_sample or scenario.run.population_sample, population_rng)
        self.contacts = ContactRegister(scenario.agency_ids, self.population.size)
        self.indicators = Indicators(
            scenario.domain_names, scenario.place.population, self.population.weight, scenario.policy.targets
        )
        self.counterfactuals = Counterfactuals()
        payback_quarters = max(1, round(STEPS_PER_YEAR * scenario.policy.prevention_payback_years))
        self.business_case = BusinessCase(self, payback_quarters)
        self.claimed_prevention_gbp = 0.0  # this step's business-case claim for silo prevention
        self.quarters_run = 0  # warm-up's quarters and the steps: the clock of the prevention queues
        self.crises: CrisisReport | None = None
        self.unserved: dict[str, float] = {}
        self.policy = warm_up_policy(scenario)
        self.warming_up = True
        self.ledger = Ledger()  # a scratch ledger: warm-up money is not counted
        for agency_id, config in scenario.agencies.items():
            ServiceAgency(self, agency_id, config)
        self.agency_list: list[ServiceAgency] = list(self.agents)
        self._by_id = {a.agency_id: a for a in self.agency_list}
        self.warm_up(scenario.run.warmup_steps)
        self.begin_counting()
        self.pool = PooledBudget(self)
        self.recorder = StepRecorder()
        self.panel = PanelRecorder(self, panel_citizens) if panel_citizens > 0 else None
        self.assessment_bills: dict[str, AssessmentBill] = {}
        self.headline = opening_headline(self)
        self.datacollector = mesa.DataCollector(model_reporters=HEADLINE_REPORTERS, agent_reporters=AGENCY_REPORTERS)
        self.datacollector.collect(self)

    def warm_up(self, quarters: int) -> None:
        """Settle needs, capacity and budgets under the warm-up policy before anything is counted.

        The initial draw is the citizens' baseline, not a state the dynamics would keep, and the
        budgets' fixed base and the agencies' capacity are not given but follow from the services
        the place runs. Warm-up runs the warm-up policy's silo services (crisis response, silo
        prevention, assessments; no pool, no learning) on a scratch ledger, with capacity
        following demand and each agency's fixed base set to what its budget leaves after its
        need-related spend (settlement.py). Every scenario that shares the warm-up policy and the
        place therefore starts from one settled state for a seed, and step 1 shows no burst.
        """
        for _ in range(quarters):
            self.ledger.begin_step(0)
            for agency in self.agency_list:  # every warm-up quarter is paid in full: no spending controls
                agency.purse.new_year()
            self.quarter_of_services()
            for agency in self.agency_list:
                agency.end_quarter()
                settle_fixed_base_in_warm_up(agency)
        settle_after_warm_up(self)
        self.indicators.settle()
        self.population.crisis_episodes.fill(0)

    def begin_counting(self) -> None:
        """Leave warm-up: the scenario's own policy and a fresh ledger, which counts from step 1."""
        self.warming_up = False
        self.policy = self.scenario.policy
        self.ledger = Ledger()
        for agency in self.agency_list:
            agency.apply_policy(self.policy)
            agency.open_books(self.ledger)

    def quarter_of_services(self) -> None:
        """Income, needs, crises and the silo services: what warm-up and every step share."""
        self.quarters_run += 1
        self.contacts.clear()
        self.unserved = {}
        self.agents.do("receive_income")
        if not self.warming_up:
            self.pool.collect()
        self.population.evolve()
        self.population.draw_quarter()
        if not self.warming_up:
            self.counterfactuals.advance(self.population)
        self.crises = detect_crises(self.population, self.scenario)
        self.indicators.record(self.crises)
        self.agents.do("respond_to_crises")
        stabilise(self.population, self.scenario, self.crises, self.unserved)
        if not self.warming_up:
            self.pool.buy_packages()
        self.agents.do("prevent")
        self.assessment_bills = self.contacts.bills()
        self.agents.do("pay_assessments")

    def ration(self, domain: str, unserved_share: float) -> None:
        """The lead agency of `domain` could not pay for `unserved_share` of its crises' cost: that
        share (by cost, need times events, the least costly first) is not stabilised this quarter."""
        self.unserved[domain] = min(1.0, self.unserved.get(domain, 0.0) + unserved_share)

    def record_prevention(self, row: int, treated: np.ndarray, effect: float) -> None:
        """Before silo prevention reduces their need: its business-case claim and its counterfactual."""
        if self.warming_up:
            return
        self.claimed_prevention_gbp += self.business_case.claim_for_prevention(self.population, row, treated, effect)
        self.counterfactuals.add("prevention", self.population, treated, row)

    def remember_untreated(self, source: str, citizens: np.ndarray, domain: int) -> None:
        """Remember `citizens` untreated, for deadweight (not during warm-up)."""
        if not self.warming_up:
            self.counterfactuals.add(source, self.population, citizens, domain)

    def agencies_by_id(self, agency_ids: Iterable[str]) -> list[ServiceAgency]:
        return [self._by_id[a] for a in agency_ids]

    def step(self) -> None:
        self.ledger.begin_step(self.steps)
        first_quarter_of_year = (self.steps - 1) % STEPS_PER_YEAR == 0
        if first_quarter_of_year:
            open_year(self, (self.steps - 1) // STEPS_PER_YEAR + 1)
            self.population.new_year()
        self.claimed_prevention_gbp = 0.0
        self.quarter_of_services()
        self.pool.observe_savings()
        self.pool.share_gains()
        self.agents.do("learn")
        self.agents.do("end_quarter")
        if self.steps % STEPS_PER_YEAR == 0:
            close_year(self)
        self.headline = self.recorder.record(self)
        if self.panel is not None:
            self.panel.record(self)
        self.ledger.close_step()
        self.datacollector.collect(self)
        self.running = self.steps < self.horizon

    def close(self) -> None:
        """Free this run's population and records now rather than at the next full garbage collection.

        A Mesa model is a reference cycle (its agents, and the step wrapper Mesa stores on it, point
        back to it), so dropping the last reference does not free it: it waits for Python's cyclic
        collector, and a loop of runs can hold several dead populations at once. The run's tables
        must be taken before closing; the model cannot step afterwards.
        """
        self.remove_all_agents()
        self.agency_list.clear()
        self._by_id.clear()
        del self.population, self.contacts, self.pool, self.recorder, self.ledger, self.crises, self.counterfactuals
        del self.business_case, self.panel
        self.running = False

    # -- the headline of the last quarter, as attributes (what the DataCollector reads) ------------
    @property
    def crises_this_quarter(self) -> float:
        """Crisis count this quarter, all domains, at place scale (residents)."""
        return self.headline.crises

    @property
    def spend_this_quarter_gbp(self) -> float:
        """Paid to services this quarter by every agency and the pool (the count's spend), GBP."""
        return self.headline.spend_gbp

    @property
    def wellbeing(self) -> float:
        """1 - mean need over citizens and domains, at the end of the quarter."""
        return self.headline.wellbeing

    @property
    def mean_collaboration(self) -> float:
        """Mean collaboration tendency of the agencies at the end of the quarter."""
        return self.headline.mean_collaboration

    @property
    def pool_balance_gbp(self) -> float:
        """The pool's balance at the end of the quarter: what its last package offers left, GBP."""
        return self.headline.pool_balance_gbp

    @property
    def pooled_this_quarter_gbp(self) -> float:
        """Contributions paid into the pool this quarter, all members, GBP."""
        return self.headline.pooled_gbp

    @property
    def deficits_gbp(self) -> float:
        """Deficits carried forward at the end of the quarter, all agencies, GBP."""
        return self.headline.deficits_gbp


HEADLINE_REPORTERS = {
    name: name
    for name in (
        "crises_this_quarter", "spend_this_quarter_gbp", "wellbeing", "mean_collaboration", "pool_balance_gbp",
        "pooled_this_quarter_gbp",
        "deficits_gbp",
    )
}  # fmt: skip
AGENCY_REPORTERS = {"agency": "agency_id", "collaboration": "collaboration", "deficit_gbp": "deficit"}


def resolve_scenario(scenario: Scenario | str | Path, overrides: dict[str, Any]) -> Scenario:
    """The scenario a model is built from: a file or a `Scenario`, with keyword overrides
    (`policy__pool__rate` or `"policy.pool.rate"`)."""
    if isinstance(scenario, tuple):
        raise TypeError(
            f"scenario={scenario!r} is one field of a Scenario: Mesa's batch_run iterates over a parameter "
            "value that is iterable, and a Scenario is; pass it as a one-item list, scenario=[scenario], or as a file path"
        )
    dotted = {key.replace("__", "."): value for key, value in overrides.items()}
    if isinstance(scenario, Scenario):
        return with_overrides(scenario, dotted) if dotted else scenario
    return load_scenario(scenario, overrides=dotted)
