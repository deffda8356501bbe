"""Budget rules: what an agency may do when money runs short, as English public bodies must.

Every payment an agency makes goes through its `Purse`, which knows the agency's rule
(docs/ODD.md 7.16). A payment is one of three kinds:

- `committed`: contracts and staff already in place (the fixed base of non-crisis services, the
  fixed cost of acute capacity, assessments, decommissioning). It is always paid.
- `statutory`: the variable and spot cost of answering crises. Short of money, a body that must
  balance rations: it pays what it has and the rest is unmet statutory demand, whose citizens the
  lead agency does not stabilise (eligibility tightens, as under Fair Access to Care Services).
- `discretionary`: prevention, pool contributions, gain-share. Only from money above the floor,
  never from reserves, and none at all under in-year spending controls.

Money is taken from the ring-fenced line first, then from the flexible pocket down to its floor,
then (committed and statutory payments) from reserves. What is still short then depends on the rule:

| rule | flexible floor | short of a statutory payment | short of a committed payment |
|---|---|---|---|
| `balanced` (councils, police, fire) | 0 | ration | exceptional support from the centre, repayable |
| `control_total` (NHS) | -limit x budget | support from the centre (emergency care is never rationed) | support |
| `cash_limited` (probation, Jobcentre Plus) | 0 | ration | in-year brokerage from the centre, repayable |

Reaching the end of its money starts in-year controls for the rest of the year: no discretionary
spending, and from the next quarter `fixed_base_cuttable_share` of the fixed base is not paid.
A `balanced` body that reaches it has issued a section 114 notice (Local Government Finance Act
1988): the quarter is recorded as a `section_114` event, once a year at most. Support from the
centre (`deficit_support`) is money, and it is also a debt (`owed_to_centre_gbp`) repaid from
later surpluses before any savings rule applies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from sim.model.ledger import CENTRE, FLEXIBLE, SERVICES, Ledger, LedgerError
from sim.scenario.schema import Agency, BudgetRule

RESERVES = "reserves"


class Kind(str, Enum):
    committed = "committed"
    statutory = "statutory"
    discretionary = "discretionary"


@dataclass
class YearControls:
    """In-year state of an agency's finances, reset at the start of each year."""

    controls: bool = False  # in-year spending controls (after money ran out)
    section_114_step: int | None = None
    rationed_gbp: float = 0.0  # this quarter's statutory cost left unpaid
    support_gbp: float = 0.0  # this quarter's support from the centre


class Purse:
    """An agency's money as its budget rule lets it spend it. All movements are ledger flows."""

    def __init__(self, ledger: Ledger, account: str, config: Agency):
        self.ledger = ledger
        self.account = account
        self.rule = config.budget_rule
        self.limit_share = config.control_total_limit_share
        self.owed_to_centre_gbp = 0.0
        self.repayment_years = config.repayment_years
        self.instalment_gbp = 0.0  # a year's repayment: the debt, when last increased, over repayment_years
        self._owed_when_planned = 0.0
        self.year = YearControls()
        self.section_114_steps: list[int] = []

    # -- floors and what is available ---------------------------------------------------------
    def set_budget(self, budget_gbp_per_year: float) -> None:
        """This year's budget sets the control-total limit; other rules keep a floor of 0."""
        floor = -self.limit_share * budget_gbp_per_year if self.rule is BudgetRule.control_total else 0.0
        floor = min(floor, 0.0)
        if self.ledger.balance(self.account) < floor:  # a smaller budget cannot undo an overspend already made
            floor = self.ledger.balance(self.account)
        self.ledger.set_floor(self.account, FLEXIBLE, floor)

    @property
    def reserves_gbp(self) -> float:
        return self.ledger.balance(self.account, RESERVES)

    @property
    def flexible_gbp(self) -> float:
        return self.ledger.balance(self.account)

    def discretionary_gbp(self) -> float:
        """Money it may spend on what it chooses: flexible money above 0 (a control total's overspend
        allowance is for statutory and committed costs only), and nothing under controls."""
        if self.year.controls:
            return 0.0
        return max(0.0, self.ledger.balance(self.account) - max(self.ledger.floor(self.account), 0.0))

    def new_quarter(self) -> None:
        self.year.rationed_gbp = 0.0
        self.year.support_gbp = 0.0

    def new_year(self) -> None:
        self.year = YearControls()

    # -- paying -------------------------------------------------------------------------------
    def pay(self, amount: float, category: str, domain: str, line: str | None, kind: Kind, step: int) -> float:
        """Pay `amount` to services as the rule allows; returns what was paid (less only when rationed).
        A part that is zero (an empty line, nothing short) records no flow."""
        if amount <= 0.0:
            return 0.0
        if not math.isfinite(amount):
            raise LedgerError(f"{self.account}: a payment of {amount} GBP ({category}) is not a finite amount")
        ledger, account = self.ledger, self.account
        from_line = 0.0
        if line is not None:
            from_line = min(amount, ledger.available(account, line))
            if from_line > 0.0:
                ledger.pay(account, SERVICES, from_line, category, domain, source_pocket=line)
        short = amount - from_line
        if kind is Kind.discretionary:
            paid = min(short, self.discretionary_gbp()) if short > 0.0 else 0.0
            if paid > 0.0:
                ledger.pay(account, SERVICES, paid, category, domain)
            return from_line + paid
        if short > 0.0:
            short -= self._pay_from_flexible(short, category, domain)
        if short > 0.0:
            drawn = min(short, ledger.available(account, RESERVES))
            if drawn > 0.0:
                ledger.pay(account, account, drawn, "from_reserves", domain, source_pocket=RESERVES)
                short -= self._pay_from_flexible(drawn, category, domain)
        if short <= 0.0:
            return amount
        self._money_ran_out(step)
        if kind is Kind.statutory and self.rule is not BudgetRule.control_total:
            self.year.rationed_gbp += short
            return amount - short
        ledger.pay(CENTRE, account, short, "deficit_support", domain)
        self.owed_to_centre_gbp += short
        self.year.support_gbp += short
        ledger.pay(account, SERVICES, short, category, domain)
        return amount

    def _pay_from_flexible(self, amount: float, category: str, domain: str) -> float:
        paid = min(amount, self.ledger.available(self.account))
        if paid > 0.0:
            self.ledger.pay(self.account, SERVICES, paid, category, domain)
        return paid

    def _money_ran_out(self, step: int) -> None:
        self.year.controls = True
        if self.rule is BudgetRule.balanced and self.year.section_114_step is None:
            self.year.section_114_step = step
            self.section_114_steps.append(step)

    # -- the end of a year --------------------------------------------------------------------
    def repay_centre(self) -> float:
        """Repay this year's instalment of what it owes the centre, as far as this year's surplus
        (flexible money above 0) allows. New support since the last repayment re-plans the
        instalment as the whole debt over `repayment_years`, so a debt is repaid in that many years
        of sufficient surplus."""
        if self.owed_to_centre_gbp > self._owed_when_planned:
            self.instalment_gbp = self.owed_to_centre_gbp / self.repayment_years
        repaid = min(
            self.instalment_gbp, self.owed_to_centre_gbp, max(0.0, self.flexible_gbp), self.ledger.available(self.account)
        )
        self.ledger.pay(self.account, CENTRE, repaid, "deficit_repayment")
        self.owed_to_centre_gbp -= repaid
        self._owed_when_planned = self.owed_to_centre_gbp
        return repaid
