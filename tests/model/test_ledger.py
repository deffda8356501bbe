"""The double-entry ledger: every flow recorded, ring-fences enforced, conservation proved."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.ledger import CENTRE, FLEXIBLE, POOL, SERVICES, Ledger, LedgerError, tolerance


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
    with pytest.raises(LedgerError, match="a:acute:x .*below its floor of 0"):
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
    with pytest.raises(LedgerError, match="holds 400.0000 GBP more than its recorded flows leave there"):
        ledger.verify()


def test_the_pool_cannot_spend_more_than_it_holds():
    ledger = funded_ledger()
    with pytest.raises(LedgerError, match="pool:flexible .*below its floor of 0"):
        ledger.pay(POOL, SERVICES, 10.0, "pool_prevention")


def test_a_flexible_pocket_cannot_go_below_the_floor_its_rule_sets():
    ledger = funded_ledger()
    ledger.set_floor("a", FLEXIBLE, -100.0)
    ledger.pay("a", SERVICES, 1100.0, "acute", "x")
    with pytest.raises(LedgerError, match="below its floor of -100"):
        ledger.pay("a", SERVICES, 0.5, "acute", "x")
    ledger.close_step()
    ledger.verify()


def test_verify_catches_a_flow_that_took_a_pocket_below_its_recorded_floor():
    ledger = funded_ledger()
    ledger.pay("a", SERVICES, 1100.0, "acute", "x")  # flexible at -100, no floor yet
    ledger._floor_events.insert(0, (0, "a", FLEXIBLE, 0.0))  # a record saying the floor was 0 all along
    ledger.close_step()
    with pytest.raises(LedgerError, match="took a:flexible to -100.0000 GBP, below its floor of 0"):
        ledger.verify()


# Conservation at every magnitude (issue 11, finding 7): the check itself can neither overflow nor
# hide a change in rounding, and a balance changed outside the ledger is caught however big the
# flows beside it.


def budgets_of(budget_gbp: float) -> Ledger:
    """Agencies a and b each get `budget_gbp`; a spends half on services, b pays a quarter into the pool."""
    ledger = Ledger()
    for account in ("a", "b", POOL):
        ledger.open_account(account)
    ledger.begin_step(1)
    ledger.pay(CENTRE, "a", budget_gbp, "income")
    ledger.pay(CENTRE, "b", budget_gbp, "income")
    ledger.pay("a", SERVICES, budget_gbp / 2, "acute")
    ledger.pay("b", POOL, budget_gbp / 4, "pool_contribution")
    return ledger


def test_budgets_that_would_overflow_a_balance_are_refused_and_change_nothing():
    ledger = Ledger()
    ledger.begin_step(1)
    ledger.pay(CENTRE, "a", 1e308, "income")
    with pytest.raises(LedgerError, match="finite"):
        ledger.pay(CENTRE, "b", 1e308, "income")  # the centre would pay out 2e308: more than a float holds
    assert ledger.balance(CENTRE) == -1e308 and ledger.balance("b") == 0.0
    assert len(ledger.flows()) == 1


@pytest.mark.parametrize("budget", [1e3, 1e15, 8e307], ids=["1e3", "1e15", "8e307"])
@pytest.mark.parametrize("account", [CENTRE, "a", "b", POOL, SERVICES])
@pytest.mark.parametrize("when", ["during the step", "after the step"])
def test_a_balance_changed_outside_the_ledger_is_caught_at_any_magnitude(budget, account, when):
    ledger = budgets_of(budget)  # at 8e307 the flows sum to 2.2e308: more than a float holds
    change = 1.0 + budget * 1e-6
    if when == "after the step":
        ledger.close_step()
    ledger._balance[(account, FLEXIBLE)] += change
    if when == "during the step":
        ledger.close_step()
    with pytest.raises(LedgerError):
        ledger.verify()


@pytest.mark.parametrize("budget", [1e3, 1e15, 8e307], ids=["1e3", "1e15", "8e307"])
def test_honest_books_verify_at_any_magnitude(budget):
    ledger = budgets_of(budget)
    ledger.close_step()
    ledger.verify()


def test_five_billion_appearing_in_an_empty_account_beside_1e308_budgets_is_caught():
    ledger = budgets_of(8e307)
    ledger._balance[("c", FLEXIBLE)] += 5e9  # an account with no flows and no balances row
    ledger.close_step()
    with pytest.raises(LedgerError, match="c:flexible"):
        ledger.verify()


def many_tiny_flows() -> Ledger:
    """A £1e15 budget spent in 10,000 payments of a penny: each is below what that balance resolves
    (a float near 1e15 moves in steps of £0.125), so a's balance never changes, as float64 must."""
    ledger = Ledger()
    ledger.open_account("a")
    ledger.begin_step(1)
    ledger.pay(CENTRE, "a", 1e15, "income")
    for _ in range(10_000):
        ledger.pay("a", SERVICES, 0.01, "acute")
    ledger.close_step()
    return ledger


