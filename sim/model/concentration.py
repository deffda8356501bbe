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

Each is O(N): `np.partition`, no full sort. The counts are of simulated citizens, each standing
for `weight` residents; shares are unchanged by the scaling.
"""

from __future__ import annotations

import numpy as np


def top_share(values: np.ndarray, fraction: float) -> float:
    """Share of sum(values) held by the ceil(fraction * N) largest values, at least one (0 when the total is 0)."""
    total = float(values.sum(dtype=np.float64))
    if total <= 0 or values.size == 0:
        return 0.0
    k = min(values.size, max(1, int(np.ceil(fraction * values.size - 1e-9))))  # 0.07 x 100 is 7, not 7.000000000000001
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
