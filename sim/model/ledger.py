"""The double-entry ledger: the only place a balance changes.

Every flow of money is one row `step, source, destination, domain, category, fund, amount`.
Accounts are `centre` (the funders), one per agency, `pool` and `services` (where money spent on
citizens leaves the system). An agency's balance is held in pockets: `flexible` and one per
ring-fenced line (`acute:children`, `prevention:health`, ...), `reserves` and `ame:<domain>` (benefits
the centre pays as they arise). Every pocket has a floor it may never go below: 0 for ring-fenced
lines, reserves and the pool; for an agency's flexible pocket, what its budget rule allows
(`set_floor`: 0 for a balanced budget, minus the control-total limit for the NHS). A negative
flexible balance is a deficit carried forward.

Because nothing else moves money, conservation is one check (`verify`) of the records alone:
replaying every flow reproduces every pocket's balance bit for bit, and for every account and
step, opening + inflows - outflows = closing in the balances table, and no flow ever took a pocket
below the floor it had then. Its sums are exact, so it can neither overflow nor lose a change in
rounding, whatever the magnitudes.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from fractions import Fraction

import pandas as pd

CENTRE = "centre"
SERVICES = "services"
POOL = "pool"
FLEXIBLE = "flexible"
CONSERVATION_TOLERANCE_GBP = 0.01
# Float64 rounds each addition to within half a unit in the last place, 2**-53 of its result. Over
# n flows through an account of G GBP in all, its balance and its balances-table sums can drift
# by at most 1.5 * 2**-52 * n * G (see `verify`); the tolerance allows 2 * 2**-52 * n * G.
ROUNDING_PER_FLOW = 2 * 2.0**-52

Exact = float | Fraction  # a float, or a Fraction where the float would overflow


def exact_sum(values: Iterable[float]) -> Exact:
    """The sum of finite floats with no rounding error to speak of: `math.fsum` (correctly rounded),
    or the exact Fraction when a partial sum would overflow a float."""
    values = list(values)
    try:
        return math.fsum(values)
    except OverflowError:
        return sum(map(Fraction, values), Fraction(0))


def tolerance(flows: int, gross_gbp: Exact) -> Exact:
    """Rounding allowed on an account that `flows` flows of `gross_gbp` in all went through: a penny
    plus the most float64 arithmetic on those flows can drift. Exact, so it never overflows."""
    if isinstance(gross_gbp, Fraction):
        return CONSERVATION_TOLERANCE_GBP + Fraction(ROUNDING_PER_FLOW) * flows * gross_gbp
    return CONSERVATION_TOLERANCE_GBP + ROUNDING_PER_FLOW * flows * gross_gbp


class LedgerError(RuntimeError):
    """Money was created, destroyed or taken from where it may not be: a bug, never bad input."""


def shown_gbp(value: Exact) -> str:
    """An amount for a message: pence where they mean something, else six significant figures."""
    try:
        value = float(value)
    except OverflowError:
        return f"{'-' if value < 0 else ''}more than 1.8e308"
    return f"{value:.4f}" if abs(value) < 1e12 else f"{value:.6g}"


def default_floor(account: str, pocket: str) -> float:
    """Ring-fenced lines, reserves and the pool may never be negative; a flexible pocket may,
    until its owner's budget rule sets a floor (`Ledger.set_floor`)."""
    return -math.inf if pocket == FLEXIBLE and account != POOL else 0.0


class Balances(dict):
    """(account, pocket) -> GBP, 0 for a pocket never used, and each account's pockets in the order
    they were first used: an account's balance sums only its own pockets (in that order, so the
    sum is the same float whatever other accounts hold)."""

    def __init__(self) -> None:
        super().__init__()
        self.pockets_of: dict[str, list[tuple[str, str]]] = defaultdict(list)

    def __missing__(self, key: tuple[str, str]) -> float:
        self[key] = 0.0
        self.pockets_of[key[0]].append(key)
        return 0.0


