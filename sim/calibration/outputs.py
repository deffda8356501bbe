"""The files of a calibration's results folder, each written whole or not at all (a temporary name,
then a rename), with `manifest.json` saying `running` until the last file is in place.

    posterior.parquet   param:<path> columns and weight, one row per accepted parameter set
    predictive.parquet  the posterior-predictive runs: draw, seed, param:<path>, one column per target
    targets.csv         per target: observed band against the posterior-predictive distribution
    generations.csv     per ABC-SMC generation: epsilon, particles, simulations, acceptance rate
    manifest.json       the file, hashes, seeds, versions, simulations used, and the status
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.loading import Calibration
from sim.calibration.parameters import reference_values
from sim.calibration.posterior import MANIFEST_FILE, PARAMETER_PREFIX, POSTERIOR_FILE
from sim.scenario.loading import scenario_hash

PREDICTIVE_FILE = "predictive.parquet"
TARGETS_FILE = "targets.csv"
GENERATIONS_FILE = "generations.csv"
PACKAGES = ("placesim", "pyabc", "mesa", "numpy", "scipy", "pandas", "pydantic")


def write_atomically(path: Path, write: Any) -> None:
    """Call `write(temporary_path)`, then move the file into place: never a half-written file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


STOPPING_RULES = {"max_generations", "min_epsilon", "max_simulations", "max_walltime_minutes", "min_acceptance_rate"}


def calibration_hash(calibration: Calibration) -> str:
    """A hash of what the calibration means (its resolved schema and scenarios), not its comments,
    its stopping rules or its predictive runs: a resumed run may go on for longer, or stop sooner."""
    canonical = json.dumps(
        {
            "spec": calibration.spec.model_dump(
                mode="json", exclude={"description": True, "predictive": True, "abc": STOPPING_RULES}
            ),
            "scenario": scenario_hash(calibration.scenario),
            "regimes": {name: scenario_hash(s) for name, s in calibration.regimes.items()},
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def relative(path: str | Path, folder: Path) -> str:
    """`path` as seen from the results folder, so a folder shipped in the repository names no machine."""
    return os.path.relpath(Path(path).resolve(), folder.resolve())


def manifest(calibration: Calibration, folder: Path, status: str, **facts: Any) -> dict[str, Any]:
    """The manifest of a results folder; paths are relative to it."""
    spec = calibration.spec
    return {
        "status": status,
        "calibration_file": relative(calibration.source, folder),
        "calibration_hash": calibration_hash(calibration),
        "scenario": relative(spec.scenario, folder),
        "scenario_hash": scenario_hash(calibration.scenario),
        "description": spec.description.strip(),
        "parameters": {name: p.model_dump(mode="json") for name, p in spec.parameters.items()},
        "reference_values": reference_values(calibration.scenario, spec.parameters),
        "targets": {name: t.model_dump(mode="json") for name, t in spec.targets.items()},
        "regimes": {name: r.model_dump(mode="json") for name, r in spec.regimes.items()},
        "versions": versions(),
        "updated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **facts,
    }


def write_manifest(folder: Path, content: dict[str, Any]) -> None:
    write_atomically(folder / MANIFEST_FILE, lambda path: path.write_text(json.dumps(content, indent=2) + "\n"))


def read_manifest(folder: Path) -> dict[str, Any] | None:
    path = folder / MANIFEST_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def posterior_table(history: Any, names: list[str]) -> pd.DataFrame:
    """The last generation of a pyabc history as param:<path> columns and normalised weights."""
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    table = pd.DataFrame({PARAMETER_PREFIX + name: frame[name].to_numpy(dtype=float) for name in names})
    table["weight"] = np.asarray(weights, dtype=float) / float(np.sum(weights))
    return table


def generations_table(history: Any) -> pd.DataFrame:
    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0]
    table = pd.DataFrame({
        "t": populations["t"].astype(int),
        "epsilon": populations["epsilon"].astype(float),
        "particles": populations["particles"].astype(int),
        "simulations": populations["samples"].astype(int),
        "seconds": populations["wall_time"].astype(float),
    })
    table["acceptance_rate"] = table["particles"] / table["simulations"]
    return table.reset_index(drop=True)


def targets_table(calibration: Calibration, predictive: pd.DataFrame) -> pd.DataFrame:
    """Each target's observed band against its posterior-predictive 5-95% interval; `within`
    when the two overlap (the pass rule), `median_within` when the predictive median lies in the
    band (the stricter reading a reader should also see)."""
    rows = []
    for name, target in calibration.targets().items():
        simulated = predictive[name].to_numpy(dtype=float)
        simulated = simulated[np.isfinite(simulated)]
        low, high = target.interval
        p05, median, p95 = (np.quantile(simulated, [0.05, 0.5, 0.95]) if simulated.size else (np.nan,) * 3)
        rows.append({
            "target": name, "role": target.role.value, "statistic": target.statistic,
            "observed": target.observed, "low": low, "high": high,
            "simulated_median": median, "simulated_p05": p05, "simulated_p95": p95,
            "within": bool(simulated.size and p05 <= high and p95 >= low),
            "median_within": bool(simulated.size and low <= median <= high),
            "source": target.source,
        })
    return pd.DataFrame(rows)


def write_frame(folder: Path, name: str, frame: pd.DataFrame) -> Path:
    path = folder / name
    if name.endswith(".parquet"):
        write_atomically(path, lambda temporary: frame.to_parquet(temporary, index=False))
    else:
        write_atomically(path, lambda temporary: frame.to_csv(temporary, index=False))
    return path


__all__ = [
    "GENERATIONS_FILE", "POSTERIOR_FILE", "PREDICTIVE_FILE", "TARGETS_FILE", "calibration_hash", "generations_table",
    "manifest", "posterior_table", "read_manifest", "targets_table", "write_frame", "write_manifest",
]  # fmt: skip
