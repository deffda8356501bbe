"""Sweeps end to end: the CLI in a subprocess, SIGKILL and resume, a real Dask cluster."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.experiment.experiment import load_experiment
from sim.experiment.store import ResultsStore
from tests.experiment.conftest import experiment_file

ROOT = Path(__file__).resolve().parents[2]
SWEEP = """
seed: 5
replications: 4
baseline: silo
design:
  kind: scenarios
  fixed: {run.warmup_steps: 1}
  points:
    silo: {}
    pooled: {set: {policy.pool.rule: need, policy.pool.rate: 0.3}}
    devolved: {set: {policy.ring_fence_share: 0.2}}
"""


SLOWER = ("--steps", "30", "--population-sample", "5000")


def sweep_command(experiment: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "sim", "sweep", str(experiment), "--out", str(out), *extra]


def sorted_runs(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "runs.parquet").sort_values("run_id", ignore_index=True)


@pytest.fixture
def sweep_file(tmp_path: Path) -> Path:
    return experiment_file(tmp_path, SWEEP, "sweep")


@pytest.fixture
def uninterrupted(sweep_file: Path, tmp_path: Path) -> pd.DataFrame:
    done = subprocess.run(sweep_command(sweep_file, tmp_path / "whole", "--workers", "2"), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "sweep: mean over 4 replications" in done.stdout
    comparison = pd.read_csv(tmp_path / "whole" / "comparison.csv")
    assert set(comparison["point"]) == {"pooled", "devolved"}
    assert {"mean_difference", "ci_low", "ci_high", "wilcoxon_p", "p_holm", "effect_size_dz"} <= set(comparison.columns)
    return sorted_runs(tmp_path / "whole")


def test_a_killed_sweep_resumes_with_every_run_exactly_once(sweep_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "killed"
    process = subprocess.Popen(
        sweep_command(sweep_file, out, "--workers", "1", *SLOWER),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    parts = out / "parts"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and len(list(parts.glob("*.run.parquet"))) < 2:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    finished = len(list(parts.glob("*.run.parquet")))
    assert 2 <= finished < 12, "the sweep must be killed part-way"
    assert not (out / "runs.parquet").exists()

    refused = subprocess.run(sweep_command(sweep_file, out, "--workers", "2", "--resume"), capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "different experiment" in refused.stderr

    resumed = subprocess.run(sweep_command(sweep_file, out, "--workers", "2", *SLOWER, "--resume"), capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    runs = sorted_runs(out)
    assert len(runs) == 12 and runs["run_id"].is_unique
    assert not list(parts.glob(".*.tmp"))

    whole = subprocess.run(sweep_command(sweep_file, tmp_path / "whole30", *SLOWER), capture_output=True, text=True, timeout=600)
    assert whole.returncode == 0, whole.stderr
    pd.testing.assert_frame_equal(runs, sorted_runs(tmp_path / "whole30"))


def test_bad_experiment_file_gets_a_clear_error(tmp_path: Path) -> None:
    bad = experiment_file(tmp_path, "replications: 0\ndesign:\n  kind: grid\n  levers: {policy.pool.rate: 0.3}\n", "bad")
    result = subprocess.run([sys.executable, "-m", "sim", "sweep", str(bad)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "bad.yaml" in result.stderr and "replications" in result.stderr


def test_a_dask_local_cluster_runs_the_sweep_like_local_processes(sweep_file: Path, tmp_path: Path, uninterrupted: pd.DataFrame) -> None:
    result = subprocess.run(sweep_command(sweep_file, tmp_path / "dask", "--dask", "local:2"), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    pd.testing.assert_frame_equal(sorted_runs(tmp_path / "dask"), uninterrupted)


def test_a_dask_worker_killed_mid_sweep_loses_and_duplicates_nothing(sweep_file: Path, tmp_path: Path, uninterrupted: pd.DataFrame) -> None:
    from dask.distributed import Client, LocalCluster

    experiment = load_experiment(sweep_file)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        executor = client.get_executor(retries=3)
        killed = []

        def kill_one_worker_once(done: int, total: int) -> None:
            if done == 3 and not killed:
                pids = client.run(os.getpid)
                victim = next(iter(pids.values()))
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        runs = experiment.run(out=tmp_path / "dask-killed", executor=executor, progress=kill_one_worker_once)
    assert killed, "a worker must have been killed"
    assert len(runs) == 12 and runs["run_id"].is_unique
    assert len(ResultsStore(tmp_path / "dask-killed").completed_runs()) == 12
    pd.testing.assert_frame_equal(runs.sort_values("run_id", ignore_index=True), uninterrupted)
