"""ABC-SMC on a placesim configuration whose answer is known (sim/calibration/fit.py): one free
parameter, data simulated at a true value, and the posterior must cover it and be narrower than
the prior."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.calibration.fit import (
    HISTORY_FILE,
    distance,
    finished_generations,
    fit_simulator,
    history_url,
    next_generation_seconds,
    observed,
    run_abc,
)
from sim.calibration.loading import load_calibration
from sim.calibration.outputs import posterior_table
from sim.calibration.posterior import weighted_quantiles
from sim.scenario.loading import ScenarioError
from tests.calibration.files import calibration_data, write_calibration

TRUE_SHIFT = 0.04  # added to every crisis threshold


@pytest.mark.slow
def test_the_posterior_covers_a_known_true_value_and_shrinks_the_prior(tmp_path: Path) -> None:
    data = calibration_data(run={"population_sample": 1000, "steps": 4}, abc={"population_size": 40, "max_generations": 4})
    domains = ("children", "health", "adult_care", "work", "offending")
    data["targets"] = {
        f"{domain}_rate": {"statistic": "crisis_prevalence", "domain": domain, "observed": 0.0, "sd": 1.0,
                           "source": "simulated at the true value", "role": "fit"}
        for domain in domains
    }
    truth = load_calibration(write_calibration(tmp_path, data))
    observed = fit_simulator(truth, None).statistics({"domains.*.crisis_threshold": TRUE_SHIFT}, seed=99)
    for domain in domains:  # observed at the truth, known to 10%
        data["targets"][f"{domain}_rate"].update(observed=observed[f"{domain}_rate"], sd=0.1 * observed[f"{domain}_rate"])
    calibration = load_calibration(write_calibration(tmp_path, data))

    (tmp_path / "out").mkdir()
    history = run_abc(calibration, tmp_path / "out", resume=False, workers=2)
    posterior = posterior_table(history, ["domains.*.crisis_threshold"])
    values, weights = posterior["param:domains.*.crisis_threshold"].to_numpy(), posterior["weight"].to_numpy()
    low, high = weighted_quantiles(values, weights, [0.025, 0.975])
    assert low <= TRUE_SHIFT <= high
    assert high - low < 0.5 * 0.2  # the prior is 0.2 wide


def test_a_miss_of_one_sd_is_a_distance_of_one_and_held_out_targets_count_for_nothing(tmp_path: Path) -> None:
    calibration = load_calibration(write_calibration(tmp_path))
    assert observed(calibration) == {"health_rate": 0.03}  # the held-out target is not even observed
    measure = distance(calibration)
    measure.initialize(t=0, get_sample=None, x_0=observed(calibration), total_sims=0)
    assert measure({"health_rate": 0.035}, observed(calibration), t=0) == pytest.approx(1.0)
    assert measure({"health_rate": 0.025}, observed(calibration), t=0) == pytest.approx(1.0)


def test_the_next_generation_is_expected_to_take_longer_as_acceptance_falls() -> None:
    assert next_generation_seconds([10.0]) == 10.0
    assert next_generation_seconds([10.0, 20.0]) == 40.0
    assert next_generation_seconds([10.0, 50.0]) == 150.0  # growth capped at threefold
    assert next_generation_seconds([20.0, 10.0]) == 10.0  # never expected to shrink below the last


def half_created_history(out: Path, generations: int = 0) -> None:
    """The database a kill during pyabc's start leaves: its tables, but no version row yet."""
    import sqlite3

    import pyabc

    out.mkdir(parents=True, exist_ok=True)
    pyabc.History(history_url(out))
    with sqlite3.connect(out / HISTORY_FILE) as connection:
        connection.execute("DELETE FROM version")
        for t in range(generations):
            connection.execute("INSERT INTO populations (abc_smc_id, t) VALUES (1, ?)", (t,))


def test_a_history_killed_while_pyabc_created_it_counts_as_no_generation(tmp_path: Path) -> None:
    half_created_history(tmp_path / "out")
    assert finished_generations(tmp_path / "out") == 0  # pyabc itself refuses to read it


def test_an_unreadable_history_with_generations_is_an_error_not_a_fresh_start(tmp_path: Path) -> None:
    half_created_history(tmp_path / "out", generations=2)
    with pytest.raises(ScenarioError, match="abc-migrate"):
        finished_generations(tmp_path / "out")
    assert (tmp_path / "out" / HISTORY_FILE).is_file()
