"""Properties of the money model over random valid scenarios with capacity, budget rules, savings
rules and settlement paths: money is conserved, no pocket goes below its floor, every unspent
pound leaves the flexible pocket at a year end, the debt to the centre is what was lent less what
was repaid, and a run is determined by its seed."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings

from sim.model.budget_rules import RESERVES
from sim.model.ledger import CENTRE, CONSERVATION_TOLERANCE_GBP, FLEXIBLE
from sim.model.model import PlaceModel
from sim.scenario.schema import Scenario
from tests.strategies import money_scenarios

MONEY_SETTINGS = settings(max_examples=20, deadline=None)
STEPS_PER_YEAR = 4


def run(scenario: Scenario, after_step=None) -> PlaceModel:
    model = PlaceModel(scenario, seed=scenario.run.seed)
    for _ in range(scenario.run.steps):
        model.step()
        if after_step is not None:
            after_step(model)
    return model


def assert_no_pocket_below_its_floor(model: PlaceModel) -> None:
    ledger = model.ledger
    for agency in model.agency_list:
        account = agency.agency_id
        assert agency.flexible_balance >= ledger.floor(account, FLEXIBLE) - CONSERVATION_TOLERANCE_GBP
        assert agency.reserves_gbp >= -CONSERVATION_TOLERANCE_GBP
        for line in agency.ring_fenced_weights:
            assert ledger.balance(account, line) >= -CONSERVATION_TOLERANCE_GBP


@given(money_scenarios())
@MONEY_SETTINGS
def test_money_is_conserved_and_no_pocket_goes_below_its_floor(scenario):
    model = run(scenario, after_step=assert_no_pocket_below_its_floor)
    model.ledger.verify()  # every account and step adds up; the replay never went below a floor


@given(money_scenarios())
@MONEY_SETTINGS
def test_at_every_year_end_unspent_money_has_left_the_flexible_pocket_and_the_lines(scenario):
    def after_step(model: PlaceModel) -> None:
        if model.steps % STEPS_PER_YEAR:
            return
        flows = model.ledger.flows()
        reinvested = flows[(flows["step"] == model.steps) & (flows["category"] == "reinvested")]
        for agency in model.agency_list:
            assert agency.flexible_balance <= CONSERVATION_TOLERANCE_GBP  # to reserves, prevention or the centre
            if scenario.settlement.ring_fence_carry_forward:
                continue
            for line in agency.ring_fenced_weights:  # emptied, then given only next year's reinvested prevention
                use, domain = line.split(":", 1)
                mine = reinvested[(reinvested["destination"] == agency.agency_id) & (reinvested["domain"] == domain)]
                expected = mine["amount"].sum() if use == "prevention" else 0.0
                held = model.ledger.balance(agency.agency_id, line)
                assert held == pytest.approx(expected, abs=CONSERVATION_TOLERANCE_GBP)

    run(scenario, after_step)


@given(money_scenarios())
@MONEY_SETTINGS
def test_the_debt_to_the_centre_is_support_less_repayments(scenario):
    model = run(scenario)
    flows = model.ledger.flows()
    for agency in model.agency_list:
        account = agency.agency_id
        lent = flows[(flows["category"] == "deficit_support") & (flows["destination"] == account)]
        assert set(lent["source"]) <= {CENTRE}
        repaid = flows[(flows["category"] == "deficit_repayment") & (flows["source"] == account)]
        owed = lent["amount"].sum() - repaid["amount"].sum()
        assert agency.purse.owed_to_centre_gbp == pytest.approx(owed, rel=1e-9, abs=CONSERVATION_TOLERANCE_GBP)
        assert agency.purse.owed_to_centre_gbp >= -CONSERVATION_TOLERANCE_GBP
        assert model.ledger.balance(account, RESERVES) >= -CONSERVATION_TOLERANCE_GBP


@given(money_scenarios())
@MONEY_SETTINGS
def test_a_run_is_determined_by_its_seed(scenario):
    first, second = run(scenario), run(scenario)
    first_flows, second_flows = first.ledger.flows(), second.ledger.flows()
    pd.testing.assert_frame_equal(first_flows, second_flows)
    pd.testing.assert_frame_equal(first.recorder.table(first_flows), second.recorder.table(second_flows))
