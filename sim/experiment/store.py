"""The results store of an experiment: parts written atomically, verified when read, resumable.

Layout of `results/<experiment>/`:

    manifest.json           experiment and base scenario as resolved, hashes, design, provenance
    design.parquet          the design points (and, for sampled designs, the sample matrix)
    parts/<run>.steps.parquet, parts/<run>.run.parquet   one pair per finished run
    runs.parquet, steps.parquet                          consolidated tables

A part is written to a temporary name and renamed into place, and the run part is renamed last:
it is the marker that a run is complete. Every part carries a label in its Parquet metadata (the
experiment's hash and its run id), and is checked whenever it is read: a damaged part, one
without its steps part, or one another experiment wrote is reported (`ResultsWarning`) and left
out, and `resume` runs it again. So a sweep killed at any moment, or a folder someone copied
files into, loses at most the runs in flight and never adopts a stranger's.

The two consolidated tables are written as a pair: both to temporaries, then both renamed, each
labelled with the same consolidation id, which the manifest records when the sweep finishes.
Results are read from that pair only when it matches the finished manifest; otherwise (an
unfinished sweep, a kill between the renames) they are gathered from the parts, and results
short of the design's runs are flagged partial.
"""

from __future__ import annotations

import json
import os
import uuid
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiment.runs import run_id as make_run_id
from sim.scenario.loading import ScenarioError

PARTS = "parts"
RUN_SUFFIX = ".run.parquet"
STEPS_SUFFIX = ".steps.parquet"
RUNS_TABLE, STEPS_TABLE = "runs.parquet", "steps.parquet"
MANIFEST, DESIGN_TABLE = "manifest.json", "design.parquet"
LABEL = b"placesim"  # Parquet metadata key: {"experiment_hash", and "run_id" or "consolidation"}
RUN_COLUMNS = ("run_id", "point_id", "point", "replication", "seed")
STEPS_COLUMNS = ("run_id", "step", "measure", "value")
NOT_RESULTS = "not an experiment results folder (no manifest.json)"


class ResultsWarning(UserWarning):
    """A results folder holds a part that cannot be used, or only part of an experiment's runs."""


class BadPart(Exception):
    """A part that fails a check; the message names the file and what is wrong with it."""