class Ledger:
    """Balances by account and pocket, and the record of every flow between them."""

    def __init__(self) -> None:
        self._balance = Balances()
        self._rows: dict[str, list] = {k: [] for k in ("step", "source", "destination", "domain", "category", "fund", "amount")}
        self._pockets: list[tuple[str, str]] = []  # (source pocket, destination pocket) of each row, for `verify`
        self._balance_rows: list[tuple[int, str, float, float]] = []
        self._opening: dict[str, float] = {}
        self._floors: dict[tuple[str, str], float] = {}
        self._floor_events: list[tuple[int, str, str, float]] = []  # (flows recorded before it, account, pocket, floor)
        self.step = 0
        self.paid_to_services_this_step_gbp = 0.0  # the count's spend so far this step

    def open_account(self, account: str) -> None:
        """Make `account` appear in the balances table from the start, even with no flows yet."""
        self._opening.setdefault(account, self.account_balance(account))

    def set_floor(self, account: str, pocket: str, floor_gbp: float) -> None:
        """From now on, no payment may take `account:pocket` below `floor_gbp` (recorded for `verify`)."""
        floor_gbp = float(floor_gbp)
        if math.isnan(floor_gbp) or floor_gbp == math.inf:
            raise LedgerError(f"floor of {floor_gbp} for {account}:{pocket}")
        if self._balance[(account, pocket)] < floor_gbp - CONSERVATION_TOLERANCE_GBP:
            raise LedgerError(f"{account}:{pocket} holds less than the floor {shown_gbp(floor_gbp)} being set")
        self._floors[(account, pocket)] = floor_gbp
        self._floor_events.append((len(self._rows["amount"]), account, pocket, floor_gbp))

    def floor(self, account: str, pocket: str = FLEXIBLE) -> float:
        """The lowest balance `account:pocket` may hold: set by `set_floor`, else 0, except an agency's
        or the centre's flexible pocket (no floor unless one is set)."""
        floor = self._floors.get((account, pocket))
        return default_floor(account, pocket) if floor is None else floor

    def available(self, account: str, pocket: str = FLEXIBLE) -> float:
        """What can be paid out of `account:pocket` now without going below its floor (>= 0)."""
        held = self._balance[(account, pocket)] - self.floor(account, pocket)
        return held if held > 0.0 else 0.0

    def pay(
        self,
        source: str,
        destination: str,
        amount: float,
        category: str,
        domain: str = "",
        source_pocket: str = FLEXIBLE,
        destination_pocket: str = FLEXIBLE,
    ) -> None:
        """Move `amount` (GBP, >= 0) from one pocket to another and record it; zero is a no-op. A
        payment that would leave a balance beyond what a float holds (1.8e308) is refused whole."""
        amount = float(amount)
        if amount < 0 or not math.isfinite(amount):
            raise LedgerError(f"payment of {amount} from {source} to {destination} ({category})")
        if amount == 0.0:
            return
        balances = self._balance
        source_key, destination_key = (source, source_pocket), (destination, destination_pocket)
        source_after = balances[source_key] - amount
        if source_after < self.floor(source, source_pocket) - CONSERVATION_TOLERANCE_GBP:
            raise LedgerError(
                f"paying {amount:.2f} from {source}:{source_pocket} ({category}) would take it below its floor "
                f"of {shown_gbp(self.floor(source, source_pocket))}"
            )
        destination_after = (source_after if destination_key == source_key else balances[destination_key]) + amount
        if not (math.isfinite(source_after) and math.isfinite(destination_after)):
            raise LedgerError(
                f"payment of {amount:.6g} from {source} to {destination} ({category}) would leave a balance "
                "that is not finite (beyond 1.8e308 GBP)"
            )
        balances[source_key] = source_after
        balances[destination_key] = destination_after
        if destination == SERVICES:
            self.paid_to_services_this_step_gbp += amount
        rows = self._rows
        rows["step"].append(self.step)
        rows["source"].append(source)
        rows["destination"].append(destination)
        rows["domain"].append(domain)
        rows["category"].append(category)
        rows["fund"].append("flexible" if source_pocket == FLEXIBLE else "ring_fenced")
        rows["amount"].append(amount)
        self._pockets.append((source_pocket, destination_pocket))

    def balance(self, account: str, pocket: str = FLEXIBLE) -> float:
        return self._balance[(account, pocket)]

    def account_balance(self, account: str) -> float:
        """All pockets of an account together; negative means a deficit."""
        balances = self._balance
        return sum(balances[key] for key in balances.pockets_of.get(account, ()))

    def begin_step(self, step: int) -> None:
        self.step = step
        self.paid_to_services_this_step_gbp = 0.0
        for account in self._opening:
            self._opening[account] = self.account_balance(account)

    def close_step(self) -> None:
        """Record opening and closing balances of every agency account and the pool."""
        for account, opening in self._opening.items():
            self._balance_rows.append((self.step, account, opening, self.account_balance(account)))

    def flows(self) -> pd.DataFrame:
        frame = pd.DataFrame(self._rows)
        frame["step"] = frame["step"].astype("int32")
        return frame

    def balances(self) -> pd.DataFrame:
        return pd.DataFrame(self._balance_rows, columns=["step", "account", "opening", "closing"])

    def verify(self) -> None:
        """Prove conservation from the records alone; raise `LedgerError` on any gap.

        Every amount and balance must be finite. The balances table must add up: for every account
        and step, opening + inflows - outflows = closing, summed exactly (`exact_sum`) and within
        `tolerance` of the n flows of G GBP in all through that account (float64's drift there is
        at most 1.5 * 2**-52 * n * G: n pocket updates and two sums over at most n non-zero
        pockets, each off by at most 2**-53 of at most G), and every closing is the next step's
        opening. Last, replaying the flows and floors in order with `pay`'s arithmetic must never take
        a pocket below the floor it had at that moment, and must give every pocket's balance bit for bit: a change made
        outside the ledger shows however small it is beside the other balances, and as every flow
        leaves one pocket and enters another, the balances of all accounts sum to zero up to
        float64's rounding.
        """
        self._verify_finite()
        self._verify_balances_table()
        self._verify_replay()

    def _verify_finite(self) -> None:
        for amount in self._rows["amount"]:
            if not math.isfinite(amount):
                raise LedgerError(f"a flow of {amount} GBP was recorded: not finite")
            if amount < 0:
                raise LedgerError(f"a flow of {amount} GBP was recorded: amounts are never negative")
        for (account, pocket), value in self._balance.items():
            if not math.isfinite(value):
                raise LedgerError(f"{account}:{pocket} holds {value} GBP: not finite")
        for step, account, opening, closing in self._balance_rows:
            if not (math.isfinite(opening) and math.isfinite(closing)):
                raise LedgerError(f"step {step}, {account}: opening {opening}, closing {closing}: not finite")

    def _verify_balances_table(self) -> None:
        rows = self._rows
        moved: dict[tuple[int, str], list[float]] = defaultdict(list)  # signed amounts by step and account
        through: dict[str, list[float]] = defaultdict(list)  # every amount through an account
        for step, source, destination, amount in zip(rows["step"], rows["source"], rows["destination"], rows["amount"]):
            moved[(step, destination)].append(amount)
            moved[(step, source)].append(-amount)
            through[destination].append(amount)
            through[source].append(amount)
        allowed = {account: tolerance(len(amounts), exact_sum(amounts)) for account, amounts in through.items()}
        last_closing: dict[str, float] = {}
        for step, account, opening, closing in self._balance_rows:
            gap = exact_sum([opening, *moved.get((step, account), ()), -closing])
            if abs(gap) > allowed.get(account, CONSERVATION_TOLERANCE_GBP):
                raise LedgerError(f"step {step}, {account}: opening + in - out - closing = {shown_gbp(gap)} GBP")
            if account in last_closing and abs(opening - last_closing[account]) > CONSERVATION_TOLERANCE_GBP:
                raise LedgerError(f"{account}: a closing balance was not carried to the next opening (step {step})")
            last_closing[account] = closing

    def _verify_replay(self) -> None:
        rows = self._rows
        if len(self._pockets) != len(rows["amount"]):
            raise LedgerError("the records of flows and of their pockets differ in length")
        replayed: dict[tuple[str, str], float] = defaultdict(float)
        floors: dict[tuple[str, str], float] = {}
        events = iter(self._floor_events)
        event = next(events, None)
        for index, (source, destination, (source_pocket, destination_pocket), amount) in enumerate(
            zip(rows["source"], rows["destination"], self._pockets, rows["amount"])
        ):
            while event is not None and event[0] <= index:
                floors[(event[1], event[2])] = event[3]
                event = next(events, None)
            source_key = (source, source_pocket)
            replayed[source_key] -= amount
            replayed[(destination, destination_pocket)] += amount
            floor = floors.get(source_key, default_floor(source, source_pocket))
            if replayed[source_key] < floor - CONSERVATION_TOLERANCE_GBP:
                raise LedgerError(
                    f"flow {index} ({rows['category'][index]}, step {rows['step'][index]}) took {source}:{source_pocket} "
                    f"to {shown_gbp(replayed[source_key])} GBP, below its floor of {shown_gbp(floor)}"
                )
        for account, pocket in [*self._balance, *(key for key in replayed if key not in self._balance)]:
            held, recorded = self._balance.get((account, pocket), 0.0), replayed.get((account, pocket), 0.0)
            if held != recorded:
                raise LedgerError(
                    f"{account}:{pocket} holds {shown_gbp(exact_sum([held, -recorded]))} GBP more than its "
                    "recorded flows leave there: money moved outside the ledger"
                )
