"""Properties of whole runs over random valid scenarios: money conserved, needs bounded,
determinism under a seed, ring-fences respected, common random numbers across policies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given

from sim.model import run, simulate
from sim.model.ledger import POOL, SERVICES
from sim.model.model import PlaceModel
from sim.model.outputs import MEASURES
from sim.scenario import with_overrides
from tests.strategies import PROPERTY_SETTINGS, scenario_pairs_differing_in_levers, scenarios

PENNY = 0.01


def stepped(scenario) -> PlaceModel:
    model = PlaceModel(scenario, seed=scenario.run.seed)
    for _ in range(scenario.run.steps):
        model.step()
    return model


@given(scenarios())
@PROPERTY_SETTINGS
def test_ledger_verifies_for_any_valid_scenario(scenario):
    stepped(scenario).ledger.verify()


@given(scenarios())
@PROPERTY_SETTINGS
def test_every_account_balances_every_step(scenario):
    result = simulate(scenario)
    flows, balances = result.ledger, result.balances
    inflow = flows.groupby(["step", "destination"])["amount"].sum()
    outflow = flows.groupby(["step", "source"])["amount"].sum()
    assert set(balances["account"]) == {*scenario.agencies, POOL}
    assert len(balances) == scenario.run.steps * (len(scenario.agencies) + 1)
    for step, account, opening, closing in balances.itertuples(index=False):
        moved = inflow.get((step, account), 0.0) - outflow.get((step, account), 0.0)
        assert opening + moved == pytest.approx(closing, abs=PENNY + 1e-9 * (abs(opening) + abs(moved)))
    for _, history in balances.sort_values("step").groupby("account"):
        np.testing.assert_allclose(history["opening"].to_numpy()[1:], history["closing"].to_numpy()[:-1])
        assert history["opening"].iloc[0] == 0.0


@given(scenarios())
@PROPERTY_SETTINGS
def test_needs_stay_in_the_unit_interval(scenario):
    model = PlaceModel(scenario, seed=scenario.run.seed)
    for _ in range(scenario.run.steps):
        model.step()
        needs = model.population.needs
        assert np.isfinite(needs).all()
        assert needs.min() >= 0.0 and needs.max() <= 1.0


@given(scenarios())
@PROPERTY_SETTINGS
def test_the_statutory_crisis_response_is_always_paid_in_full(scenario):
    model = PlaceModel(scenario, seed=scenario.run.seed)
    for _ in range(scenario.run.steps):
        model.step()
        flows = model.ledger.flows()
        acute = flows[(flows["step"] == model.steps) & (flows["category"] == "acute")]
        paid = acute.groupby("domain")["amount"].sum()
        for domain, cost in model.crises.acute_cost_gbp.items():
            assert paid.get(domain, 0.0) == pytest.approx(cost, rel=1e-9, abs=PENNY)


@given(scenarios())
@PROPERTY_SETTINGS
def test_no_ring_fenced_money_reaches_the_pool(scenario):
    flows = simulate(scenario).ledger
    to_pool = flows[flows["destination"] == POOL]
    assert (to_pool["fund"] == "flexible").all()
    assert set(to_pool["category"]) <= {"pool_contribution"}


@given(scenarios())
@PROPERTY_SETTINGS
def test_money_leaves_only_to_services_and_comes_only_from_the_centre(scenario):
    flows = simulate(scenario).ledger
    known = {"centre", SERVICES, POOL, *scenario.agencies}
    assert set(flows["source"]) <= known - {SERVICES}
    assert set(flows["destination"]) <= known - {"centre"}
    assert (flows["amount"] > 0).all()


@given(scenarios())
@PROPERTY_SETTINGS
def test_culture_and_deficits_stay_in_range(scenario):
    steps = simulate(scenario).steps
    collaboration = steps.loc[steps["measure"] == "collaboration", "value"]
    assert collaboration.between(0.0, 1.0).all()
    for measure in ("deficit_gbp", "unmet_statutory_demand_gbp", "crises", "pool_packages"):
        assert (steps.loc[steps["measure"] == measure, "value"] >= 0.0).all()


@given(scenarios())
@PROPERTY_SETTINGS
def test_same_seed_gives_identical_tables(scenario):
    first, second = simulate(scenario), simulate(scenario)
    pd.testing.assert_frame_equal(first.steps, second.steps)
    pd.testing.assert_frame_equal(first.ledger, second.ledger)
    pd.testing.assert_frame_equal(first.balances, second.balances)
    assert first.summary == second.summary


@given(scenarios())
@PROPERTY_SETTINGS
def test_different_seeds_give_different_tables(scenario):
    first = simulate(scenario, seed=scenario.run.seed)
    second = simulate(scenario, seed=scenario.run.seed + 1)
    with pytest.raises(AssertionError):
        pd.testing.assert_frame_equal(first.steps, second.steps)


@given(scenario_pairs_differing_in_levers())
@PROPERTY_SETTINGS
def test_scenarios_differing_only_in_levers_start_from_the_same_citizens(pair):
    one, other = pair
    seed = one.run.seed
    first, second = PlaceModel(one, seed=seed), PlaceModel(other, seed=seed)
    np.testing.assert_array_equal(first.population.needs, second.population.needs)


@given(scenario_pairs_differing_in_levers())
@PROPERTY_SETTINGS
def test_scenarios_differing_only_in_levers_face_the_same_shocks(pair):
    models = [PlaceModel(scenario, seed=pair[0].run.seed) for scenario in pair]
    for _ in range(pair[0].run.steps):
        for model in models:
            model.step()
    states = [model.population.rng.bit_generator.state for model in models]
    assert states[0] == states[1]


# -- the default place -----------------------------------------------------------------------
def test_the_small_default_scenario_runs_with_balanced_books(small_scenario):
    result = simulate(small_scenario)
    assert result.steps["step"].max() == 8
    assert result.summary["total_spend_gbp"] > 0
    assert 0.0 < result.summary["acute_share"] < 1.0
    assert result.summary["duplicated_assessment_gbp"] > 0


def test_a_pooled_run_reports_crises_averted_against_its_silo_twin(small_pooled_scenario):
    result = run(small_pooled_scenario)
    baseline = simulate(with_overrides(small_pooled_scenario, {"policy.pool.rule": "silo"}))
    expected = baseline.summary["total_crises"] - result.summary["total_crises"]
    assert result.summary["crises_averted_vs_silo"] == pytest.approx(expected)
    assert result.summary["pool_contributions_gbp"] > 0


def test_the_steps_table_holds_exactly_the_declared_measures(small_pooled_scenario):
    steps = simulate(small_pooled_scenario, seed=2).steps
    assert set(steps["measure"]) == set(MEASURES)
