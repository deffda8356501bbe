"""What a run reports: per-step measures as a tidy long table, and the per-run summary.

Per step (`steps` table, one row per step and measure): columns `step, measure, agency, domain,
category, value`, with "" where a column does not apply. Measures: `spend_gbp` (the count, by
agency x domain x category, from the ledger), `mean_need`, `crises` (at place scale),
`wellbeing`, `priority_weighted_wellbeing`, `need_gini`, `unmet_statutory_demand_gbp` (statutory
cost left unpaid: rationed), `deficit_gbp`, `collaboration`, `pool_balance_gbp`, `pool_members`,
`pool_packages`; per agency and domain `demand_gbp` (its share of the crises at full unit cost),
`capacity_gbp` (what its capacity answers at full use), `utilisation`, `idle_capacity_gbp`; per
agency `budget_gbp` (this year's, a year), `fixed_base_cut_gbp`, `reserves_gbp`,
`owed_to_centre_gbp` and `section_114` (1 in the quarter a notice is issued).

Behaviour (docs/ODD.md 7.18-7.22): `crises` counts crisis events; `people_in_crisis` per domain
the citizens in crisis (place scale). Per agency and domain `prevention_treated`,
`prevention_declined`, `waiting` (in its queue at the quarter's end), `wait_quarters` (quarters
waited, summed over those treated), `crises_while_waiting` and `gave_up_waiting` (left the queue
after `max_wait_quarters`) (place scale); `pool_declined`.
`claimed_savings_gbp` by category `prevention` or `package` (the business case's claim);
`estimated_savings_gbp` per agency (what a pool member sees); `target_missed` per agency (share
of its duty domains' indicators off target); `deadweight_treated` and `deadweight` by category
(cohorts resolved that quarter). In the last quarter of each year: `concentration` per domain by
category (`events_top_0.1pct`, `events_top_1pct`, `users_3plus_share`,
`users_3plus_event_share`, `top_9pct_users_event_share`), `need_top_5pct_share`, `cost_top_share`
by category `top_1pct` and `top_5pct` (the year's cost at full unit cost held by the costliest citizens),
`families_with_multiple_problems` (households, place scale), `family_cost_ratio` and
`multiple_problem_cost_share`.

Money spent on services is `SERVICE_CATEGORIES`; every other category is a transfer between
accounts or pockets (`TRANSFER_CATEGORIES`), never spend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.model.capacity import STEPS_PER_YEAR
from sim.model.concentration import top_share, top_users_event_share, users_event_share, users_share
from sim.model.households import family_year
from sim.model.ledger import SERVICES
from sim.model.targeting import NO_REFERRALS

if TYPE_CHECKING:
    from sim.model.agencies import ServiceAgency
    from sim.model.model import PlaceModel

GINI_BINS = 4096
MEASURES = (
    "spend_gbp", "mean_need", "crises", "wellbeing", "priority_weighted_wellbeing", "need_gini",
    "unmet_statutory_demand_gbp", "deficit_gbp", "collaboration", "pool_balance_gbp", "pool_members",
    "pool_packages", "demand_gbp", "capacity_gbp", "utilisation", "idle_capacity_gbp", "budget_gbp",
    "fixed_base_cut_gbp", "reserves_gbp", "owed_to_centre_gbp", "section_114",
    "people_in_crisis", "prevention_treated", "prevention_declined", "waiting", "wait_quarters",
    "crises_while_waiting", "gave_up_waiting", "pool_declined", "claimed_savings_gbp", "estimated_savings_gbp", "target_missed",
    "deadweight_treated", "deadweight", "concentration", "need_top_5pct_share", "families_with_multiple_problems",
    "family_cost_ratio", "multiple_problem_cost_share", "cost_top_share",
)  # fmt: skip
CONCENTRATION = {  # category -> (statistic, its argument)
    "events_top_0.1pct": (top_share, 0.001),
    "events_top_1pct": (top_share, 0.01),
    "users_3plus_share": (users_share, 3),
    "users_3plus_event_share": (users_event_share, 3),
    "top_9pct_users_event_share": (top_users_event_share, 0.09),
}
COLUMNS = ["step", "measure", "agency", "domain", "category", "value"]
ACUTE_CATEGORIES = ("capacity", "acute", "capacity_premium", "benefit")  # answering crises
PREVENTION_CATEGORIES = ("prevention", "pool_prevention")
WASTE_CATEGORIES = ("duplicated_assessment", "governance")
SERVICE_CATEGORIES = (
    "fixed_cost", *ACUTE_CATEGORIES, "decommissioning", *PREVENTION_CATEGORIES, "assessment", *WASTE_CATEGORIES,
)  # fmt: skip
TRANSFER_CATEGORIES = (
    "income", "ame_income", "opening_reserves", "pool_contribution", "gain_share", "returned_to_centre",
    "to_reserves", "from_reserves", "reinvested", "deficit_support", "deficit_repayment",
)  # fmt: skip


def gini_of_nonnegative(values: np.ndarray, upper: float) -> float:
    """Gini coefficient from a fine histogram: O(N), no sort, error below 1 / GINI_BINS."""
    counts, edges = np.histogram(values, bins=GINI_BINS, range=(0.0, upper))
    mids = 0.5 * (edges[:-1] + edges[1:])
    totals = counts * mids
    if totals.sum() <= 0:
        return 0.0
    cum_people = np.concatenate([[0.0], np.cumsum(counts) / counts.sum()])
    cum_need = np.concatenate([[0.0], np.cumsum(totals) / totals.sum()])
    area = np.sum((cum_people[1:] - cum_people[:-1]) * (cum_need[1:] + cum_need[:-1])) / 2.0
    return float(1.0 - 2.0 * area)


@dataclass(frozen=True)
class QuarterHeadline:
    """The quarter just stepped, in one line: what `PlaceModel` shows as attributes and Mesa's
    DataCollector reads. Place scale: crises in residents, money in GBP."""

    crises: float  # crisis count, all domains
    spend_gbp: float  # paid to services by every agency and the pool (the count's spend)
    wellbeing: float  # 1 - mean need over citizens and domains
    mean_collaboration: float  # over agencies
    pool_balance_gbp: float
    pooled_gbp: float  # contributions paid into the pool this quarter
    deficits_gbp: float  # carried forward, all agencies


def opening_headline(model: PlaceModel) -> QuarterHeadline:
    """The headline before the first quarter: the state after warm-up, nothing spent, no crises counted."""
    return QuarterHeadline(
        crises=0.0,
        spend_gbp=0.0,
        wellbeing=1.0 - float(model.population.needs.mean(dtype=np.float64)),
        mean_collaboration=float(np.mean([a.collaboration for a in model.agency_list])),
        pool_balance_gbp=model.pool.balance,
        pooled_gbp=0.0,
        deficits_gbp=sum(a.deficit for a in model.agency_list),
    )


class StepRecorder:
    """Collects one step's measures into column lists (cheap appends, one DataFrame at the end)."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def add(self, step: int, measure: str, value: float, agency: str = "", domain: str = "", category: str = "") -> None:
        self.rows.append((step, measure, agency, domain, category, float(value)))

    def record(self, model: PlaceModel) -> QuarterHeadline:
        """Add this quarter's rows; return its headline."""
        step = model.steps
        population = model.population
        weight = population.weight
        needs = population.needs
        mean_need = needs.mean(axis=1, dtype=np.float64)
        for row, domain in enumerate(model.scenario.domains):
            self.add(step, "mean_need", mean_need[row], domain=domain)
            self.add(step, "crises", model.crises.counts[domain] * weight, domain=domain)
            self.add(step, "people_in_crisis", model.crises.people[domain] * weight, domain=domain)
        total_need = needs.sum(axis=0, dtype=np.float32)
        wellbeing = 1.0 - float(mean_need.mean())
        self.add(step, "wellbeing", wellbeing)
        priority = model.pool.priority
        self.add(step, "priority_weighted_wellbeing", 1.0 - float(priority @ mean_need) / max(priority.sum(), 1e-12))
        self.add(step, "need_gini", gini_of_nonnegative(total_need, float(needs.shape[0])))
        deficits = collaboration = 0.0
        for agency in model.agency_list:
            self.record_money(step, agency)
            deficits += agency.deficit
            collaboration += agency.collaboration
        self.add(step, "pool_balance_gbp", model.pool.balance)
        self.add(step, "pool_members", sum(1 for v in model.pool.contributions.values() if v > 0))
        self.add(step, "pool_packages", model.pool.packages * weight)
        self.record_behaviour(step, model)
        if step % STEPS_PER_YEAR == 0:
            self.record_year(step, model)
        return QuarterHeadline(
            crises=sum(model.crises.counts.values()) * weight,
            spend_gbp=model.ledger.paid_to_services_this_step_gbp,
            wellbeing=wellbeing,
            mean_collaboration=collaboration / max(len(model.agency_list), 1),
            pool_balance_gbp=model.pool.balance,
            pooled_gbp=sum(model.pool.contributions.values()),
            deficits_gbp=deficits,
        )

    def record_behaviour(self, step: int, model: PlaceModel) -> None:
        """Targeting, queues, claims, members' estimates, targets and deadweight this quarter."""
        weight = model.population.weight
        for agency in model.agency_list:
            agency_id = agency.agency_id
            for domain, service in agency.prevention_services.items():
                referrals = agency.referrals.get(domain, NO_REFERRALS)
                self.add(step, "prevention_treated", referrals.treated.size * weight, agency=agency_id, domain=domain)
                self.add(step, "prevention_declined", referrals.declined * weight, agency=agency_id, domain=domain)
                self.add(step, "waiting", service.waiting * weight, agency=agency_id, domain=domain)
                waited = float(referrals.waited_quarters.sum())
                self.add(step, "wait_quarters", waited * weight, agency=agency_id, domain=domain)
                missed = referrals.crises_while_waiting
                self.add(step, "crises_while_waiting", missed * weight, agency=agency_id, domain=domain)
                gave_up = referrals.left_queue_unserved
                self.add(step, "gave_up_waiting", gave_up * weight, agency=agency_id, domain=domain)
            self.add(step, "estimated_savings_gbp", model.pool.observed_savings.estimate(agency), agency=agency_id)
            self.add(step, "target_missed", model.indicators.missed_share(agency, step), agency=agency_id)
        self.add(step, "pool_declined", model.pool.offers_declined * weight)
        self.add(step, "claimed_savings_gbp", model.claimed_prevention_gbp, category="prevention")
        self.add(step, "claimed_savings_gbp", model.pool.claimed_gbp, category="package")
        resolved = model.counterfactuals.take_resolved()
        for source in ("prevention", "package"):
            self.add(step, "deadweight_treated", resolved.treated.get(source, 0) * weight, category=source)
            self.add(step, "deadweight", resolved.deadweight.get(source, 0) * weight, category=source)

    def record_year(self, step: int, model: PlaceModel) -> None:
        """The year's concentration of events and need, and its families with multiple problems."""
        population = model.population
        for row, domain in enumerate(model.scenario.domains):
            events = population.events_this_year[row]
            for category, (statistic, argument) in CONCENTRATION.items():
                self.add(step, "concentration", statistic(events, argument), domain=domain, category=category)
        self.add(step, "need_top_5pct_share", top_share(population.needs.sum(axis=0, dtype=np.float64), 0.05))
        self.add(step, "cost_top_share", top_share(population.cost_this_year, 0.01), category="top_1pct")
        self.add(step, "cost_top_share", top_share(population.cost_this_year, 0.05), category="top_5pct")
        settings = model.scenario.population.households
        problem_domains = settings.multiple_problems_domains if settings is not None else 3
        families = family_year(population.household, population.events_this_year, population.cost_this_year, problem_domains)
        self.add(step, "families_with_multiple_problems", families.multiple_problem_households * population.weight)
        self.add(step, "family_cost_ratio", families.family_cost_ratio)
        self.add(step, "multiple_problem_cost_share", families.multiple_problem_cost_share)

    def record_money(self, step: int, agency: ServiceAgency) -> None:
        """One agency's money this quarter: its rule's state, and its capacity against demand."""
        agency_id, purse = agency.agency_id, agency.purse
        self.add(step, "unmet_statutory_demand_gbp", agency.unmet_statutory_demand, agency=agency_id)
        self.add(step, "deficit_gbp", agency.deficit, agency=agency_id)
        self.add(step, "collaboration", agency.collaboration, agency=agency_id)
        self.add(step, "budget_gbp", agency.budget_gbp_per_year, agency=agency_id)
        self.add(step, "fixed_base_cut_gbp", agency.fixed_base_cut_gbp, agency=agency_id)
        self.add(step, "reserves_gbp", purse.reserves_gbp, agency=agency_id)
        self.add(step, "owed_to_centre_gbp", purse.owed_to_centre_gbp, agency=agency_id)
        self.add(step, "section_114", float(purse.year.section_114_step == step), agency=agency_id)
        for domain, line in agency.capacity.items():
            bill = agency.crisis_bills.get(domain)
            demand = line.demand_history[-1] if bill is not None else 0.0
            self.add(step, "demand_gbp", demand, agency=agency_id, domain=domain)
            self.add(step, "capacity_gbp", line.capacity_gbp, agency=agency_id, domain=domain)
            self.add(step, "utilisation", demand / line.capacity_gbp if line.capacity_gbp > 0 else 0.0, agency=agency_id, domain=domain)
            self.add(step, "idle_capacity_gbp", bill.idle if bill is not None else line.fixed_cost_gbp, agency=agency_id, domain=domain)
        for domain in agency.config.demand_led:
            self.add(step, "demand_gbp", model_demand(agency, domain), agency=agency_id, domain=domain)

    def table(self, flows: pd.DataFrame) -> pd.DataFrame:
        """The tidy steps table, with the count (spend by agency x domain x category) from the ledger."""
        measures = pd.DataFrame(self.rows, columns=COLUMNS)
        return pd.concat([measures, spend_table(flows)], ignore_index=True).sort_values(
            ["step", "measure", "agency", "domain", "category"], ignore_index=True
        )


