"""Targeting: assessment with error, referrals, slots and queues, take-up; in silo prevention and the pool."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.model.agencies import ServiceAgency
from sim.model.ledger import CENTRE, POOL, SERVICES
from sim.model.model import PlaceModel
from sim.model.population import Population
from sim.model.targeting import PreventionService, highest_first, offers_until
from tests import builders

# Domain x has the builders' window [0.25, 0.5). Weight 1 (population == sample) unless said.
X = 0
UNLIMITED = None  # slots: as many as the money buys
QUEUE_NEEDS = [0.45, 0.4, 0.35, 0.3, 0.26, 0.1]  # five in the window, highest first


def population_with(needs_x: list[float] | np.ndarray, changes: dict | None = None) -> Population:
    """A population of weight 1 whose need in x is `needs_x` (y need 0), nothing drawn yet."""
    needs_x = np.asarray(needs_x, dtype=np.float32)
    scenario = builders.scenario(changes, population=needs_x.size)
    model = builders.model_with_needs(scenario, np.stack([needs_x, np.zeros_like(needs_x)]))
    return model.population


def serve(service: PreventionService, population: Population, affordable: int, step: int = 1,
          error_sd: float = 0.0, take_up: float = 1.0):  # fmt: skip
    """One quarter of the service; the treated then leave the window, as the agency's prevention would see to."""
    referrals = service.serve(population, X, error_sd, take_up, affordable, step)
    population.needs[X, referrals.treated] = 0.0
    return referrals


# -- who is referred -------------------------------------------------------------------------
def test_without_error_slots_or_refusals_the_citizens_closest_to_crisis_in_the_window_are_treated():
    # 0.6 is in crisis (met by the crisis response), 0.2 and 0.1 are below the window
    population = population_with([0.3, 0.45, 0.6, 0.4, 0.26, 0.1, 0.2, 0.49])
    referrals = serve(PreventionService(UNLIMITED, 4), population, affordable=3)
    assert referrals.treated.tolist() == [7, 1, 3]
    assert referrals.assessed.tolist() == [7, 1, 3]
    assert referrals.waited_quarters.tolist() == [0, 0, 0]
    assert referrals.declined == 0


def test_without_error_slots_or_refusals_targeting_is_the_silo_rule_on_a_large_population():
    rng = np.random.default_rng(3)
    needs = rng.uniform(0.0, 0.7, 5000).astype(np.float32)
    population = population_with(needs)
    treated = serve(PreventionService(UNLIMITED, 4), population, affordable=700).treated
    window = np.flatnonzero((needs >= 0.25) & (needs < 0.5))
    silo = window[np.argsort(-needs[window], kind="stable")][:700]
    np.testing.assert_array_equal(np.sort(treated), np.sort(silo))
    assert np.all(np.diff(needs[treated]) <= 0)  # highest first


def test_a_citizen_in_crisis_this_quarter_is_not_referred_even_once_stabilised_into_the_window():
    population = population_with(QUEUE_NEEDS)
    crises_now = np.zeros(6, dtype=bool)
    crises_now[0] = True  # the acute response brought it back to 0.45
    referrals = PreventionService(UNLIMITED, 4).serve(population, X, 0.0, 1.0, 2, 1, crises_now)
    assert referrals.treated.tolist() == [1, 2]


def test_highest_first_returns_the_largest_scores_largest_first():
    score = np.array([0.1, 0.9, 0.5, 0.7, 0.3])
    assert highest_first(score, 3).tolist() == [1, 3, 2]
    assert highest_first(score, 10).tolist() == [1, 3, 2, 4, 0]
    assert highest_first(score, 0).size == 0


ERROR_SD = 0.05
WINDOW_N = 30_000


def targeting_with_error(error_sd: float) -> tuple[np.ndarray, np.ndarray]:
    """(treated, true window) on 30,000 citizens uniform in need over [0, 0.75), enough money for
    everyone in the true window, the assessment errors of one quarter drawn."""
    rng = np.random.default_rng(11)
    needs = rng.uniform(0.0, 0.75, WINDOW_N).astype(np.float32)
    population = population_with(needs, {"agencies.a.assessment_error_sd": error_sd})
    population.draw_quarter()
    window = np.flatnonzero((needs >= 0.25) & (needs < 0.5))
    treated = serve(PreventionService(UNLIMITED, 4), population, affordable=window.size, error_sd=error_sd).treated
    return treated, window


