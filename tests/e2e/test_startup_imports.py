"""What starting a command imports: only what it needs, so that it answers at once.

Each command runs as `python -m sim` runs it, in a fresh interpreter, which then lists the heavy
packages it loaded. Mesa, pandas and scipy.stats take over two seconds to import (issue 14);
`placesim --help` and `placesim validate` need none of them, and a sweep's worker needs the model
(Mesa, hence pandas and scipy.spatial) but not the experiment designs' scipy.stats.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "scenarios" / "total_place_pilot.yaml"
HEAVY = ("mesa", "scipy", "pandas", "pyarrow", "matplotlib", "altair", "dask", "distributed", "SALib", "numba")

# Runs `python -m sim ARGS...` in this interpreter, then prints the heavy modules it imported.
AFTER_THE_COMMAND = """
import json, runpy, sys
heavy = set(sys.argv[1].split(","))
sys.argv = ["placesim", *sys.argv[2:]]
try:
    runpy.run_module("sim", run_name="__main__", alter_sys=True)
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "heavy": sorted(m for m in sys.modules if m.split(".")[0] in heavy)}))
"""

# Imports the modules named in `sys.argv[2:]`, in order, then prints the heavy modules imported.
AFTER_THE_IMPORTS = """
import importlib, json, sys
heavy = set(sys.argv[1].split(","))
for name in sys.argv[2:]:
    importlib.import_module(name)
print(json.dumps({"code": 0, "heavy": sorted(m for m in sys.modules if m.split(".")[0] in heavy)}))
"""


def heavy_modules(program: str, *args: str | Path) -> list[str]:
    """The heavy modules loaded by `program` run with `args`, after checking that it succeeded."""
    result = subprocess.run(
        [sys.executable, "-c", program, ",".join(HEAVY), *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["code"] == 0, result.stdout + result.stderr
    return report["heavy"]


def test_help_imports_no_heavy_package() -> None:
    assert heavy_modules(AFTER_THE_COMMAND, "--help") == []


def test_validating_a_scenario_imports_no_heavy_package() -> None:
    assert heavy_modules(AFTER_THE_COMMAND, "validate", DEFAULT) == []


def test_validating_every_shipped_scenario_imports_no_heavy_package() -> None:
    assert heavy_modules(AFTER_THE_COMMAND, "validate", *sorted((ROOT / "scenarios").glob("*.yaml"))) == []


def test_validating_an_experiment_without_sampling_imports_no_sampler() -> None:
    """A grid, named points or the wrong-pocket design are checked without scipy.stats or SALib."""
    experiments = [ROOT / "experiments" / f"{name}.yaml" for name in ("pooling_sweep", "total_place", "wrong_pocket")]
    loaded = heavy_modules(AFTER_THE_COMMAND, "validate", *experiments)
    assert "scipy.stats" not in loaded
    assert "SALib" not in loaded


def test_validating_an_experiment_checks_its_outputs_without_the_model() -> None:
    """Every shipped experiment lists outputs; their names are checked against sim/measures.py,
    not the recorder, so neither Mesa nor pandas is imported."""
    experiments = [ROOT / "experiments" / f"{name}.yaml" for name in ("pooling_sweep", "wrong_pocket")]
    assert heavy_modules(AFTER_THE_COMMAND, "validate", *experiments) == []


def test_validating_an_experiment_that_draws_from_a_calibration_reads_its_posterior_without_the_model() -> None:
    """`parameters_from` is checked by reading posterior.parquet (pandas, pyarrow) and trying every
    draw at every point, still without Mesa, scipy or the run machinery."""
    loaded = heavy_modules(AFTER_THE_COMMAND, "validate", ROOT / "experiments" / "total_place.yaml")
    assert {name.split(".")[0] for name in loaded} <= {"pandas", "pyarrow"}


def test_a_worker_is_ready_to_run_without_the_designs_statistics() -> None:
    """A sweep's worker unpickles `sim.experiment.runs.execute`, whose first run imports the model."""
    loaded = heavy_modules(AFTER_THE_IMPORTS, "sim.experiment.runs", "sim.model.simulate")
    assert "scipy.stats" not in loaded
    assert "SALib" not in loaded


def test_run_specs_need_no_model() -> None:
    """Building and checking run specs (placesim validate) leaves the model to the first run."""
    assert heavy_modules(AFTER_THE_IMPORTS, "sim.experiment.runs") == []
