"""The experiment wing: designs, run specs and seeds, execution, and the results store.

    from sim.experiment import load_experiment, load_results
    runs = load_experiment("experiments/total_place.yaml").run(out="results/total_place")
    results = load_results("results/total_place")

The names below are imported on first use (PEP 562), not with the package: a sweep's worker
unpickles `sim.experiment.runs.execute`, which imports this package first, and needs neither the
designs (scipy.stats, SALib) nor the results store (pandas, pyarrow) to run.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["Experiment", "ExperimentResults", "load_experiment", "load_results", "model_function"]
_HOME = {
    "Experiment": "sim.experiment.experiment",
    "load_experiment": "sim.experiment.experiment",
    "ExperimentResults": "sim.experiment.store",
    "load_results": "sim.experiment.store",
    "model_function": "sim.experiment.function_model",
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'sim.experiment' has no attribute {name!r}")
    return getattr(import_module(_HOME[name]), name)