def test_assessment_error_treats_some_citizens_below_the_true_window():
    treated, window = targeting_with_error(ERROR_SD)
    outside = np.setdiff1d(treated, window)
    # those below 0.25 whose error lifts them in: density x sd x E[max(Z, 0)] = (N / 0.75) sd / sqrt(2 pi)
    expected = WINDOW_N / 0.75 * ERROR_SD / np.sqrt(2 * np.pi)
    assert outside.size == pytest.approx(expected, rel=0.15)


def test_assessment_error_misses_some_citizens_inside_the_true_window():
    treated, window = targeting_with_error(ERROR_SD)
    missed = np.setdiff1d(window, treated)
    # those whose error pushes them out, below 0.25 or to 0.5 and above: twice the crossing count
    expected = 2 * WINDOW_N / 0.75 * ERROR_SD / np.sqrt(2 * np.pi)
    assert missed.size == pytest.approx(expected, rel=0.15)


def test_assessment_error_never_refers_a_citizen_truly_in_crisis():
    rng = np.random.default_rng(4)
    needs = rng.uniform(0.45, 0.55, 5000).astype(np.float32)
    population = population_with(needs, {"agencies.a.assessment_error_sd": 0.1})
    population.draw_quarter()
    treated = serve(PreventionService(UNLIMITED, 4), population, affordable=5000, error_sd=0.1).treated
    assert treated.size > 0
    assert np.all(needs[treated] < 0.5)


# -- slots and queues ------------------------------------------------------------------------
def test_slots_cap_the_offers_of_a_quarter_and_the_rest_wait():
    population = population_with(QUEUE_NEEDS)
    service = PreventionService(2.0, 4)
    referrals = serve(service, population, affordable=5)
    assert referrals.treated.tolist() == [0, 1]
    assert service.queue.tolist() == [2, 3, 4]
    assert service.waiting == 3


def test_slots_are_residents_and_count_in_simulated_citizens_of_their_weight():
    needs = np.asarray(QUEUE_NEEDS, dtype=np.float32)
    scenario = builders.scenario(population=needs.size * 2)  # weight 2: 4 residents' slots = 2 citizens
    population = builders.model_with_needs(scenario, np.stack([needs, np.zeros_like(needs)])).population
    referrals = serve(PreventionService(4.0, 4), population, affordable=5)
    assert referrals.treated.tolist() == [0, 1]


def test_fractional_slots_carry_to_the_next_quarter():
    population = population_with(np.full(12, 0.4))
    service = PreventionService(1.5, 4)
    offered = [serve(service, population, affordable=12, step=step).treated.size for step in (1, 2, 3, 4)]
    assert offered == [1, 2, 1, 2]


def test_places_unused_in_a_quarter_are_not_carried_to_the_next():
    population = population_with(np.full(12, 0.1))  # nobody in the window
    service = PreventionService(1.5, 40)
    for step in (1, 2):
        assert serve(service, population, affordable=12, step=step).treated.size == 0
    population.needs[X] = 0.4
    assert serve(service, population, affordable=12, step=3).treated.size == 1


def test_waiting_citizens_are_assessed_when_referred():
    population = population_with(QUEUE_NEEDS)
    referrals = serve(PreventionService(2.0, 4), population, affordable=5)
    assert sorted(referrals.assessed.tolist()) == [0, 1, 2, 3, 4]


def test_the_queue_is_served_first_next_quarter_in_order_of_arrival():
    population = population_with(QUEUE_NEEDS)
    service = PreventionService(2.0, 4)
    serve(service, population, affordable=5, step=1)
    population.needs[X, 5] = 0.49  # a new citizen, closer to crisis than anyone waiting
    referrals = serve(service, population, affordable=5, step=2)
    assert referrals.treated.tolist() == [2, 3]
    assert service.queue.tolist() == [4, 5]


def test_waited_quarters_are_reported_for_each_citizen_treated():
    population = population_with(QUEUE_NEEDS)
    service = PreventionService(1.0, 4)
    for step in (1, 2, 3):
        referrals = serve(service, population, affordable=3, step=step)
    # step 1 refers 0, 1, 2 and treats 0; step 2 treats 1 (waited 1); step 3 treats 2 (waited 2)
    assert referrals.treated.tolist() == [2]
    assert referrals.waited_quarters.tolist() == [2]


def test_a_citizen_reaching_crisis_while_waiting_leaves_the_queue_and_is_counted():
    population = population_with(QUEUE_NEEDS)
    service = PreventionService(2.0, 4)
    serve(service, population, affordable=5, step=1)
    population.needs[X, 3] = 0.7
    referrals = serve(service, population, affordable=5, step=2)
    assert referrals.crises_while_waiting == 1
    assert referrals.left_queue_unserved == 0
    assert 3 not in referrals.treated
    assert 3 not in service.queue
    assert referrals.treated.tolist() == [2, 4]


