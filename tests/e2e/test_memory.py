"""Memory stays flat over many runs in one process, on every path that builds models.

Mesa 3.3.1 kept every model alive (sim/model/agent_ids.py); a sweep's worker, a calibration or the
app after each Reset grew by about a population per run. The runs happen in a fresh Python process
so that the measurement sees only them.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

CITIZENS = 30_000  # a leaked run holds about 4 MiB at this size
RUNS_PER_PATH = 15
# The registry leak grew by about 4 MiB x 75 = 300 MiB; models left to the cyclic collector by about 60.
ALLOWED_GROWTH_MIB = 25

SCRIPT = f"""
import json, dataclasses
from sim.app.place import AppPlace, Levers
from sim.experiment.function_model import model_function
from sim.experiment.runs import RunSpec, execute
from sim.model import simulate
from sim.model.model import PlaceModel
from sim.scenario import load_scenario

path = {str(ROOT / "scenarios" / "pooled.yaml")!r}
scenario = load_scenario(path)
levers = dataclasses.asdict(Levers.of(scenario))
function = model_function(path, population_sample={CITIZENS}, steps=2)

def rss_mib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20

def by_simulate(seed):
    simulate(scenario, seed=seed, steps=2, population_sample={CITIZENS})

def by_sweep_worker(seed):
    execute(RunSpec("p", 0, "p", 0, seed, scenario, {{}}, 2, {CITIZENS}, None))

def by_function(seed):
    function(seed=seed)

def by_app_reset(seed):
    place = AppPlace(scenario=path, **levers, population_sample={CITIZENS}, seed=seed, compare_with_silo=True)
    place.step()

def by_hand_then_closed(seed):
    model = PlaceModel(scenario, seed=seed, population_sample={CITIZENS})
    model.step()
    model.close()

paths = [by_simulate, by_sweep_worker, by_function, by_app_reset, by_hand_then_closed]
for path_ in paths:
    path_(0)
start = rss_mib()
for path_ in paths:
    for seed in range(1, {RUNS_PER_PATH} + 1):
        path_(seed)
print(json.dumps({{"start": start, "end": rss_mib()}}))
"""


def test_memory_stays_flat_over_75_runs_in_one_process():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    rss = json.loads(done.stdout.strip().splitlines()[-1])
    assert rss["end"] - rss["start"] < ALLOWED_GROWTH_MIB, rss
