"""Agencies: income and ring-fences, statutory crisis response and deficits, silo prevention."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.model.agencies import ServiceAgency, pocket, ring_fenced_weights
from sim.model.ledger import FLEXIBLE, SERVICES
from sim.model.model import PlaceModel
from sim.scenario.loading import with_overrides
from sim.scenario.schema import FundUse
from tests import builders
from tests.strategies import PROPERTY_SETTINGS, scenarios

# four citizens, weight 1: crises in x cost 1000 * (0.6 + 0.8), in y 1000 * (0.5 + 0.7)
NEEDS = [[0.6, 0.8, 0.1, 0.3], [0.0, 0.5, 0.7, 0.2]]
CRISIS_COST = {"x": 1400.0, "y": 1200.0}


def agency_of(model: PlaceModel, agency_id: str) -> ServiceAgency:
    return model.agencies_by_id([agency_id])[0]


def spent(model: PlaceModel, category: str, **columns) -> float:
    flows = model.ledger.flows()
    chosen = flows[(flows["category"] == category) & (flows["destination"] == SERVICES)]
    for column, value in columns.items():
        chosen = chosen[chosen[column] == value]
    return float(chosen["amount"].sum())


def model_for(changes=None, needs=NEEDS, **sections) -> PlaceModel:
    scenario = builders.scenario(changes, population=len(needs[0]), **sections)
    return builders.model_with_needs(scenario, needs)


# -- income ----------------------------------------------------------------------------------
def income_by_step(model: PlaceModel, agency_id: str) -> list[float]:
    flows = model.ledger.flows()
    income = flows[(flows["category"] == "income") & (flows["destination"] == agency_id)]
    return income.groupby("step")["amount"].sum().tolist()


def test_income_is_a_quarter_of_the_yearly_budget_growing_once_a_year():
    model = model_for({"agencies.a.budget_gbp_per_year": 4000.0, "policy.budget_growth": 0.1})
    for _ in range(9):
        model.step()
    incomes = income_by_step(model, "a")
    assert incomes[:4] == [1000.0] * 4
    assert incomes[4:8] == pytest.approx([1100.0] * 4)
    assert incomes[8] == pytest.approx(1210.0)


def test_agency_budget_growth_overrides_the_policy():
    model = model_for(
        {"agencies.a.budget_gbp_per_year": 4000.0, "agencies.a.budget_growth": -0.5, "policy.budget_growth": 0.1}
    )
    for _ in range(5):
        model.step()
    assert income_by_step(model, "a")[4] == pytest.approx(500.0)


def test_ring_fenced_income_splits_over_the_lines_by_weight():
    lines = {"acute": {"x": 3.0}, "prevention": {"y": 1.0}}
    model = model_for({"agencies.a.budget_gbp_per_year": 4000.0, "agencies.a.ring_fenced_lines": lines,
                       "policy.ring_fence_share": 0.8})  # fmt: skip
    agency_of(model, "a").receive_income()
    ledger = model.ledger
    assert ledger.balance("a", "acute:x") == pytest.approx(600.0)
    assert ledger.balance("a", "prevention:y") == pytest.approx(200.0)
    assert ledger.balance("a", FLEXIBLE) == pytest.approx(200.0)
    assert agency_of(model, "a").flexible_income == pytest.approx(200.0)


def test_without_lines_the_ring_fence_locks_the_acute_lines_of_its_duties():
    config = builders.scenario({"agencies.a.statutory_duties": {"x": 0.75, "y": 1.0},
                                "agencies.b.statutory_duties": {"x": 0.25}}).agencies["a"]  # fmt: skip
    assert ring_fenced_weights(config) == pytest.approx({"acute:x": 0.75 / 1.75, "acute:y": 1.0 / 1.75})


def test_agency_ring_fence_share_overrides_the_policy():
    model = model_for({"agencies.a.budget_gbp_per_year": 4000.0, "agencies.a.ring_fence_share": 0.0,
                       "policy.ring_fence_share": 1.0})  # fmt: skip
    agency_of(model, "a").receive_income()
    assert model.ledger.balance("a", FLEXIBLE) == pytest.approx(1000.0)
    assert model.ledger.balance("a", "acute:x") == 0.0


# -- statutory response ----------------------------------------------------------------------
def test_under_a_control_total_the_statutory_response_is_paid_in_full_with_no_money():
    model = model_for({"agencies.a.budget_rule": "control_total"})
    model.step()
    assert spent(model, "acute", domain="x") == pytest.approx(CRISIS_COST["x"], rel=1e-6)
    assert spent(model, "acute", domain="y") == pytest.approx(CRISIS_COST["y"], rel=1e-6)


def test_crisis_cost_is_split_by_statutory_duty():
    model = model_for({"agencies.a.statutory_duties": {"x": 0.25, "y": 1.0}, "agencies.a.budget_rule": "control_total",
                       "agencies.b.statutory_duties": {"x": 0.75}, "agencies.b.budget_rule": "control_total"})  # fmt: skip
    model.step()
    assert spent(model, "acute", source="a", domain="x") == pytest.approx(0.25 * CRISIS_COST["x"], rel=1e-6)
    assert spent(model, "acute", source="b", domain="x") == pytest.approx(0.75 * CRISIS_COST["x"], rel=1e-6)
    assert spent(model, "acute", source="b", domain="y") == 0.0


def test_under_a_control_total_overspend_becomes_a_deficit_carried_forward():
    model = model_for({"agencies.a.budget_gbp_per_year": 4000.0, "agencies.a.budget_rule": "control_total",
                       "agencies.a.control_total_limit_share": 1.0})  # fmt: skip
    assessments = 3 * 10.0  # citizens 0, 1, 2 are in crisis somewhere; one assessment each
    model.step()
    first = 1000.0 - sum(CRISIS_COST.values()) - assessments
    assert model.ledger.balance("a", FLEXIBLE) == pytest.approx(first)
    assert agency_of(model, "a").deficit == pytest.approx(-first)
    model.step()
    assert model.ledger.balance("a", FLEXIBLE) == pytest.approx(2 * first)
    balances = model.ledger.balances().set_index(["step", "account"])
    assert balances.loc[(2, "a"), "opening"] == pytest.approx(balances.loc[(1, "a"), "closing"])
    assert balances.loc[(2, "a"), "closing"] == pytest.approx(2 * first)


def test_a_balanced_budget_rations_the_crisis_cost_no_money_covers_and_carries_no_deficit():
    model = model_for({"agencies.a.budget_gbp_per_year": 4000.0})
    for _ in range(2):  # each quarter only that quarter's money covers its crises
        model.step()
        assert agency_of(model, "a").unmet_statutory_demand == pytest.approx(sum(CRISIS_COST.values()) - 1000.0)
        assert agency_of(model, "a").deficit == 0.0
    assert agency_of(model, "a").purse.section_114_steps == [1]


def test_rationed_crises_are_not_stabilised_and_a_control_total_answers_them_all():
    changes = {"domains.x.acute_effect": 0.5, "domains.y.acute_effect": 0.5}  # a penniless agency
    rationing = model_for(changes)
    rationing.step()
    supported = model_for({**changes, "agencies.a.budget_rule": "control_total"})
    supported.step()
    in_crisis = supported.crises.masks["x"]
    assert in_crisis.any()
    # same needs before the response; only the control-total agency's response halved them
    assert np.allclose(supported.population.needs[0, in_crisis] * 2, rationing.population.needs[0, in_crisis], rtol=1e-5)
    assert agency_of(rationing, "a").unmet_statutory_demand == pytest.approx(sum(CRISIS_COST.values()), rel=1e-6)
    assert agency_of(supported, "a").unmet_statutory_demand == 0.0


def test_no_unmet_statutory_demand_when_money_suffices():
    model = model_for({"agencies.a.budget_gbp_per_year": 40_000.0, "policy.ring_fence_share": 0.5})
    model.step()
    assert agency_of(model, "a").unmet_statutory_demand == 0.0
    assert agency_of(model, "a").deficit == 0.0


def test_ring_fenced_acute_line_pays_before_flexible_money():
    model = model_for({"agencies.a.budget_gbp_per_year": 4000.0, "policy.ring_fence_share": 0.5,
                       "agencies.a.budget_rule": "control_total", "agencies.a.control_total_limit_share": 1.0})  # fmt: skip
    model.step()
    flows = model.ledger.flows()
    acute_x = flows[(flows["category"] == "acute") & (flows["domain"] == "x")].set_index("fund")["amount"]
    assert acute_x["ring_fenced"] == pytest.approx(250.0)
    assert acute_x["flexible"] == pytest.approx(CRISIS_COST["x"] - 250.0, rel=1e-6)
    assert model.ledger.balance("a", pocket(FundUse.acute, "x")) == pytest.approx(0.0)


def test_an_agency_with_no_duties_answers_no_crises():
    model = model_for({"agencies.b.budget_gbp_per_year": 4000.0})
    model.step()
    assert spent(model, "acute", source="b") == 0.0
    assert agency_of(model, "b").unmet_statutory_demand == 0.0


# -- silo prevention -------------------------------------------------------------------------
PREVENTION = builders.SILO_PREVENTION
WINDOW_NEEDS = builders.WINDOW_NEEDS


def test_silo_prevention_treats_own_domain_citizens_closest_to_crisis_first():
    model = model_for(PREVENTION, needs=WINDOW_NEEDS)
    model.step()
    np.testing.assert_allclose(model.population.needs[0], [0.3, 0.225, 0.2, 0.26, 0.1, 0.2], rtol=1e-6)
    np.testing.assert_allclose(model.population.needs[1], WINDOW_NEEDS[1], rtol=1e-6)
    assert spent(model, "prevention", source="a", domain="x") == pytest.approx(200.0)
    assert spent(model, "assessment", source="a") == pytest.approx(20.0)


def test_short_settlements_scale_prevention_down():
    model = model_for({**PREVENTION, "policy.prevention_payback_years": 4.0, "policy.settlement_years": 2})
    assert agency_of(model, "a").prevention_share == pytest.approx(0.5)
    long = model_for({**PREVENTION, "policy.prevention_payback_years": 2.0, "policy.settlement_years": 5})
    assert agency_of(long, "a").prevention_share == pytest.approx(1.0)


def test_ring_fenced_prevention_line_buys_prevention_without_flexible_money():
    changes = {**PREVENTION, "agencies.a.prevention_propensity": 0.0, "policy.ring_fence_share": 0.5,
               "agencies.a.ring_fenced_lines": {"prevention": {"x": 1.0}}}  # fmt: skip
    model = model_for(changes, needs=WINDOW_NEEDS)
    model.step()
    flows = model.ledger.flows()
    prevention = flows[flows["category"] == "prevention"]
    assert prevention["fund"].tolist() == ["ring_fenced"]
    assert prevention["amount"].sum() == pytest.approx(100.0)  # 125 on the line buys one at 110


def test_prevention_is_not_bought_without_money():
    model = model_for({**PREVENTION, "agencies.a.budget_gbp_per_year": 0.0}, needs=WINDOW_NEEDS)
    model.step()
    assert spent(model, "prevention") == 0.0
    np.testing.assert_allclose(model.population.needs, WINDOW_NEEDS, rtol=1e-6)


@given(scenarios())
@PROPERTY_SETTINGS
def test_ring_fenced_pockets_never_go_negative(scenario):
    model = PlaceModel(scenario, seed=scenario.run.seed)
    for _ in range(scenario.run.steps):
        model.step()
        for agency in model.agency_list:
            for name in agency.ring_fenced_weights:
                assert model.ledger.balance(agency.agency_id, name) >= -0.01


# -- extra prevention grant (the wrong-pocket experiment's lever) ----------------------------
GRANT = {
    "agencies.a.statutory_duties": {"x": 1.0, "y": 0.5},
    "agencies.b.statutory_duties": {"y": 0.5},
    "agencies.a.extra_prevention_gbp_per_year": 6000.0,  # 1500 a quarter: 1000 to x, 500 to y
}


def test_extra_prevention_grant_fills_the_prevention_pockets_of_duty_domains_by_duty_share():
    model = model_for({**GRANT, "agencies.a.budget_gbp_per_year": 4000.0, "policy.ring_fence_share": 0.5})
    agency_of(model, "a").receive_income()
    ledger = model.ledger
    assert ledger.balance("a", pocket(FundUse.prevention, "x")) == pytest.approx(1000.0)
    assert ledger.balance("a", pocket(FundUse.prevention, "y")) == pytest.approx(500.0)
    assert ledger.balance("a", FLEXIBLE) == pytest.approx(500.0)  # the budget's own split is untouched
    assert agency_of(model, "a").flexible_income == pytest.approx(500.0)
    income = ledger.flows().query("category == 'income' and domain != ''")
    assert income["amount"].sum() == pytest.approx(1500.0 + 500.0)  # the grant and the acute lines


def test_extra_prevention_grant_does_not_grow_with_the_budget():
    model = model_for({**GRANT, "policy.budget_growth": 0.5})
    for _ in range(5):  # into year 2
        model.step()
    assert sum(agency_of(model, "a").prevention_grant_this_step().values()) == pytest.approx(1500.0)


def test_extra_prevention_grant_buys_prevention_only_in_the_agencys_duty_domains():
    # no budget, no flexible prevention: only the grant, 220 a quarter into x (a's only duty), buys two at 100 + 10
    changes = {**PREVENTION, "agencies.a.prevention_propensity": 0.0, "agencies.a.budget_gbp_per_year": 0.0,
               "agencies.a.extra_prevention_gbp_per_year": 880.0}  # fmt: skip
    model = model_for(changes, needs=WINDOW_NEEDS)
    model.step()
    prevention = model.ledger.flows().query("category == 'prevention'")
    where = set(prevention[["source", "domain", "fund"]].itertuples(index=False, name=None))
    assert where == {("a", "x", "ring_fenced")}
    assert prevention["amount"].sum() == pytest.approx(200.0)
    np.testing.assert_allclose(model.population.needs[0], [0.3, 0.225, 0.2, 0.26, 0.1, 0.2], rtol=1e-6)
    np.testing.assert_allclose(model.population.needs[1], WINDOW_NEEDS[1], rtol=1e-6)
    assert model.ledger.balance("a", pocket(FundUse.prevention, "x")) == pytest.approx(20.0)  # unspent, kept


@given(scenarios(), st.data())
@PROPERTY_SETTINGS
def test_extra_prevention_grant_is_conserved_and_paid_in_full(scenario, data):
    holders = [a for a, config in scenario.agencies.items() if any(s > 0 for s in config.statutory_duties.values())]
    agency_id = data.draw(st.sampled_from(holders))
    grant = data.draw(st.floats(1.0, 1e9))
    scenario = with_overrides(scenario, {f"agencies.{agency_id}.extra_prevention_gbp_per_year": grant})
    model = PlaceModel(scenario, seed=scenario.run.seed)
    budget = 0.0
    for _ in range(scenario.run.steps):
        model.step()
        budget += agency_of(model, agency_id).budget_gbp_per_year / 4
    model.ledger.verify()
    flows = model.ledger.flows()
    income = flows.query("category == 'income' and destination == @agency_id")["amount"].sum()
    assert income == pytest.approx(budget + grant / 4 * scenario.run.steps, rel=1e-9)
    prevention_pockets = [pocket(FundUse.prevention, d) for d in agency_of(model, agency_id).duties]
    assert all(model.ledger.balance(agency_id, name) >= -0.01 for name in prevention_pockets)
