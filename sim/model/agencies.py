"""Agencies: Mesa agents with budgets made of a fixed base, acute capacity, prevention and assessment.

Each quarter an agency (1) receives a quarter of this year's budget: the fixed base of services
that do not vary with crises is paid at once, the rest splits into ring-fenced lines and a
flexible part, and the fixed cost of its acute capacity is paid (capacity.py); (2) answers its
share of every crisis in its domains: the variable and spot cost through its budget rule
(budget_rules.py), which rations when a body that must balance has run out, and benefits the
centre pays as they arise for demand-led domains; (3) spends on prevention for citizens in the
prevention window of its own domains as its assessments see them, closest to crisis first, with
its slots, queues and take-up (targeting.py), from its prevention lines and the discretionary
money its rule allows. Pool contributions, assessments,
learning and the centre's yearly settlement are in pool.py, duplication.py, learning.py and
settlement.py. All money moves through the ledger.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import mesa

from sim.model import learning
from sim.model.agent_ids import WeakIdCounters
from sim.model.budget_rules import RESERVES, Kind, Purse
from sim.model.capacity import STEPS_PER_YEAR, CapacityBill, CapacityLine
from sim.model.ledger import CENTRE, FLEXIBLE, SERVICES, Ledger
from sim.model.targeting import PreventionService, Referrals
from sim.scenario.schema import Agency, FundUse, Policy

if TYPE_CHECKING:
    from sim.model.model import PlaceModel

AMES = "ame"  # pockets of benefits paid by the centre as they arise: `ame:work`
ACUTE_SPEND = frozenset({"capacity", "acute", "capacity_premium", "benefit"})  # what a member watches for savings


def pocket(use: FundUse, domain: str) -> str:
    """Name of a ring-fenced pocket, e.g. `acute:children`."""
    return f"{use.value}:{domain}"


def ring_fenced_weights(config: Agency) -> dict[str, float]:
    """Pocket -> share of the ring-fenced income; by default the acute lines of its duties."""
    if config.ring_fenced_lines:
        raw = {pocket(use, domain): w for use, lines in config.ring_fenced_lines.items() for domain, w in lines.items()}
    else:
        raw = {
            pocket(FundUse.acute, domain): share
            for domain, share in config.statutory_duties.items()
            if domain not in config.demand_led
        }
    total = sum(raw.values())
    return {name: weight / total for name, weight in raw.items() if weight > 0} if total > 0 else {}


class ServiceAgency(mesa.Agent):
    """A public body in the place (council, NHS commissioner, police, ...)."""

    model: PlaceModel
    _ids = WeakIdCounters()  # Mesa 3.3.1's registry would keep every model alive (agent_ids.py)

    def __init__(self, model: PlaceModel, agency_id: str, config: Agency):
        super().__init__(model)
        self.agency_id = agency_id
        self.config = config
        self.duties = {d: s for d, s in config.statutory_duties.items() if s > 0}
        self.ring_fenced_weights = ring_fenced_weights(config)
        self.ring_fenced_lines = [(name, weight, name.split(":", 1)[1]) for name, weight in self.ring_fenced_weights.items()]
        self.capacity = {d: CapacityLine(config.capacity_in(d)) for d in self.duties if d not in config.demand_led}
        self.prevention_services = {
            d: PreventionService(config.prevention_slots_per_quarter.get(d), config.max_wait_quarters) for d in self.duties
        }
        self.referrals: dict[str, Referrals] = {}  # this quarter's prevention, by domain
        self.acute_spend_gbp = 0.0  # this quarter (ACUTE_SPEND categories)
        self.benefit_gbp = 0.0  # this quarter: benefits paid for demand-led domains
        self.recent_benefit_gbp: deque[float] = deque(maxlen=STEPS_PER_YEAR)
        self.collaboration = config.collaboration
        self.trust: dict[str, float] = {}
        self.budget_gbp_per_year = config.budget_gbp_per_year
        self.fixed_base_gbp_per_year = 0.0  # set during warm-up (`settle_fixed_base`), planned yearly after
        self.settled_fixed_base_gbp_per_year = 0.0
        self.flexible_income = 0.0
        self.unmet_statutory_demand = 0.0
        self.fixed_base_cut_gbp = 0.0
        self.need_related_spend_gbp = 0.0  # this quarter: all but the fixed base (what warm-up settles on)
        self.recent_need_related_spend: deque[float] = deque(maxlen=STEPS_PER_YEAR)
        self.recent_assessment_gbp: deque[float] = deque(maxlen=STEPS_PER_YEAR)
        self.crisis_bills: dict[str, CapacityBill] = {}
        self.exit_costs_due: dict[str, float] = {}  # decommissioning decided at the year's start, paid after income
        self.apply_policy(model.policy)
        self.open_books(model.ledger)

    def apply_policy(self, policy: Policy) -> None:
        """Take the regime's levers (the warm-up's, then the scenario's)."""
        config = self.config
        self.ring_fence_share = policy.ring_fence_share if config.ring_fence_share is None else config.ring_fence_share
        self.budget_growth = policy.budget_growth if config.budget_growth is None else config.budget_growth
        settlement_factor = min(1.0, policy.settlement_years / policy.prevention_payback_years)
        self.prevention_share = config.prevention_propensity * settlement_factor

    def open_books(self, ledger: Ledger) -> None:
        """Open this agency's account in `ledger`, with its budget rule's floor and its opening reserves."""
        ledger.open_account(self.agency_id)
        self.purse = Purse(ledger, self.agency_id, self.config)
        self.purse.set_budget(self.budget_gbp_per_year)
        ledger.pay(CENTRE, self.agency_id, self.config.reserves_gbp, "opening_reserves", destination_pocket=RESERVES)

    # -- income ---------------------------------------------------------------------------
    def receive_income(self) -> None:
        """A quarter of this year's budget: the fixed base paid at once (less any in-year cut), the
        rest split into ring-fenced lines and flexible money; then the fixed cost of its acute
        capacity, and the extra prevention grant (if any) into its prevention pockets."""
        ledger = self.model.ledger
        self.purse.new_quarter()
        self.need_related_spend_gbp = 0.0
        self.acute_spend_gbp = self.benefit_gbp = 0.0
        income = self.budget_gbp_per_year / STEPS_PER_YEAR
        planned_fixed = self.fixed_base_gbp_per_year / STEPS_PER_YEAR
        need_related = max(0.0, income - planned_fixed)
        ring_fenced = need_related * self.ring_fence_share if self.ring_fenced_weights else 0.0
        for name, weight, domain in self.ring_fenced_lines:
            ledger.pay(CENTRE, self.agency_id, ring_fenced * weight, "income", domain, destination_pocket=name)
        self.flexible_income = need_related - ring_fenced
        ledger.pay(CENTRE, self.agency_id, income - ring_fenced, "income")
        cuttable = self.config.fixed_base_cuttable_share if self.purse.year.controls else 0.0
        self.fixed_base_cut_gbp = planned_fixed * cuttable
        self.pay(planned_fixed - self.fixed_base_cut_gbp, "fixed_cost", "", None, Kind.committed, need_related=False)
        if not self.model.warming_up:
            for domain, line in self.capacity.items():
                self.pay(line.fixed_cost_gbp, "capacity", domain, pocket(FundUse.acute, domain), Kind.committed)
            for domain, exit_cost in self.exit_costs_due.items():
                self.pay(exit_cost, "decommissioning", domain, None, Kind.committed)
            self.exit_costs_due = {}
        for domain, amount in self.prevention_grant_this_step().items():
            line = pocket(FundUse.prevention, domain)
            ledger.pay(CENTRE, self.agency_id, amount, "income", domain, destination_pocket=line)

    def prevention_grant_this_step(self) -> dict[str, float]:
        """Domain -> this quarter's extra prevention grant, split by duty share.

        A flat amount: it neither grows nor shrinks with the budget, so every quarter of every
        design point of a wrong-pocket experiment adds the same money, and it is ring-fenced whatever
        the ring-fence share, so it can only buy prevention.
        """
        quarterly = self.config.extra_prevention_gbp_per_year / STEPS_PER_YEAR
        total_duty = sum(self.duties.values())
        if quarterly <= 0 or total_duty <= 0:
            return {}
        return {domain: quarterly * share / total_duty for domain, share in self.duties.items()}

    # -- spending -------------------------------------------------------------------------
    def pay(
        self, amount: float, category: str, domain: str, line: str | None, kind: Kind, need_related: bool = True
    ) -> float:
        """Pay for services through the budget rule; returns what was paid."""
        paid = self.purse.pay(amount, category, domain, line, kind, self.model.steps)
        if need_related:
            self.need_related_spend_gbp += paid
        if category in ACUTE_SPEND:
            self.acute_spend_gbp += paid
        return paid

    def respond_to_crises(self) -> None:
        """Pay this agency's share of every crisis in its domains, as its capacity and rule allow.

        Demand-led domains (benefits) are paid by the centre as they arise. Elsewhere the variable
        and spot cost, and the premium above capacity, are statutory payments: if a body that must
        balance cannot pay, the shortfall is unmet statutory demand, and where this agency leads
        the domain (largest share) the model leaves that share of the domain's crises unserved.
        The lead agency meets and assesses every crisis there; another duty-holder with share s
        meets only the citizens whose contact draw is below s.
        """
        self.unmet_statutory_demand = 0.0
        self.crisis_bills = {}
        model = self.model
        crises = model.crises
        for domain, share in self.duties.items():
            demand = crises.demand_gbp[domain] * share
            if domain in self.config.demand_led:
                self.pay_benefit(demand, domain)
            else:
                self.answer(domain, demand)  # a quarter without demand is priced too: capacity remembers it
            met = crises.masks[domain]
            if model.lead_agency[domain] != self.agency_id:
                met = met & (model.population.contact_draw < share)
            model.contacts.record(self.agency_id, met)

    def pay_benefit(self, amount: float, domain: str) -> None:
        """A demand-led line: the centre pays exactly what is due, and it is paid out at once."""
        ledger, line = self.model.ledger, f"{AMES}:{domain}"
        ledger.pay(CENTRE, self.agency_id, amount, "ame_income", domain, destination_pocket=line)
        ledger.pay(self.agency_id, SERVICES, amount, "benefit", domain, source_pocket=line)
        self.acute_spend_gbp += amount
        self.benefit_gbp += amount

    def answer(self, domain: str, demand: float) -> None:
        line = pocket(FundUse.acute, domain)
        if self.model.warming_up:  # capacity follows demand while the place settles
            self.capacity[domain].bill(demand)
            self.pay(demand, "acute", domain, line, Kind.committed)
            return
        bill = self.capacity[domain].bill(demand)
        self.crisis_bills[domain] = bill
        due = bill.variable + bill.spot
        paid = self.pay(due, "acute", domain, line, Kind.statutory)
        paid += self.pay(bill.premium, "capacity_premium", domain, line, Kind.statutory)
        unpaid = due + bill.premium - paid
        if unpaid > 0:
            self.unmet_statutory_demand += unpaid
            if self.model.lead_agency[domain] == self.agency_id:
                self.model.ration(domain, unpaid / (due + bill.premium))

    @property
    def flexible_balance(self) -> float:
        return self.model.ledger.balance(self.agency_id, FLEXIBLE)

    def prevent(self) -> None:
        """Silo prevention: its own domains, as its assessments see them, from its prevention lines
        and the discretionary money its rule allows (keeping back what its assessments usually
        cost), through its slots and queues (targeting.py)."""
        model = self.model
        population = model.population
        expected_assessments = max(self.recent_assessment_gbp, default=0.0)
        discretionary = max(0.0, self.purse.discretionary_gbp() - expected_assessments)
        flexible_budget = min(self.prevention_share * self.flexible_income, discretionary)
        total_duty = sum(self.duties.values())
        self.referrals = {}
        for domain, share in self.duties.items():
            line = pocket(FundUse.prevention, domain)
            budget = model.ledger.available(self.agency_id, line) + flexible_budget * share / total_duty
            settings = model.scenario.domains[domain]
            unit_cost = (settings.prevention_cost_gbp + self.config.assessment_cost_gbp) * population.weight
            if unit_cost <= 0:
                continue
            row = model.domain_index[domain]  # a quarter without money still serves: its queue is kept up
            referrals = self.prevention_services[domain].serve(
                population,
                row,
                self.config.assessment_error_sd,
                settings.take_up,
                int(budget // unit_cost),
                model.quarters_run,
                model.crises.masks[domain],
            )
            self.referrals[domain] = referrals
            treated = referrals.treated
            model.contacts.record(self.agency_id, referrals.assessed)
            if treated.size == 0:
                continue
            model.record_prevention(row, treated, settings.prevention_effect)
            population.reduce_need(row, treated, settings.prevention_effect)
            population.cost_this_year[treated] += settings.prevention_cost_gbp
            cost = treated.size * settings.prevention_cost_gbp * population.weight
            self.pay(cost, "prevention", domain, line, Kind.discretionary)

    def pay_assessments(self) -> None:
        """Pay for this step's contacts; the duplicated part is booked as waste."""
        model = self.model
        bill = model.assessment_bills[self.agency_id]
        unit = self.config.assessment_cost_gbp * model.population.weight
        paid = self.pay(bill.necessary * unit, "assessment", "", None, Kind.committed)
        if not model.policy.integrated_case_management:
            paid += self.pay(bill.duplicated * unit, "duplicated_assessment", "", None, Kind.committed)
        self.recent_assessment_gbp.append(paid)

    def learn(self) -> None:
        """Update collaboration and trust by the conditional-cooperation rule (learning.py)."""
        learning.learn(self.model, self)

    def end_quarter(self) -> None:
        self.recent_need_related_spend.append(self.need_related_spend_gbp)
        if self.config.demand_led:
            self.recent_benefit_gbp.append(self.benefit_gbp)

    @property
    def settled_acute_spend_gbp(self) -> float:
        """A silo quarter's acute spend at settled demand: the do-nothing projection members judge
        the pool's savings against (savings_estimate.py). Capacity as held, variable cost at its mean
        recent demand, benefits at their recent mean."""
        capacity = sum(
            line.fixed_cost_gbp + line.settings.variable_share * line.mean_recent_demand_gbp for line in self.capacity.values()
        )
        benefits = sum(self.recent_benefit_gbp) / len(self.recent_benefit_gbp) if self.recent_benefit_gbp else 0.0
        return capacity + benefits

    @property
    def deficit(self) -> float:
        """Money owed beyond the flexible balance (GBP, >= 0): only a control-total body has one."""
        return max(0.0, -self.flexible_balance)

    @property
    def reserves_gbp(self) -> float:
        return self.purse.reserves_gbp
