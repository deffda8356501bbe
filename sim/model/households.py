"""Households: who lives with whom, the need they share, and the families with multiple problems.

Household sizes are drawn from `population.households.size_shares` (shares of households of 1, 2,
... people: ONS figures in the default place) and filled with citizens in order, so household h
holds a contiguous run of citizen indices and citizens live in households in proportion to their
size. A household shares part of the copula's latent need (population.py): with household share
h and copula correlation rho, citizen i in household H has, in every domain d,

    z_id = sqrt(rho - h) * common_i + sqrt(h) * shared_H + sqrt(1 - rho) * eps_id

so two members' latent needs correlate by h in any pair of domains, a citizen's own domains by
rho, and a household with one member in trouble often has several (docs/ODD.md 7.19).

A family with multiple problems is a household whose members together had crisis events in at
least `multiple_problems_domains` domains in a year. `family_cost_ratio` sets the yearly cost of
such a family (every event at full unit cost, with the prevention and packages they received)
against that of the average household, the comparison the DCLG cost-of-troubled-families
studies made (`tf_cost_*` rows: about ten times).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.schema import Households


def draw_household_ids(settings: Households | None, n_citizens: int, rng: np.random.Generator) -> np.ndarray:
    """Household index of each citizen [N] (int32), households contiguous; everyone alone if None."""
    if settings is None:
        return np.arange(n_citizens, dtype=np.int32)
    shares = np.asarray(settings.size_shares, dtype=np.float64)
    shares = shares / shares.sum()
    mean_size = float(shares @ np.arange(1, shares.size + 1))
    sizes = rng.choice(np.arange(1, shares.size + 1), size=int(n_citizens / mean_size * 1.2) + 16, p=shares)
    while sizes.sum() < n_citizens:  # only for a tiny population with bad luck
        sizes = np.concatenate([sizes, rng.choice(np.arange(1, shares.size + 1), size=16, p=shares)])
    ends = np.cumsum(sizes)
    households = int(np.searchsorted(ends, n_citizens)) + 1
    return np.repeat(np.arange(households, dtype=np.int32), sizes[:households])[:n_citizens]


def household_sizes(household: np.ndarray) -> np.ndarray:
    """Members per household [H]."""
    return np.bincount(household)


@dataclass(frozen=True)
class FamilyYear:
    """One year's families: how many had multiple problems and what they cost against the average."""

    households: int
    multiple_problem_households: int
    family_cost_ratio: float  # mean cost of a family with multiple problems / mean cost of a household
    multiple_problem_cost_share: float  # their share of all the year's cost


def family_year(
    household: np.ndarray, events_in_year: np.ndarray, cost_in_year: np.ndarray, problem_domains: int
) -> FamilyYear:
    """Families with multiple problems this year and their cost ratio.

    `events_in_year` is [D, N] crisis events per citizen and domain over the year, `cost_in_year`
    [N] each citizen's cost at full unit cost over the year (GBP per resident the citizen stands for).
    """
    n_households = int(household.max()) + 1 if household.size else 0
    domains_with_events = np.zeros(n_households, dtype=np.int32)
    for row in events_in_year:
        domains_with_events += np.bincount(household, weights=row > 0, minlength=n_households) > 0
    cost = np.bincount(household, weights=cost_in_year, minlength=n_households)
    troubled = domains_with_events >= problem_domains
    mean_cost = cost.mean() if n_households else 0.0
    count = int(troubled.sum())
    ratio = float(cost[troubled].mean() / mean_cost) if count and mean_cost > 0 else float("nan")
    share = float(cost[troubled].sum() / cost.sum()) if cost.sum() > 0 else 0.0
    return FamilyYear(n_households, count, ratio, share)