def temporary_path(path: Path) -> Path:
    """Where a file is written before it is renamed into place: `.<name>.<pid>.tmp` beside it."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_parquet(frame: pd.DataFrame | pa.Table, path: Path, label: dict[str, Any] | None = None) -> None:
    """Write a frame (or a table already in Arrow) as Parquet, with the placesim label if given.

    One thread converts the frame: by default pyarrow starts a pool of threads for any frame of
    more than 100 rows a column, which in a sweep's parent is a new pool per finished run, on the
    cores the workers are running on.
    """
    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False, nthreads=1)
    if label is not None:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), LABEL: json.dumps(label).encode()})
    pq.write_table(table, path)


def write_atomically(frame: pd.DataFrame | pa.Table, path: Path, label: dict[str, Any] | None = None) -> None:
    temporary = temporary_path(path)
    write_parquet(frame, temporary, label)
    os.replace(temporary, path)


def write_json_atomically(data: dict[str, Any], path: Path) -> None:
    temporary = temporary_path(path)
    temporary.write_text(json.dumps(data, indent=2, default=str, allow_nan=False) + "\n")
    os.replace(temporary, path)


def read_label(path: Path) -> dict[str, Any] | None:
    """The placesim label of a Parquet file (None if it has none); raises if the file is unreadable."""
    raw = (pq.read_schema(path).metadata or {}).get(LABEL)
    if raw is None:
        return None
    try:
        label = json.loads(raw)
    except ValueError:
        return None
    return label if isinstance(label, dict) else None


def parquet_safe(row: dict[str, Any]) -> dict[str, Any]:
    """Lists and mappings (e.g. a `members` override) become JSON text so columns stay typed."""
    return {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in row.items()}


@dataclass(frozen=True)
class Owner:
    """The experiment a folder belongs to: its hash and, when the manifest tells, its run ids."""

    experiment_hash: str | None
    run_ids: frozenset[str] | None
    experiment_file: str

    @classmethod
    def of(cls, manifest: dict[str, Any]) -> Owner:
        points, seeds = manifest.get("point_scenario_hashes"), manifest.get("seeds")
        run_ids = None
        if isinstance(points, dict) and isinstance(seeds, list):
            run_ids = frozenset(make_run_id(int(p), r) for p in points for r in range(len(seeds)))
        return cls(manifest.get("experiment_hash"), run_ids, manifest.get("experiment_file") or "EXPERIMENT")

    def missing(self, present: Iterable[str]) -> tuple[str, ...]:
        return () if self.run_ids is None else tuple(sorted(self.run_ids - set(present)))


class ResultsStore:
    """One experiment's folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.parts = self.folder / PARTS
        self._owner: Owner | None = None
        self.consolidation: str | None = None  # the id of the pair this store last wrote

    @property
    def manifest_path(self) -> Path:
        return self.folder / MANIFEST

    def resume_command(self) -> str:
        return f"`placesim sweep {self.owner().experiment_file} --out {self.folder} --resume`"

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest, or None if there is none; a damaged one is a `ScenarioError` saying what to do."""
        if not self.manifest_path.is_file():
            return None
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else f"not valid JSON: {exc}"
            raise ScenarioError(str(self.manifest_path), [("", (
                f"{reason}. It cannot be trusted; the runs in parts/ are labelled with their experiment, so delete "
                f"manifest.json and run `placesim sweep EXPERIMENT --out {self.folder} --resume` with the experiment "
                "file and options that made them (it refuses the parts of any other experiment)"))])  # fmt: skip
        if not isinstance(manifest, dict):
            raise ScenarioError(str(self.manifest_path), [("", "is not a placesim manifest (not a JSON object)")])
        return manifest

    def owner(self) -> Owner:
        if self._owner is None:
            manifest = self.read_manifest()
            if manifest is None:
                raise ScenarioError(str(self.folder), [(MANIFEST, NOT_RESULTS)])
            self._owner = Owner.of(manifest)
        return self._owner

    def prepare(self, manifest: dict[str, Any], resume: bool) -> set[str]:
        """Open the folder for a sweep; return the run ids already complete.

        A fresh sweep refuses a folder that already holds runs; a resumed one refuses a folder
        made by a different experiment (another hash in its manifest or, when the manifest is
        gone, in its parts).
        """
        self.refuse_unusable_folder()
        existing = self.read_manifest()
        if existing is not None and resume:
            self.refuse_changed_posterior(existing, manifest)
        if existing is not None and resume and existing.get("experiment_hash") != manifest["experiment_hash"]:
            raise ScenarioError(
                str(self.folder),
                [("experiment_hash", "these results come from a different experiment or settings; "
                  "resume with the same file and options, or choose another --out")],
            )  # fmt: skip
        if (existing is not None or self.run_part_paths()) and not resume:
            raise ScenarioError(
                str(self.folder), [("", "already holds results; add --resume to finish them, or choose another --out")]
            )
        if existing is None:
            self.refuse_parts_of_another_experiment(manifest["experiment_hash"])
        self._owner = Owner.of(manifest)
        self.clean_temporaries()
        if existing is not None:
            manifest = {**manifest, "started": existing.get("started", manifest.get("started"))}
        try:
            self.parts.mkdir(parents=True, exist_ok=True)
            write_json_atomically(manifest, self.manifest_path)
        except OSError as exc:
            problem = f"cannot be written ({exc.strerror}); choose another --out"
            raise ScenarioError(str(self.folder), [("--out", problem)]) from None
        return self.completed_runs()

    def refuse_changed_posterior(self, existing: dict[str, Any], manifest: dict[str, Any]) -> None:
        """A sweep that draws from a calibration (`parameters_from`) resumes only with the posterior
        its runs were drawn from: runs of two posteriors in one table would be paired across worlds."""
        old, new = existing.get("parameters_from"), manifest.get("parameters_from")
        if not (isinstance(old, dict) and isinstance(new, dict)):
            return
        if old.get("posterior_hash") != new.get("posterior_hash"):
            raise ScenarioError(str(self.folder), [("parameters_from", (
                f"the posterior in {new.get('folder')} has changed since these results were drawn from it "
                f"(posterior.parquet hash {str(new.get('posterior_hash'))[:12]}, was "
                f"{str(old.get('posterior_hash'))[:12]}, from {old.get('folder')}); resume with the calibration "
                "the runs were drawn from, or choose another --out for a sweep with the new one"))])  # fmt: skip

    def refuse_unusable_folder(self) -> None:
        """A results folder must be a folder, or be creatable: not a file, nor under one."""
        if self.folder.exists() and not self.folder.is_dir():
            raise ScenarioError(str(self.folder), [("--out", "is a file, not a folder; choose another --out "
                                                    "(a folder, created if missing)")])  # fmt: skip
        ancestor = self.folder.absolute().parent
        while not ancestor.exists():
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise ScenarioError(str(self.folder), [("--out", f"is under {ancestor}, which is a file, not a folder; "
                                                    "choose another --out")])  # fmt: skip

    def refuse_parts_of_another_experiment(self, experiment_hash: str) -> None:
        """Without a manifest, the parts' labels are the only record of whose runs they are."""
        strangers = []
        for path in self.run_part_paths():
            try:
                label = read_label(path)
            except (OSError, pa.ArrowException):
                continue  # unreadable: reported and run again like any damaged part
            if label is None or label.get("experiment_hash") != experiment_hash:
                strangers.append(path.name)
        if strangers:
            raise ScenarioError(str(self.parts), [("", (
                f"{len(strangers)} part(s), e.g. {strangers[0]}, are runs of another experiment (or of none "
                "placesim can tell), and manifest.json is missing; resume with the experiment that made them, "
                "or choose another --out"))])  # fmt: skip

    def clean_temporaries(self) -> None:
        """Remove what writers killed mid-write left: this store's `.<file>.<pid>.tmp` files whose
        process is gone. A live writer's temporaries, and other programs' files, are left alone."""
        for folder, owned in ((self.folder, (MANIFEST, DESIGN_TABLE, RUNS_TABLE, STEPS_TABLE)), (self.parts, None)):
            if not folder.is_dir():
                continue
            for path in folder.glob(".*.tmp"):
                name, _, pid = path.name[1:].removesuffix(".tmp").rpartition(".")
                if owned is not None and name not in owned:
                    continue
                if owned is None and not name.endswith((RUN_SUFFIX, STEPS_SUFFIX)):
                    continue
                if pid.isdigit() and psutil.pid_exists(int(pid)):
                    continue
                path.unlink(missing_ok=True)

    def run_part_paths(self) -> list[Path]:
        if not self.parts.is_dir():
            return []
        return sorted(self.parts.glob(f"*{RUN_SUFFIX}"))

    def read_checked(self, path: Path, run_id: str, columns: tuple[str, ...]) -> pd.DataFrame:
        """One part, after checking it is readable Parquet, labelled by this experiment for this run."""
        owner = self.owner()
        again = f"it is left out; {self.resume_command()} runs it again"
        try:
            label = read_label(path)
            frame = pd.read_parquet(path)
        except (OSError, pa.ArrowException, ValueError):
            raise BadPart(f"{path}: not a readable Parquet file (truncated or damaged); {again}") from None
        if label is None:
            raise BadPart(f"{path}: carries no placesim label, so whose run it is cannot be told; {again}")
        if label.get("experiment_hash") != owner.experiment_hash:
            other = str(label.get("experiment_hash"))[:12]
            raise BadPart(f"{path}: belongs to another experiment (hash {other}); {again}")
        if label.get("run_id") != run_id or "run_id" not in frame or not (frame["run_id"] == run_id).all():
            raise BadPart(f"{path}: holds run {label.get('run_id')}, not {run_id} (a copied file?); {again}")
        absent = [c for c in columns if c not in frame.columns]
        if absent:
            raise BadPart(f"{path}: lacks the column(s) {absent}; {again}")
        return frame

    def read_part(self, run_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """A run's row and steps, each part checked; raises `BadPart` saying what is wrong."""
        run_part = self.parts / f"{run_id}{RUN_SUFFIX}"
        owner = self.owner()
        if owner.run_ids is not None and run_id not in owner.run_ids:
            raise BadPart(f"{run_part}: {run_id} is not a run of this experiment's design; it is left out")
        row = self.read_checked(run_part, run_id, RUN_COLUMNS)
        if len(row) != 1:
            raise BadPart(f"{run_part}: holds {len(row)} rows, not one; it is left out; "
                          f"{self.resume_command()} runs it again")  # fmt: skip
        steps_part = self.parts / f"{run_id}{STEPS_SUFFIX}"
        if not steps_part.is_file():
            raise BadPart(f"{run_part}: its steps part {steps_part.name} is missing; it is left out; "
                          f"{self.resume_command()} runs it again")  # fmt: skip
        return row, self.read_checked(steps_part, run_id, STEPS_COLUMNS)

    def checked_parts(self) -> Iterator[tuple[str, pd.DataFrame, pd.DataFrame]]:
        """(run id, row, steps) of every run whose parts pass every check, in run id order; each
        part that fails is reported as a `ResultsWarning` naming the file, and skipped."""
        for path in self.run_part_paths():
            run_id = path.name.removesuffix(RUN_SUFFIX)
            try:
                row, steps = self.read_part(run_id)
            except BadPart as bad:
                warnings.warn(str(bad), ResultsWarning, stacklevel=3)
                continue
            yield run_id, row, steps

    def completed_runs(self) -> set[str]:
        return {run_id for run_id, _, _ in self.checked_parts()}

    def save_run(self, run_id: str, row: dict[str, Any], steps: pd.DataFrame) -> None:
        """Write one run's parts, labelled with the experiment; the run part goes last and marks the run complete.

        The row goes to Arrow directly, not through a one-row DataFrame, and reads back as the same
        frame: pandas' work per column, on a row of some seventy summaries, was most of the 24 ms of
        CPU the sweep's parent spent storing a run (now 11), taken from workers on a machine whose
        every core runs one.
        """
        label = {"experiment_hash": self.owner().experiment_hash, "run_id": run_id}
        write_atomically(steps, self.parts / f"{run_id}{STEPS_SUFFIX}", label)
        write_atomically(pa.Table.from_pylist([parquet_safe(row)]), self.parts / f"{run_id}{RUN_SUFFIX}", label)

    def save_design(self, design: pd.DataFrame) -> None:
        write_atomically(design, self.folder / DESIGN_TABLE)

    def gather(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The runs and steps tables of every checked run (empty when there is none), in memory."""
        rows, steps = [], []
        for _, row, run_steps in self.checked_parts():
            rows.append(row)
            steps.append(run_steps)
        if not rows:
            return pd.DataFrame(columns=list(RUN_COLUMNS)), pd.DataFrame(columns=list(STEPS_COLUMNS))
        return pd.concat(rows, ignore_index=True), pd.concat(steps, ignore_index=True)

    def consolidate(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Gather every checked run into runs.parquet and steps.parquet, written as one pair: both
        to temporaries, then both renamed, labelled with one consolidation id (`finish` records it)."""
        runs, steps = self.gather()
        self.consolidation = uuid.uuid4().hex
        label = {"experiment_hash": self.owner().experiment_hash, "consolidation": self.consolidation}
        staged = []
        for frame, name in ((steps, STEPS_TABLE), (runs, RUNS_TABLE)):
            temporary = temporary_path(self.folder / name)
            write_parquet(frame, temporary, label)
            staged.append((temporary, self.folder / name))
        for temporary, path in staged:
            os.replace(temporary, path)
        return runs, steps

    def read_consolidated(self, manifest: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame] | None:
        """runs.parquet and steps.parquet if both exist and are the pair the manifest records
        (tables without labels, made before labels or by hand, pair with a manifest without one)."""
        paths = [self.folder / RUNS_TABLE, self.folder / STEPS_TABLE]
        try:
            labels = [read_label(path) for path in paths]
            wanted = manifest.get("consolidation")
            if [label and label.get("consolidation") for label in labels] != [wanted, wanted]:
                return None
            runs, steps = (pd.read_parquet(path) for path in paths)
        except (OSError, pa.ArrowException, ValueError):
            return None
        return runs, steps

    def finish(self, extra: dict[str, Any]) -> None:
        """Mark the sweep finished, recording the consolidated pair it finished with."""
        manifest = self.read_manifest() or {}
        write_json_atomically({**manifest, **extra, "consolidation": self.consolidation}, self.manifest_path)


@dataclass(frozen=True)
class ExperimentResults:
    """An experiment's tables and provenance, as reloaded from its folder.

    `complete` is False when runs of the design are missing (an unfinished or damaged sweep):
    the tables then hold only the runs done, `missing_runs` names the others.
    """

    folder: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame
    steps: pd.DataFrame
    design: pd.DataFrame
    complete: bool = True
    missing_runs: tuple[str, ...] = ()

    @property
    def partial_label(self) -> str | None:
        """'partial: 5 of 14 runs' when the results are not the whole experiment; None when they are."""
        if self.complete:
            return None
        if self.missing_runs:
            return f"partial: {len(self.runs):,} of {len(self.runs) + len(self.missing_runs):,} runs"
        return f"partial: {len(self.runs):,} runs"


def read_tables(store: ResultsStore, manifest: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """runs and steps: the consolidated pair if it is the one the finished manifest records,
    otherwise gathered from the checked parts (or, in a folder without parts, the pair as it is)."""
    if "finished" in manifest:
        tables = store.read_consolidated(manifest)
        if tables is not None:
            return tables
        if (store.folder / RUNS_TABLE).exists():
            warnings.warn(f"{store.folder}: runs.parquet and steps.parquet are not the pair the sweep finished with "
                          f"(a sweep killed while writing them?); read from parts/ instead, and "
                          f"{store.resume_command()} rewrites them", ResultsWarning, stacklevel=3)  # fmt: skip
    runs, steps = store.gather()
    if not runs.empty:
        return runs, steps
    tables = store.read_consolidated(manifest)  # a folder without parts: made by hand, or parts removed
    if tables is None or tables[0].empty:
        raise ScenarioError(str(store.folder), [(PARTS, f"no finished runs yet; run or resume the sweep first "
                                                 f"({store.resume_command()})")])  # fmt: skip
    return tables


def load_results(folder: str | Path) -> ExperimentResults:
    """Reload an experiment's results: runs, steps, design and manifest, as one call.

    A finished sweep is read from its consolidated pair; an unfinished one (or a pair that does
    not match) from its checked parts, in memory. Results short of the design's runs come back
    with `complete=False` and a `ResultsWarning` saying how many runs are missing.
    """
    folder = Path(folder)
    store = ResultsStore(folder)
    manifest = store.read_manifest()
    if manifest is None:
        raise ScenarioError(str(folder), [(MANIFEST, NOT_RESULTS)])
    store.clean_temporaries()
    runs, steps = read_tables(store, manifest)
    try:
        design = pd.read_parquet(folder / DESIGN_TABLE)
    except (OSError, pa.ArrowException, ValueError) as exc:
        raise ScenarioError(str(folder / DESIGN_TABLE), [("", f"cannot be read ({exc}); {store.resume_command()} "
                                                          "writes it again")]) from None  # fmt: skip
    owner = store.owner()
    missing = owner.missing(runs["run_id"])
    complete = not missing if owner.run_ids is not None else "finished" in manifest
    results = ExperimentResults(folder, manifest, runs, steps, design, complete, missing)
    if not complete:
        why = "the sweep has not finished" if "finished" not in manifest else "parts lost since the sweep finished"
        warnings.warn(f"{folder}: {results.partial_label} ({why}); finish it with {store.resume_command()}",
                      ResultsWarning, stacklevel=2)  # fmt: skip
    return results
