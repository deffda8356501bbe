"""Likelihood-free Bayesian calibration with pyabc's ABC-SMC.

Priors come from the calibration file; the distance is a weighted Euclidean distance over the
`fit` targets only, each weighted by 1 / its observation uncertainty (its sd, or a quarter of its
band), so a distance of 1 is one observational standard deviation whatever a target's unit, and
the acceptance threshold (epsilon) reads as "within this many sds". pyabc's adaptive distances
rescale by the *simulated* spread instead, which ignores how well each pattern is known; the
observation-weighted norm keeps the published uncertainty in charge. Epsilon falls each
generation to the median distance of the last (pyabc's default quantile schedule).

Held-out targets never reach pyabc: the simulator handed to it computes the fit targets alone.
The history lives in `DIR/history.db` (SQLite), written by pyabc at the end of every generation,
so a run killed at any moment resumes from its last finished generation with `--resume`.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sim.calibration.loading import Calibration
from sim.calibration.simulator import CalibrationSimulator
from sim.calibration.spec import Distribution, FreeParameter, Role
from sim.scenario.loading import ScenarioError

if TYPE_CHECKING:
    import pyabc
    from distributed import Client

HISTORY_FILE = "history.db"
ABC_ID = 1  # one calibration per history database


@dataclass(frozen=True)
class Generation:
    """What a progress bar shows after each generation."""

    t: int
    epsilon: float
    acceptance_rate: float
    simulations: int
    seconds: float


def prior_variable(parameter: FreeParameter) -> pyabc.RV:
    """The scipy-backed pyabc random variable of one prior."""
    import pyabc

    low, high = parameter.bounds
    if parameter.prior is Distribution.uniform:
        return pyabc.RV("uniform", low, high - low)
    if parameter.prior is Distribution.log_uniform:
        return pyabc.RV("loguniform", low, high)
    if parameter.prior is Distribution.beta:
        return pyabc.RV("beta", parameter.alpha, parameter.beta, loc=low, scale=high - low)
    if math.isinf(low) and math.isinf(high):
        return pyabc.RV("norm", parameter.mean, parameter.sd)
    a, b = (low - parameter.mean) / parameter.sd, (high - parameter.mean) / parameter.sd
    return pyabc.RV("truncnorm", a, b, loc=parameter.mean, scale=parameter.sd)


def prior_distribution(calibration: Calibration) -> pyabc.Distribution:
    import pyabc

    return pyabc.Distribution(**{name: prior_variable(p) for name, p in calibration.parameters.items()})


def distance(calibration: Calibration) -> pyabc.PNormDistance:
    import pyabc

    weights = {name: 1.0 / target.scale for name, target in calibration.targets(Role.fit).items()}
    return pyabc.PNormDistance(p=2, fixed_weights=weights)


def observed(calibration: Calibration) -> dict[str, float]:
    return {name: target.observed for name, target in calibration.targets(Role.fit).items()}


@contextmanager
def dask_client(address: str | None) -> Iterator[Client | None]:
    """A Dask client for `--dask`: `local:N` starts a LocalCluster of N processes here, anything
    else is a scheduler's address; None without `--dask`."""
    if address is None:
        yield None
        return
    from distributed import Client, LocalCluster

    if address.startswith("local:"):
        with LocalCluster(n_workers=int(address.removeprefix("local:")), threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            yield client
        return
    with Client(address) as client:
        yield client


def sampler(workers: int, client: Client | None) -> pyabc.sampler.Sampler:
    """A Dask sampler on a cluster, several local (forked) processes, or this one."""
    import pyabc

    if client is not None:
        return pyabc.sampler.DaskDistributedSampler(dask_client=client, batch_size=4)
    if workers > 1:
        return pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers)
    return pyabc.sampler.SingleCoreSampler()


def fit_simulator(calibration: Calibration, population_sample: int | None) -> CalibrationSimulator:
    """The simulator pyabc samples: the fit targets only."""
    run = calibration.spec.run
    return CalibrationSimulator(
        calibration, tuple(calibration.targets(Role.fit)), population_sample or run.population_sample, run.steps
    )


def quiet_pyabc() -> None:
    """pyabc logs every generation at INFO; the progress bar says the same in one line."""
    for name in ("ABC", "pyabc", "Sampler", "Epsilon", "Distance", "Acceptor", "Population"):
        logging.getLogger(name).setLevel(logging.WARNING)


