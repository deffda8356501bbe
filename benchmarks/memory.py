"""Memory over many runs in one process, on every path that builds models.

    .venv/bin/python -m benchmarks.memory                      # 5 paths x 15 runs at 30,000 citizens
    .venv/bin/python -m benchmarks.memory --citizens 200000 --runs 12 --paths simulate

Mesa 3.3.1 kept every model alive (sim/model/agent_ids.py), so each run added its population to the
process: 12 runs of 200,000 citizens grew from about 220 to 470 MiB. This prints the resident set
size (RSS) after each path's runs; run it in a fresh process, as here, so that it sees only them.
tests/e2e/test_memory.py runs it and bounds the growth.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

from sim.app.place import AppPlace, Levers
from sim.experiment.function_model import model_function
from sim.experiment.runs import RunSpec, execute
from sim.model import simulate
from sim.model.model import PlaceModel
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "pooled.yaml"
STEPS = 2


def rss_mib() -> float:
    """Resident set size of this process now (Linux /proc), MiB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


def paths(citizens: int) -> dict[str, Callable[[int], None]]:
    """Path name -> one run of it with a seed: every way placesim builds models."""
    scenario = load_scenario(SCENARIO)
    levers = dataclasses.asdict(Levers.of(scenario))
    function = model_function(SCENARIO, population_sample=citizens, steps=STEPS)

    def by_hand_then_closed(seed: int) -> None:
        model = PlaceModel(scenario, seed=seed, population_sample=citizens)
        model.step()
        model.close()

    def by_app_reset(seed: int) -> None:
        place = AppPlace(str(SCENARIO), **levers, population_sample=citizens, seed=seed, compare_with_silo=True)
        place.step()

    return {
        "simulate": lambda seed: simulate(scenario, seed=seed, steps=STEPS, population_sample=citizens),
        "sweep_worker": lambda seed: execute(RunSpec("p", 0, "p", 0, seed, scenario, {}, STEPS, citizens, None)),
        "model_function": lambda seed: function(seed=seed),
        "app_reset": by_app_reset,
        "model_closed_by_hand": by_hand_then_closed,
    }


def measure(citizens: int, runs: int, chosen: list[str] | None = None) -> dict[str, float]:
    """RSS (MiB) after one warm-up run of each path, then after each path's `runs` runs."""
    available = paths(citizens)
    chosen = chosen or list(available)
    for name in chosen:
        available[name](0)
    rss = {"start": rss_mib()}
    for name in chosen:
        for seed in range(1, runs + 1):
            available[name](seed)
        rss[name] = rss_mib()
    return rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citizens", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=15, help="runs per path")
    parser.add_argument("--paths", nargs="+", help="some of: simulate sweep_worker model_function app_reset model_closed_by_hand")
    parser.add_argument("--json", action="store_true", help="print one JSON line instead of a table")
    args = parser.parse_args()
    rss = measure(args.citizens, args.runs, args.paths)
    if args.json:
        print(json.dumps(rss))
        return
    print(f"RSS after each path's {args.runs} runs of {args.citizens:,} citizens x {STEPS} quarters (MiB)")
    for name, value in rss.items():
        print(f"{name:>22}  {value:8.1f}")


if __name__ == "__main__":
    main()
