"""Households: contiguous runs of citizens sized by the published shares, shared latent need, and the
families with multiple problems of a year."""

from __future__ import annotations

import math

import numpy as np
import pydantic
import pytest
from scipy import special, stats

from sim.model.households import draw_household_ids, family_year, household_sizes
from sim.model.population import Population, draw_initial_needs
from sim.scenario.schema import Households, Scenario
from tests import builders

LARGE = 200_000
SIZE_SHARES = [0.30, 0.35, 0.15, 0.13, 0.07]  # ONS-like shares of households of 1..5 people


def households_scenario(size_shares=(0.0, 1.0), correlation: float = 0.0, copula: float = 0.5) -> Scenario:
    return builders.scenario({
        "population.copula_correlation": copula,
        "population.households": {"size_shares": list(size_shares), "correlation": correlation},
    })  # fmt: skip


def latent(needs: np.ndarray, scenario: Scenario) -> np.ndarray:
    """The copula's latent normals behind needs [D, N]: Phi^-1 of each domain's Beta distribution function."""
    rows = []
    for row, domain in zip(needs, scenario.domains.values(), strict=True):
        alpha = domain.initial_mean * domain.initial_concentration
        beta = (1.0 - domain.initial_mean) * domain.initial_concentration
        rows.append(special.ndtri(special.betainc(alpha, beta, row.astype(np.float64))))
    return np.array(rows)


def pairs_needs(correlation: float, copula: float = 0.5, seed: int = 0) -> tuple[np.ndarray, Scenario]:
    """Initial needs [D, N] of LARGE citizens living in pairs (citizens 2h and 2h + 1)."""
    scenario = households_scenario(correlation=correlation, copula=copula)
    household = np.repeat(np.arange(LARGE // 2, dtype=np.int32), 2)
    return draw_initial_needs(scenario, LARGE, np.random.default_rng(seed), household), scenario


# -- who lives with whom ---------------------------------------------------------------------------
def test_households_are_contiguous_runs_numbered_from_zero():
    household = draw_household_ids(Households(size_shares=SIZE_SHARES), 10_000, np.random.default_rng(0))
    assert household.dtype == np.int32 and household.size == 10_000
    assert household[0] == 0
    assert set(np.diff(household).tolist()) == {0, 1}


def test_households_of_one_size_fill_citizens_in_order():
    household = draw_household_ids(Households(size_shares=[0.0, 0.0, 1.0]), 10, np.random.default_rng(0))
    assert household.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3]


def test_household_sizes_follow_the_size_shares():
    household = draw_household_ids(Households(size_shares=SIZE_SHARES), LARGE, np.random.default_rng(1))
    sizes = household_sizes(household)[:-1]  # the last household may be cut short by the population's end
    observed = np.bincount(sizes, minlength=len(SIZE_SHARES) + 1)
    assert observed[0] == 0 and observed.size == len(SIZE_SHARES) + 1  # no empty and no oversized households
    expected = np.array(SIZE_SHARES) * sizes.size
    assert stats.chisquare(observed[1:], expected).pvalue > 1e-3
    np.testing.assert_allclose(observed[1:] / sizes.size, SIZE_SHARES, atol=0.005)


def test_without_households_every_citizen_lives_alone():
    household = draw_household_ids(None, 7, np.random.default_rng(0))
    assert household.tolist() == list(range(7))
    assert Population(builders.scenario(), 7, np.random.default_rng(0)).household.tolist() == list(range(7))


def test_population_draws_its_households_from_the_scenario():
    population = Population(households_scenario(size_shares=[0.0, 0.0, 0.0, 1.0]), 12, np.random.default_rng(0))
    assert population.household.tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]


# -- shared need -----------------------------------------------------------------------------------
@pytest.mark.parametrize("correlation", [0.0, 0.15, 0.4])
def test_members_latent_needs_correlate_by_the_household_correlation(correlation):
    needs, scenario = pairs_needs(correlation)
    z = latent(needs, scenario)
    assert np.corrcoef(z[0, 0::2], z[0, 1::2])[0, 1] == pytest.approx(correlation, abs=0.015)


def test_members_latent_needs_correlate_by_the_household_correlation_across_domains():
    needs, scenario = pairs_needs(0.3)
    z = latent(needs, scenario)
    assert np.corrcoef(z[0, 0::2], z[1, 1::2])[0, 1] == pytest.approx(0.3, abs=0.015)


