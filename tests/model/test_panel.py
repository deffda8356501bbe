"""The citizen panel: one row per step, citizen and domain for the first N citizens, agreeing with the
model's own state quarter by quarter."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from sim.model.model import PlaceModel
from sim.model.panel import PANEL_COLUMNS
from sim.scenario import Scenario
from sim.scenario.loading import with_overrides

SAMPLE, STEPS, PANEL = 2000, 4, 1500  # the panel follows the first 1500 of 2000 citizens

pytestmark = pytest.mark.filterwarnings("ignore::sim.model.settlement.FixedBaseWarning")


@dataclass
class Quarter:
    """What the model itself says about one quarter, taken right after the step."""

    step: int
    needs: np.ndarray
    events: dict[str, np.ndarray]
    helped: np.ndarray
    treated: dict[str, np.ndarray]
    waiting: dict[str, np.ndarray]


@pytest.fixture(scope="module")
def panel_scenario(small_pooled_scenario: Scenario) -> Scenario:
    """The small pooled default place with repeat events, households, whole-family packages and a
    prevention queue in health."""
    weight = small_pooled_scenario.place.population / SAMPLE
    return with_overrides(small_pooled_scenario, {
        "domains.health.events": {"repeat_rate": 1.5, "frailty_shape": 0.5},
        "domains.offending.events": {"repeat_rate": 0.8},
        "population.households": {"size_shares": [0.3, 0.35, 0.15, 0.13, 0.07], "correlation": 0.2},
        "policy.pool.whole_family": True,
        "agencies.nhs.prevention_slots_per_quarter": {"health": 5 * weight},
    })  # fmt: skip


@pytest.fixture(scope="module")
def run(panel_scenario: Scenario) -> tuple[PlaceModel, list[Quarter]]:
    model = PlaceModel(panel_scenario, seed=3, population_sample=SAMPLE, steps=STEPS, panel_citizens=PANEL)
    quarters = []
    for _ in range(STEPS):
        model.step()
        treated, waiting = {d: [] for d in model.scenario.domains}, {d: [] for d in model.scenario.domains}
        for agency in model.agency_list:
            for domain, referrals in agency.referrals.items():
                treated[domain].append(referrals.treated)
            for domain, service in agency.prevention_services.items():
                waiting[domain].append(service.queue)
        quarters.append(Quarter(
            step=model.steps,
            needs=model.population.needs.copy(),
            events={d: e.copy() for d, e in model.crises.events.items()},
            helped=model.pool.helped.copy(),
            treated={d: np.unique(np.concatenate([np.zeros(0, np.int64), *c])) for d, c in treated.items()},
            waiting={d: np.unique(np.concatenate([np.zeros(0, np.int64), *c])) for d, c in waiting.items()},
        ))  # fmt: skip
    return model, quarters


@pytest.fixture(scope="module")
def table(run) -> pd.DataFrame:
    return run[0].panel.table()


def rows_of(table: pd.DataFrame, step: int, domain: str) -> pd.DataFrame:
    """One step's rows of one domain, in citizen order."""
    return table[(table["step"] == step) & (table["domain"] == domain)].sort_values("citizen")


def flags(citizens: np.ndarray, n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[citizens[citizens < n]] = True
    return mask


def test_panel_is_off_unless_asked_for(panel_scenario):
    assert PlaceModel(panel_scenario, seed=3, population_sample=100, steps=1).panel is None


def test_panel_has_the_documented_columns(table):
    assert list(table.columns) == PANEL_COLUMNS


def test_panel_has_a_row_per_step_citizen_and_domain(run, table):
    model, _ = run
    assert len(table) == STEPS * PANEL * len(model.scenario.domains)
    assert not table.duplicated(["step", "citizen", "domain"]).any()
    assert sorted(table["step"].unique().tolist()) == list(range(1, STEPS + 1))


def test_panel_follows_the_first_citizens(panel_scenario):
    model = PlaceModel(panel_scenario, seed=3, population_sample=SAMPLE, steps=2, panel_citizens=40)
    model.step()
    model.step()
    table = model.panel.table()
    assert sorted(table["citizen"].unique().tolist()) == list(range(40))
    assert len(table) == 2 * 40 * len(model.scenario.domains)
    last = table[table["step"] == 2]
    for domain, events in model.crises.events.items():
        np.testing.assert_array_equal(rows_of(last, 2, domain)["crises"].to_numpy(), events[:40])


def test_crises_column_is_the_models_events_at_the_last_step(run, table):
    model, _ = run
    for domain, events in model.crises.events.items():
        np.testing.assert_array_equal(rows_of(table, STEPS, domain)["crises"].to_numpy(), events[:PANEL])
    assert table["crises"].max() > 1  # repeat events did happen


def test_crises_column_is_the_models_events_every_step(run, table):
    _, quarters = run
    for quarter in quarters:
        for domain, events in quarter.events.items():
            np.testing.assert_array_equal(rows_of(table, quarter.step, domain)["crises"].to_numpy(), events[:PANEL])


def test_need_column_is_the_need_at_the_end_of_the_quarter(run, table):
    model, quarters = run
    for quarter in quarters:
        for row, domain in enumerate(model.scenario.domains):
            need = rows_of(table, quarter.step, domain)["need"].to_numpy()
            np.testing.assert_array_equal(need, quarter.needs[row, :PANEL])


def test_household_column_is_the_populations_household(run, table):
    model, _ = run
    household = table.drop_duplicates("citizen").sort_values("citizen")["household"].to_numpy()
    np.testing.assert_array_equal(household, model.population.household[:PANEL])
    assert household.max() < PANEL - 1  # households were drawn: not everyone alone


def test_package_flag_marks_the_citizens_the_pool_helped_that_quarter_in_every_domain(run, table):
    model, quarters = run
    assert sum(flags(quarter.helped, PANEL).sum() for quarter in quarters) > 0
    for quarter in quarters:
        for domain in model.scenario.domains:
            package = rows_of(table, quarter.step, domain)["package"].to_numpy()
            np.testing.assert_array_equal(package, flags(quarter.helped, PANEL))


def test_treated_flag_marks_the_citizens_silo_prevention_treated_in_that_domain(run, table):
    model, quarters = run
    assert sum(flags(t, PANEL).sum() for quarter in quarters for t in quarter.treated.values()) > 0
    for quarter in quarters:
        for domain in model.scenario.domains:
            treated = rows_of(table, quarter.step, domain)["treated"].to_numpy()
            np.testing.assert_array_equal(treated, flags(quarter.treated[domain], PANEL))


def test_waiting_flag_marks_the_citizens_in_a_prevention_queue_for_that_domain(run, table):
    model, quarters = run
    assert flags(quarters[-1].waiting["health"], PANEL).any()
    for quarter in quarters:
        for domain in model.scenario.domains:
            waiting = rows_of(table, quarter.step, domain)["waiting"].to_numpy()
            np.testing.assert_array_equal(waiting, flags(quarter.waiting[domain], PANEL))


def test_a_panel_larger_than_the_sample_holds_every_citizen(panel_scenario):
    model = PlaceModel(panel_scenario, seed=3, population_sample=50, steps=2, panel_citizens=1000)
    model.step()
    model.step()
    table = model.panel.table()
    assert sorted(table["citizen"].unique().tolist()) == list(range(50))
    assert len(table) == 2 * 50 * len(model.scenario.domains)


def test_a_panel_before_any_step_is_empty_with_the_columns(panel_scenario):
    table = PlaceModel(panel_scenario, seed=3, population_sample=100, steps=1, panel_citizens=10).panel.table()
    assert table.empty
    assert list(table.columns) == PANEL_COLUMNS
