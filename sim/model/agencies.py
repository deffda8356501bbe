"""Agencies: Mesa agents with ring-fenced budgets, statutory duties and silo prevention.

Each step an agency (1) receives its income, split into ring-fenced lines and a flexible part,
plus any extra prevention grant into its `prevention:<domain>` pockets;
(2) answers its share of every crisis in its domains (ring-fenced acute line first, then
flexible money, then a deficit: statutory duties are never dropped); (3) spends on prevention
for citizens in the prevention window of its own domains, closest to crisis first (silo
targeting). Pool contributions, assessments and learning are in pool.py, duplication.py and
learning.py. All money moves through the ledger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.model import learning
from sim.model.agent_ids import WeakIdCounters
from sim.model.ledger import CENTRE, FLEXIBLE, SERVICES
from sim.scenario.schema import Agency, FundUse

if TYPE_CHECKING:
    from sim.model.model import PlaceModel

STEPS_PER_YEAR = 4


def pocket(use: FundUse, domain: str) -> str:
    """Name of a ring-fenced pocket, e.g. `acute:children`."""
    return f"{use.value}:{domain}"


def ring_fenced_weights(config: Agency) -> dict[str, float]:
    """Pocket -> share of the ring-fenced income; by default the acute lines of its duties."""
    if config.ring_fenced_lines:
        raw = {pocket(use, domain): w for use, lines in config.ring_fenced_lines.items() for domain, w in lines.items()}
    else:
        raw = {pocket(FundUse.acute, domain): share for domain, share in config.statutory_duties.items()}
    total = sum(raw.values())
    return {name: weight / total for name, weight in raw.items() if weight > 0} if total > 0 else {}


class ServiceAgency(mesa.Agent):
    """A public body in the place (council, NHS commissioner, police, ...)."""

    model: PlaceModel
    _ids = WeakIdCounters()  # Mesa 3.3.1's registry would keep every model alive (agent_ids.py)

    def __init__(self, model: PlaceModel, agency_id: str, config: Agency):
        super().__init__(model)
        policy = model.scenario.policy
        self.agency_id = agency_id
        self.config = config
        self.duties = {d: s for d, s in config.statutory_duties.items() if s > 0}
        self.ring_fence_share = policy.ring_fence_share if config.ring_fence_share is None else config.ring_fence_share
        self.budget_growth = policy.budget_growth if config.budget_growth is None else config.budget_growth
        self.ring_fenced_weights = ring_fenced_weights(config)
        settlement_factor = min(1.0, policy.settlement_years / policy.prevention_payback_years)
        self.prevention_share = config.prevention_propensity * settlement_factor
        self.collaboration = config.collaboration
        self.trust: dict[str, float] = {}
        self.flexible_income = 0.0
        self.unmet_statutory_demand = 0.0
        model.ledger.open_account(agency_id)

    # -- income ---------------------------------------------------------------------------
    def income_this_step(self) -> float:
        year = (self.model.steps - 1) // STEPS_PER_YEAR
        return self.config.budget_gbp_per_year / STEPS_PER_YEAR * (1.0 + self.budget_growth) ** year

    def receive_income(self) -> None:
        """Income from the central funder: ring-fenced lines first, the rest flexible, then the
        extra prevention grant (if any) into the prevention pockets of its duty domains."""
        income = self.income_this_step()
        ledger = self.model.ledger
        ring_fenced = income * self.ring_fence_share if self.ring_fenced_weights else 0.0
        for name, weight in self.ring_fenced_weights.items():
            domain = name.split(":", 1)[1]
            ledger.pay(CENTRE, self.agency_id, ring_fenced * weight, "income", domain, destination_pocket=name)
        self.flexible_income = income - ring_fenced
        ledger.pay(CENTRE, self.agency_id, self.flexible_income, "income")
        for domain, amount in self.prevention_grant_this_step().items():
            line = pocket(FundUse.prevention, domain)
            ledger.pay(CENTRE, self.agency_id, amount, "income", domain, destination_pocket=line)

    def prevention_grant_this_step(self) -> dict[str, float]:
        """Domain -> this quarter's extra prevention grant, split by duty share.

        A flat amount: it neither grows nor shrinks with `budget_growth`, so every quarter of every
        design point of a wrong-pocket experiment adds the same money, and it is ring-fenced whatever
        the ring-fence share, so it can only buy prevention.
        """
        quarterly = self.config.extra_prevention_gbp_per_year / STEPS_PER_YEAR
        total_duty = sum(self.duties.values())
        if quarterly <= 0 or total_duty <= 0:
            return {}
        return {domain: quarterly * share / total_duty for domain, share in self.duties.items()}

    # -- spending -------------------------------------------------------------------------
    def spend(self, amount: float, category: str, domain: str, line: str | None) -> None:
        """Pay for services: the ring-fenced `line` first (as far as it holds), then flexible."""
        ledger = self.model.ledger
        from_line = 0.0
        if line is not None:
            from_line = min(amount, max(ledger.balance(self.agency_id, line), 0.0))
            ledger.pay(self.agency_id, SERVICES, from_line, category, domain, source_pocket=line)
        ledger.pay(self.agency_id, SERVICES, amount - from_line, category, domain)

    def respond_to_crises(self) -> None:
        """Pay this agency's share of every crisis in its domains; overspend is a deficit.

        It pays its duty share of the cost of every crisis. The lead agency of a domain (largest
        share) meets and assesses every crisis there; another duty-holder with share s meets only
        the citizens whose contact draw is below s: fire, with 1% of health crises, does not
        assess them all.
        """
        self.unmet_statutory_demand = 0.0
        crises = self.model.crises
        for domain, share in self.duties.items():
            cost = crises.acute_cost_gbp[domain] * share
            if cost <= 0:
                continue
            line = pocket(FundUse.acute, domain)
            covered = max(self.model.ledger.balance(self.agency_id, line), 0.0) + max(self.flexible_balance, 0.0)
            self.unmet_statutory_demand += max(0.0, cost - covered)
            self.spend(cost, "acute", domain, line)
            met = crises.masks[domain]
            if self.model.lead_agency[domain] != self.agency_id:
                met = met & (self.model.population.contact_draw < share)
            self.model.contacts.record(self.agency_id, met)

    @property
    def flexible_balance(self) -> float:
        return self.model.ledger.balance(self.agency_id, FLEXIBLE)

    def prevent(self) -> None:
        """Silo prevention: its own domains, closest to crisis first, as far as money allows."""
        model = self.model
        flexible_budget = min(self.prevention_share * self.flexible_income, max(self.flexible_balance, 0.0))
        total_duty = sum(self.duties.values())
        for domain, share in self.duties.items():
            line = pocket(FundUse.prevention, domain)
            budget = max(model.ledger.balance(self.agency_id, line), 0.0) + flexible_budget * share / total_duty
            settings = model.scenario.domains[domain]
            unit_cost = (settings.prevention_cost_gbp + self.config.assessment_cost_gbp) * model.population.weight
            if unit_cost <= 0 or budget < unit_cost:
                continue
            treated = model.population.select_closest_to_crisis(model.domain_index[domain], int(budget // unit_cost))
            if treated.size == 0:
                continue
            model.population.reduce_need(model.domain_index[domain], treated, settings.prevention_effect)
            cost = treated.size * settings.prevention_cost_gbp * model.population.weight
            self.spend(cost, "prevention", domain, line)
            model.contacts.record(self.agency_id, treated)

    def pay_assessments(self) -> None:
        """Pay for this step's contacts; the duplicated part is booked as waste."""
        model = self.model
        bill = model.assessment_bills[self.agency_id]
        unit = self.config.assessment_cost_gbp * model.population.weight
        necessary = bill.necessary * unit
        self.spend(necessary, "assessment", "", None)
        if not model.scenario.policy.integrated_case_management:
            self.spend(bill.duplicated * unit, "duplicated_assessment", "", None)

    def learn(self) -> None:
        """Update collaboration and trust by the conditional-cooperation rule (learning.py)."""
        learning.learn(self.model, self)

    @property
    def deficit(self) -> float:
        """Money owed beyond the flexible balance (GBP, >= 0)."""
        return max(0.0, -self.flexible_balance)