def test_a_waiting_citizen_in_crisis_this_quarter_leaves_even_when_its_need_no_longer_shows_it():
    population = population_with(QUEUE_NEEDS)
    service = PreventionService(2.0, 4)
    serve(service, population, affordable=5, step=1)
    crises_now = np.zeros(6, dtype=bool)
    crises_now[2] = True  # met by the acute response this quarter; its need (0.35) is back in the window
    referrals = service.serve(population, X, 0.0, 1.0, 5, 2, crises_now)
    assert referrals.crises_while_waiting == 1
    assert referrals.treated.tolist() == [3, 4]


def test_max_wait_drops_citizens_who_waited_longer():
    population = population_with(QUEUE_NEEDS)
    service = PreventionService(0.0, 2)  # no slots: everyone referred waits
    serve(service, population, affordable=5, step=1)
    for step in (2, 3):
        referrals = serve(service, population, affordable=5, step=step)
        assert service.waiting == 5
        assert referrals.left_queue_unserved == 0
    referrals = serve(service, population, affordable=5, step=4)  # waited 3 > 2 quarters
    assert referrals.left_queue_unserved == 5
    assert referrals.crises_while_waiting == 0


# -- take-up ---------------------------------------------------------------------------------
def test_the_share_declining_matches_one_minus_take_up_on_a_large_draw():
    needs = np.full(20_000, 0.4, dtype=np.float32)
    population = population_with(needs, {"domains.x.take_up": 0.7})
    population.draw_quarter()
    referrals = serve(PreventionService(UNLIMITED, 4), population, affordable=20_000, take_up=0.7)
    assert referrals.offered == 20_000
    assert referrals.declined / referrals.offered == pytest.approx(0.3, abs=0.015)


def test_a_declined_offer_is_assessed_but_not_treated():
    population = population_with(QUEUE_NEEDS)
    population.take_up_draw[:] = [0.1, 0.9, 0.1, 0.9, 0.1, 0.1]
    referrals = serve(PreventionService(UNLIMITED, 4), population, affordable=5, take_up=0.5)
    assert referrals.treated.tolist() == [0, 2, 4]
    assert referrals.declined == 2
    assert sorted(referrals.assessed.tolist()) == [0, 1, 2, 3, 4]


def test_a_citizen_who_declines_does_not_wait():
    population = population_with(QUEUE_NEEDS)
    population.take_up_draw[:] = 0.9
    service = PreventionService(2.0, 4)
    referrals = serve(service, population, affordable=5, take_up=0.5)
    assert referrals.declined == 5
    assert service.waiting == 0


def test_a_declined_place_passes_down_the_list_until_the_money_is_used():
    population = population_with(QUEUE_NEEDS)
    population.take_up_draw[:] = [0.9, 0.1, 0.9, 0.1, 0.1, 0.1]
    referrals = serve(PreventionService(UNLIMITED, 4), population, affordable=2, take_up=0.5)
    assert referrals.treated.tolist() == [1, 3]
    assert referrals.declined == 2  # 0 and 2; 4 is never offered
    assert sorted(referrals.assessed.tolist()) == [0, 1, 2, 3]


# -- in an agency ----------------------------------------------------------------------------
PREVENTION = {
    "agencies.a.statutory_duties": {"x": 1.0},
    "agencies.b.statutory_duties": {"y": 1.0},
    "agencies.a.prevention_propensity": 1.0,
    "agencies.a.budget_gbp_per_year": 4 * 40 * 110.0,  # 40 interventions a quarter at 100 + 10
    "domains.x.prevention_effect": 0.5,
    "policy.prevention_payback_years": 1.0,
}
FORTY_IN_WINDOW = np.stack([np.linspace(0.26, 0.49, 40), np.zeros(40)])


def agency_a(model: PlaceModel) -> ServiceAgency:
    return model.agencies_by_id(["a"])[0]


def spent(model: PlaceModel, category: str) -> float:
    flows = model.ledger.flows()
    return float(flows.loc[(flows["category"] == category) & (flows["destination"] == SERVICES), "amount"].sum())


def prevention_model(changes: dict) -> PlaceModel:
    scenario = builders.scenario({**PREVENTION, **changes}, population=40)
    model = builders.model_with_needs(scenario, FORTY_IN_WINDOW)
    model.step()
    return model


