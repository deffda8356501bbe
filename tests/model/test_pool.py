"""The pool: contributions from flexible money, governance, allocation rules and gain-share."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from sim.model.ledger import CENTRE, FLEXIBLE, POOL, SERVICES
from sim.model.model import PlaceModel
from sim.model import simulate
from tests import builders
from tests.strategies import PROPERTY_SETTINGS, pooled_scenarios

# Ten citizens (weight 1) in two domains with window [0.2, 0.8). Citizens 4 and 6-9 are outside
# every window: 4 is in crisis in x and below the window in y.
RANKING_NEEDS = [
    [0.7, 0.3, 0.79, 0.0, 0.9, 0.9, 0.0, 0.1, 0.0, 0.0],
    [0.7, 0.3, 0.0, 0.5, 0.1, 0.3, 0.0, 0.1, 0.0, 0.0],
]
RANKING_DOMAINS = {
    "x": builders.domain(prevention_threshold=0.2, crisis_threshold=0.8),
    "y": builders.domain(prevention_threshold=0.2, crisis_threshold=0.8),
}
POOLED = {"policy.pool.rule": "need", "policy.pool.rate": 1.0, "policy.pool.package_cost_gbp": 100.0,
          "policy.pool.assessment_cost_gbp": 0.0, "policy.pool.package_effect": 0.5}  # fmt: skip


def packages_bought(rule: str, changes: dict | None = None, pool_gbp: float = 250.0) -> list[int]:
    """Citizens the pool chooses with `pool_gbp` (two packages at 100) under `rule`."""
    scenario = builders.scenario({**POOLED, "policy.pool.rule": rule, **(changes or {})},
                                 domains=RANKING_DOMAINS, population=10)  # fmt: skip
    model = builders.model_with_needs(scenario, RANKING_NEEDS)
    model.ledger.pay(CENTRE, POOL, pool_gbp, "test")
    model.pool.buy_packages()
    changed = np.any(model.population.needs != np.asarray(RANKING_NEEDS, dtype=np.float32), axis=0)
    return np.flatnonzero(changed).tolist()


def pooled_model(changes: dict | None = None, agencies: dict | None = None) -> PlaceModel:
    """Agencies a (x), b (y), c (x) with 4000 a year each; crises free (no one in crisis)."""
    agencies = agencies or {
        "a": builders.agency({"x": 0.5}, budget_gbp_per_year=4000.0, collaboration=0.5),
        "b": builders.agency({"y": 1.0}, budget_gbp_per_year=4000.0, collaboration=1.0),
        "c": builders.agency({"x": 0.5}, budget_gbp_per_year=4000.0, collaboration=0.2),
    }
    scenario = builders.scenario({**POOLED, **(changes or {})}, agencies=agencies, population=4)
    return builders.model_with_needs(scenario, [[0.0] * 4, [0.0] * 4])


def contributions(model: PlaceModel) -> dict[str, float]:
    flows = model.ledger.flows()
    rows = flows[flows["category"] == "pool_contribution"]
    return rows.groupby("source")["amount"].sum().to_dict()


# -- contributions and governance ------------------------------------------------------------
def test_silo_regime_has_no_pool_activity():
    model = pooled_model({"policy.pool.rule": "silo"})
    model.step()
    flows = model.ledger.flows()
    assert not flows["category"].isin(["pool_contribution", "governance", "pool_prevention"]).any()
    assert model.pool.balance == 0.0


def test_members_contribute_rate_times_collaboration_times_flexible_income():
    model = pooled_model({"policy.pool.rate": 0.4, "policy.ring_fence_share": 0.5})
    model.step()
    # flexible income is 1000 * (1 - 0.5) = 500 a quarter
    assert contributions(model) == pytest.approx({"a": 0.4 * 0.5 * 500, "b": 0.4 * 1.0 * 500, "c": 0.4 * 0.2 * 500})


def test_only_members_contribute():
    model = pooled_model({"policy.pool.members": ["b"]})
    model.step()
    assert set(contributions(model)) == {"b"}


def test_ring_fenced_money_never_reaches_the_pool():
    model = pooled_model({"policy.ring_fence_share": 1.0})
    model.step()
    assert contributions(model) == {}
    flows = model.ledger.flows()
    assert model.ledger.balance("b", "acute:y") == pytest.approx(1000.0)
    assert model.ledger.balance("a", FLEXIBLE) == 0.0
    assert flows[flows["destination"] == POOL].empty


def test_pool_contributions_are_paid_from_the_flexible_fund():
    model = pooled_model({"policy.ring_fence_share": 0.5})
    model.step()
    flows = model.ledger.flows()
    assert (flows.loc[flows["destination"] == POOL, "fund"] == "flexible").all()


B_UNDER_A_CONTROL_TOTAL = {"agencies.b.budget_rule": "control_total", "agencies.b.control_total_limit_share": 1.0}


def test_an_agency_in_deficit_contributes_nothing():
    model = pooled_model(B_UNDER_A_CONTROL_TOTAL)
    model.ledger.pay("b", SERVICES, 3000.0, "acute", "y")  # b starts 3000 in deficit, within its limit
    model.step()
    assert "b" not in contributions(model)
    assert model.ledger.balance("b", FLEXIBLE) == pytest.approx(1000.0 - 3000.0)


def test_contribution_is_capped_by_the_flexible_balance():
    model = pooled_model(B_UNDER_A_CONTROL_TOTAL)
    model.ledger.pay("b", SERVICES, 700.0, "acute", "y")
    model.step()
    assert contributions(model)["b"] == pytest.approx(300.0)


def test_pool_governance_overhead_is_a_share_of_contributions():
    model = pooled_model({"policy.pool.governance_share": 0.1, "policy.pool.package_cost_gbp": 1e7})  # none affordable
    model.step()
    flows = model.ledger.flows()
    governance = flows[flows["category"] == "governance"]
    total = sum(contributions(model).values())
    assert governance["source"].tolist() == [POOL]
    assert governance["amount"].sum() == pytest.approx(0.1 * total)
    assert model.pool.balance == pytest.approx(0.9 * total)


# -- allocation rules ------------------------------------------------------------------------
def test_need_rule_picks_the_greatest_total_need():
    assert packages_bought("need") == [0, 5]  # 1.4 and 1.2, ahead of 2 (0.79) and 3 (0.5)


def test_invest_to_save_rule_picks_the_greatest_expected_avoided_acute_cost():
    # acute cost only in y: citizen 0 (0.7, closeness 5/6) then 3 (0.5, closeness 1/2)
    changes = {"domains.x.unit_cost_gbp": 1.0, "domains.y.unit_cost_gbp": 10_000.0}
    assert packages_bought("invest_to_save", changes) == [0, 3]


def test_invest_to_save_counts_closeness_to_crisis_not_only_need():
    # citizen 5's x need (0.9) is past the crisis threshold: closeness 1; citizen 2 (0.79) is just below it
    changes = {"domains.x.unit_cost_gbp": 10_000.0, "domains.y.unit_cost_gbp": 1.0}
    assert packages_bought("invest_to_save", changes) == [2, 5]


def test_citizen_priority_rule_weights_need_by_citizens_priorities():
    changes = {"domains.x.citizen_priority": 1.0, "domains.y.citizen_priority": 0.0}
    assert packages_bought("citizen_priority", changes) == [2, 5]  # x needs 0.9 and 0.79
    changes = {"domains.x.citizen_priority": 0.0, "domains.y.citizen_priority": 1.0}
    assert packages_bought("citizen_priority", changes) == [0, 3]


def test_citizens_outside_every_prevention_window_get_no_package():
    assert packages_bought("need", pool_gbp=10_000.0) == [0, 1, 2, 3, 5]


def test_a_package_removes_its_effect_from_every_need_of_the_citizen():
    scenario = builders.scenario(POOLED, domains=RANKING_DOMAINS, population=10)
    model = builders.model_with_needs(scenario, RANKING_NEEDS)
    model.ledger.pay(CENTRE, POOL, 100.0, "test")
    model.pool.buy_packages()
    np.testing.assert_allclose(model.population.needs[:, 0], [0.35, 0.35], rtol=1e-6)


def test_the_pool_buys_what_its_balance_affords_and_pays_package_and_assessment():
    changes = {"policy.pool.assessment_cost_gbp": 25.0, "policy.pool.package_cost_gbp": 100.0}
    scenario = builders.scenario({**POOLED, **changes}, domains=RANKING_DOMAINS, population=20)  # weight 2
    model = builders.model_with_needs(scenario, RANKING_NEEDS)
    model.ledger.pay(CENTRE, POOL, 800.0, "test")  # 800 // (125 * 2) = 3 packages
    model.pool.buy_packages()
    assert model.pool.packages == 3
    flows = model.ledger.flows().set_index("category")["amount"]
    assert flows["pool_prevention"] == pytest.approx(3 * 100.0 * 2)
    assert flows["assessment"] == pytest.approx(3 * 25.0 * 2)
    assert model.pool.balance == pytest.approx(800.0 - 750.0)


def test_the_business_case_claims_every_need_removed_at_full_unit_cost_over_the_payback_years():
    changes = {**POOLED, "domains.x.unit_cost_gbp": 1000.0, "domains.y.unit_cost_gbp": 3000.0}
    scenario = builders.scenario(changes, domains=RANKING_DOMAINS, population=10)
    model = builders.model_with_needs(scenario, RANKING_NEEDS)
    model.ledger.pay(CENTRE, POOL, 100.0, "test")
    model.pool.buy_packages()
    # one package, for citizen 0 (0.7, 0.7): closeness (0.7 - 0.2) / 0.6, effect 0.5, and the
    # removed need counted over the quarters of the payback horizon as it recovers back
    quarters = round(4 * scenario.policy.prevention_payback_years)
    persistence = sum((1.0 - 0.1) ** k for k in range(quarters))
    avoided = 0.7 * 0.5 * (0.5 / 0.6) * persistence
    assert model.pool.claimed_gbp == pytest.approx((1000 + 3000) * avoided * model.population.weight, rel=1e-5)


# -- gain-share ------------------------------------------------------------------------------
def gain_share_model(rate: float = 0.5, gain_share: bool = True) -> PlaceModel:
    model = pooled_model({"policy.pool.gain_share": gain_share, "policy.pool.gain_share_rate": rate})
    for agency_id in ("a", "b", "c"):
        model.ledger.pay(CENTRE, agency_id, 10_000.0, "income")
    model.pool.contributions = {"a": 100.0, "b": 300.0, "c": 0.0}
    model.pool.observed_savings.estimates = {"a": 0.0, "b": 400.0, "c": 1000.0}
    return model


def gain_share_payments(model: PlaceModel) -> dict[tuple[str, str], float]:
    flows = model.ledger.flows()
    rows = flows[flows["category"] == "gain_share"]
    return {(s, d): a for s, d, a in zip(rows["source"], rows["destination"], rows["amount"], strict=True)}


def test_gain_share_moves_savings_from_savers_to_contributors_in_proportion_to_contributions():
    model = gain_share_model(rate=0.5)
    model.pool.share_gains()
    # c hands back 500, a quarter to a and three quarters to b; b hands back 200, keeps its own 3/4
    assert gain_share_payments(model) == pytest.approx({("b", "a"): 50.0, ("c", "a"): 125.0, ("c", "b"): 375.0})
    assert model.pool.gain_share_net == pytest.approx({"a": 175.0, "b": 325.0, "c": -500.0})


def test_gain_share_conserves_money():
    model = gain_share_model(rate=0.8)
    before = {a: model.ledger.account_balance(a) for a in ("a", "b", "c")}
    model.pool.share_gains()
    after = {a: model.ledger.account_balance(a) for a in ("a", "b", "c")}
    assert sum(after.values()) == pytest.approx(sum(before.values()))
    assert sum(model.pool.gain_share_net.values()) == pytest.approx(0.0)
    for agency_id in before:
        assert after[agency_id] - before[agency_id] == pytest.approx(model.pool.gain_share_net[agency_id])


def test_without_gain_share_savings_stay_where_they_fall():
    model = gain_share_model(gain_share=False)
    model.pool.share_gains()
    assert gain_share_payments(model) == {}


def test_gain_share_is_limited_by_the_savers_flexible_balance():
    model = gain_share_model(rate=1.0)
    model.ledger.pay("c", SERVICES, 9_900.0, "acute")  # c keeps 100
    model.pool.share_gains()
    payments = gain_share_payments(model)
    assert payments[("c", "a")] + payments[("c", "b")] == pytest.approx(100.0)
    assert model.ledger.balance("c", FLEXIBLE) == pytest.approx(0.0)


@given(pooled_scenarios())
@PROPERTY_SETTINGS
def test_gain_share_is_paid_only_to_agencies_that_contributed_that_step(scenario):
    flows = simulate(scenario).ledger
    contributed = set(zip(*flows.loc[flows["category"] == "pool_contribution", ["step", "source"]].T.to_numpy()))
    gain_share = flows[flows["category"] == "gain_share"]
    for step, source, destination in gain_share[["step", "source", "destination"]].itertuples(index=False):
        assert (step, destination) in contributed
        assert source != destination
    assert (gain_share["fund"] == "flexible").all()
