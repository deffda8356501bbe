"""Acute capacity: the staff, beds and places an agency pays for whether they are used or not.

Per agency and duty domain, in GBP a quarter at full unit cost (docs/ODD.md 7.15): demand `D` is
the full cost of the crises the agency must answer there, capacity `K` what the capacity it holds
answers at full use, `v` the variable share of a crisis's cost and `p` the premium of buying
beyond capacity (agency staff, spot and out-of-area placements):

    fixed capacity cost   Fc = (1 - v) K           every quarter, used or not      (category capacity)
    variable cost         Vc = v min(D, K)                                           (category acute)
    spot purchase         S  = (D - K)+,  premium  p (D - K)+    (categories acute, capacity_premium)
    idle capacity         I  = (1 - v) (K - D)+    paid for and not used: a measure, not a flow

At D = K the agency pays exactly D, the old perfectly variable cost. A crisis avoided saves only
`v` of its cost at once; the rest becomes cash only when capacity is decommissioned. Once a year,
on the mean demand of its last four quarters (its own lagged view, `D_bar`), the agency moves
capacity towards `K* = (1 + h) D_bar`: down only after `lag_years` year-ends of excess, by at
most `decommission_rate` a year and never below `floor_share` of its settled size, paying a
one-off exit cost; up by at most `commission_rate`, and not at all by a body that ended the year under spending
controls; and only in steps of at least
`step_gbp_per_year` of fixed cost (a ward, a team), so a small fall in demand frees nothing.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from sim.scenario.schema import Capacity

STEPS_PER_YEAR = 4
DEMAND_MEMORY_QUARTERS = 4


@dataclass(frozen=True)
class CapacityBill:
    """What one quarter's demand costs against the capacity held, in GBP."""

    variable: float  # v min(D, K)
    spot: float  # (D - K)+ at full unit cost
    premium: float  # p (D - K)+
    idle: float  # (1 - v)(K - D)+, the non-cashable part of any saving

    @property
    def due_for_crises(self) -> float:
        """What answering this quarter's crises costs on top of the fixed capacity cost."""
        return self.variable + self.spot + self.premium


class CapacityLine:
    """One agency's acute capacity in one domain, and its yearly adjustment."""

    def __init__(self, settings: Capacity):
        self.settings = settings
        self.capacity_gbp = 0.0  # K, a quarter at full unit cost
        self.settled_gbp = 0.0  # K0, as sized at the end of warm-up
        self.excess_years = 0
        self.demand_history: deque[float] = deque(maxlen=DEMAND_MEMORY_QUARTERS)

    @property
    def fixed_cost_gbp(self) -> float:
        """Fc: this quarter's cost of the capacity held, whatever the demand."""
        return (1.0 - self.settings.variable_share) * self.capacity_gbp

    @property
    def mean_recent_demand_gbp(self) -> float:
        history = self.demand_history
        return sum(history) / len(history) if history else 0.0

    def bill(self, demand_gbp: float) -> CapacityBill:
        """Price this quarter's demand and remember it for the next adjustment."""
        self.demand_history.append(demand_gbp)
        v, capacity = self.settings.variable_share, self.capacity_gbp
        beyond = max(0.0, demand_gbp - capacity)
        return CapacityBill(
            variable=v * min(demand_gbp, capacity),
            spot=beyond,
            premium=self.settings.premium * beyond,
            idle=(1.0 - v) * max(0.0, capacity - demand_gbp),
        )

    def size_to_recent_demand(self) -> None:
        """At the end of warm-up: hold the settled demand plus headroom."""
        self.capacity_gbp = self.settled_gbp = (1.0 + self.settings.headroom) * self.mean_recent_demand_gbp
        self.excess_years = 0

    def adjust(self, may_grow: bool = True) -> float:
        """The yearly decision on capacity; returns the one-off exit cost of any decommissioning (GBP).

        `may_grow` is False for a body that ended last year under spending controls: it cannot
        commission capacity it could not pay for, so demand beyond capacity is bought spot or rationed.
        """
        settings = self.settings
        target = (1.0 + settings.headroom) * self.mean_recent_demand_gbp
        current = self.capacity_gbp
        if current > target:
            self.excess_years += 1
            if self.excess_years <= settings.lag_years:
                return 0.0
            new = min(current, max(target, current * (1.0 - settings.decommission_rate), settings.floor_share * self.settled_gbp))
        else:
            self.excess_years = 0
            new = min(target, current * (1.0 + settings.commission_rate)) if may_grow else current
        fixed_change_per_year = (1.0 - settings.variable_share) * abs(new - current) * STEPS_PER_YEAR
        if new == current or fixed_change_per_year < settings.step_gbp_per_year:
            return 0.0
        self.capacity_gbp = new
        if new >= current:
            return 0.0
        return settings.exit_cost_share * fixed_change_per_year
