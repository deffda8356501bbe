"""Concentration: how much of a year's crisis events, or of need, a few citizens carry.

The statistics the concentration rows of data/published_figures.csv report, computed from the
model's citizens so they can be set against those rows (docs/ODD.md 7.18):

- `top_share(x, f)`: the share of the total held by the fraction f of citizens with most
  (top 0.1% of offending events, top 5% of need);
- `users_share(x, k)` and `users_event_share(x, k)`: among citizens with any events, the share
  with at least k (A&E patients attending 3+ times a year [ed_freq3_patient_share]) and the
  share of events they make [ed_freq3_attend_share];
- `top_users_event_share(x, f)`: the share of events made by the fraction f of users with most
  (prolific offenders: 9% of offenders, 52% of convictions [prolific_share_convictions]).

Each is O(N): `np.partition`, no full sort. For a year's event counts, `EventTally` gives all of
them from one `np.bincount`, bit for bit the same numbers (the functions above are its definition).
The counts are of simulated citizens, each standing for `weight` residents; shares are unchanged
by the scaling.
"""

from __future__ import annotations

import numpy as np


def top_count(fraction: float, size: int) -> int:
    """How many of `size` citizens the top `fraction` is: ceil(fraction * size), at least one, at most all."""
    return min(size, max(1, int(np.ceil(fraction * size - 1e-9))))  # 0.07 x 100 is 7, not 7.000000000000001


def top_share(values: np.ndarray, fraction: float) -> float:
    """Share of sum(values) held by the ceil(fraction * N) largest values, at least one (0 when the total is 0)."""
    total = float(values.sum(dtype=np.float64))
    if total <= 0 or values.size == 0:
        return 0.0
    k = top_count(fraction, values.size)
    positive = values[values > 0]
    if positive.size >= k:  # the top k are all positive: partition those only (np.partition slows
        values = positive  # badly on many equal values, and most citizens cost nothing in a year)
    top = np.partition(values, values.size - k)[values.size - k :]
    return float(top.sum(dtype=np.float64)) / total


def users_share(events: np.ndarray, at_least: int) -> float:
    """Among citizens with any events, the share with at least `at_least`."""
    users = np.count_nonzero(events)
    return float(np.count_nonzero(events >= at_least)) / users if users else 0.0


def users_event_share(events: np.ndarray, at_least: int) -> float:
    """Share of all events made by citizens with at least `at_least` events."""
    total = float(events.sum(dtype=np.float64))
    return float(events[events >= at_least].sum(dtype=np.float64)) / total if total > 0 else 0.0


def top_users_event_share(events: np.ndarray, fraction: float) -> float:
    """Share of events made by the `fraction` of users (citizens with any events) with most."""
    return top_share(events[events > 0], fraction)


class EventTally:
    """One domain's year of crisis events as how many citizens had each count (`citizens[k]` had k
    events). The four statistics above, for event counts, from one pass over the citizens rather
    than a partition and a selection each: the sums are of whole numbers, exact in float64 either
    way, so every share is the same float as the function of the same name gives."""

    def __init__(self, events: np.ndarray):
        citizens = np.bincount(events)  # events are counts: non-negative integers
        self.citizens: list[int] = citizens.tolist()  # a few dozen counts at most: plain integers
        self.size = int(events.size)
        self.total = int(citizens @ np.arange(citizens.size))
        self.users = self.size - self.citizens[0] if self.citizens else 0

    def top_sum(self, k: int) -> int:
        """Events made by the `k` citizens with most."""
        made = 0
        for count in range(len(self.citizens) - 1, 0, -1):
            taken = min(k, self.citizens[count])
            made += taken * count
            k -= taken
            if k == 0:
                break
        return made

    def top_share(self, fraction: float) -> float:
        """`top_share(events, fraction)`."""
        if self.total <= 0 or self.size == 0:
            return 0.0
        return float(self.top_sum(top_count(fraction, self.size))) / float(self.total)

    def users_share(self, at_least: int) -> float:
        """`users_share(events, at_least)`."""
        heavy = sum(self.citizens[max(at_least, 0) :])
        return float(heavy) / self.users if self.users else 0.0

    def users_event_share(self, at_least: int) -> float:
        """`users_event_share(events, at_least)`."""
        if self.total <= 0:
            return 0.0
        made = sum(count * citizens for count, citizens in enumerate(self.citizens) if count >= at_least)
        return float(made) / float(self.total)

    def top_users_event_share(self, fraction: float) -> float:
        """`top_users_event_share(events, fraction)`: the top is never larger than the users, so
        it holds the same events whether non-users are counted or not."""
        if self.total <= 0 or self.users == 0:
            return 0.0
        return float(self.top_sum(top_count(fraction, self.users))) / float(self.total)
