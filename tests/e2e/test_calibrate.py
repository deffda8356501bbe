"""`placesim calibrate` through the real CLI in a subprocess: every output written, a kill -9 in the
middle of a generation loses no finished generation, and bad input stops with a named field."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest


from sim.calibration.fit import HISTORY_FILE
from tests.calibration.files import calibration_data, write_calibration

WAIT_S = 300  # an upper bound on waiting, never a measurement


def calibrate_command(path: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "sim", "calibrate", str(path), "--out", str(out), *extra]


def generations_finished_while_running(out: Path) -> int:
    """How many generations a running calibration has finished; 0 while pyabc is still creating
    its database (the file exists before its version table is written, and reading it then fails)."""
    import sqlalchemy

    if not (out / HISTORY_FILE).is_file():
        return 0
    try:
        return len(generations_in(out))
    except (AssertionError, sqlalchemy.exc.SQLAlchemyError):
        return 0


def generations_in(out: Path) -> pd.DataFrame:
    """The finished generations in a history database (t >= 0), read as pyabc stores them."""
    import pyabc

    history = pyabc.History(f"sqlite:///{out / HISTORY_FILE}", _id=1, create=False)
    populations = history.get_all_populations()
    return populations[populations["t"] >= 0].reset_index(drop=True)


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    folder = tmp_path_factory.mktemp("calibration")
    out = folder / "out"
    done = subprocess.run(calibrate_command(write_calibration(folder), out, "--workers", "2"), capture_output=True,
                          text=True, timeout=WAIT_S)
    return out, done


@pytest.mark.slow
def test_a_calibration_writes_its_posterior_targets_manifest_figures_and_report(finished) -> None:
    out, done = finished
    assert done.returncode == 0, done.stderr
    assert "generation 2: epsilon" in done.stderr  # one line a generation when stderr is not a terminal
    posterior = pd.read_parquet(out / "posterior.parquet")
    assert list(posterior.columns) == ["param:domains.*.crisis_threshold", "weight"]
    assert len(posterior) == 10 and posterior["weight"].sum() == pytest.approx(1.0)
    targets = pd.read_csv(out / "targets.csv").set_index("target")
    assert targets.loc["health_rate", "role"] == "fit" and targets.loc["pooled_spend", "role"] == "held_out"
    assert targets.loc["pooled_spend", ["low", "high"]].tolist() == [-0.01, 0.01]
    assert len(pd.read_parquet(out / "predictive.parquet")) == 3
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["generations"] == 2
    assert manifest["calibration_file"] == "../small.yaml"
    for figure in ("posterior_marginals.png", "posterior_pairs.png", "targets_fit.png", "targets_held_out.png"):
        assert (out / figure).stat().st_size > 1000
    assert f"report: {out / 'report.html'}" in done.stdout.replace("\n", "")


@pytest.mark.slow
def test_the_calibration_report_opens_in_chromium_with_every_figure(page, finished) -> None:
    out, _ = finished
    page.goto((out / "report.html").as_uri())
    page.wait_for_load_state("load")
    images = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.getAttribute('src'), i.complete, i.naturalWidth])")
    assert len(images) == 4
    assert [src for src, complete, width in images if not complete or width == 0] == []
    assert page.console_errors == []
    assert "Held-out targets (never used in fitting)" in page.inner_text("body")
    assert "pooled_spend" in page.locator("#held-out + table").inner_text()


@pytest.mark.slow
def test_kill_9_mid_generation_loses_no_finished_generation_and_resume_finishes(tmp_path: Path) -> None:
    path = write_calibration(tmp_path, calibration_data(abc={"population_size": 15, "max_generations": 5}))
    out = tmp_path / "out"
    process = subprocess.Popen(calibrate_command(path, out, "--workers", "1"), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline and process.poll() is None:
        if generations_finished_while_running(out) >= 2:
            break
        time.sleep(0.2)
    assert process.poll() is None, "the calibration ended before it could be killed; make it longer"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    before = generations_in(out)
    assert 2 <= len(before) < 5
    assert not (out / "posterior.parquet").exists()
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"

    refused = subprocess.run(calibrate_command(path, out), capture_output=True, text=True, timeout=WAIT_S)
    assert refused.returncode == 2 and "--resume" in refused.stderr

    resumed = subprocess.run(calibrate_command(path, out, "--workers", "1", "--resume"), capture_output=True, text=True,
                             timeout=WAIT_S)
    assert resumed.returncode == 0, resumed.stderr
    after = generations_in(out)
    assert len(after) == 5
    kept = after.iloc[: len(before)]
    assert kept["epsilon"].tolist() == before["epsilon"].tolist()
    assert kept["samples"].tolist() == before["samples"].tolist()
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


@pytest.mark.slow
def test_max_simulations_stops_early_with_a_usable_posterior(tmp_path: Path) -> None:
    path = write_calibration(tmp_path, calibration_data(abc={"population_size": 10, "max_generations": 20}))
    out = tmp_path / "out"
    done = subprocess.run(calibrate_command(path, out, "--max-simulations", "40", "--workers", "1"),
                          capture_output=True, text=True, timeout=WAIT_S)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["generations"] < 20 and manifest["status"] == "complete"


def test_a_bad_calibration_file_stops_before_any_work_naming_the_file_and_field(tmp_path: Path) -> None:
    data = calibration_data()
    data["targets"]["health_rate"]["statistic"] = "no_such_statistic"
    path = write_calibration(tmp_path, data)
    done = subprocess.run(calibrate_command(path, tmp_path / "out"), capture_output=True, text=True, timeout=WAIT_S)
    assert done.returncode == 2
    assert "small.yaml" in done.stderr and "targets.health_rate.statistic" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_folder_with_other_files_is_never_written_into(tmp_path: Path) -> None:
    path = write_calibration(tmp_path)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("a user's file")
    done = subprocess.run(calibrate_command(path, out), capture_output=True, text=True, timeout=WAIT_S)
    assert done.returncode == 2 and "not empty" in done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_a_folder_of_another_calibration_is_refused_even_with_resume(tmp_path: Path) -> None:
    path = write_calibration(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"status": "running", "calibration_hash": "another"}))
    done = subprocess.run(calibrate_command(path, out, "--resume"), capture_output=True, text=True, timeout=WAIT_S)
    assert done.returncode == 2 and "different" in done.stderr



@pytest.mark.slow
def test_the_same_file_runs_unchanged_on_a_dask_cluster(tmp_path: Path) -> None:
    path = write_calibration(tmp_path)
    out = tmp_path / "out"
    done = subprocess.run(calibrate_command(path, out, "--dask", "local:2"), capture_output=True, text=True,
                          timeout=WAIT_S)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["dask"] == "local:2" and manifest["generations"] == 2
    assert len(pd.read_parquet(out / "predictive.parquet")) == 3
