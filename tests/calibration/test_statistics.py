"""The statistics registry (sim/calibration/statistics.py): every statistic reads a real run, the
definitions agree with the tables, and paired statistics carry no seed noise."""

from __future__ import annotations

import math

import pytest

from sim.calibration.statistics import STATISTICS, Runs, compute, statistic
from sim.model.simulate import simulate
from sim.scenario import Scenario, with_overrides


@pytest.fixture(scope="module")
def runs(small_scenario: Scenario, small_pooled_scenario: Scenario) -> Runs:
    return Runs(simulate(small_scenario, seed=3), {"pooled": simulate(small_pooled_scenario, seed=3)})


ARGUMENTS = {"domain": "health", "agency": "nhs", "regime": "pooled"}


@pytest.mark.parametrize("name", sorted(STATISTICS))
def test_every_statistic_gives_a_finite_number_on_a_real_run(runs: Runs, name: str) -> None:
    value = compute(name, runs, **ARGUMENTS)
    assert math.isfinite(value), name


def test_crisis_prevalence_is_events_per_resident_per_quarter(runs: Runs) -> None:
    steps = runs.base.steps
    health = steps[(steps["measure"] == "crises") & (steps["domain"] == "health") & (steps["agency"] == "")]
    expected = health["value"].sum() / runs.base.scenario.place.population / steps["step"].max()
    assert compute("crisis_prevalence", runs, domain="health") == pytest.approx(expected)
    assert 0.005 < expected < 0.1


def test_count_shares_of_every_agency_and_domain_sum_to_one(runs: Runs) -> None:
    scenario = runs.base.scenario
    total = sum(compute("count_share", runs, agency=a, domain=d) for a in scenario.agencies for d in scenario.domains)
    assert total == pytest.approx(1.0)


def test_a_regime_identical_to_the_base_differs_by_exactly_nothing(small_scenario: Scenario) -> None:
    same = with_overrides(small_scenario, {"learning.rate": small_scenario.learning.rate})
    paired = Runs(simulate(small_scenario, seed=5), {"same": simulate(same, seed=5)})
    unpaired = Runs(paired.base, {"same": simulate(same, seed=6)})
    for name in ("spend_change_share", "crises_change_share", "acute_spend_change_share"):
        assert compute(name, paired, regime="same") == 0.0
        assert compute(name, unpaired, regime="same") != 0.0  # another seed is noise


def test_a_statistic_of_ones_own_registers_and_a_second_of_the_name_is_refused(runs: Runs) -> None:
    @statistic("test_fixed_cost_share")
    def fixed_cost_share(runs: Runs) -> float:
        """The fixed base's share of all spend."""
        return runs.base.summary["fixed_cost_gbp"] / runs.base.summary["total_spend_gbp"]

    try:
        assert STATISTICS["test_fixed_cost_share"].doc == "The fixed base's share of all spend."
        assert 0 < compute("test_fixed_cost_share", runs) < 1
        with pytest.raises(ValueError, match="registered twice"):
            statistic("test_fixed_cost_share")(fixed_cost_share)
    finally:
        del STATISTICS["test_fixed_cost_share"]


def test_every_statistic_is_documented() -> None:
    assert all(found.doc for found in STATISTICS.values())


def test_docs_calibration_lists_every_statistic() -> None:
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "calibration.md").read_text()
    assert [name for name in STATISTICS if f"| `{name}` |" not in page] == []


def test_fixed_base_shares_match_the_agencies_settled_bases(small_scenario: Scenario) -> None:
    from sim.model.model import PlaceModel

    result = simulate(small_scenario, seed=3)
    model = PlaceModel(small_scenario, seed=3, population_sample=small_scenario.run.population_sample, steps=1)
    try:
        settled = {a.agency_id: a.fixed_base_gbp_per_year / a.budget_gbp_per_year for a in model.agency_list}
    finally:
        model.close()
    steps = result.steps
    cuts = steps[steps["measure"] == "fixed_base_cut_gbp"].groupby("agency")["value"].sum()
    for agency, share in settled.items():
        measured = compute("fixed_base_share", Runs(result), agency=agency)
        if cuts.get(agency, 0.0) > 0:  # an agency in deficit cut its fixed base (docs/ODD.md 7.16)
            assert measured < share
        else:
            assert measured == pytest.approx(share, rel=1e-9)
