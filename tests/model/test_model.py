"""Properties of whole runs over random valid scenarios: money conserved, needs bounded,
determinism under a seed, ring-fences respected, common random numbers across policies."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pandas as pd
import pytest
from hypothesis import given

from sim.model import run, simulate
from sim.model.ledger import POOL, SERVICES
from sim.model.model import PlaceModel
from sim.measures import MEASURES
from sim.scenario import ScenarioError, load_scenario, with_overrides
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
def test_the_statutory_crisis_response_is_paid_or_recorded_as_rationed(scenario):
    model = PlaceModel(scenario, seed=scenario.run.seed)
    for _ in range(scenario.run.steps):
        model.step()
        flows = model.ledger.flows()
        this_step = flows[(flows["step"] == model.steps) & flows["category"].isin(["acute", "capacity_premium"])]
        paid = this_step.groupby("source")["amount"].sum()
        for agency in model.agency_list:
            due = sum(bill.due_for_crises for bill in agency.crisis_bills.values())
            assert paid.get(agency.agency_id, 0.0) + agency.unmet_statutory_demand == pytest.approx(
                due, rel=1e-9, abs=PENNY
            )


@given(scenarios())
@PROPERTY_SETTINGS
def test_no_ring_fenced_money_reaches_the_pool(scenario):
    flows = simulate(scenario).ledger
    to_pool = flows[flows["destination"] == POOL]
    assert (to_pool["fund"] == "flexible").all()
    assert set(to_pool["category"]) <= {"pool_contribution"}


@given(scenarios())
@PROPERTY_SETTINGS
def test_money_leaves_only_to_services_or_back_to_the_centre_and_comes_only_from_the_centre(scenario):
    flows = simulate(scenario).ledger
    known = {"centre", SERVICES, POOL, *scenario.agencies}
    assert set(flows["source"]) <= known - {SERVICES}
    assert set(flows["destination"]) <= known
    to_centre = flows[flows["destination"] == "centre"]
    assert set(to_centre["category"]) <= {"returned_to_centre", "deficit_repayment"}
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
    assert pd.Series(first.summary).equals(pd.Series(second.summary))  # NaN (not measured) equals NaN


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
    one, other = pair  # sharing a warm-up policy, as every shipped scenario does
    shared = {"run": one.run.model_copy(update={"warmup_policy": one.policy})}
    one, other = one.model_copy(update=shared), other.model_copy(update=shared)
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


# -- the Mesa way: built from a file with keyword overrides, stops by itself, collects its headline ----
def test_a_model_built_from_a_file_with_keyword_overrides_is_the_overridden_scenario(default_scenario_path):
    model = PlaceModel(str(default_scenario_path), seed=3, population_sample=500, policy__pool__rule="need",
                       **{"policy.pool.rate": 0.2})  # fmt: skip
    expected = load_scenario(default_scenario_path, overrides={"policy.pool.rule": "need", "policy.pool.rate": 0.2})
    assert model.scenario == expected
    assert model.seed == 3 and model.population.size == 500


def test_a_bad_keyword_override_names_the_field(small_scenario):
    with pytest.raises(ScenarioError, match="policy.pool.rat"):
        PlaceModel(small_scenario, policy__pool__rat=0.2)


def test_a_scenario_split_into_fields_by_batch_run_gets_a_clear_error(small_scenario):
    with pytest.raises(TypeError, match=r"scenario=\[scenario\]"):
        PlaceModel(next(iter(small_scenario)))


def test_running_turns_false_after_the_horizon(small_scenario):
    model = PlaceModel(small_scenario, steps=3)
    model.run_model()
    assert model.steps == 3 and not model.running


def test_the_datacollector_holds_the_headline_of_every_quarter(small_pooled_scenario):
    model = PlaceModel(small_pooled_scenario)
    model.run_model()
    collected = model.datacollector.get_model_vars_dataframe()
    steps = simulate(small_pooled_scenario).steps
    assert len(collected) == small_pooled_scenario.run.steps + 1  # the opening state, then every quarter
    quarters = collected.iloc[1:].set_index(pd.RangeIndex(1, len(collected)))

    def per_step(measure: str, category_filter: bool = False) -> pd.Series:
        rows = steps[steps["measure"] == measure]
        if category_filter:
            rows = rows[rows["category"] != "pool_contribution"]
        return rows.groupby("step")["value"]

    np.testing.assert_allclose(quarters["crises_this_quarter"], per_step("crises").sum())
    np.testing.assert_allclose(quarters["spend_this_quarter_gbp"], per_step("spend_gbp", True).sum())
    np.testing.assert_allclose(quarters["wellbeing"], per_step("wellbeing").sum())
    np.testing.assert_allclose(quarters["mean_collaboration"], per_step("collaboration").mean())
    np.testing.assert_allclose(quarters["pool_balance_gbp"], per_step("pool_balance_gbp").sum())
    contributions = steps[(steps["measure"] == "spend_gbp") & (steps["category"] == "pool_contribution")]
    pooled = contributions.groupby("step")["value"].sum().reindex(quarters.index, fill_value=0.0)
    np.testing.assert_allclose(quarters["pooled_this_quarter_gbp"], pooled)
    np.testing.assert_allclose(quarters["deficits_gbp"], per_step("deficit_gbp").sum())
    assert quarters["pool_balance_gbp"].gt(0).any() and quarters["spend_this_quarter_gbp"].gt(0).all()
    agencies = model.datacollector.get_agent_vars_dataframe()
    final = agencies.xs(model.steps, level="Step").set_index("agency")["collaboration"]
    last = steps[(steps["measure"] == "collaboration") & (steps["step"] == model.steps)].set_index("agency")["value"]
    pd.testing.assert_series_equal(final.sort_index(), last.sort_index(), check_names=False)


def test_close_frees_the_population_without_waiting_for_the_garbage_collector(small_scenario):
    model = PlaceModel(small_scenario)
    model.step()
    population = weakref.ref(model.population)
    gc.disable()
    try:
        model.close()
        assert population() is None
    finally:
        gc.enable()
    assert not model.running and len(model.agents) == 0
