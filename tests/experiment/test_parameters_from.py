"""Experiments that draw their world from a finished calibration (`parameters_from`)."""

from __future__ import annotations

import json
import pickle
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from sim.calibration.posterior import read_posterior
from sim.experiment.experiment import load_experiment
from sim.experiment.runs import execute
from sim.model.simulate import simulate
from sim.scenario import ScenarioError
from sim.scenario.loading import with_overrides
from tests.experiment.conftest import PARAMETERS, RATES, calibration_folder, experiment_with_posterior

@pytest.fixture
def drawn_file(tmp_path: Path) -> Path:
    calibration_folder(tmp_path / "calibration")
    return experiment_with_posterior(tmp_path)


def test_replication_r_of_every_point_runs_draw_r_with_seed_r(drawn_file: Path) -> None:
    experiment = load_experiment(drawn_file)
    draws = read_posterior(drawn_file.parent / "calibration").draws(3, 5)
    specs = [s for s in experiment.run_specs() if s.point_name != "own_rate"]
    for replication, draw in enumerate(draws):
        same = [s for s in specs if s.replication == replication]
        assert len(same) == 2
        assert {s.seed for s in same} == {experiment.seeds()[replication]}
        assert all(s.drawn == draw and s.world == draw for s in same)
    assert len({json.dumps(d, sort_keys=True) for d in draws}) > 1, "the test needs draws that differ"


def test_a_run_spec_with_a_draw_survives_pickling(drawn_file: Path) -> None:
    """Runs go to spawned processes and Dask workers."""
    spec = load_experiment(drawn_file).run_specs()[0]
    assert pickle.loads(pickle.dumps(spec)) == spec


def test_a_point_that_sets_a_drawn_path_keeps_its_own_value(drawn_file: Path) -> None:
    experiment = load_experiment(drawn_file)
    draws = experiment.posterior.draws
    own = [s for s in experiment.run_specs() if s.point_name == "own_rate"]
    for spec in own:
        assert spec.world == {"policy.pool.take_up": draws[spec.replication]["policy.pool.take_up"]}
        scenario = with_overrides(spec.scenario, spec.world)
        assert scenario.policy.pool.rate == 0.25
        assert scenario.policy.pool.take_up == draws[spec.replication]["policy.pool.take_up"]
    row, _ = execute(own[0])
    assert row["param:policy.pool.rate"] == 0.25


def test_the_draw_reaches_the_scenario_that_runs(drawn_file: Path, tmp_path: Path) -> None:
    experiment = load_experiment(drawn_file, replications=2)
    with ThreadPoolExecutor(max_workers=2) as executor:
        runs = experiment.run(out=tmp_path / "out", executor=executor)
    draws = experiment.posterior.draws
    pooled = runs[runs["point"] == "pooled"].set_index("replication").sort_index()
    assert pooled["param:policy.pool.rate"].tolist() == [d["policy.pool.rate"] for d in draws]
    assert pooled["param:policy.pool.take_up"].tolist() == [d["policy.pool.take_up"] for d in draws]
    point = next(p for p in experiment.design.points if p.name == "pooled")
    undrawn = experiment.scenarios[point.point_id]
    seed = experiment.seeds()[0]
    drawn = simulate(with_overrides(undrawn, draws[0]), seed=seed, steps=4, population_sample=500).summary
    plain = simulate(undrawn, seed=seed, steps=4, population_sample=500).summary
    assert pooled.loc[0, "total_spend_gbp"] == pytest.approx(drawn["total_spend_gbp"])
    assert plain["total_spend_gbp"] != pytest.approx(drawn["total_spend_gbp"]), "the draw must matter to the run"


def test_the_manifest_records_the_posterior_folder_and_its_hash(drawn_file: Path, tmp_path: Path) -> None:
    experiment = load_experiment(drawn_file, replications=1)
    with ThreadPoolExecutor(max_workers=2) as executor:
        experiment.run(out=tmp_path / "out", executor=executor)
    recorded = json.loads((tmp_path / "out" / "manifest.json").read_text())["parameters_from"]
    assert recorded["folder"] == str((drawn_file.parent / "calibration").resolve())
    assert len(recorded["posterior_hash"]) == 64
    assert recorded["draws"] == experiment.posterior.draws
    assert recorded["parameters"] == list(PARAMETERS)