def model_demand(agency: ServiceAgency, domain: str) -> float:
    """An agency's share of a domain's demand this quarter, at full unit cost."""
    return agency.model.crises.demand_gbp[domain] * agency.duties[domain]


def spend_table(flows: pd.DataFrame) -> pd.DataFrame:
    """Money an agency or the pool paid to services per step, by payer x domain x category, and
    each agency's pool contributions (category `pool_contribution`) so they are visible; those are
    transfers, so leave them out when adding up spend."""
    spend = flows[(flows["destination"] == SERVICES) | (flows["category"] == "pool_contribution")]
    spend = spend.groupby(["step", "source", "domain", "category"], as_index=False)["amount"].sum()
    spend = spend.rename(columns={"source": "agency", "amount": "value"})
    spend["measure"] = "spend_gbp"
    return spend[COLUMNS]


def summarise(steps: pd.DataFrame, flows: pd.DataFrame, population: int) -> dict[str, float]:
    """Per-run totals: money used and where it went, efficiency, waste, wellbeing, crises, budget
    rules, culture (docs/ODD.md 7.14 defines each)."""
    to_services = flows[flows["destination"] == SERVICES]
    by_category = to_services.groupby("category")["amount"].sum()
    total = float(by_category.sum())
    flow_totals = flows.groupby("category")["amount"].sum()

    def category_sum(names: tuple[str, ...]) -> float:
        return float(by_category.reindex(list(names)).fillna(0.0).sum())

    def flow_sum(*names: str) -> float:
        return float(flow_totals.reindex(list(names)).fillna(0.0).sum())

    def series(measure: str) -> pd.Series:
        return steps[steps["measure"] == measure].groupby("step")["value"].sum()

    last = steps["step"].max()

    def at_last_step(measure: str) -> pd.Series:
        return steps[(steps["measure"] == measure) & (steps["step"] == last)]["value"]

    total_crises = float(series("crises").sum())

    def sum_by_category(measure: str) -> pd.Series:
        return steps[steps["measure"] == measure].groupby("category")["value"].sum()

    def yearly_mean(measure: str, domain: str = "", category: str = "") -> float:
        rows = steps[(steps["measure"] == measure) & (steps["domain"] == domain) & (steps["category"] == category)]
        return float(np.nanmean(rows["value"])) if len(rows) and rows["value"].notna().any() else float("nan")

    def share(numerator: float, denominator: float) -> float:
        return numerator / denominator if denominator > 0 else float("nan")

    treated_cohorts, deadweight = sum_by_category("deadweight_treated"), sum_by_category("deadweight")
    treated = float(series("prevention_treated").sum())
    declined = float(series("prevention_declined").sum())
    need_related = total - category_sum(("fixed_cost",))
    section_114 = series("section_114")
    years = last / 4.0
    return {
        "money_used_gbp": total,
        "total_spend_gbp": total,
        "acute_spend_gbp": category_sum(ACUTE_CATEGORIES),
        "prevention_spend_gbp": category_sum(PREVENTION_CATEGORIES),
        "acute_share": category_sum(ACUTE_CATEGORIES) / total if total else 0.0,
        "need_related_acute_share": category_sum(ACUTE_CATEGORIES) / need_related if need_related > 0 else 0.0,
        "prevention_share": category_sum(PREVENTION_CATEGORIES) / total if total else 0.0,
        "fixed_cost_gbp": category_sum(("fixed_cost",)),
        "capacity_cost_gbp": category_sum(("capacity",)),
        "idle_capacity_gbp": float(series("idle_capacity_gbp").sum()),
        "capacity_premium_gbp": category_sum(("capacity_premium",)),
        "decommissioning_gbp": category_sum(("decommissioning",)),
        "benefit_spend_gbp": category_sum(("benefit",)),
        "demand_at_full_cost_gbp": float(series("demand_gbp").sum()),
        "assessment_gbp": category_sum(("assessment",)),
        "duplicated_assessment_gbp": category_sum(("duplicated_assessment",)),
        "governance_gbp": category_sum(("governance",)),
        "waste_gbp": category_sum(WASTE_CATEGORIES),
        "pool_contributions_gbp": flow_sum("pool_contribution"),
        "returned_to_centre_gbp": flow_sum("returned_to_centre"),
        "reinvested_gbp": flow_sum("reinvested"),
        "deficit_support_gbp": flow_sum("deficit_support"),
        "net_cost_to_centre_gbp": flow_sum("income", "ame_income", "deficit_support")
        - flow_sum("returned_to_centre", "deficit_repayment"),
        "final_reserves_gbp": float(at_last_step("reserves_gbp").sum()),
        "final_owed_to_centre_gbp": float(at_last_step("owed_to_centre_gbp").sum()),
        "section_114_count": float(section_114.sum()),
        "mean_wellbeing": float(series("wellbeing").mean()),
        "final_wellbeing": float(series("wellbeing").iloc[-1]),
        "mean_priority_weighted_wellbeing": float(series("priority_weighted_wellbeing").mean()),
        "total_crises": total_crises,
        "crises_per_1000_per_year": total_crises / population * 1000 / years,
        "crises_per_million_gbp": total_crises / (total / 1e6) if total else 0.0,
        "unmet_statutory_demand_gbp": float(series("unmet_statutory_demand_gbp").sum()),
        "final_deficit_gbp": float(at_last_step("deficit_gbp").sum()),
        "final_mean_collaboration": float(at_last_step("collaboration").mean()),
        "final_need_gini": float(series("need_gini").iloc[-1]),
        "crisis_person_quarters": float(series("people_in_crisis").sum()),
        "claimed_savings_gbp": float(series("claimed_savings_gbp").sum()),
        "package_claimed_savings_gbp": float(sum_by_category("claimed_savings_gbp").get("package", 0.0)),
        "estimated_savings_gbp": float(series("estimated_savings_gbp").sum()),
        "deadweight_share": share(float(deadweight.sum()), float(treated_cohorts.sum())),
        "prevention_deadweight_share": share(float(deadweight.get("prevention", 0.0)), float(treated_cohorts.get("prevention", 0.0))),
        "package_deadweight_share": share(float(deadweight.get("package", 0.0)), float(treated_cohorts.get("package", 0.0))),
        "prevention_treated": treated,
        "offers_declined_share": share(declined + float(series("pool_declined").sum()), treated + declined + float(series("pool_packages").sum()) + float(series("pool_declined").sum())),
        "mean_wait_quarters": share(float(series("wait_quarters").sum()), treated),
        "final_waiting": float(at_last_step("waiting").sum()),
        "crises_while_waiting": float(series("crises_while_waiting").sum()),
        "mean_target_missed_share": float(steps.loc[steps["measure"] == "target_missed", "value"].mean()),
        "family_cost_ratio": yearly_mean("family_cost_ratio"),
        "families_with_multiple_problems": yearly_mean("families_with_multiple_problems"),
        "multiple_problem_cost_share": yearly_mean("multiple_problem_cost_share"),
        "need_top_5pct_share": yearly_mean("need_top_5pct_share"),
        "cost_top_1pct_share": yearly_mean("cost_top_share", category="top_1pct"),
        "cost_top_5pct_share": yearly_mean("cost_top_share", category="top_5pct"),
        "offending_top_0_1pct_event_share": yearly_mean("concentration", "offending", "events_top_0.1pct"),
        "offending_top_9pct_users_event_share": yearly_mean("concentration", "offending", "top_9pct_users_event_share"),
        "health_users_3plus_share": yearly_mean("concentration", "health", "users_3plus_share"),
        "health_users_3plus_event_share": yearly_mean("concentration", "health", "users_3plus_event_share"),
    }
