"""The pooled budget: contributions, governance, whole-person or whole-family packages and gain-share.

Members contribute `rate * collaboration * flexible income` (never ring-fenced money, never
money their budget rule does not let them spend at their discretion). The pool pays
`governance_share` of each contribution as overhead, then buys packages: each removes
`package_effect` of every need of one citizen (with `whole_family`, of every member of one
household: one key worker, one assessment), and costs `package_cost_gbp` plus one assessment.
Who is offered one depends on the rule, applied to need as the pool's assessment sees it (with
error `assessment_error_sd`, targeting.py):

- `need`: greatest total need first;
- `invest_to_save`: greatest expected avoided acute cost, summed over all agencies, first (as the
  members value it: within their funding settlement);
- `citizen_priority`: need weighted by citizens' stated priorities first.

Eligible are citizens whose observed need is in the prevention window of at least one domain (a
household with such a member, under `whole_family`). An offer is taken up with probability
`take_up`; a declined offer costs its assessment, and the pool goes on offering down its ranking
while its balance lasts (as silo services do, targeting.py). Each package bought records its business-case
claim (savings_estimate.py) and a counterfactual for deadweight (deadweight.py). Gain-share and
what members learn from use each member's own estimate of its savings (savings_estimate.py), not
the model's expected avoided cost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.agencies import STEPS_PER_YEAR
from sim.model.deadweight import ANY_DOMAIN
from sim.model.ledger import POOL, SERVICES
from sim.model.savings_estimate import BusinessCase, ObservedSavings
from sim.model.targeting import highest_first, observed_needs, offers_affordable, offers_for, takes_up
from sim.scenario.schema import PoolRule

if TYPE_CHECKING:
    from sim.model.agencies import ServiceAgency
    from sim.model.model import PlaceModel


class PooledBudget:
    """The pool account's behaviour. Its balance lives in the ledger like every other."""

    def __init__(self, model: PlaceModel):
        self.model = model
        self.settings = model.policy.pool
        self.active = self.settings.rule is not PoolRule.silo
        self.members = model.scenario.pool_members if self.active else []
        domains = list(model.scenario.domains.values())
        self.members_view = BusinessCase(model, STEPS_PER_YEAR * model.policy.settlement_years)
        self.priority = np.array([d.citizen_priority for d in domains])
        self.observed_savings = ObservedSavings(model, self.settings.evaluation)
        self.contributions: dict[str, float] = {}
        self.gain_share_net: dict[str, float] = {}
        self.packages = 0  # packages bought this step (households under whole_family)
        self.helped: np.ndarray = np.zeros(0, dtype=np.int64)  # citizens a package reached this step
        self.offers_declined = 0
        self.claimed_gbp = 0.0  # this step's business-case claim for the packages bought
        model.ledger.open_account(POOL)

    @property
    def balance(self) -> float:
        return self.model.ledger.account_balance(POOL)

    def collect(self) -> None:
        """Members pay in from flexible money, in proportion to rate and collaboration: only money
        their budget rule lets them spend at their discretion (none under in-year controls)."""
        self.contributions = {}
        for agency in self.model.agencies_by_id(self.members):
            wanted = self.settings.rate * agency.collaboration * agency.flexible_income
            amount = min(wanted, agency.purse.discretionary_gbp())
            self.model.ledger.pay(agency.agency_id, POOL, amount, "pool_contribution")
            self.contributions[agency.agency_id] = amount
        governance = self.settings.governance_share * sum(self.contributions.values())
        self.model.ledger.pay(POOL, SERVICES, governance, "governance")

    def buy_packages(self) -> None:
        """Spend the pool's balance on packages for the citizens (or households) its rule ranks first."""
        self.packages, self.offers_declined, self.claimed_gbp = 0, 0, 0.0
        self.helped = np.zeros(0, dtype=np.int64)
        if not self.active:
            return
        model, settings = self.model, self.settings
        population = model.population
        unit_cost = (settings.package_cost_gbp + settings.assessment_cost_gbp) * population.weight
        affordable = int(self.balance // unit_cost) if unit_cost > 0 else 0
        if affordable <= 0:
            return
        seen = observed_needs(population, None, settings.assessment_error_sd)
        eligible = np.flatnonzero(
            ((seen >= population.prevention_threshold[:, None]) & (seen < population.crisis_threshold[:, None])).any(axis=0)
        )
        if eligible.size == 0:
            return
        score = self.score(seen[:, eligible])
        wanted = offers_for(affordable, settings.take_up)
        listed = self.households_first(eligible, score, wanted) if settings.whole_family else eligible[highest_first(score, wanted)]
        accepts = takes_up(population, listed, settings.take_up)
        offered_count = offers_affordable(
            accepts, self.balance / population.weight, settings.assessment_cost_gbp, settings.package_cost_gbp
        )
        offered, accepted = listed[:offered_count], accepts[:offered_count]
        helped = offered[accepted]
        if settings.whole_family:  # every member of a household that took it up
            helped = np.flatnonzero(np.isin(population.household, population.household[helped]))
        self.offers_declined = int((~accepted).sum())
        self.packages = int(accepted.sum())
        self.helped = helped
        self.claimed_gbp = float(model.business_case.avoided(population.needs[:, helped], settings.package_effect).sum()) * population.weight
        model.remember_untreated("package", helped, ANY_DOMAIN)
        for row in range(population.needs.shape[0]):
            population.reduce_need(row, helped, settings.package_effect)
        weight = population.weight
        package_gbp = self.packages * settings.package_cost_gbp
        if settings.whole_family:  # a family's package is shared by its members
            members = np.bincount(population.household)[population.household[helped]]
            population.cost_this_year[helped] += settings.package_cost_gbp / members
        else:
            population.cost_this_year[helped] += settings.package_cost_gbp
        model.ledger.pay(POOL, SERVICES, package_gbp * weight, "pool_prevention")
        model.ledger.pay(POOL, SERVICES, offered.size * settings.assessment_cost_gbp * weight, "assessment")

    def households_first(self, eligible: np.ndarray, score: np.ndarray, at_most: int) -> np.ndarray:
        """The first member of each of the `at_most` households ranked first by the sum of their eligible
        members' scores, in rank order: the pool offers to them, and their draw decides the household's take-up."""
        household = self.model.population.household
        scores = np.bincount(household[eligible], weights=score)
        candidates = np.unique(household[eligible])
        chosen = candidates[highest_first(scores[candidates], at_most)]
        return np.searchsorted(household, chosen)  # households are contiguous runs of citizens

    def score(self, seen: np.ndarray) -> np.ndarray:
        """The rule's score of each eligible citizen, from the needs the pool's assessment sees."""
        rule = self.settings.rule
        if rule is PoolRule.need:
            return seen.sum(axis=0)
        if rule is PoolRule.invest_to_save:
            return self.members_view.avoided(seen, self.settings.package_effect).sum(axis=0)
        return self.priority @ seen

    def observe_savings(self) -> None:
        """Members read their acute spend for this quarter and update their estimates of what the pool saves them."""
        if self.active:
            self.observed_savings.observe()

    def share_gains(self) -> None:
        """With gain-share, members hand back part of the savings they see (their own estimate) to contributors."""
        self.gain_share_net = dict.fromkeys(self.model.scenario.agencies, 0.0)
        total_contribution = sum(self.contributions.values())
        if not (self.active and self.settings.gain_share and total_contribution > 0):
            return
        ledger = self.model.ledger
        for payer in self.model.agencies_by_id(self.members):
            owed = self.settings.gain_share_rate * max(0.0, self.observed_savings.estimate(payer))
            owed = min(owed, payer.purse.discretionary_gbp())
            for receiver_id, contribution in self.contributions.items():
                amount = owed * contribution / total_contribution
                if receiver_id == payer.agency_id or amount <= 0:
                    continue
                ledger.pay(payer.agency_id, receiver_id, amount, "gain_share")
                self.gain_share_net[payer.agency_id] -= amount
                self.gain_share_net[receiver_id] += amount

    def benefit_to(self, agency: ServiceAgency) -> float:
        """What a member sees coming back from the pool this step: its estimated saving plus net gain-share."""
        return self.observed_savings.estimate(agency) + self.gain_share_net.get(agency.agency_id, 0.0)