def test_the_agency_pays_prevention_only_for_the_citizens_who_take_it_up():
    model = prevention_model({"domains.x.take_up": 0.5})
    referrals = agency_a(model).referrals["x"]
    assert 0 < referrals.treated.size < 40  # some took it up, some declined
    assert spent(model, "prevention") == pytest.approx(100.0 * referrals.treated.size)
    assert spent(model, "assessment") == pytest.approx(10.0 * 40)


def test_an_agency_reduces_the_need_only_of_those_who_take_it_up():
    model = prevention_model({"domains.x.take_up": 0.5})
    treated = np.zeros(40, dtype=bool)
    treated[agency_a(model).referrals["x"].treated] = True
    needs = model.population.needs[X]
    np.testing.assert_allclose(needs[treated], FORTY_IN_WINDOW[X, treated] * 0.5, rtol=1e-6)
    np.testing.assert_allclose(needs[~treated], FORTY_IN_WINDOW[X, ~treated], rtol=1e-6)


def test_citizens_waiting_for_a_slot_are_assessed_but_not_charged_prevention():
    model = prevention_model({"agencies.a.prevention_slots_per_quarter": {"x": 10.0}})
    assert agency_a(model).referrals["x"].treated.size == 10
    assert agency_a(model).prevention_services["x"].waiting == 30
    assert spent(model, "prevention") == pytest.approx(100.0 * 10)
    assert spent(model, "assessment") == pytest.approx(10.0 * 40)


def test_a_waiting_citizen_whose_crisis_the_acute_response_meets_still_leaves_the_queue_and_is_counted():
    model = prevention_model({"agencies.a.prevention_slots_per_quarter": {"x": 10.0}, "domains.x.acute_effect": 0.5})
    service = agency_a(model).prevention_services["x"]
    front = int(service.queue[0])  # first in line for next quarter's slots
    model.population.needs[X, front] = 0.7  # in crisis next quarter (its pull holds it there)
    model.population.pull[X, front] = 0.1 * 0.7
    model.step()
    assert model.crises.masks["x"][front]
    referrals = agency_a(model).referrals["x"]
    assert referrals.crises_while_waiting == 1
    assert front not in referrals.treated


def test_a_waiting_citizen_who_reaches_crisis_in_a_quarter_without_prevention_money_still_leaves_the_queue():
    model = prevention_model({"agencies.a.prevention_slots_per_quarter": {"x": 10.0}, "domains.x.acute_effect": 0.5})
    service = agency_a(model).prevention_services["x"]
    front = int(service.queue[0])
    model.population.needs[X, front] = 0.7
    model.population.pull[X, front] = 0.1 * 0.7
    agency_a(model).budget_gbp_per_year = 0.0  # no money for prevention this quarter
    model.step()
    assert model.crises.masks["x"][front]
    assert front not in service.queue


WARM_UP_QUEUE = {
    **PREVENTION,
    "agencies.a.prevention_slots_per_quarter": {"x": 2.0},
    "agencies.a.max_wait_quarters": 40,  # nobody gives up: the queue only moves by its slots
    "domains.x.unit_cost_gbp": 1.0,  # crises cost next to nothing: the money goes on prevention
    "domains.y.unit_cost_gbp": 1.0,
    "run.warmup_steps": 6,
}


def test_the_quarters_reported_waited_are_those_spent_in_the_queue_warm_up_included(monkeypatch):
    queues: list[set[int]] = []  # agency a's queue in x after each quarter, warm-up included
    original_serve = PreventionService.serve

    def watched(self, population, row, *args):
        referrals = original_serve(self, population, row, *args)
        if row == X:
            queues.append(set(self.queue.tolist()))
        return referrals

    monkeypatch.setattr(PreventionService, "serve", watched)
    model = PlaceModel(builders.scenario(WARM_UP_QUEUE), seed=0)
    model.step()
    referrals = agency_a(model).referrals["x"]
    assert referrals.treated.size > 0
    spent_waiting = []
    for citizen in referrals.treated:
        quarters = 0
        while quarters < len(queues) - 1 and citizen in queues[-2 - quarters]:
            quarters += 1
        spent_waiting.append(quarters)
    assert max(spent_waiting) > 1  # someone waited through warm-up
    assert referrals.waited_quarters.tolist() == spent_waiting


