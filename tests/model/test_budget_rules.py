"""Budget rules: the order in which a Purse takes money (line, flexible to its floor, reserves),
and what each rule does when money runs short (sim/model/budget_rules.py), on a real Ledger."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.model.budget_rules import RESERVES, Kind, Purse
from sim.model.ledger import CENTRE, SERVICES, Ledger
from sim.scenario.schema import Agency
from tests import builders

LINE = "acute:x"
BUDGET = 1000.0
BUILT: list[Purse] = []  # the purses of the running test, verified after it


def purse_of(
    rule: str = "balanced", flexible: float = 0.0, line: float = 0.0, reserves: float = 0.0, **changes: object
) -> Purse:
    """Agency `a` under `rule` with a budget of 1000 a year and the given money in its pockets."""
    config = Agency(**builders.agency({"x": 1.0}, budget_gbp_per_year=BUDGET, budget_rule=rule, **changes))
    ledger = Ledger()
    ledger.open_account("a")
    purse = Purse(ledger, "a", config)
    purse.set_budget(BUDGET)
    ledger.pay(CENTRE, "a", flexible, "income")
    ledger.pay(CENTRE, "a", line, "income", "x", destination_pocket=LINE)
    ledger.pay(CENTRE, "a", reserves, "opening_reserves", destination_pocket=RESERVES)
    BUILT.append(purse)
    return purse


@pytest.fixture(autouse=True)
def _every_ledger_verifies():
    """Every purse built in a test leaves a ledger that conserves money and respects its floors."""
    BUILT.clear()
    yield
    for purse in BUILT:
        purse.ledger.verify()


def flows_of(purse: Purse, category: str) -> pd.DataFrame:
    flows = purse.ledger.flows()
    return flows[flows["category"] == category]


def to_services(purse: Purse) -> float:
    flows = purse.ledger.flows()
    return float(flows[flows["destination"] == SERVICES]["amount"].sum())


def pay(purse: Purse, amount: float, kind: Kind, line: str | None = LINE, step: int = 1) -> float:
    return purse.pay(amount, "acute", "x", line, kind, step)


# -- where the money comes from -------------------------------------------------------------------
def test_the_ring_fenced_line_pays_first_then_the_flexible_pocket():
    purse = purse_of(flexible=50.0, line=100.0, reserves=30.0)
    assert pay(purse, 120.0, Kind.statutory) == 120.0
    ledger = purse.ledger
    assert ledger.balance("a", LINE) == 0.0
    assert purse.flexible_gbp == pytest.approx(30.0)
    assert purse.reserves_gbp == 30.0
    paid = flows_of(purse, "acute")
    assert paid.groupby("fund")["amount"].sum().to_dict() == pytest.approx({"ring_fenced": 100.0, "flexible": 20.0})


@pytest.mark.parametrize("kind", [Kind.committed, Kind.statutory])
def test_reserves_are_drawn_once_flexible_money_is_down_to_its_floor(kind):
    purse = purse_of(flexible=50.0, line=100.0, reserves=30.0)
    assert pay(purse, 170.0, kind) == 170.0
    assert purse.flexible_gbp == pytest.approx(0.0)
    assert purse.reserves_gbp == pytest.approx(10.0)
    drawn = flows_of(purse, "from_reserves")
    assert list(zip(drawn["source"], drawn["destination"], drawn["amount"])) == [("a", "a", 20.0)]
    assert to_services(purse) == pytest.approx(170.0)
    assert not purse.year.controls  # reserves covered it: money did not run out
    assert purse.year.rationed_gbp == 0.0 and purse.owed_to_centre_gbp == 0.0


def test_discretionary_spending_never_touches_reserves():
    purse = purse_of(flexible=50.0, reserves=30.0)
    assert pay(purse, 80.0, Kind.discretionary, line=None) == pytest.approx(50.0)
    assert purse.reserves_gbp == 30.0
    assert flows_of(purse, "from_reserves").empty
    # a discretionary shortfall is simply not spent: no rationing, no support, no controls
    assert purse.year.rationed_gbp == 0.0 and purse.owed_to_centre_gbp == 0.0
    assert not purse.year.controls


# -- balanced ---------------------------------------------------------------------------------
def test_a_balanced_body_rations_a_statutory_shortfall():
    purse = purse_of("balanced", flexible=50.0, line=10.0, reserves=20.0)
    assert pay(purse, 100.0, Kind.statutory) == pytest.approx(80.0)
    assert purse.year.rationed_gbp == pytest.approx(20.0)
    assert purse.year.controls
    assert purse.flexible_gbp == pytest.approx(0.0) and purse.reserves_gbp == pytest.approx(0.0)
    assert flows_of(purse, "deficit_support").empty and purse.owed_to_centre_gbp == 0.0
    assert to_services(purse) == pytest.approx(80.0)


def test_rationing_records_one_section_114_a_year():
    purse = purse_of("balanced", flexible=10.0)
    pay(purse, 50.0, Kind.statutory, step=5)
    purse.new_quarter()
    pay(purse, 50.0, Kind.statutory, step=6)
    assert purse.section_114_steps == [5]
    assert purse.year.section_114_step == 5
    purse.new_year()
    assert purse.year.section_114_step is None and not purse.year.controls
    pay(purse, 50.0, Kind.statutory, step=9)
    assert purse.section_114_steps == [5, 9]


def test_rationed_money_is_counted_per_quarter():
    purse = purse_of("balanced", flexible=10.0)
    pay(purse, 50.0, Kind.statutory)
    pay(purse, 30.0, Kind.statutory)
    assert purse.year.rationed_gbp == pytest.approx(70.0)
    purse.new_quarter()
    assert purse.year.rationed_gbp == 0.0
    assert purse.year.controls  # controls last the rest of the year


def test_a_committed_shortfall_is_paid_with_repayable_support_from_the_centre():
    purse = purse_of("balanced", flexible=50.0, reserves=10.0)
    assert pay(purse, 100.0, Kind.committed, line=None, step=3) == 100.0
    support = flows_of(purse, "deficit_support")
    assert list(zip(support["source"], support["destination"], support["amount"])) == [(CENTRE, "a", 40.0)]
    assert purse.owed_to_centre_gbp == pytest.approx(40.0)
    assert purse.year.support_gbp == pytest.approx(40.0)
    assert purse.year.rationed_gbp == 0.0
    assert purse.flexible_gbp == pytest.approx(0.0)  # never below the balanced floor of 0
    assert to_services(purse) == pytest.approx(100.0)
    assert purse.section_114_steps == [3]  # a balanced body that runs out has issued a notice


# -- control total ----------------------------------------------------------------------------
def test_a_control_total_body_overspends_to_its_limit_then_gets_support_and_never_rations():
    purse = purse_of("control_total", flexible=50.0, control_total_limit_share=0.01)  # limit: 10
    assert purse.ledger.floor("a") == pytest.approx(-10.0)
    assert pay(purse, 55.0, Kind.statutory, line=None) == 55.0
    assert purse.flexible_gbp == pytest.approx(-5.0)
    assert flows_of(purse, "deficit_support").empty and not purse.year.controls
    assert pay(purse, 20.0, Kind.statutory, line=None) == 20.0
    assert purse.flexible_gbp == pytest.approx(-10.0)
    assert purse.owed_to_centre_gbp == pytest.approx(15.0)
    assert purse.year.rationed_gbp == 0.0
    assert purse.year.controls
    assert purse.section_114_steps == []  # section 114 is for councils only
    assert to_services(purse) == pytest.approx(75.0)


def test_a_smaller_budget_cannot_undo_an_overspend_already_made():
    purse = purse_of("control_total", flexible=0.0, control_total_limit_share=0.01)
    pay(purse, 10.0, Kind.statutory, line=None)
    purse.set_budget(BUDGET / 2)  # a limit of 5 would be above the balance of -10
    assert purse.ledger.floor("a") == pytest.approx(-10.0)
    purse.set_budget(BUDGET * 2)
    assert purse.ledger.floor("a") == pytest.approx(-20.0)


# -- cash limited -----------------------------------------------------------------------------
def test_a_cash_limited_body_rations_without_a_section_114():
    purse = purse_of("cash_limited", flexible=30.0, savings_rule="clawback")
    assert pay(purse, 100.0, Kind.statutory, line=None) == pytest.approx(30.0)
    assert purse.year.rationed_gbp == pytest.approx(70.0)
    assert purse.year.controls
    assert purse.section_114_steps == [] and purse.year.section_114_step is None
    assert purse.owed_to_centre_gbp == 0.0


def test_a_cash_limited_body_gets_brokerage_for_a_committed_shortfall():
    purse = purse_of("cash_limited", flexible=30.0, savings_rule="clawback")
    assert pay(purse, 100.0, Kind.committed, line=None) == 100.0
    assert purse.owed_to_centre_gbp == pytest.approx(70.0)
    assert purse.section_114_steps == []


# -- in-year controls -------------------------------------------------------------------------
@pytest.mark.parametrize("rule", ["balanced", "control_total", "cash_limited"])
def test_nothing_is_discretionary_under_spending_controls(rule):
    purse = purse_of(rule, flexible=10.0, savings_rule="clawback")
    assert purse.discretionary_gbp() > 0.0
    pay(purse, 1000.0, Kind.committed, line=None)  # money runs out: controls for the rest of the year
    purse.ledger.pay(CENTRE, "a", 500.0, "income")  # next quarter's income arrives
    assert purse.year.controls
    assert purse.discretionary_gbp() == 0.0
    assert pay(purse, 100.0, Kind.discretionary, line=None) == 0.0
    purse.new_year()
    assert purse.discretionary_gbp() > 0.0


def test_a_control_total_overspend_allowance_is_not_discretionary():
    purse = purse_of("control_total", flexible=50.0, control_total_limit_share=0.01)  # may go to -10
    assert purse.discretionary_gbp() == pytest.approx(50.0)
    assert pay(purse, 80.0, Kind.discretionary, line=None) == pytest.approx(50.0)
    assert purse.flexible_gbp == pytest.approx(0.0)
    pay(purse, 5.0, Kind.statutory, line=None)  # the allowance pays a statutory cost
    assert purse.flexible_gbp == pytest.approx(-5.0)
    assert purse.discretionary_gbp() == 0.0


# -- repaying the centre ----------------------------------------------------------------------
def test_support_is_repaid_in_equal_instalments_from_surplus_only():
    purse = purse_of("balanced", flexible=0.0, reserves=0.0)
    pay(purse, 30.0, Kind.committed, line=None)
    ledger = purse.ledger
    ledger.pay(CENTRE, "a", 100.0, "opening_reserves", destination_pocket=RESERVES)
    ledger.pay(CENTRE, "a", 50.0, "income", "x", destination_pocket=LINE)
    assert purse.repay_centre() == 0.0  # reserves and ring-fenced lines are not surplus
    ledger.pay(CENTRE, "a", 4.0, "income")
    assert purse.repay_centre() == pytest.approx(4.0)  # a third of 30 is due, the surplus is 4
    assert purse.owed_to_centre_gbp == pytest.approx(26.0)
    ledger.pay(CENTRE, "a", 50.0, "income")
    assert purse.repay_centre() == pytest.approx(10.0)  # the instalment: a third of the debt as planned
    assert purse.repay_centre() == pytest.approx(10.0)
    assert purse.repay_centre() == pytest.approx(6.0)  # the rest
    assert purse.owed_to_centre_gbp == pytest.approx(0.0)
    assert purse.flexible_gbp == pytest.approx(24.0)
    assert purse.reserves_gbp == 100.0 and ledger.balance("a", LINE) == 50.0
    repaid = flows_of(purse, "deficit_repayment")
    assert set(repaid["destination"]) == {CENTRE} and repaid["amount"].sum() == pytest.approx(30.0)


def test_a_control_total_body_in_deficit_repays_nothing():
    purse = purse_of("control_total", flexible=0.0, control_total_limit_share=0.01)
    pay(purse, 25.0, Kind.statutory, line=None)  # 10 overspent, 15 supported
    assert purse.flexible_gbp == pytest.approx(-10.0)
    assert purse.repay_centre() == 0.0
    purse.ledger.pay(CENTRE, "a", 15.0, "income")  # back to +5: only that is surplus
    assert purse.repay_centre() == pytest.approx(5.0)
    assert purse.owed_to_centre_gbp == pytest.approx(10.0)
