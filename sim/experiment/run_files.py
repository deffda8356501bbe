"""Writing one run to disk: Parquet tables, summary and manifest, all or nothing, never over a
user's files.

A run's default folder is named after the scenario file, the seed and a short hash of everything
that determines the numbers (the resolved scenario, seed, quarters, citizens, the silo twin), so
two different runs never share a folder. An existing folder is replaced only when asked
(`replace=True`, the CLI's `--force`), and only if it holds a placesim run and nothing else.
Files are written into a hidden sibling folder and renamed into place only when complete, so an
interrupted run never leaves a folder that looks finished.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from sim.experiment.provenance import provenance
from sim.model.simulate import RunResult
from sim.scenario import Scenario, ScenarioError
from sim.scenario.loading import scenario_hash

TABLES = ("steps", "ledger", "balances")
RUN_FILES = frozenset({*(f"{name}.parquet" for name in TABLES), "summary.json", "manifest.json"})
IDENTITY_DIGITS = 8


class RunFolderError(ScenarioError):
    """The output folder cannot be written without losing something: names the folder and the fix."""

    def __init__(self, folder: Path, message: str):
        super().__init__(str(folder), [("--out", message)])


def run_identity(scenario: Scenario, seed: int, steps: int, population_sample: int, with_silo_twin: bool) -> str:
    """A short hash of everything that determines a run's tables and summary."""
    inputs = [scenario_hash(scenario), seed, steps, population_sample, with_silo_twin]
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


def manifest(result: RunResult, source: str | None = None) -> dict[str, object]:
    return {
        "scenario_file": source,
        "scenario_name": result.scenario.name,
        "scenario_hash": scenario_hash(result.scenario),
        "seed": result.seed,
        "steps": int(result.steps["step"].max()),
        "population_sample": result.population_sample,
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
    (staging / "summary.json").write_text(json.dumps(result.summary, indent=2, allow_nan=False) + "\n")
    (staging / "manifest.json").write_text(json.dumps(manifest(result, source), indent=2, allow_nan=False) + "\n")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    staging.rename(out_dir)
    return out_dir