# -- the pool --------------------------------------------------------------------------------
# Six citizens, weight 1, in x and y with window [0.2, 0.8); households {0, 1, 2}, {3, 4}, {5}.
POOL_NEEDS = [[0.7, 0.1, 0.0, 0.5, 0.4, 0.6], [0.6, 0.0, 0.1, 0.5, 0.4, 0.65]]
HOUSEHOLDS = [0, 0, 0, 1, 1, 2]
POOLED = {
    "domains.x.prevention_threshold": 0.2, "domains.x.crisis_threshold": 0.8,
    "domains.y.prevention_threshold": 0.2, "domains.y.crisis_threshold": 0.8,
    "policy.pool.rule": "need", "policy.pool.rate": 1.0, "policy.pool.package_cost_gbp": 100.0,
    "policy.pool.assessment_cost_gbp": 20.0, "policy.pool.package_effect": 0.5,
}  # fmt: skip


def pool_model(changes: dict | None = None, pool_gbp: float = 120.0) -> PlaceModel:
    scenario = builders.scenario({**POOLED, **(changes or {})}, population=6)
    model = builders.model_with_needs(scenario, POOL_NEEDS)
    model.population.household[:] = HOUSEHOLDS
    model.ledger.pay(CENTRE, POOL, pool_gbp, "test")
    return model


def pool_spent(model: PlaceModel) -> dict[str, float]:
    flows = model.ledger.flows()
    return flows[flows["source"] == POOL].groupby("category")["amount"].sum().to_dict()


def helped(model: PlaceModel) -> list[int]:
    return np.flatnonzero(np.any(model.population.needs != np.asarray(POOL_NEEDS, np.float32), axis=0)).tolist()


def test_a_declined_package_costs_its_assessment_and_changes_no_need():
    model = pool_model({"policy.pool.take_up": 0.5}, pool_gbp=360.0)  # three offers: 0, 5, 3
    model.population.take_up_draw[:] = [0.9, 0.1, 0.1, 0.1, 0.1, 0.1]
    model.pool.buy_packages()
    assert helped(model) == [3, 5]
    assert model.pool.packages == 2
    assert model.pool.offers_declined == 1
    assert pool_spent(model) == pytest.approx({"pool_prevention": 200.0, "assessment": 60.0})


def test_a_whole_family_package_helps_every_member_of_one_household():
    model = pool_model({"policy.pool.whole_family": True})
    model.pool.buy_packages()
    # household {3, 4} has the greatest eligible need (1.0 + 0.8), ahead of {0, 1, 2} (1.3) and {5} (1.25)
    assert helped(model) == [3, 4]
    np.testing.assert_allclose(model.population.needs[:, [3, 4]], [[0.25, 0.2], [0.25, 0.2]], rtol=1e-6)


def test_a_whole_family_package_reaches_members_outside_every_window():
    model = pool_model({"policy.pool.whole_family": True}, pool_gbp=240.0)
    model.pool.buy_packages()
    assert helped(model) == [0, 1, 2, 3, 4]  # 1 and 2 are below every window


def test_a_whole_family_package_costs_one_package_and_one_assessment_per_household():
    model = pool_model({"policy.pool.whole_family": True}, pool_gbp=240.0)
    model.pool.buy_packages()
    assert model.pool.packages == 2
    assert pool_spent(model) == pytest.approx({"pool_prevention": 200.0, "assessment": 40.0})


def test_a_whole_family_packages_cost_is_shared_by_its_members():
    model = pool_model({"policy.pool.whole_family": True})
    model.pool.buy_packages()
    np.testing.assert_allclose(model.population.cost_this_year, [0.0, 0.0, 0.0, 50.0, 50.0, 0.0])


def test_a_household_that_declines_a_whole_family_package_is_not_helped():
    model = pool_model({"policy.pool.whole_family": True, "policy.pool.take_up": 0.5}, pool_gbp=240.0)
    model.population.take_up_draw[:] = [0.1, 0.9, 0.9, 0.9, 0.1, 0.1]  # the first member decides
    model.pool.buy_packages()
    assert helped(model) == [0, 1, 2]
    assert model.pool.offers_declined == 1
    assert pool_spent(model) == pytest.approx({"pool_prevention": 100.0, "assessment": 40.0})


@given(accepts=st.lists(st.booleans(), max_size=40), places=st.integers(-1, 45))
def test_offers_go_down_the_list_until_the_last_place_is_taken(accepts: list[bool], places: int):
    """offers_until against its plain definition: offer in order; stop once `places` have accepted."""
    expected, taken = 0, 0
    for accepted in accepts:
        if taken >= places:
            break
        expected += 1
        taken += accepted
    assert offers_until(np.array(accepts, dtype=bool), places) == expected
