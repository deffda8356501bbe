"""The citizen panel through the public API: `simulate` and `run` with `panel_citizens`
(sim/model/simulate.py, sim/model/panel.py; docs/results.md, "Panel (microdata)")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.model import run, simulate
from sim.model.panel import PANEL_COLUMNS
from sim.scenario import Scenario

FOLLOWED = 50


@pytest.fixture(scope="module")
def pooled_with_panel(small_pooled_scenario: Scenario):
    return simulate(small_pooled_scenario, panel_citizens=FOLLOWED)


def test_a_run_keeps_no_panel_unless_asked(small_scenario: Scenario) -> None:
    assert simulate(small_scenario).panel is None
    assert run(small_scenario, compare_with_silo=False).panel is None


def test_the_panel_has_one_row_per_step_citizen_and_domain(pooled_with_panel, small_pooled_scenario: Scenario) -> None:
    panel = pooled_with_panel.panel
    steps, domains = small_pooled_scenario.run.steps, small_pooled_scenario.domain_names
    assert list(panel.columns) == PANEL_COLUMNS
    assert len(panel) == steps * FOLLOWED * len(domains)
    assert not panel.duplicated(["step", "citizen", "domain"]).any()
    assert sorted(panel["citizen"].unique()) == list(range(FOLLOWED))
    assert sorted(panel["step"].unique()) == list(range(1, steps + 1))
    assert list(panel["domain"].cat.categories) == domains


def test_the_panel_columns_have_their_documented_types(pooled_with_panel) -> None:
    panel = pooled_with_panel.panel
    assert all(pd.api.types.is_integer_dtype(panel[c]) for c in ("step", "citizen", "household", "crises"))
    assert pd.api.types.is_float_dtype(panel["need"]) and panel["need"].between(0, 1).all()
    assert all(pd.api.types.is_bool_dtype(panel[c]) for c in ("treated", "package", "waiting"))


def test_a_package_reaches_a_citizen_in_every_domain_row_at_once(pooled_with_panel) -> None:
    per_citizen_step = pooled_with_panel.panel.groupby(["step", "citizen"])["package"].nunique()
    assert (per_citizen_step == 1).all()


def test_a_panel_at_least_the_sample_follows_every_citizen(small_scenario: Scenario) -> None:
    panel = simulate(small_scenario, steps=2, population_sample=200, panel_citizens=10**6).panel
    assert panel["citizen"].nunique() == 200
    assert len(panel) == 2 * 200 * len(small_scenario.domains)


def test_a_panel_of_every_citizen_adds_up_to_the_steps_table(small_pooled_scenario: Scenario) -> None:
    result = simulate(small_pooled_scenario, panel_citizens=small_pooled_scenario.run.population_sample)
    panel, steps = result.panel, result.steps
    weight = small_pooled_scenario.place.population / result.population_sample
    by = [panel["step"], panel["domain"].astype(str)]

    def measure(name: str) -> pd.Series:
        return steps[steps["measure"] == name].set_index(["step", "domain"])["value"]

    mean_need = panel["need"].groupby(by).mean()
    np.testing.assert_allclose(mean_need, measure("mean_need").reindex(mean_need.index), rtol=1e-6)
    events = panel["crises"].astype(np.int64).groupby(by).sum() * weight
    np.testing.assert_allclose(events, measure("crises").reindex(events.index))
    in_crisis = (panel["crises"] > 0).groupby(by).sum() * weight
    np.testing.assert_allclose(in_crisis, measure("people_in_crisis").reindex(in_crisis.index))


def test_the_panel_is_the_same_under_the_same_seed(small_pooled_scenario: Scenario, pooled_with_panel) -> None:
    again = simulate(small_pooled_scenario, panel_citizens=FOLLOWED)
    pd.testing.assert_frame_equal(again.panel, pooled_with_panel.panel)


def test_another_seed_follows_other_citizens(small_pooled_scenario: Scenario, pooled_with_panel) -> None:
    other = simulate(small_pooled_scenario, seed=small_pooled_scenario.run.seed + 1, panel_citizens=FOLLOWED)
    assert not other.panel["need"].equals(pooled_with_panel.panel["need"])


def test_keeping_a_panel_does_not_change_the_run(small_pooled_scenario: Scenario, pooled_with_panel) -> None:
    without = simulate(small_pooled_scenario)
    pd.testing.assert_frame_equal(without.steps, pooled_with_panel.steps)
    pd.testing.assert_frame_equal(without.ledger, pooled_with_panel.ledger)


def test_run_keeps_the_panel_of_the_scenario_not_of_its_silo_twin(small_pooled_scenario: Scenario) -> None:
    everyone = small_pooled_scenario.run.population_sample
    result = run(small_pooled_scenario, panel_citizens=everyone)
    assert "crises_averted_vs_silo" in result.summary
    assert result.panel["package"].any()  # the silo twin buys no packages
    pd.testing.assert_frame_equal(result.panel, simulate(small_pooled_scenario, panel_citizens=everyone).panel)


def test_a_negative_panel_is_refused(small_scenario: Scenario) -> None:
    with pytest.raises(ValueError, match="panel_citizens"):
        simulate(small_scenario, panel_citizens=-1)
