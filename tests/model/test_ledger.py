"""The double-entry ledger: every flow recorded, ring-fences enforced, conservation proved."""

from __future__ import annotations

import pytest

from sim.model.ledger import CENTRE, FLEXIBLE, POOL, SERVICES, Ledger, LedgerError


def funded_ledger() -> Ledger:
    """Agency a with 1000 flexible and 300 on its acute:x line, after one step."""
    ledger = Ledger()
    ledger.open_account("a")
    ledger.open_account(POOL)
    ledger.begin_step(1)
    ledger.pay(CENTRE, "a", 1000.0, "income")
    ledger.pay(CENTRE, "a", 300.0, "income", "x", destination_pocket="acute:x")
    return ledger


def test_a_payment_moves_money_between_pockets_and_is_recorded():
    ledger = funded_ledger()
    ledger.pay("a", SERVICES, 120.0, "acute", "x", source_pocket="acute:x")
    assert ledger.balance("a", "acute:x") == pytest.approx(180.0)
    assert ledger.balance("a", FLEXIBLE) == pytest.approx(1000.0)
    assert ledger.balance(SERVICES) == pytest.approx(120.0)
    row = ledger.flows().iloc[-1].to_dict()
    assert row == {"step": 1, "source": "a", "destination": SERVICES, "domain": "x", "category": "acute",
                   "fund": "ring_fenced", "amount": 120.0}  # fmt: skip


def test_account_balance_sums_every_pocket():
    assert funded_ledger().account_balance("a") == pytest.approx(1300.0)


def test_zero_payment_is_not_recorded():
    ledger = funded_ledger()
    ledger.pay("a", SERVICES, 0.0, "acute")
    assert len(ledger.flows()) == 2


@pytest.mark.parametrize("amount", [-1.0, float("nan"), float("inf")])
def test_negative_or_non_finite_payment_is_refused(amount):
    with pytest.raises(LedgerError):
        funded_ledger().pay("a", SERVICES, amount, "acute")


def test_a_ring_fenced_pocket_cannot_be_overdrawn():
    ledger = funded_ledger()
    with pytest.raises(LedgerError, match="ring-fenced"):
        ledger.pay("a", SERVICES, 300.5, "acute", "x", source_pocket="acute:x")
    assert ledger.balance("a", "acute:x") == pytest.approx(300.0)


def test_the_flexible_pocket_may_go_negative_as_a_deficit():
    ledger = funded_ledger()
    ledger.pay("a", SERVICES, 1500.0, "acute", "x")
    assert ledger.balance("a", FLEXIBLE) == pytest.approx(-500.0)
    ledger.close_step()
    ledger.verify()


def test_balances_of_all_accounts_sum_to_zero():
    ledger = funded_ledger()
    ledger.pay("a", POOL, 200.0, "pool_contribution")
    ledger.pay(POOL, SERVICES, 50.0, "governance")
    total = sum(ledger.account_balance(acc) for acc in (CENTRE, "a", POOL, SERVICES))
    assert total == pytest.approx(0.0)


def test_balances_table_carries_each_closing_to_the_next_opening():
    ledger = funded_ledger()
    ledger.close_step()
    ledger.begin_step(2)
    ledger.pay("a", POOL, 200.0, "pool_contribution")
    ledger.close_step()
    table = ledger.balances().set_index(["step", "account"])
    assert table.loc[(1, "a")].tolist() == [0.0, 1300.0]
    assert table.loc[(2, "a")].tolist() == [1300.0, 1100.0]
    assert table.loc[(2, POOL)].tolist() == [0.0, 200.0]


def test_verify_passes_on_honest_books():
    ledger = funded_ledger()
    ledger.pay("a", POOL, 200.0, "pool_contribution")
    ledger.close_step()
    ledger.verify()


def test_verify_catches_money_changed_outside_the_ledger():
    ledger = funded_ledger()
    ledger._balance[("a", FLEXIBLE)] += 5.0  # a balance changed without a flow
    ledger.close_step()
    with pytest.raises(LedgerError, match="step 1, a"):
        ledger.verify()


def test_verify_catches_a_flow_recorded_without_moving_money():
    ledger = funded_ledger()
    ledger.close_step()
    ledger._rows["amount"][0] += 1.0
    with pytest.raises(LedgerError):
        ledger.verify()


def test_verify_catches_a_negative_ring_fenced_pocket():
    ledger = funded_ledger()
    ledger._balance[("a", "acute:x")] -= 400.0
    ledger._balance[("a", FLEXIBLE)] += 400.0
    ledger.close_step()
    with pytest.raises(LedgerError, match="ring-fenced pocket a:acute:x"):
        ledger.verify()


def test_verify_catches_a_pool_that_spent_more_than_it_held():
    ledger = funded_ledger()
    ledger.pay(POOL, SERVICES, 10.0, "pool_prevention")
    ledger.close_step()
    with pytest.raises(LedgerError, match="pool"):
        ledger.verify()
