"""The centre settles budgets: each year's budget, capacity and plan, and where unspent money goes.

At the start of each year (docs/ODD.md 7.17) the centre sets every agency's budget,
`B(y) = B(y - 1) (1 + g(y))`, with `g` from `settlement.path.<agency>` (year 1 first, against the
settled budget; its last value repeats), else the agency's `budget_growth` from year 2 on. The
agency then adjusts its acute capacity on its own lagged view of demand (capacity.py; the exit
cost of decommissioning is paid with the quarter's committed costs, after its income) and plans
the year: the fixed base is what the budget leaves after the expected need-related costs and a
contingency,

    F(y) = clip(B(y) - 4 (sum_d Fc_d + E[crisis cost_d] + E[assessments]) - contingency B(y),
                fixed_base_floor_share F0, F0),

so a budget cut first squeezes the discretionary margin (prevention), then closes non-statutory
services down to the floor of the fixed base, and only then, in the quarter, forces rationing
(budget_rules.py).

At the end of each year: unspent ring-fenced lines go back to the centre (unless
`settlement.ring_fence_carry_forward`), support from the centre is repaid from any surplus, and
the rest of the surplus follows the agency's `savings_rule`: `clawback` returns it to the centre;
`retain` moves it to reserves up to `reserve_cap_share` of the budget and returns the rest;
`reinvest` puts up to `reinvest_cap_share` of the budget into next year's prevention lines, split
by duty share, and retains the rest. Every unspent pound ends in reserves, a prevention line or
the centre.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from sim.model.budget_rules import RESERVES
from sim.model.capacity import STEPS_PER_YEAR
from sim.model.ledger import CENTRE, FLEXIBLE
from sim.scenario.schema import BudgetRule, FundUse, SavingsRule

if TYPE_CHECKING:
    from sim.model.agencies import ServiceAgency
    from sim.model.model import PlaceModel



def budget_change(model: PlaceModel, agency: ServiceAgency, year: int) -> float:
    """The real change of `agency`'s budget in `year` (1 = the first year after warm-up)."""
    path = model.scenario.settlement.path.get(agency.agency_id)
    if path:
        return path[min(year, len(path)) - 1]
    return agency.budget_growth if year >= 2 else 0.0


def open_year(model: PlaceModel, year: int) -> None:
    """Set this year's budgets, adjust capacity and plan the fixed base, for every agency."""
    for agency in model.agency_list:
        agency.budget_gbp_per_year *= 1.0 + budget_change(model, agency, year)
        ended_under_controls = agency.purse.year.controls
        agency.purse.new_year()
        agency.purse.set_budget(agency.budget_gbp_per_year)
        if year >= 2:
            for domain, line in agency.capacity.items():
                agency.exit_costs_due[domain] = line.adjust(may_grow=not ended_under_controls)
        agency.fixed_base_gbp_per_year = planned_fixed_base(agency)


def expected_need_related_cost_per_year(agency: ServiceAgency) -> float:
    """What the agency expects its capacity, crises and assessments to cost in a year, from its
    last four quarters of demand at this year's capacity."""
    quarterly = 0.0
    for line in agency.capacity.values():
        settings, demand, capacity = line.settings, line.mean_recent_demand_gbp, line.capacity_gbp
        beyond = max(0.0, demand - capacity)
        quarterly += line.fixed_cost_gbp + settings.variable_share * min(demand, capacity) + (1.0 + settings.premium) * beyond
    recent = agency.recent_assessment_gbp
    quarterly += sum(recent) / len(recent) if recent else 0.0
    return STEPS_PER_YEAR * quarterly


def planned_fixed_base(agency: ServiceAgency) -> float:
    settled = agency.settled_fixed_base_gbp_per_year
    config = agency.config
    budget = agency.budget_gbp_per_year
    room = budget - expected_need_related_cost_per_year(agency) - config.contingency_share * budget
    return min(settled, max(config.fixed_base_floor_share * settled, room))


