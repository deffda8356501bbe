"""A whole calibration, as `placesim calibrate` runs it: check the results folder, fit with
ABC-SMC (resumable), then the posterior, the posterior-predictive runs and the targets table; the
manifest says `complete` only once every table is in place."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sim.calibration.fit import HISTORY_FILE, Generation, dask_client, finished_generations, run_abc
from sim.calibration.loading import Calibration
from sim.calibration.outputs import (
    GENERATIONS_FILE,
    POSTERIOR_FILE,
    PREDICTIVE_FILE,
    TARGETS_FILE,
    calibration_hash,
    generations_table,
    manifest,
    posterior_table,
    read_manifest,
    targets_table,
    write_frame,
    write_manifest,
)
from sim.scenario.loading import ScenarioError

PREDICTIVE_SEED = 20091  # the predictive draws' seed: fixed, so a finished posterior gives one table


@dataclass(frozen=True)
class Progress:
    """Callbacks a face shows: after each generation, and after each predictive run (done, total)."""

    on_generation: Callable[[Generation], None] | None = None
    on_predictive: Callable[[int, int], None] | None = None


def check_folder(calibration: Calibration, out: Path, resume: bool) -> None:
    """Refuse to overwrite: a folder with another calibration, or with files of its own."""
    previous = read_manifest(out) if out.is_dir() else None
    if previous is not None:
        if previous.get("calibration_hash") != calibration_hash(calibration):
            raise ScenarioError(str(out), [("--out", "holds a calibration of a different file or version of it; "
                                                     "choose another folder")])
        if not resume:
            state = "a finished" if previous.get("status") == "complete" else "an unfinished"
            raise ScenarioError(str(out), [("--out", f"holds {state} calibration of this file; add --resume to "
                                                     "continue it, or choose another folder")])
        return
    if out.is_dir() and any(out.iterdir()):
        raise ScenarioError(str(out), [("--out", "is not empty and holds no calibration; choose an empty or new folder")])
    if resume and out.is_dir() and (out / HISTORY_FILE).exists():
        raise ScenarioError(str(out), [("--out", "has a history.db but no manifest.json; choose another folder")])


def calibrate(
    calibration: Calibration,
    out: Path,
    *,
    resume: bool = False,
    workers: int = 1,
    dask_address: str | None = None,
    max_simulations: int | None = None,
    population_sample: int | None = None,
    progress: Progress = Progress(),
) -> Path:
    """Run the calibration into `out` and return the folder; its figures and report are the
    analysis wing's (sim/analysis/calibration_figures.py, calibration_report.py)."""
    from sim.calibration.predictive import run_predictive

    check_folder(calibration, out, resume)
    out.mkdir(parents=True, exist_ok=True)
    sample = population_sample or calibration.spec.run.population_sample
    resumed = resume and finished_generations(out) > 0
    if not resumed:
        (out / HISTORY_FILE).unlink(missing_ok=True)  # a run killed before its first generation: nothing to keep
    write_manifest(out, manifest(calibration, out, "running", population_sample=sample))
    started = time.perf_counter()
    with dask_client(dask_address) as client:
        history = run_abc(
            calibration, out, resume=resumed, workers=workers, client=client,
            max_simulations=max_simulations, population_sample=population_sample,
            on_generation=progress.on_generation,
        )  # fmt: skip
        posterior = posterior_table(history, list(calibration.parameters))
        generations = generations_table(history)
        write_frame(out, POSTERIOR_FILE, posterior)
        write_frame(out, GENERATIONS_FILE, generations)
        predictive = run_predictive(
            calibration, posterior, seed=PREDICTIVE_SEED, workers=workers, client=client,
            on_run=progress.on_predictive,
        )  # fmt: skip
    write_frame(out, PREDICTIVE_FILE, predictive)
    write_frame(out, TARGETS_FILE, targets_table(calibration, predictive))
    facts = {
        "population_sample": sample,
        "predictive_population_sample": calibration.spec.predictive.population_sample or sample,
        "predictive_seed": PREDICTIVE_SEED,
        "predictive_draws": len(predictive),
        "simulations": int(history.total_nr_simulations),
        "generations": int(history.max_t + 1),
        "final_epsilon": float(generations["epsilon"].iloc[-1]),
        "wall_seconds": round(float(generations["seconds"].sum()) + 0.0, 1),
        "this_session_seconds": round(time.perf_counter() - started, 1),
        "workers": workers,
        "dask": dask_address,
        "seeds": "each simulation's seed is a hash of its parameter values (sim/calibration/simulator.py)",
    }
    write_manifest(out, manifest(calibration, out, "complete", **facts))
    return out
