"""The double-entry ledger: the only place a balance changes.

Every flow of money is one row `step, source, destination, domain, category, fund, amount`.
Accounts are `centre` (the funders), one per agency, `pool` and `services` (where money spent on
citizens leaves the system). An agency's balance is held in pockets: `flexible` and one per
ring-fenced line (`acute:children`, `prevention:health`, ...). A ring-fenced pocket can never go
negative; the flexible pocket can, and a negative flexible balance is a deficit carried forward.

Because nothing else moves money, conservation is one check (`verify`): for every account and
step, opening + inflows - outflows = closing, and the balances of all accounts sum to zero.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

CENTRE = "centre"
SERVICES = "services"
POOL = "pool"
FLEXIBLE = "flexible"
CONSERVATION_TOLERANCE_GBP = 0.01


def tolerance(scale_gbp: float) -> float:
    """Rounding allowed when sums of this size are compared: a penny plus float64 precision."""
    return CONSERVATION_TOLERANCE_GBP + 1e-12 * scale_gbp


class LedgerError(RuntimeError):
    """Money was created, destroyed or taken from where it may not be: a bug, never bad input."""


class Ledger:
    """Balances by account and pocket, and the record of every flow between them."""

    def __init__(self) -> None:
        self._balance: dict[tuple[str, str], float] = defaultdict(float)
        self._rows: dict[str, list] = {k: [] for k in ("step", "source", "destination", "domain", "category", "fund", "amount")}
        self._balance_rows: list[tuple[int, str, float, float]] = []
        self._opening: dict[str, float] = {}
        self.step = 0
        self.paid_to_services_this_step_gbp = 0.0  # the count's spend so far this step

    def open_account(self, account: str) -> None:
        """Make `account` appear in the balances table from the start, even with no flows yet."""
        self._opening.setdefault(account, self.account_balance(account))

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
        """Move `amount` (GBP, >= 0) from one pocket to another and record it; zero is a no-op."""
        amount = float(amount)
        if amount < 0 or not np.isfinite(amount):
            raise LedgerError(f"payment of {amount} from {source} to {destination} ({category})")
        if amount == 0.0:
            return
        if source_pocket != FLEXIBLE and self._balance[(source, source_pocket)] < amount - CONSERVATION_TOLERANCE_GBP:
            raise LedgerError(f"{source}:{source_pocket} is ring-fenced and holds less than {amount:.2f}")
        self._balance[(source, source_pocket)] -= amount
        self._balance[(destination, destination_pocket)] += amount
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

    def balance(self, account: str, pocket: str = FLEXIBLE) -> float:
        return self._balance[(account, pocket)]

    def account_balance(self, account: str) -> float:
        """All pockets of an account together; negative means a deficit."""
        return sum(v for (acc, _), v in self._balance.items() if acc == account)

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
        """Prove conservation from the records alone; raise `LedgerError` on any gap."""
        flows = self.flows()
        balances = self.balances()
        inflow = flows.groupby(["step", "destination"])["amount"].sum()
        outflow = flows.groupby(["step", "source"])["amount"].sum()
        for step, account, opening, closing in balances.itertuples(index=False):
            moved = inflow.get((step, account), 0.0) - outflow.get((step, account), 0.0)
            gap = opening + moved - closing
            if abs(gap) > tolerance(abs(opening) + abs(moved)):
                raise LedgerError(f"step {step}, {account}: opening + in - out - closing = {gap:.4f} GBP")
        for account, group in balances.groupby("account"):
            carried = group["opening"].to_numpy()[1:] - group["closing"].to_numpy()[:-1]
            if np.any(np.abs(carried) > CONSERVATION_TOLERANCE_GBP):
                raise LedgerError(f"{account}: a closing balance was not carried to the next opening")
        total = sum(self._balance.values())
        if abs(total) > tolerance(flows["amount"].sum()):
            raise LedgerError(f"balances of all accounts sum to {total:.4f} GBP, not 0")
        for (account, pocket), value in self._balance.items():
            if pocket != FLEXIBLE and value < -CONSERVATION_TOLERANCE_GBP:
                raise LedgerError(f"ring-fenced pocket {account}:{pocket} is negative ({value:.2f})")
        if self._balance[(POOL, FLEXIBLE)] < -CONSERVATION_TOLERANCE_GBP:
            raise LedgerError("the pool spent more than it held")
