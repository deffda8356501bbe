"""The pooled budget: contributions, governance, whole-person packages and gain-share.

Members contribute `rate * collaboration * flexible income` (never ring-fenced money, never
money their budget rule does not let them spend at their discretion). The pool pays
`governance_share` of each contribution as overhead, then buys whole-person packages: each
removes `package_effect` of every need of one citizen, with one assessment. Who gets a package depends on the rule:

- `need`: greatest total need first;
- `invest_to_save`: greatest expected avoided acute cost, summed over all agencies, first;
- `citizen_priority`: need weighted by citizens' stated priorities first.

Eligible are citizens in the prevention window of at least one domain. The expected avoided
acute cost of a package (also what gain-share hands back) is, per domain,
`unit_cost / reference_severity * need * package_effect * closeness * persistence`, where closeness in [0, 1] is how
far the need has moved through the prevention window towards the crisis threshold, and
persistence = sum over the settlement's quarters k of (1 - recovery)^k: the removed need returns
towards the citizen's baseline at the recovery rate, so the saving lasts several quarters, and
agencies count it only within their funding settlement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.agencies import STEPS_PER_YEAR
from sim.model.crises import cost_per_unit_of_need
from sim.model.ledger import POOL, SERVICES
from sim.scenario.schema import PoolRule

if TYPE_CHECKING:
    from sim.model.agencies import ServiceAgency
    from sim.model.model import PlaceModel


def closeness_to_crisis(needs: np.ndarray, prevention: np.ndarray, crisis: np.ndarray) -> np.ndarray:
    """[D, k] in [0, 1]: 0 at the bottom of the prevention window, 1 at the crisis threshold."""
    span = (crisis - prevention)[:, None]
    return np.clip((needs - prevention[:, None]) / span, 0.0, 1.0)


def settlement_persistence(recovery: float, horizon_quarters: int) -> float:
    """Quarters' worth of a one-off need reduction counted within the settlement horizon."""
    if recovery <= 0:
        return float(horizon_quarters)
    return (1.0 - (1.0 - recovery) ** horizon_quarters) / recovery


class PooledBudget:
    """The pool account's behaviour. Its balance lives in the ledger like every other."""

    def __init__(self, model: PlaceModel):
        self.model = model
        self.settings = model.policy.pool
        self.active = self.settings.rule is not PoolRule.silo
        self.members = model.scenario.pool_members if self.active else []
        domains = list(model.scenario.domains.values())
        self.acute_cost = np.array([cost_per_unit_of_need(d.unit_cost_gbp, d.reference_severity) for d in domains])
        horizon = STEPS_PER_YEAR * model.policy.settlement_years
        self.persistence = np.array([settlement_persistence(d.recovery, horizon) for d in domains])
        self.priority = np.array([d.citizen_priority for d in domains])
        self.contributions: dict[str, float] = {}
        self.attributed_savings: dict[str, float] = {}
        self.gain_share_net: dict[str, float] = {}
        self.packages = 0
        self.duty_matrix = np.array(
            [[model.scenario.agencies[a].statutory_duties.get(d, 0.0) for d in model.scenario.domains] for a in model.scenario.agencies]
        )
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
        """Spend the pool's balance on whole-person packages for the citizens its rule ranks first."""
        self.packages = 0
        self.attributed_savings = dict.fromkeys(self.model.scenario.agencies, 0.0)
        if not self.active:
            return
        model = self.model
        population = model.population
        unit_cost = (self.settings.package_cost_gbp + self.settings.assessment_cost_gbp) * population.weight
        affordable = int(self.balance // unit_cost) if unit_cost > 0 else 0
        if affordable <= 0:
            return
        eligible = np.flatnonzero(population.any_in_prevention_window())
        if eligible.size == 0:
            return
        citizens = eligible[self.rank(eligible, affordable)]
        avoided = self.expected_avoided_cost(population.needs[:, citizens])
        for row in range(population.needs.shape[0]):
            population.reduce_need(row, citizens, self.settings.package_effect)
        self.packages = citizens.size
        weight = population.weight
        model.ledger.pay(POOL, SERVICES, citizens.size * self.settings.package_cost_gbp * weight, "pool_prevention")
        model.ledger.pay(POOL, SERVICES, citizens.size * self.settings.assessment_cost_gbp * weight, "assessment")
        savings_by_domain = avoided.sum(axis=1) * weight
        for agency_id, duties in zip(model.scenario.agencies, self.duty_matrix, strict=True):
            self.attributed_savings[agency_id] = float(duties @ savings_by_domain)

    def expected_avoided_cost(self, needs: np.ndarray) -> np.ndarray:
        """[D, k] expected acute cost a package would avoid, in GBP per resident the citizen stands for."""
        population = self.model.population
        closeness = closeness_to_crisis(needs, population.prevention_threshold, population.crisis_threshold)
        value_per_need = self.acute_cost * self.persistence * self.settings.package_effect
        return value_per_need[:, None] * needs * closeness

    def rank(self, eligible: np.ndarray, at_most: int) -> np.ndarray:
        """Positions (into `eligible`) of the `at_most` citizens the rule puts first.

        Only what the rule scores is computed for every eligible citizen: under `need`, total need
        (summed over all citizens, which is cheaper than gathering the eligible ones' needs first).
        """
        rule = self.settings.rule
        needs = self.model.population.needs
        if rule is PoolRule.need:
            score = needs.sum(axis=0)[eligible]
        elif rule is PoolRule.invest_to_save:
            score = self.expected_avoided_cost(needs[:, eligible]).sum(axis=0)
        else:
            score = self.priority @ needs[:, eligible]
        if score.size <= at_most:
            return np.arange(score.size)
        cut = score.size - at_most
        return np.argpartition(score, cut)[cut:]

    def share_gains(self) -> None:
        """With gain-share, members hand back part of their attributed savings to contributors."""
        self.gain_share_net = dict.fromkeys(self.model.scenario.agencies, 0.0)
        total_contribution = sum(self.contributions.values())
        if not (self.active and self.settings.gain_share and total_contribution > 0):
            return
        ledger = self.model.ledger
        for payer in self.model.agencies_by_id(self.members):
            owed = self.settings.gain_share_rate * self.attributed_savings[payer.agency_id]
            owed = min(owed, payer.purse.discretionary_gbp())
            for receiver_id, contribution in self.contributions.items():
                amount = owed * contribution / total_contribution
                if receiver_id == payer.agency_id or amount <= 0:
                    continue
                ledger.pay(payer.agency_id, receiver_id, amount, "gain_share")
                self.gain_share_net[payer.agency_id] -= amount
                self.gain_share_net[receiver_id] += amount

    def benefit_to(self, agency: ServiceAgency) -> float:
        """What a member sees coming back from the pool this step: savings plus net gain-share."""
        return self.attributed_savings.get(agency.agency_id, 0.0) + self.gain_share_net.get(agency.agency_id, 0.0)
