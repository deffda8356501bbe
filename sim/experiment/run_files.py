"""Writing one run to disk: Parquet tables, summary and manifest, all or nothing, never over a
user's files.

A run's default folder is named after the scenario file, the seed and a short hash of everything
that determines its files (the resolved scenario, seed, quarters, citizens, the silo twin, the
citizen panel), so two different runs never share a folder. An existing folder is replaced only
when asked (`replace=True`, the CLI's `--force`), and only if it holds a placesim run and nothing
else. Files are written into a hidden sibling folder and renamed into place only when complete,
so an interrupted run never leaves a folder that looks finished.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from pathlib import Path

from sim.experiment.provenance import provenance
from sim.model.simulate import RunResult
from sim.scenario import Scenario, ScenarioError
from sim.scenario.loading import scenario_hash

TABLES = ("steps", "ledger", "balances")
PANEL_FILE = "panel.parquet"  # only when the run kept a citizen panel
RUN_FILES = frozenset({*(f"{name}.parquet" for name in TABLES), PANEL_FILE, "summary.json", "manifest.json"})
IDENTITY_DIGITS = 8


class RunFolderError(ScenarioError):
    """The output folder cannot be written without losing something: names the folder and the fix."""

    def __init__(self, folder: Path, message: str):
        super().__init__(str(folder), [("--out", message)])


def run_identity(
    scenario: Scenario, seed: int, steps: int, population_sample: int, with_silo_twin: bool, panel_citizens: int = 0
) -> str:
    """A short hash of everything that determines a run's files. The panel counts as the citizens
    it follows (at most the sample), and only when there is one, so a run without a panel keeps
    the name it had before panels existed."""
    inputs: list[object] = [scenario_hash(scenario), seed, steps, population_sample, with_silo_twin]
    if panel_citizens > 0:
        inputs.append(min(panel_citizens, population_sample))
    return hashlib.sha256(json.dumps(inputs).encode()).hexdigest()[:IDENTITY_DIGITS]


def default_run_folder(stem: str, seed: int, identity: str, root: Path = Path("results") / "runs") -> Path:
    """`results/runs/<scenario file stem>-seed<seed>-<identity>`."""
    return root / f"{stem}-seed{seed}-{identity}"


def check_run_folder(out_dir: Path, replace: bool) -> None:
    """Refuse a folder that exists unless `replace`, and refuse even then one that holds more than
    a placesim run (a user's files would be lost)."""
    out_dir = Path(out_dir)
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise RunFolderError(out_dir, "is a file, not a folder; choose another --out")
    if not replace:
        raise RunFolderError(out_dir, "already exists; pass --force to replace the run in it, or choose another --out")
    others = sorted(entry.name for entry in out_dir.iterdir() if entry.name not in RUN_FILES)
    if others or not (out_dir / "manifest.json").is_file():
        shown = ", ".join(others[:5]) + (" ..." if len(others) > 5 else "") if others else "no manifest.json"
        raise RunFolderError(
            out_dir, f"holds more than a placesim run ({shown}); even with --force it is not replaced: choose another --out"
        )


def panel_citizens(result: RunResult) -> int:
    """Citizens the run's panel follows; 0 without a panel."""
    return 0 if result.panel is None else int(result.panel["citizen"].nunique())


def manifest(result: RunResult, source: str | None = None) -> dict[str, object]:
    return {
        "scenario_file": source,
        "scenario_name": result.scenario.name,
        "scenario_hash": scenario_hash(result.scenario),
        "seed": result.seed,
        "steps": int(result.steps["step"].max()),
        "population_sample": result.population_sample,
        "panel_citizens": panel_citizens(result),
        **provenance(),
        "scenario": result.scenario.model_dump(mode="json"),
    }


def write_run(result: RunResult, out_dir: Path, source: str | None = None, replace: bool = False) -> Path:
    """Write `result` to `out_dir` atomically; an existing run there is replaced only with `replace`."""
    out_dir = Path(out_dir)
    check_run_folder(out_dir, replace)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.with_name(f".{out_dir.name}.partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    for name in TABLES:
        getattr(result, name).to_parquet(staging / f"{name}.parquet", index=False)
    if result.panel is not None:
        result.panel.to_parquet(staging / PANEL_FILE, index=False)
    summary = {key: None if isinstance(value, float) and math.isnan(value) else value for key, value in result.summary.items()}
    (staging / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=False) + "\n")  # null: not measured
    (staging / "manifest.json").write_text(json.dumps(manifest(result, source), indent=2, allow_nan=False) + "\n")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    staging.rename(out_dir)
    return out_dir