def build_abc(calibration: Calibration, workers: int, client: Client | None, population_sample: int | None) -> pyabc.ABCSMC:
    import pyabc

    quiet_pyabc()
    return pyabc.ABCSMC(
        fit_simulator(calibration, population_sample),
        prior_distribution(calibration),
        distance(calibration),
        population_size=calibration.spec.abc.population_size,
        sampler=sampler(workers, client),
    )


def history_url(out: Path) -> str:
    return f"sqlite:///{(out / HISTORY_FILE).resolve()}"


def finished_generations(out: Path) -> int:
    """Generations stored in the history (0 if there is none).

    A run killed while pyabc was creating its database leaves tables without their version row,
    which pyabc refuses to read: that history holds no generation, so it counts as none (and
    `calibrate` starts afresh). A database pyabc cannot read that does hold generations (one
    written by another pyabc version) is an error that says how to migrate it, never deleted."""
    if not (out / HISTORY_FILE).is_file():
        return 0
    import pyabc
    import sqlalchemy

    quiet_pyabc()
    try:
        history = pyabc.History(history_url(out), _id=ABC_ID)
        return history.max_t + 1 if history.n_populations else 0
    except (AssertionError, sqlalchemy.exc.SQLAlchemyError) as error:
        if stored_generations(out / HISTORY_FILE) == 0:
            return 0
        raise ScenarioError(str(out / HISTORY_FILE), [("--resume", f"pyabc cannot read this history ({error}); "
                                                       "migrate it with `abc-migrate` or choose another folder")]) from error


def stored_generations(database: Path) -> int:
    """Generations (t >= 0) in a history database, read with SQLite alone (0 if it has no table of them)."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(database)) as connection:
        try:
            return int(connection.execute("SELECT COUNT(DISTINCT t) FROM populations WHERE t >= 0").fetchone()[0])
        except sqlite3.DatabaseError:
            return 0


def run_abc(
    calibration: Calibration,
    out: Path,
    *,
    resume: bool,
    workers: int = 1,
    client: Client | None = None,
    max_simulations: int | None = None,
    population_sample: int | None = None,
    on_generation: Callable[[Generation], None] | None = None,
) -> pyabc.History:
    """Run (or, with `resume`, continue) ABC-SMC until a stopping rule of the file's `abc:` section
    or `max_simulations` holds; return the history. Stopping rules count from the start of the
    whole calibration, so a resumed run stops where an uninterrupted one would; with a wall time,
    a generation expected to overrun it is not started."""
    settings = calibration.spec.abc
    abc = build_abc(calibration, workers, client, population_sample)
    if resume:
        abc.load(history_url(out), ABC_ID)
    else:
        abc.new(history_url(out), observed(calibration))
    done = abc.history.max_t + 1 if abc.history.n_populations else 0
    limit = min(settings.max_simulations or math.inf, max_simulations or math.inf)
    spent_seconds = float(abc.history.get_all_populations()["wall_time"].clip(lower=0).sum()) if done else 0.0
    walltime = settings.max_walltime_minutes * 60 - spent_seconds if settings.max_walltime_minutes else None
    remaining = settings.max_generations - done
    if remaining <= 0 or abc.history.total_nr_simulations >= limit or (walltime is not None and walltime <= 0):
        return abc.history
    t = abc.initialize_components_before_run(
        minimum_epsilon=settings.min_epsilon,
        max_nr_populations=remaining,
        min_acceptance_rate=settings.min_acceptance_rate,
        max_total_nr_simulations=limit,
        max_walltime=None if walltime is None else timedelta(seconds=walltime),
        min_eps_diff=0.0,
    )
    run_started, durations = time.perf_counter(), []
    while True:
        started = time.perf_counter()
        outcome = abc.run_generation(t=t)
        durations.append(time.perf_counter() - started)
        if on_generation is not None and outcome["successful"]:
            on_generation(Generation(t, float(abc.eps(t)), float(outcome["acceptance_rate"]),
                                     int(abc.history.total_nr_simulations), durations[-1]))
        if not outcome["successful"] or abc.check_terminate(t=t, acceptance_rate=outcome["acceptance_rate"]):
            break
        if walltime is not None and time.perf_counter() - run_started + next_generation_seconds(durations) > walltime:
            break  # pyabc checks its wall time only between generations: do not start one that cannot finish
        t += 1
    return abc.history


def next_generation_seconds(durations: list[float]) -> float:
    """A guess at the next generation's time: each takes longer as epsilon tightens and acceptance
    falls, so the last one grown by the last growth (at most threefold)."""
    if len(durations) < 2 or durations[-2] <= 0:
        return durations[-1]
    return durations[-1] * min(max(durations[-1] / durations[-2], 1.0), 3.0)
