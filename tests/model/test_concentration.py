"""Concentration: the share of events or need a few citizens carry, on hand-worked examples."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.model.concentration import EventTally, top_share, top_users_event_share, users_event_share, users_share

# Ten citizens, seven of them users, 20 events: 10, 5 and five of 1
EVENTS = np.array([0, 1, 0, 10, 1, 5, 0, 1, 1, 1], dtype=np.uint16)


# -- top_share -------------------------------------------------------------------------------------
def test_top_share_is_the_share_held_by_the_largest_fraction_of_citizens():
    values = np.arange(1.0, 11.0)  # 1..10, total 55
    assert top_share(values, 0.2) == pytest.approx((10 + 9) / 55)
    assert top_share(values, 0.5) == pytest.approx((10 + 9 + 8 + 7 + 6) / 55)


def test_top_share_rounds_a_fraction_of_a_citizen_up():
    values = np.arange(1.0, 11.0)
    assert top_share(values, 0.25) == pytest.approx((10 + 9 + 8) / 55)  # 2.5 citizens -> 3
    assert top_share(values, 0.001) == pytest.approx(10 / 55)  # at least one citizen


def test_top_share_of_everyone_is_one():
    assert top_share(EVENTS, 1.0) == 1.0


def test_top_share_is_zero_when_nothing_is_held():
    assert top_share(np.zeros(5), 0.1) == 0.0
    assert top_share(np.zeros(0), 0.1) == 0.0


def test_top_share_of_one_citizen_is_one():
    assert top_share(np.array([3.0]), 0.01) == 1.0


def test_top_share_takes_exactly_the_named_fraction_when_it_is_a_whole_number_of_citizens():
    values = np.arange(1.0, 101.0)  # total 5050
    assert top_share(values, 0.07) == pytest.approx(sum(range(94, 101)) / 5050)


# -- users_share and users_event_share ------------------------------------------------------------
def test_users_share_is_the_share_of_users_with_at_least_k_events():
    assert users_share(EVENTS, 3) == pytest.approx(2 / 7)
    assert users_share(EVENTS, 1) == 1.0
    assert users_share(EVENTS, 11) == 0.0


def test_users_event_share_is_the_share_of_events_made_by_users_with_at_least_k():
    assert users_event_share(EVENTS, 3) == pytest.approx(15 / 20)
    assert users_event_share(EVENTS, 10) == pytest.approx(10 / 20)
    assert users_event_share(EVENTS, 1) == 1.0


def test_users_shares_are_zero_without_users():
    none = np.zeros(4, dtype=np.uint16)
    assert users_share(none, 3) == 0.0
    assert users_event_share(none, 3) == 0.0


def test_users_shares_of_one_citizen():
    assert users_share(np.array([4]), 3) == 1.0
    assert users_event_share(np.array([4]), 3) == 1.0
    assert users_share(np.array([2]), 3) == 0.0
    assert users_event_share(np.array([2]), 3) == 0.0


# -- top_users_event_share -------------------------------------------------------------------------
def test_top_users_event_share_is_the_share_of_events_of_the_top_fraction_of_users():
    assert top_users_event_share(EVENTS, 0.3) == pytest.approx((10 + 5 + 1) / 20)  # 2.1 of 7 users -> 3
    assert top_users_event_share(EVENTS, 0.2) == pytest.approx((10 + 5) / 20)  # 1.4 users -> 2


def test_top_users_event_share_ranks_users_not_all_citizens():
    assert top_users_event_share(EVENTS, 0.5) == pytest.approx((10 + 5 + 1 + 1) / 20)  # 3.5 of 7 users -> 4
    assert top_share(EVENTS, 0.5) == pytest.approx((10 + 5 + 1 + 1 + 1) / 20)  # 5 of 10 citizens


def test_top_users_event_share_is_zero_without_users():
    assert top_users_event_share(np.zeros(6, dtype=np.uint16), 0.09) == 0.0


def test_top_users_event_share_of_one_user_is_one():
    assert top_users_event_share(np.array([0, 0, 3, 0]), 0.09) == 1.0


# -- EventTally: the same statistics from one count of counts --------------------------------------
@settings(max_examples=300, deadline=None)
@given(
    hnp.arrays(np.uint16, st.integers(0, 400), elements=st.one_of(st.just(0), st.integers(0, 3), st.integers(0, 60))),
    st.sampled_from([0.001, 0.01, 0.05, 0.09, 0.3, 0.5, 1.0]),
    st.integers(0, 12),
)
def test_a_tally_gives_every_statistic_as_the_plain_function_does(events: np.ndarray, fraction: float, at_least: int) -> None:
    tally = EventTally(events)
    assert tally.top_share(fraction) == top_share(events, fraction)
    assert tally.top_users_event_share(fraction) == top_users_event_share(events, fraction)
    assert tally.users_share(at_least) == users_share(events, at_least)
    assert tally.users_event_share(at_least) == users_event_share(events, at_least)
