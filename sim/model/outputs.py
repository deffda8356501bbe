"""What a run reports: per-step measures as a tidy long table, and the per-run summary.

Per step (`steps` table, one row per step and measure): columns `step, measure, agency, domain,
category, value`, with "" where a column does not apply. Measures: `spend_gbp` (the count, by
agency x domain x category, from the ledger), `mean_need`, `crises` (at place scale),
`wellbeing`, `priority_weighted_wellbeing`, `need_gini`, `unmet_statutory_demand_gbp`,
`deficit_gbp`, `collaboration`, `pool_balance_gbp`, `pool_members`, `pool_packages`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.model.ledger import CENTRE, SERVICES

if TYPE_CHECKING:
    from sim.model.model import PlaceModel

GINI_BINS = 4096
MEASURES = (
    "spend_gbp", "mean_need", "crises", "wellbeing", "priority_weighted_wellbeing", "need_gini",
    "unmet_statutory_demand_gbp", "deficit_gbp", "collaboration", "pool_balance_gbp", "pool_members",
    "pool_packages",
)  # fmt: skip
COLUMNS = ["step", "measure", "agency", "domain", "category", "value"]
ACUTE_CATEGORIES = ("acute",)
PREVENTION_CATEGORIES = ("prevention", "pool_prevention")
WASTE_CATEGORIES = ("duplicated_assessment", "governance")


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
    deficits_gbp: float  # carried forward, all agencies


def opening_headline(model: PlaceModel) -> QuarterHeadline:
    """The headline before the first quarter: the state after warm-up, nothing spent, no crises counted."""
    return QuarterHeadline(
        crises=0.0,
        spend_gbp=0.0,
        wellbeing=1.0 - float(model.population.needs.mean(dtype=np.float64)),
        mean_collaboration=float(np.mean([a.collaboration for a in model.agency_list])),
        pool_balance_gbp=model.pool.balance,
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
        total_need = needs.sum(axis=0, dtype=np.float32)
        wellbeing = 1.0 - float(mean_need.mean())
        self.add(step, "wellbeing", wellbeing)
        priority = model.pool.priority
        self.add(step, "priority_weighted_wellbeing", 1.0 - float(priority @ mean_need) / max(priority.sum(), 1e-12))
        self.add(step, "need_gini", gini_of_nonnegative(total_need, float(needs.shape[0])))
        deficits = collaboration = 0.0
        for agency in model.agency_list:
            self.add(step, "unmet_statutory_demand_gbp", agency.unmet_statutory_demand, agency=agency.agency_id)
            self.add(step, "deficit_gbp", agency.deficit, agency=agency.agency_id)
            self.add(step, "collaboration", agency.collaboration, agency=agency.agency_id)
            deficits += agency.deficit
            collaboration += agency.collaboration
        self.add(step, "pool_balance_gbp", model.pool.balance)
        self.add(step, "pool_members", sum(1 for v in model.pool.contributions.values() if v > 0))
        self.add(step, "pool_packages", model.pool.packages * weight)
        return QuarterHeadline(
            crises=sum(model.crises.counts.values()) * weight,
            spend_gbp=model.ledger.paid_to_services_this_step_gbp,
            wellbeing=wellbeing,
            mean_collaboration=collaboration / max(len(model.agency_list), 1),
            pool_balance_gbp=model.pool.balance,
            deficits_gbp=deficits,
        )

    def table(self, flows: pd.DataFrame) -> pd.DataFrame:
        """The tidy steps table, with the count (spend by agency x domain x category) from the ledger."""
        measures = pd.DataFrame(self.rows, columns=COLUMNS)
        return pd.concat([measures, spend_table(flows)], ignore_index=True).sort_values(
            ["step", "measure", "agency", "domain", "category"], ignore_index=True
        )


def spend_table(flows: pd.DataFrame) -> pd.DataFrame:
    """Money leaving an agency or the pool per step, by payer x domain x category; income and
    gain-share excluded. Pool contributions stay (category `pool_contribution`) so each agency's
    contribution is visible; they are transfers, so leave them out when adding up spend."""
    spend = flows[(flows["source"] != CENTRE) & (flows["category"] != "gain_share")]
    spend = spend.groupby(["step", "source", "domain", "category"], as_index=False)["amount"].sum()
    spend = spend.rename(columns={"source": "agency", "amount": "value"})
    spend["measure"] = "spend_gbp"
    return spend[COLUMNS]


def summarise(steps: pd.DataFrame, flows: pd.DataFrame, population: int) -> dict[str, float]:
    """Per-run totals: spend and its split, waste, wellbeing, crises, deficits, culture."""
    to_services = flows[flows["destination"] == SERVICES]
    by_category = to_services.groupby("category")["amount"].sum()
    total = float(by_category.sum())

    def category_sum(names: tuple[str, ...]) -> float:
        return float(by_category.reindex(list(names)).fillna(0.0).sum())

    def series(measure: str) -> pd.Series:
        return steps[steps["measure"] == measure].groupby("step")["value"].sum()

    last = steps["step"].max()
    deficits = steps[(steps["measure"] == "deficit_gbp") & (steps["step"] == last)]["value"]
    collaboration = steps[(steps["measure"] == "collaboration") & (steps["step"] == last)]["value"]
    total_crises = float(series("crises").sum())
    return {
        "total_spend_gbp": total,
        "acute_spend_gbp": category_sum(ACUTE_CATEGORIES),
        "prevention_spend_gbp": category_sum(PREVENTION_CATEGORIES),
        "acute_share": category_sum(ACUTE_CATEGORIES) / total if total else 0.0,
        "prevention_share": category_sum(PREVENTION_CATEGORIES) / total if total else 0.0,
        "assessment_gbp": category_sum(("assessment",)),
        "duplicated_assessment_gbp": category_sum(("duplicated_assessment",)),
        "governance_gbp": category_sum(("governance",)),
        "waste_gbp": category_sum(WASTE_CATEGORIES),
        "pool_contributions_gbp": float(flows.loc[flows["category"] == "pool_contribution", "amount"].sum()),
        "mean_wellbeing": float(series("wellbeing").mean()),
        "final_wellbeing": float(series("wellbeing").iloc[-1]),
        "mean_priority_weighted_wellbeing": float(series("priority_weighted_wellbeing").mean()),
        "total_crises": total_crises,
        "crises_per_1000_per_year": total_crises / population * 1000 / (last / 4.0),
        "unmet_statutory_demand_gbp": float(series("unmet_statutory_demand_gbp").sum()),
        "final_deficit_gbp": float(deficits.sum()),
        "final_mean_collaboration": float(collaboration.mean()),
        "final_need_gini": float(series("need_gini").iloc[-1]),
    }