def close_year(model: PlaceModel) -> None:
    """Return unspent ring-fenced money, repay support, and apply each agency's savings rule."""
    carry_forward = model.scenario.settlement.ring_fence_carry_forward
    for agency in model.agency_list:
        ledger, account = model.ledger, agency.agency_id
        if not carry_forward:
            for line in agency.ring_fenced_weights:
                ledger.pay(account, CENTRE, ledger.available(account, line), "returned_to_centre", line.split(":", 1)[1], source_pocket=line)
        agency.purse.repay_centre()
        surplus = min(max(0.0, agency.flexible_balance), ledger.available(account))
        apply_savings_rule(agency, surplus)


def apply_savings_rule(agency: ServiceAgency, surplus: float) -> None:
    ledger, account, config = agency.model.ledger, agency.agency_id, agency.config
    budget = agency.budget_gbp_per_year
    if config.savings_rule is SavingsRule.reinvest and agency.duties:
        reinvested = min(surplus, config.reinvest_cap_share * budget)
        total_duty = sum(agency.duties.values())
        for domain, share in agency.duties.items():
            line = f"{FundUse.prevention.value}:{domain}"
            ledger.pay(account, account, reinvested * share / total_duty, "reinvested", domain, destination_pocket=line)
        surplus -= reinvested
    if config.savings_rule is not SavingsRule.clawback and config.budget_rule is not BudgetRule.cash_limited:
        kept = min(surplus, max(0.0, config.reserve_cap_share * budget - agency.reserves_gbp))
        ledger.pay(account, account, kept, "to_reserves", destination_pocket=RESERVES)
        surplus -= kept
    ledger.pay(account, CENTRE, surplus, "returned_to_centre", source_pocket=FLEXIBLE)


def settle_after_warm_up(model: PlaceModel) -> None:
    """At the end of warm-up: size every capacity line to its settled demand plus headroom, and fix
    the fixed base so that the settled plan balances with that capacity: at the settled demand
    `D`, capacity `(1 + h) D` costs `(1 - v) h D` a quarter more than warm-up paid."""
    for agency in model.agency_list:
        headroom_cost = 0.0
        for line in agency.capacity.values():
            line.size_to_recent_demand()
            settings = line.settings
            headroom_cost += (1.0 - settings.variable_share) * settings.headroom * line.mean_recent_demand_gbp
        fixed_base = max(0.0, agency.fixed_base_gbp_per_year - STEPS_PER_YEAR * headroom_cost)
        agency.fixed_base_gbp_per_year = agency.settled_fixed_base_gbp_per_year = fixed_base
        warn_of_an_implausible_fixed_base(agency)


class FixedBaseWarning(UserWarning):
    """An agency's settled fixed base lies outside its `fixed_base_range_share`: its budget or its
    unit costs do not fit the services it runs."""


def warn_of_an_implausible_fixed_base(agency: ServiceAgency) -> None:
    allowed = agency.config.fixed_base_range_share
    budget = agency.budget_gbp_per_year
    if allowed is None or budget <= 0:
        return
    share = agency.fixed_base_gbp_per_year / budget
    if not allowed[0] <= share <= allowed[1]:
        warnings.warn(
            f"agencies.{agency.agency_id}: the settled fixed base is {share:.0%} of the budget, outside "
            f"fixed_base_range_share [{allowed[0]:.0%}, {allowed[1]:.0%}]: check its budget_gbp_per_year and the unit "
            "costs of its duties",
            FixedBaseWarning,
            stacklevel=2,
        )


def settle_fixed_base_in_warm_up(agency: ServiceAgency) -> None:
    """During warm-up the fixed base is what the budget leaves after the agency's need-related
    spend of its last quarters and a contingency: it balances the settled plan."""
    recent = agency.recent_need_related_spend
    if not recent:
        return
    budget = agency.budget_gbp_per_year
    spend = STEPS_PER_YEAR * sum(recent) / len(recent)
    agency.fixed_base_gbp_per_year = max(0.0, budget - spend - agency.config.contingency_share * budget)