def test_many_tiny_flows_below_a_balances_resolution_verify():
    ledger = many_tiny_flows()
    assert ledger.balance("a") == 1e15
    ledger.verify()


def test_five_pence_added_among_many_tiny_flows_is_caught():
    ledger = many_tiny_flows()
    ledger._balance[(SERVICES, FLEXIBLE)] += 0.05  # services holds £100: five pence shows
    with pytest.raises(LedgerError, match="services:flexible"):
        ledger.verify()


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_a_balance_that_is_not_finite_is_an_error(value):
    ledger = budgets_of(1e3)
    ledger.close_step()
    ledger._balance[(SERVICES, FLEXIBLE)] = value
    with pytest.raises(LedgerError, match="not finite"):
        ledger.verify()


@pytest.mark.parametrize("value", [float("inf"), float("nan")])
def test_a_flow_that_is_not_finite_is_an_error(value):
    ledger = budgets_of(1e3)
    ledger.close_step()
    ledger._rows["amount"][2] = value
    with pytest.raises(LedgerError, match="not finite"):
        ledger.verify()


ACCOUNTS = (CENTRE, "a", "b", POOL, SERVICES)
POCKETS = (FLEXIBLE, "acute:x")
# amounts from a tenth of a penny to 1e300 GBP, every decade equally likely
AMOUNTS = st.builds(lambda mantissa, exponent: mantissa * 10.0**exponent, st.floats(1.0, 9.99), st.integers(-3, 300))
PAYMENTS = st.lists(
    st.tuples(
        st.sampled_from(ACCOUNTS), st.sampled_from(ACCOUNTS), st.sampled_from(POCKETS), st.sampled_from(POCKETS),
        AMOUNTS, st.booleans(),
    ),
    min_size=1, max_size=40,
)  # fmt: skip


def paid(payments) -> Ledger:
    """A ledger after `payments` (source, destination, pockets, amount, next step first?), each as
    the model pays: never more than a ring-fenced pocket or the pool holds."""
    ledger = Ledger()
    for account in ("a", "b", POOL):
        ledger.open_account(account)
    ledger.begin_step(1)
    for source, destination, source_pocket, destination_pocket, amount, next_step in payments:
        if next_step:
            ledger.close_step()
            ledger.begin_step(ledger.step + 1)
        if source_pocket != FLEXIBLE or source == POOL:
            amount = min(amount, max(ledger.balance(source, source_pocket), 0.0))
        ledger.pay(source, destination, amount, "flow", "x", source_pocket, destination_pocket)
    return ledger


@settings(max_examples=300, deadline=None)
@given(
    payments=PAYMENTS,
    pocket=st.tuples(st.sampled_from(ACCOUNTS), st.sampled_from(POCKETS)),
    beyond=st.floats(1.0, 1e6, exclude_min=True),
    sign=st.sampled_from([1.0, -1.0]),
    after_the_step=st.booleans(),
)
def test_valid_payments_verify_and_any_change_beyond_the_tolerance_is_caught(
    payments, pocket, beyond, sign, after_the_step
):
    ledger = paid(payments)
    if after_the_step:
        ledger.close_step()
        ledger.verify()
    flows = ledger.flows()
    through = flows[(flows["source"] == pocket[0]) | (flows["destination"] == pocket[0])]["amount"]
    change = sign * beyond * tolerance(len(through), math.fsum(through))
    ledger._balance[pocket] += change
    if not after_the_step:
        ledger.close_step()
    with pytest.raises(LedgerError):
        ledger.verify()
