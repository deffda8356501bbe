"""Agencies get Mesa's ids without Mesa 3.3.1's registry keeping every model alive."""

from __future__ import annotations

import gc
import weakref

from sim.model.agent_ids import WeakIdCounters
from sim.model.model import PlaceModel


def test_agencies_are_numbered_from_one_in_each_model(small_scenario):
    first, second = PlaceModel(small_scenario, seed=1), PlaceModel(small_scenario, seed=1)
    expected = list(range(1, len(small_scenario.agencies) + 1))
    assert [a.unique_id for a in first.agency_list] == expected
    assert [a.unique_id for a in second.agency_list] == expected


def test_a_dropped_model_is_collected(small_scenario):
    model = PlaceModel(small_scenario, seed=1)
    model.step()
    dropped = weakref.ref(model)
    del model
    gc.collect()
    assert dropped() is None


def test_a_counter_is_forgotten_with_its_model():
    counters = WeakIdCounters()

    class Owner:
        pass

    owner = Owner()
    assert [next(counters[owner]) for _ in range(3)] == [1, 2, 3]
    del owner
    gc.collect()
    assert len(counters) == 0