def test_an_experiment_without_parameters_from_records_none(tmp_path: Path) -> None:
    path = experiment_with_posterior(tmp_path)
    path.write_text(path.read_text().replace("parameters_from: calibration\n", ""))
    experiment = load_experiment(path)
    assert experiment.posterior is None and experiment.manifest()["parameters_from"] is None
    assert all(s.world == {} and s.drawn == {} for s in experiment.run_specs())


def test_resume_refuses_a_changed_posterior(drawn_file: Path, tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=2) as executor:
        load_experiment(drawn_file, replications=1).run(out=tmp_path / "out", executor=executor)
        calibration_folder(drawn_file.parent / "calibration", rates=[0.1, 0.2, 0.35, 0.4])
        with pytest.raises(ScenarioError, match="posterior in .* has changed") as raised:
            load_experiment(drawn_file, replications=1).run(out=tmp_path / "out", executor=executor, resume=True)
    assert raised.value.problems[0][0] == "parameters_from"


def test_resume_with_the_same_posterior_runs_nothing_again(drawn_file: Path, tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=2) as executor:
        first = load_experiment(drawn_file, replications=1).run(out=tmp_path / "out", executor=executor)
        again = load_experiment(drawn_file, replications=1).run(out=tmp_path / "out", executor=executor, resume=True)
    pd.testing.assert_frame_equal(first.sort_values("run_id", ignore_index=True), again.sort_values("run_id", ignore_index=True))


def write_broken(folder: Path, broken: str) -> None:
    if broken == "missing":
        return
    calibration_folder(folder)
    if broken == "unfinished":
        (folder / "manifest.json").write_text(json.dumps({"status": "running", "parameters": PARAMETERS}))
    elif broken == "not json":
        (folder / "manifest.json").write_text("{not json")
    elif broken == "lacks a column":
        pd.DataFrame({"param:policy.pool.rate": RATES, "weight": [0.25] * 4}).to_parquet(folder / "posterior.parquet")
    elif broken == "damaged parquet":
        (folder / "posterior.parquet").write_bytes(b"PAR1 truncated")


@pytest.mark.parametrize("broken", ["missing", "unfinished", "not json", "lacks a column", "damaged parquet"])
def test_a_bad_parameters_from_names_the_experiment_file_and_the_field(tmp_path: Path, broken: str) -> None:
    write_broken(tmp_path / "calibration", broken)
    path = experiment_with_posterior(tmp_path)
    with pytest.raises(ScenarioError) as raised:
        load_experiment(path)
    assert raised.value.source == str(path)
    assert [field for field, _ in raised.value.problems] == ["parameters_from"]
    assert "calibration" in raised.value.problems[0][1]


def test_a_calibration_path_the_scenario_lacks_is_named(tmp_path: Path) -> None:
    parameters = {"policy.pool.no_such_field": {"prior": "uniform", "low": 0.0, "high": 1.0, "source": "test"}}
    calibration_folder(tmp_path / "calibration", parameters=parameters)
    path = experiment_with_posterior(tmp_path)
    with pytest.raises(ScenarioError, match="no_such_field") as raised:
        load_experiment(path)
    assert raised.value.source == str(path) and raised.value.problems[0][0] == "parameters_from"


def test_a_draw_the_scenario_refuses_is_an_error_before_any_run(tmp_path: Path) -> None:
    calibration_folder(tmp_path / "calibration", rates=[1.5, 1.5, 1.5, 1.5])
    path = experiment_with_posterior(tmp_path)
    with pytest.raises(ScenarioError, match="policy.pool.rate") as raised:
        load_experiment(path)
    assert raised.value.source == str(path) and raised.value.problems[0][0] == "parameters_from"
    assert "replication 0" in raised.value.problems[0][1]
