"""Duplication: k agencies on one citizen cost k assessments uncoordinated, one coordinated."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.duplication import ContactRegister
from sim.model.ledger import SERVICES
from sim.model.model import PlaceModel
from tests import builders


def category_total(model: PlaceModel, category: str) -> float:
    flows = model.ledger.flows()
    return float(flows.loc[(flows["category"] == category) & (flows["destination"] == SERVICES), "amount"].sum())


# -- the register ----------------------------------------------------------------------------
@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_k_agencies_on_one_citizen_make_k_contacts_one_necessary_and_k_minus_1_duplicated(k):
    agencies = [f"agency{i}" for i in range(5)]
    register = ContactRegister(agencies, n_citizens=4)
    for agency_id in agencies[:k]:
        register.record(agency_id, np.array([2]))
    bills = register.bills()
    assert sum(bills[a].contacts for a in agencies) == k
    assert sum(bills[a].necessary for a in agencies) == pytest.approx(1.0)
    assert sum(bills[a].duplicated for a in agencies) == pytest.approx(k - 1)
    for agency_id in agencies[:k]:
        assert bills[agency_id].necessary == pytest.approx(1.0 / k)


def test_necessary_assessments_count_distinct_citizens():
    register = ContactRegister(["a", "b", "c"], n_citizens=6)
    register.record("a", np.array([True, True, False, False, False, False]))
    register.record("b", np.array([1, 2]))
    register.record("c", np.array([1, 2, 3]))
    bills = register.bills()
    assert {a: b.contacts for a, b in bills.items()} == {"a": 2, "b": 2, "c": 3}
    assert sum(b.necessary for b in bills.values()) == pytest.approx(4.0)  # citizens 0, 1, 2, 3
    assert bills["a"].necessary == pytest.approx(1.0 + 1.0 / 3.0)
    assert bills["c"].necessary == pytest.approx(1.0 / 3.0 + 1.0 / 2.0 + 1.0)


def test_recording_a_citizen_twice_is_one_contact():
    register = ContactRegister(["a"], n_citizens=3)
    register.record("a", np.array([1]))
    register.record("a", np.array([False, True, False]))
    assert register.bills()["a"].contacts == 1


def test_clear_forgets_the_steps_contacts():
    register = ContactRegister(["a", "b"], n_citizens=3)
    register.record("a", np.array([0, 1]))
    register.clear()
    assert all(bill.contacts == 0 and bill.necessary == 0.0 for bill in register.bills().values())


# -- in the model ----------------------------------------------------------------------------
SHARED_X = {"agencies.a.statutory_duties": {"x": 0.5, "y": 1.0}, "agencies.b.statutory_duties": {"x": 0.5}}
NEEDS = [[0.6, 0.8, 0.1, 0.6], [0.0, 0.5, 0.7, 0.2]]  # x crisis: 0, 1, 3; y crisis: 1, 2


def test_uncoordinated_agencies_pay_every_contact_and_book_the_duplicates_as_waste():
    model = builders.model_with_needs(builders.scenario(SHARED_X, population=4), NEEDS)
    model.step()
    # a contacts 0, 1, 2, 3; b contacts 0, 1, 3: seven contacts, four citizens, three duplicates
    assert category_total(model, "assessment") == pytest.approx(4 * 10.0)
    assert category_total(model, "duplicated_assessment") == pytest.approx(3 * 10.0)


def test_integrated_case_management_pays_only_the_necessary_part():
    scenario = builders.scenario({**SHARED_X, "policy.integrated_case_management": True}, population=4)
    model = builders.model_with_needs(scenario, NEEDS)
    model.step()
    assert category_total(model, "assessment") == pytest.approx(4 * 10.0)
    assert category_total(model, "duplicated_assessment") == 0.0


def test_a_small_duty_share_meets_only_its_share_of_crises():
    scenario = builders.scenario(SHARED_X, population=4)
    model = builders.model_with_needs(scenario, NEEDS, contact_draw=np.array([0.1, 0.9, 0.2, 0.4]))
    model.step()
    # x crises: citizens 0, 1, 3; a leads x (first on the 0.5/0.5 tie) and meets all three; b meets
    # those whose draw is below 0.5: 0 and 3. y crises: 1, 2, both met by a. So a contacts 0-3, b 0 and 3.
    bills = model.assessment_bills
    assert bills["b"].contacts == 2
    assert bills["a"].contacts == 4


def test_duplicated_assessments_equal_the_hand_count_from_crises_and_duties():
    """Analytic limit: no cascades, no noise, no drift, no prevention, no pool, no effect of the
    acute response: needs stay at the initial draw, so who is in crisis where, and which agencies
    hold duties there, fixes every contact. Agencies a and b share the duty for x, b and c for y."""
    duties = {"a": {"x": 0.5}, "b": {"x": 0.5, "y": 0.3}, "c": {"y": 0.7, "z": 1.0}}
    scenario = builders.scenario(
        {"policy.ring_fence_share": 0.3},
        domains={
            "x": builders.domain(prevention_threshold=0.1, crisis_threshold=0.3),
            "y": builders.domain(prevention_threshold=0.1, crisis_threshold=0.25),
            "z": builders.domain(prevention_threshold=0.2, crisis_threshold=0.35),
        },
        agencies={name: builders.agency(d, assessment_cost_gbp=40.0, budget_gbp_per_year=1e5)
                  for name, d in duties.items()},  # fmt: skip
        population=100_000,
        sample=5000,
    )
    model = PlaceModel(scenario, seed=5)
    needs = model.population.needs.copy()
    in_crisis = needs >= np.array([[0.3], [0.25], [0.35]], dtype=np.float32)
    draw = model.population.contact_draw
    # a domain's lead agency meets all its crises; another duty-holder with share s, those whose draw is below s
    lead = {"x": "a", "y": "c", "z": "c"}  # the largest share; a before b on the tie in x
    meets = np.array(
        [[(in_crisis[row] & ((lead[domain] == name) | (draw < share))) if (share := d.get(domain, 0.0)) > 0
          else np.zeros_like(draw, dtype=bool) for row, domain in enumerate("xyz")] for name, d in duties.items()]
    )  # fmt: skip  # [agency, domain, citizen]
    agencies_per_citizen = meets.any(axis=1).sum(axis=0)
    hand_count = int(np.maximum(agencies_per_citizen - 1, 0).sum())
    assert hand_count > 500  # the case exercises duplication
    steps = 3
    for _ in range(steps):
        model.step()
    weight = 100_000 / 5000
    assert category_total(model, "duplicated_assessment") == pytest.approx(steps * hand_count * 40.0 * weight)
    distinct = int((agencies_per_citizen > 0).sum())
    assert category_total(model, "assessment") == pytest.approx(steps * distinct * 40.0 * weight)


def test_every_crisis_is_met_by_its_domains_lead_agency():
    scenario = builders.scenario(SHARED_X, population=4)
    model = builders.model_with_needs(scenario, NEEDS, contact_draw=0.99)
    model.step()
    # no draw is below b's share of 0.5, so only the lead, a, meets the x crises (0, 1, 3)
    assert model.assessment_bills["b"].contacts == 0
    assert model.assessment_bills["a"].contacts == 4
