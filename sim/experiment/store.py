"""The results store of an experiment: parts written atomically, resumable, consolidated.

Layout of `results/<experiment>/`:

    manifest.json           experiment and base scenario as resolved, hashes, design, provenance
    design.parquet          the design points (and, for sampled designs, the sample matrix)
    parts/<run>.steps.parquet, parts/<run>.run.parquet   one pair per finished run
    runs.parquet, steps.parquet                          consolidated tables

A part is written to a temporary name and renamed into place, and the run part is renamed last:
it is the marker that a run is complete. A sweep killed at any moment loses at most the runs in
flight; `resume` runs only those without a run part. Consolidation only reads parts, so it can
be repeated.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.scenario.loading import ScenarioError

PARTS = "parts"
RUN_SUFFIX = ".run.parquet"
STEPS_SUFFIX = ".steps.parquet"


def write_atomically(frame: pd.DataFrame, path: Path) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    frame.to_parquet(temporary, index=False)
    os.replace(temporary, path)


def write_json_atomically(data: dict[str, Any], path: Path) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, indent=2, default=str) + "\n")
    os.replace(temporary, path)


def parquet_safe(row: dict[str, Any]) -> dict[str, Any]:
    """Lists and mappings (e.g. a `members` override) become JSON text so columns stay typed."""
    return {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in row.items()}


class ResultsStore:
    """One experiment's folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.parts = self.folder / PARTS

    @property
    def manifest_path(self) -> Path:
        return self.folder / "manifest.json"

    def read_manifest(self) -> dict[str, Any] | None:
        if not self.manifest_path.is_file():
            return None
        return json.loads(self.manifest_path.read_text())

    def prepare(self, manifest: dict[str, Any], resume: bool) -> set[str]:
        """Open the folder for a sweep; return the run ids already complete.

        A fresh sweep refuses a folder that already holds runs; a resumed one refuses a folder
        made by a different experiment (another hash).
        """
        existing = self.read_manifest()
        done = self.completed_runs()
        if existing is not None and resume and existing["experiment_hash"] != manifest["experiment_hash"]:
            raise ScenarioError(
                str(self.folder),
                [("experiment_hash", "these results come from a different experiment or settings; "
                  "resume with the same file and options, or choose another --out")],
            )  # fmt: skip
        if (existing is not None or done) and not resume:
            raise ScenarioError(
                str(self.folder), [("", "already holds results; add --resume to finish them, or choose another --out")]
            )
        self.parts.mkdir(parents=True, exist_ok=True)
        if existing is not None:
            manifest = {**manifest, "started": existing.get("started", manifest.get("started"))}
        write_json_atomically(manifest, self.manifest_path)
        return done

    def completed_runs(self) -> set[str]:
        if not self.parts.is_dir():
            return set()
        return {p.name.removesuffix(RUN_SUFFIX) for p in self.parts.glob(f"*{RUN_SUFFIX}")}

    def save_run(self, run_id: str, row: dict[str, Any], steps: pd.DataFrame) -> None:
        """Write one run's parts; the run part goes last and marks the run complete."""
        write_atomically(steps, self.parts / f"{run_id}{STEPS_SUFFIX}")
        write_atomically(pd.DataFrame([parquet_safe(row)]), self.parts / f"{run_id}{RUN_SUFFIX}")

    def save_design(self, design: pd.DataFrame) -> None:
        write_atomically(design, self.folder / "design.parquet")

    def consolidate(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Gather every complete run's parts into runs.parquet and steps.parquet."""
        run_ids = sorted(self.completed_runs())
        runs = pd.concat([pd.read_parquet(self.parts / f"{r}{RUN_SUFFIX}") for r in run_ids], ignore_index=True)
        steps = pd.concat([pd.read_parquet(self.parts / f"{r}{STEPS_SUFFIX}") for r in run_ids], ignore_index=True)
        write_atomically(runs, self.folder / "runs.parquet")
        write_atomically(steps, self.folder / "steps.parquet")
        return runs, steps

    def finish(self, extra: dict[str, Any]) -> None:
        manifest = self.read_manifest() or {}
        write_json_atomically({**manifest, **extra}, self.manifest_path)


@dataclass(frozen=True)
class ExperimentResults:
    """An experiment's tables and provenance, as reloaded from its folder."""

    folder: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame
    steps: pd.DataFrame
    design: pd.DataFrame


def load_results(folder: str | Path) -> ExperimentResults:
    """Reload an experiment's results: runs, steps, design and manifest, as one call."""
    folder = Path(folder)
    store = ResultsStore(folder)
    manifest = store.read_manifest()
    if manifest is None:
        raise ScenarioError(str(folder), [("manifest.json", "not an experiment results folder (no manifest.json)")])
    if not (folder / "runs.parquet").is_file():
        if not store.completed_runs():
            raise ScenarioError(str(folder), [("parts", "no finished runs yet; run or resume the sweep first "
                                               "(placesim sweep EXPERIMENT --out FOLDER --resume)")])  # fmt: skip
        store.consolidate()
    return ExperimentResults(
        folder=folder,
        manifest=manifest,
        runs=pd.read_parquet(folder / "runs.parquet"),
        steps=pd.read_parquet(folder / "steps.parquet"),
        design=pd.read_parquet(folder / "design.parquet"),
    )
