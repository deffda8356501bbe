"""Writing one run to disk: Parquet tables, summary and manifest, all or nothing.

Files are written into a hidden sibling folder and renamed into place only when complete, so an
interrupted run never leaves a folder that looks finished.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sim.experiment.provenance import provenance
from sim.model.simulate import RunResult
from sim.scenario.loading import scenario_hash

TABLES = ("steps", "ledger", "balances")


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


def write_run(result: RunResult, out_dir: Path, source: str | None = None) -> Path:
    """Write `result` to `out_dir` atomically (replacing a previous run there)."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.with_name(f".{out_dir.name}.partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    for name in TABLES:
        getattr(result, name).to_parquet(staging / f"{name}.parquet", index=False)
    (staging / "summary.json").write_text(json.dumps(result.summary, indent=2) + "\n")
    (staging / "manifest.json").write_text(json.dumps(manifest(result, source), indent=2) + "\n")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    staging.rename(out_dir)
    return out_dir
