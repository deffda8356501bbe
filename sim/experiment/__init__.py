"""The experiment wing: designs, run specs and seeds, execution, and the results store.

    from sim.experiment import load_experiment, load_results
    runs = load_experiment("experiments/total_place.yaml").run(out="results/total_place")
    results = load_results("results/total_place")
"""

from sim.experiment.experiment import Experiment, load_experiment
from sim.experiment.function_model import model_function
from sim.experiment.store import ExperimentResults, load_results

__all__ = ["Experiment", "ExperimentResults", "load_experiment", "load_results", "model_function"]
