"""placesim's silo services written the way Mesa tutorials teach: one `mesa.Agent` per citizen.

This is a reference for students and the benchmark's comparator, not part of the product. It runs
the same place as placesim (a `Scenario` from `sim.scenario.load_scenario`) with the same
mechanics, but each citizen is a Python object that steps itself, agencies are agents that loop
over citizens through `AgentSet` verbs (`select`, `sort`, `do`, `shuffle_do`), and all randomness
comes from Mesa's `model.rng`. Comparing it with placesim shows what holding citizens as arrays
buys (benchmarks/run.py) and checks that the arrays compute the same model
(tests/benchmarks/test_textbook_agrees.py).

What it models, each quarter, in placesim's order:

1. income: each agency receives a quarter of its yearly budget (with its growth path), the
   ring-fenced share split over its ring-fenced pockets, the rest flexible;
2. needs: every citizen evolves its own needs,
   `n <- clip(A @ n + recovery * baseline + drift + noise_sd * eps, 0, 1)`,
   with `A = diag(1 - recovery) + C^T` (C the cascades) and `baseline` its initial needs;
3. crises: a citizen whose need reaches the crisis threshold is in crisis; each agency pays its
   statutory duty share of the severity-scaled acute cost (ring-fenced acute pocket first, then
   flexible money, then a deficit); the domain's lead agency (largest share) meets every citizen
   in crisis there, another duty-holder with share s those whose contact draw is below s;
4. the acute response removes `acute_effect` of the need of every citizen in crisis;
5. prevention: each agency, in the scenario's order, spends its prevention pockets plus a share
   of its flexible income on citizens in the prevention window of its own domains, highest need
   first, as far as the budget allows (silo targeting);
6. assessments: each agency pays one assessment per citizen it met; a citizen met by k agencies
   costs k assessments, of which k - 1 are booked as duplicated (waste), unless the scenario has
   integrated case management.

Before step 1, `warmup_steps` quarters of needs, crises and acute response run with no money,
as in placesim, so that both engines start from the dynamics' own steady state.

What it leaves out, on purpose:

- the pool: this model is silo only. It refuses a scenario whose `policy.pool.rule` is not
  `silo`; there are no pool contributions, packages or gain-share;
- learning: collaboration tendency and trust change only what agencies pay into a pool, so in
  the silo regime they do not change any outcome reported here, and they are not modelled;
- the ledger: pockets are plain numbers on each agency, and spend is tallied per step instead of
  booked as double-entry flows, so conservation is not proved here (placesim's ledger does it);
- numbers: needs are float64 (placesim: float32) and initial needs use the exact Beta quantile
  (placesim: a lookup table accurate to 1e-5). Random draws differ from placesim's, so the two
  engines agree in distribution over seeds, not run for run.

Run it (from the repository root):

    .venv/bin/python -m benchmarks.textbook_mesa --citizens 2000 --steps 12 --seed 1
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import mesa
from mesa.agent import AgentSet
import numpy as np
import pandas as pd
from scipy import special

from sim.scenario import load_scenario
from sim.scenario.schema import PoolRule, Scenario

STEPS_PER_YEAR = 4
SPEND_CATEGORIES = ("acute", "prevention", "assessment", "duplicated_assessment")
DEFAULT_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "total_place_pilot.yaml"


class Citizen(mesa.Agent):
    """One resident standing for `model.weight` real people, with a need in every domain."""

    model: TextbookPlace

    def __init__(self, model: TextbookPlace):
        super().__init__(model)
        self.baseline = self.draw_baseline_needs()
        self.needs = self.baseline.copy()
        # recovery pulls needs back towards the baseline: this part of a step never changes
        self.pull = model.recovery * self.baseline + model.drift
        # a duty-holder that is not a domain's lead, with share s, meets this citizen's crises there if this draw < s
        self.contact_draw = self.rng.random()
        self.in_crisis = np.zeros(len(self.needs), dtype=bool)

    def draw_baseline_needs(self) -> np.ndarray:
        """Correlated needs from a Gaussian copula with Beta marginals (as placesim's population).

        A factor shared by all domains makes needs co-occur: a few citizens carry many needs.
        """
        model = self.model
        shared = self.rng.standard_normal()
        own = self.rng.standard_normal(len(model.domain_names))
        latent = np.sqrt(model.copula_correlation) * shared + np.sqrt(1.0 - model.copula_correlation) * own
        return special.betaincinv(model.beta_alpha, model.beta_beta, special.ndtr(latent))

    def step(self) -> None:
        """One quarter of cascades, recovery towards the baseline, drift and noise; then check for crisis."""
        model = self.model
        noise = model.noise_sd * self.rng.standard_normal(len(self.needs))
        self.needs = (model.transition @ self.needs + self.pull + noise).clip(0.0, 1.0)
        self.in_crisis = self.needs >= model.crisis_threshold

    def receive_acute_response(self, domain: int) -> None:
        """The acute response removes `acute_effect` of the need in crisis."""
        self.needs[domain] *= 1.0 - self.model.acute_effect[domain]

    def in_prevention_window(self, domain: int) -> bool:
        """At risk in `domain`, not yet in crisis."""
        model = self.model
        return model.prevention_threshold[domain] <= self.needs[domain] < model.crisis_threshold[domain]


class Agency(mesa.Agent):
    """A public body: income, ring-fenced pockets, statutory duties, silo prevention.

    Money lives in `pockets`: `flexible`, which may go negative (a deficit carried forward), and
    ring-fenced pockets such as `acute:children` or `prevention:housing`, which never do.
    """

    model: TextbookPlace

    def __init__(self, model: TextbookPlace, agency_id: str):
        super().__init__(model)
        scenario = model.scenario
        config = scenario.agencies[agency_id]
        policy = scenario.policy
        self.agency_id = agency_id
        self.config = config
        self.duties = {domain: share for domain, share in config.statutory_duties.items() if share > 0}
        self.ring_fence_share = policy.ring_fence_share if config.ring_fence_share is None else config.ring_fence_share
        self.budget_growth = policy.budget_growth if config.budget_growth is None else config.budget_growth
        self.ring_fenced_weights = ring_fenced_weights(scenario, agency_id)
        settlement_factor = min(1.0, policy.settlement_years / policy.prevention_payback_years)
        self.prevention_share = config.prevention_propensity * settlement_factor
        self.pockets: dict[str, float] = {"flexible": 0.0, **dict.fromkeys(self.ring_fenced_weights, 0.0)}
        self.flexible_income = 0.0
        self.met_this_step: set[Citizen] = set()

    def receive_income(self) -> None:
        """A quarter of the yearly budget: the ring-fenced share into its pockets, the rest flexible."""
        year = (self.model.steps - 1) // STEPS_PER_YEAR
        income = self.config.budget_gbp_per_year / STEPS_PER_YEAR * (1.0 + self.budget_growth) ** year
        ring_fenced = income * self.ring_fence_share if self.ring_fenced_weights else 0.0
        for pocket, weight in self.ring_fenced_weights.items():
            self.pockets[pocket] += ring_fenced * weight
        self.flexible_income = income - ring_fenced
        self.pockets["flexible"] += self.flexible_income
        self.met_this_step = set()

    def spend(self, amount: float, category: str, pocket: str | None = None) -> None:
        """Pay from the ring-fenced `pocket` as far as it holds, the rest from flexible money."""
        from_pocket = min(amount, max(self.pockets.get(pocket, 0.0), 0.0)) if pocket else 0.0
        if from_pocket > 0:
            self.pockets[pocket] -= from_pocket
        self.pockets["flexible"] -= amount - from_pocket
        self.model.spend_this_step[category] += amount

    def respond_to_crises(self) -> None:
        """Pay the duty share of every crisis in its domains, and meet the citizens it reaches.

        A domain's lead agency (largest share) meets every crisis there; another agency with share
        s meets the citizens whose contact draw is below s.
        """
        model = self.model
        for domain, share in self.duties.items():
            cost = model.acute_cost_this_step[domain] * share
            if cost <= 0:
                continue
            self.spend(cost, "acute", f"acute:{domain}")
            in_crisis = model.in_crisis[domain]
            if model.lead_agency[domain] == self.agency_id:
                met = in_crisis
            else:
                met = in_crisis.select(lambda citizen, s=share: citizen.contact_draw < s)
            self.met_this_step.update(met)

    def prevent(self) -> None:
        """Silo prevention: in each of its domains, the citizens closest to crisis first."""
        model = self.model
        flexible_budget = min(self.prevention_share * self.flexible_income, max(self.pockets["flexible"], 0.0))
        total_duty = sum(self.duties.values())
        for domain, share in self.duties.items():
            pocket = f"prevention:{domain}"
            budget = max(self.pockets.get(pocket, 0.0), 0.0) + flexible_budget * share / total_duty
            settings = model.scenario.domains[domain]
            unit_cost = (settings.prevention_cost_gbp + self.config.assessment_cost_gbp) * model.weight
            if unit_cost <= 0 or budget < unit_cost:
                continue
            d = model.domain_index[domain]
            at_risk = model.citizens.select(lambda citizen, d=d: citizen.in_prevention_window(d))
            closest = at_risk.sort(key=lambda citizen, d=d: citizen.needs[d], ascending=False)
            treated = closest.select(at_most=int(budget // unit_cost))
            if len(treated) == 0:
                continue
            for citizen in treated:
                citizen.needs[d] *= 1.0 - settings.prevention_effect
            self.spend(len(treated) * settings.prevention_cost_gbp * model.weight, "prevention", pocket)
            self.met_this_step.update(treated)

    def pay_assessments(self, agencies_met: Counter) -> None:
        """One assessment per citizen met; a citizen met by k agencies is 1/k necessary, the rest waste."""
        unit_cost = self.config.assessment_cost_gbp * self.model.weight
        necessary = sum(1.0 / agencies_met[citizen] for citizen in self.met_this_step)
        self.spend(necessary * unit_cost, "assessment")
        if not self.model.scenario.policy.integrated_case_management:
            self.spend((len(self.met_this_step) - necessary) * unit_cost, "duplicated_assessment")


def ring_fenced_weights(scenario: Scenario, agency_id: str) -> dict[str, float]:
    """Ring-fenced pocket -> share of the ring-fenced income (default: the acute pockets of its duties)."""
    config = scenario.agencies[agency_id]
    if config.ring_fenced_lines:
        lines = config.ring_fenced_lines.items()
        raw = {f"{use.value}:{domain}": weight for use, weights in lines for domain, weight in weights.items()}
    else:
        raw = {f"acute:{domain}": share for domain, share in config.statutory_duties.items()}
    total = sum(raw.values())
    return {pocket: weight / total for pocket, weight in raw.items() if weight > 0} if total > 0 else {}


def lead_agencies(scenario: Scenario) -> dict[str, str]:
    """Domain -> the agency with the largest duty share there (the first such, on a tie)."""
    leads, agencies = {}, scenario.agencies.items()
    for domain in scenario.domains:
        shares = {agency_id: agency.statutory_duties.get(domain, 0.0) for agency_id, agency in agencies}
        leads[domain] = max(shares, key=shares.__getitem__)
    return leads


class TextbookPlace(mesa.Model):
    """The place in the silo regime, with one Citizen agent per simulated resident."""

    def __init__(self, scenario: Scenario, seed: int, population_sample: int | None = None):
        if scenario.policy.pool.rule is not PoolRule.silo:
            rule = scenario.policy.pool.rule.value
            raise ValueError(f"the textbook model is silo only; policy.pool.rule is {rule!r}")
        super().__init__(rng=seed)
        self.scenario = scenario
        n_citizens = population_sample or scenario.run.population_sample
        self.weight = scenario.place.population / n_citizens
        self.domain_names = list(scenario.domains)
        self.domain_index = {name: i for i, name in enumerate(self.domain_names)}
        self.lead_agency = lead_agencies(scenario)
        self.set_up_domains(scenario)
        self.citizens = Citizen.create_agents(self, n_citizens)
        self.agencies = Agency.create_agents(self, len(scenario.agencies), agency_id=scenario.agency_ids)
        self.in_crisis: dict[str, AgentSet] = {}
        self.acute_cost_this_step: dict[str, float] = {}
        self.spend_this_step: Counter = Counter()
        self.mean_need = np.zeros(len(self.domain_names))
        self.datacollector = mesa.DataCollector(model_reporters=self.reporters())
        self.warm_up(scenario.run.warmup_steps)

    def set_up_domains(self, scenario: Scenario) -> None:
        """Per-domain parameters as arrays over domains, which every citizen reads."""
        domains = list(scenario.domains.values())
        self.recovery = np.array([d.recovery for d in domains])
        self.drift = np.array([d.drift for d in domains])
        self.noise_sd = np.array([d.noise_sd for d in domains])
        self.prevention_threshold = np.array([d.prevention_threshold for d in domains])
        self.crisis_threshold = np.array([d.crisis_threshold for d in domains])
        self.acute_effect = np.array([d.acute_effect for d in domains])
        self.beta_alpha = np.array([d.initial_mean * d.initial_concentration for d in domains])
        self.beta_beta = np.array([(1.0 - d.initial_mean) * d.initial_concentration for d in domains])
        self.copula_correlation = scenario.population.copula_correlation
        cascades = np.zeros((len(domains), len(domains)))  # cascades[source, target]
        for source, targets in scenario.population.cascades.items():
            for target, strength in targets.items():
                cascades[self.domain_index[source], self.domain_index[target]] = strength
        self.transition = np.diag(1.0 - self.recovery) + cascades.T

    def reporters(self) -> dict:
        """DataCollector reporters: mean need and crises (at place scale) per domain, spend per category."""
        reporters = {}
        for d, name in enumerate(self.domain_names):
            reporters[f"mean_need/{name}"] = lambda m, d=d: m.mean_need[d]
            reporters[f"crises/{name}"] = lambda m, name=name: len(m.in_crisis[name]) * m.weight
        for category in SPEND_CATEGORIES:
            reporters[f"spend_gbp/{category}"] = lambda m, category=category: m.spend_this_step[category]
        return reporters

    def warm_up(self, quarters: int) -> None:
        """Needs, crises and the acute response, with no money and nothing recorded."""
        for _ in range(quarters):
            self.citizens.shuffle_do("step")
            self.find_crises()
            self.stabilise()

    def find_crises(self) -> None:
        """Who is in crisis in each domain, and the severity-scaled acute cost at place scale."""
        for d, name in enumerate(self.domain_names):
            in_crisis = self.citizens.select(lambda citizen, d=d: citizen.in_crisis[d])
            severity = sum(citizen.needs[d] for citizen in in_crisis)
            self.in_crisis[name] = in_crisis
            self.acute_cost_this_step[name] = self.scenario.domains[name].unit_cost_gbp * severity * self.weight

    def stabilise(self) -> None:
        """Every citizen in crisis receives the acute response in that domain."""
        for d, name in enumerate(self.domain_names):
            self.in_crisis[name].do("receive_acute_response", d)

    def step(self) -> None:
        """One quarter, in placesim's order (see the module docstring)."""
        self.spend_this_step = Counter()
        self.agencies.do("receive_income")
        self.citizens.shuffle_do("step")
        self.find_crises()
        self.agencies.do("respond_to_crises")
        self.stabilise()
        self.agencies.do("prevent")  # in the scenario's order, as placesim: they compete for citizens
        agencies_met = Counter(citizen for agency in self.agencies for citizen in agency.met_this_step)
        self.agencies.do("pay_assessments", agencies_met)
        self.mean_need = self.citizens.agg("needs", lambda needs: np.mean(needs, axis=0))
        self.datacollector.collect(self)

    def outcomes(self) -> pd.DataFrame:
        """Tidy per-step table: `step, measure, domain, category, value`, named as placesim's steps table."""
        wide = self.datacollector.get_model_vars_dataframe()
        wide.index = pd.RangeIndex(1, len(wide) + 1, name="step")
        tidy = wide.reset_index().melt(id_vars="step", var_name="column", value_name="value")
        tidy[["measure", "key"]] = tidy["column"].str.split("/", n=1, expand=True)
        spend = tidy["measure"] == "spend_gbp"
        tidy["domain"] = tidy["key"].where(~spend, "")
        tidy["category"] = tidy["key"].where(spend, "")
        return tidy[["step", "measure", "domain", "category", "value"]]


def run_textbook(
    scenario: Scenario, seed: int, steps: int | None = None, population_sample: int | None = None
) -> pd.DataFrame:
    """Run the textbook model and return its tidy per-step outcomes."""
    model = TextbookPlace(scenario, seed=seed, population_sample=population_sample)
    for _ in range(steps or scenario.run.steps):
        model.step()
    return model.outcomes()


def placesim_outcomes(steps_table: pd.DataFrame) -> pd.DataFrame:
    """The same tidy outcomes from a placesim steps table (`RunResult.steps`): spend summed over agencies."""
    needs_and_crises = steps_table[steps_table["measure"].isin(["mean_need", "crises"])]
    spend = steps_table[(steps_table["measure"] == "spend_gbp") & steps_table["category"].isin(SPEND_CATEGORIES)]
    spend = spend.groupby(["step", "measure", "category"], as_index=False)["value"].sum().assign(domain="")
    columns = ["step", "measure", "domain", "category", "value"]
    return pd.concat([needs_and_crises[columns], spend[columns]], ignore_index=True)


def main() -> None:
    from sim.model import simulate

    parser = argparse.ArgumentParser(description="Run the textbook Mesa model and placesim side by side (silo).")
    parser.add_argument("--scenario", default=str(DEFAULT_SCENARIO))
    parser.add_argument("--citizens", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario, overrides={"policy.pool.rule": "silo"})
    textbook = run_textbook(scenario, args.seed, args.steps, args.citizens)
    arrays = placesim_outcomes(simulate(scenario, args.seed, args.steps, args.citizens).steps)
    last = args.steps
    side_by_side = pd.concat(
        {
            "textbook": textbook[textbook["step"] == last].set_index(["measure", "domain", "category"])["value"],
            "placesim": arrays[arrays["step"] == last].set_index(["measure", "domain", "category"])["value"],
        },
        axis=1,
    )
    print(f"step {last}, {args.citizens} citizens, seed {args.seed}: one run each; they agree in distribution only")
    print(side_by_side.to_string(float_format=lambda v: f"{v:,.4g}"))


if __name__ == "__main__":
    main()
