"""Posterior-predictive runs: parameter sets drawn from the posterior, each run with its own seed
and every target computed, fit and held-out alike. They are what the targets table compares with
the published values, and the only place held-out targets are ever simulated."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.calibration.loading import Calibration
from sim.calibration.posterior import PARAMETER_PREFIX, resample
from sim.calibration.simulator import CalibrationSimulator

if TYPE_CHECKING:
    from distributed import Client


def predictive_simulator(calibration: Calibration, population_sample: int | None) -> CalibrationSimulator:
    settings = calibration.spec
    sample = population_sample or settings.predictive.population_sample or settings.run.population_sample
    return CalibrationSimulator(calibration, tuple(calibration.targets()), sample, settings.run.steps)


def draw_rows(posterior: pd.DataFrame, count: int, seed: int) -> tuple[np.ndarray, list[int]]:
    """Rows of the posterior resampled by weight, and one seed per draw (spawned from `seed`, so a
    set drawn twice still runs two different samples of citizens)."""
    rows = resample(posterior["weight"].to_numpy(dtype=float), count, seed)
    seeds = [int(child.generate_state(1)[0]) for child in np.random.SeedSequence(seed).spawn(count)]
    return rows, seeds


@contextmanager
def executor(workers: int, client: Client | None) -> Iterator[Executor]:
    """The Dask client's executor, or local processes (forked: they inherit the loaded calibration)."""
    if client is not None:
        yield client.get_executor()
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield pool


def run_predictive(
    calibration: Calibration,
    posterior: pd.DataFrame,
    *,
    seed: int,
    workers: int = 1,
    client: Client | None = None,
    population_sample: int | None = None,
    on_run: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """One row per predictive run: `draw`, `seed`, the `param:` columns and a column per target."""
    simulator = predictive_simulator(calibration, population_sample)
    count = calibration.spec.predictive.draws
    rows, seeds = draw_rows(posterior, count, seed)
    names = list(calibration.parameters)
    draws = [{name: float(posterior[PARAMETER_PREFIX + name].iloc[row]) for name in names} for row in rows]
    results: list[dict[str, float] | None] = [None] * count
    if workers <= 1 and client is None:
        for index, (values, run_seed) in enumerate(zip(draws, seeds)):
            results[index] = simulator.statistics(values, run_seed)
            if on_run is not None:
                on_run(index + 1, count)
    else:
        with executor(workers, client) as pool:
            futures = {pool.submit(simulator.statistics, values, run_seed): index
                       for index, (values, run_seed) in enumerate(zip(draws, seeds))}
            for done, future in enumerate(as_completed(futures), start=1):
                results[futures[future]] = future.result()
                if on_run is not None:
                    on_run(done, count)
    table = pd.DataFrame({"draw": range(count), "seed": seeds})
    for name in names:
        table[PARAMETER_PREFIX + name] = [values[name] for values in draws]
    statistics = pd.DataFrame(results)
    return pd.concat([table, statistics], axis=1)