def test_a_citizens_own_domains_still_correlate_by_the_copula_correlation_with_households():
    needs, scenario = pairs_needs(0.3, copula=0.5)
    z = latent(needs, scenario)
    assert np.corrcoef(z[0], z[1])[0, 1] == pytest.approx(0.5, abs=0.015)


def test_members_needs_correlate_more_the_more_a_household_shares():
    correlations = []
    for correlation in (0.0, 0.15, 0.4):
        needs, _ = pairs_needs(correlation)
        correlations.append(np.corrcoef(needs[0, 0::2], needs[0, 1::2])[0, 1])
    assert abs(correlations[0]) < 0.015
    assert 0.05 < correlations[1] < correlations[2]


def test_population_members_share_need():
    scenario = households_scenario(correlation=0.4)
    needs = Population(scenario, LARGE, np.random.default_rng(2)).needs
    assert np.corrcoef(needs[1, 0::2], needs[1, 1::2])[0, 1] > 0.25


# -- the schema ------------------------------------------------------------------------------------
def test_schema_refuses_a_household_correlation_above_the_copula_correlation():
    with pytest.raises(pydantic.ValidationError) as caught:
        households_scenario(correlation=0.31, copula=0.3)
    assert "households.correlation" in str(caught.value)
    assert "copula_correlation" in str(caught.value)


def test_schema_accepts_a_household_correlation_equal_to_the_copula_correlation():
    scenario = households_scenario(correlation=0.3, copula=0.3)
    assert scenario.population.households.correlation == 0.3


def test_schema_refuses_size_shares_that_do_not_sum_to_one():
    with pytest.raises(pydantic.ValidationError) as caught:
        households_scenario(size_shares=[0.5, 0.4])
    error = caught.value.errors()[0]
    assert error["loc"] == ("population", "households")
    assert "size_shares" in error["msg"]


# -- families with multiple problems ---------------------------------------------------------------
# Households 0 (citizens 0, 1), 1 (2-4), 2 (5) and 3 (6). Household 0 has events in x, y and z between
# its two members, household 1 in x and z, household 2 (one citizen) in all three, household 3 none.
HOUSEHOLD = np.array([0, 0, 1, 1, 1, 2, 3], dtype=np.int32)
EVENTS = np.array([
    [1, 0, 0, 2, 0, 1, 0],
    [0, 1, 0, 0, 0, 1, 0],
    [0, 3, 1, 0, 0, 1, 0],
], dtype=np.uint16)  # fmt: skip
COST = np.array([100.0, 200.0, 50.0, 50.0, 0.0, 600.0, 0.0])  # households: 300, 100, 600, 0 (mean 250)


def test_a_family_has_multiple_problems_when_its_members_together_have_events_in_enough_domains():
    assert family_year(HOUSEHOLD, EVENTS, COST, 3).multiple_problem_households == 2  # households 0 and 2
    assert family_year(HOUSEHOLD, EVENTS, COST, 2).multiple_problem_households == 3
    assert family_year(HOUSEHOLD, EVENTS, COST, 1).households == 4


def test_family_cost_ratio_is_the_mean_cost_of_troubled_families_over_that_of_all_households():
    assert family_year(HOUSEHOLD, EVENTS, COST, 3).family_cost_ratio == pytest.approx(450.0 / 250.0)
    assert family_year(HOUSEHOLD, EVENTS, COST, 2).family_cost_ratio == pytest.approx((1000.0 / 3) / 250.0)


def test_multiple_problem_cost_share_is_their_share_of_all_household_cost():
    assert family_year(HOUSEHOLD, EVENTS, COST, 3).multiple_problem_cost_share == pytest.approx(0.9)
    assert family_year(HOUSEHOLD, EVENTS, COST, 2).multiple_problem_cost_share == pytest.approx(1.0)


def test_a_year_without_families_with_multiple_problems_has_no_cost_ratio():
    year = family_year(HOUSEHOLD, EVENTS, COST, 4)
    assert year.multiple_problem_households == 0
    assert math.isnan(year.family_cost_ratio)
    assert year.multiple_problem_cost_share == 0.0


def test_a_year_without_cost_has_no_cost_share_or_ratio():
    year = family_year(HOUSEHOLD, EVENTS, np.zeros(7), 3)
    assert year.multiple_problem_households == 2
    assert math.isnan(year.family_cost_ratio)
    assert year.multiple_problem_cost_share == 0.0
