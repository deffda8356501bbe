"""The Total Place count: every pound spent in the place, by agency and theme (domain).

Spend is money leaving an agency or the pool for services. A pool contribution is not spend (it
moves money to the pool); what the pool buys appears under the account `pool`. Transfers between
agencies (gain-share) are not spend either. So the total counts every pound once.
"""

from __future__ import annotations

import pandas as pd

from sim.model.agencies import STEPS_PER_YEAR
from sim.model.ledger import SERVICES

CROSS_DOMAIN = "whole_person"
POOL_CONTRIBUTION = "pool_contribution"  # a transfer to the pool, whose own spending is counted under `pool`


def count(ledger: pd.DataFrame, by: str = "domain", years: float = 1.0) -> pd.DataFrame:
    """GBP per year over the first `years` simulated years: agencies (and the pool) as rows,
    `by` ("domain" or "category") as columns, with row and column totals."""
    flows = ledger[(ledger["step"] <= years * STEPS_PER_YEAR) & (ledger["destination"] == SERVICES)].copy()
    flows["domain"] = flows["domain"].replace("", CROSS_DOMAIN)
    table = flows.pivot_table(index="source", columns=by, values="amount", aggfunc="sum", fill_value=0.0) / years
    table["total"] = table.sum(axis=1)
    table.loc["total"] = table.sum(axis=0)
    table.index.name = "agency"
    table.columns.name = by
    return table


def service_spend(steps: pd.DataFrame) -> pd.DataFrame:
    """The `spend_gbp` rows of an experiment's steps table that are spend on services: every row
    but pool contributions, which only move money to the pool (what the pool buys is its own
    rows, agency `pool`). Summed over a run they are exactly the run's `money_used_gbp`, so
    every comparison of money used by agency, step or year starts from these rows."""
    return steps[(steps["measure"] == "spend_gbp") & (steps["category"] != POOL_CONTRIBUTION)]


def experiment_count(steps: pd.DataFrame, by: str = "domain") -> pd.DataFrame:
    """The count of every design point of an experiment, as GBP per year, mean over replications.

    Reads the `spend_gbp` rows of an experiment's steps table (one row per step, agency, domain
    and category, tagged with `point_id` and `replication`), pool contributions left out. Returns a tidy table
    `point_id, agency, <by>, gbp_per_year`; spend not tied to a domain is `whole_person`.
    """
    spend = service_spend(steps)
    years = spend["step"].max() / STEPS_PER_YEAR
    replications = spend.groupby("point_id")["replication"].nunique()
    keyed = spend.assign(domain=spend["domain"].replace("", CROSS_DOMAIN))
    totals = keyed.groupby(["point_id", "agency", by], as_index=False)["value"].sum()
    totals["gbp_per_year"] = totals["value"] / years / totals["point_id"].map(replications)
    return totals.drop(columns="value")
