"""Parameters drawn from a finished calibration (`parameters_from:` in an experiment file).

The calibration's posterior is the world we do not know; the design's values are levers. So
replication r of every design point runs posterior draw r with seed r: a point and the baseline
still differ only by their levers within each pair, and the spread across replications now holds
parameter uncertainty as well as chance. The draws are `Posterior.draws(replications,
experiment seed)`, so they are the same for the same posterior, seed and replications.

A draw is applied on top of each point's scenario, after the point's own overrides, by the
calibration's rules (set, add or multiply: sim/calibration/parameters.py) -- except where the
experiment file itself sets a path (a lever, a sampled uncertainty, `design.fixed`, a point's
`set`, the baseline's overrides): there the file's value wins and the draw leaves that path
alone, since what the experiment file says is what the modeller asked to compare. Values a
point's own scenario file holds are not overrides, so the draw replaces them.

A run spec carries the draw's dotted-path overrides (`RunSpec.world`), not a scenario per run:
the point's scenario object is shared by its replications, so a sweep of many thousands of runs
does not hold a scenario per run in memory. Every (point, draw) is validated here once, when the
experiment is loaded, so a draw the schema refuses is an error before any run starts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.calibration.parameters import overrides_for
from sim.calibration.spec import FreeParameter
from sim.scenario.loading import ScenarioError, with_overrides
from sim.scenario.schema import Scenario

FIELD = "parameters_from"


def file_hash(path: Path) -> str:
    """sha256 of a file's bytes: a resumed sweep compares it to tell a changed posterior."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_set_by(path: str, overrides: Mapping[str, Any]) -> bool:
    """Whether an override sets `path`, itself or a mapping that holds it (`policy.pool` holds `policy.pool.rate`)."""
    return any(path == key or path.startswith(key + ".") for key in overrides)


@dataclass(frozen=True)
class PosteriorDraws:
    """The draws an experiment takes from one calibration: `draws[r]` is replication r's, at every point."""

    folder: Path
    posterior_hash: str
    parameters: dict[str, FreeParameter]
    reference: dict[str, float]
    draws: list[dict[str, float]]

    def world(self, scenario: Scenario, point_overrides: Mapping[str, Any], replication: int) -> dict[str, Any]:
        """The dotted-path overrides draw `replication` makes on a point's scenario, less the paths
        the point's overrides set (the module docstring says why the point wins)."""
        made = overrides_for(scenario, self.parameters, self.draws[replication], self.reference)
        return {path: value for path, value in made.items() if not is_set_by(path, point_overrides)}

    def recorded(self, point_overrides: Mapping[str, Any], replication: int) -> dict[str, float]:
        """Draw `replication` as a run records it (`param:<name>`): less the parameters the point
        sets itself, whose columns then hold the point's value, the value the run used."""
        return {name: value for name, value in self.draws[replication].items() if not is_set_by(name, point_overrides)}

    def manifest(self) -> dict[str, Any]:
        """What the results manifest records: where the draws came from, and the draws themselves."""
        return {
            "folder": str(self.folder),
            "posterior_hash": self.posterior_hash,
            "parameters": list(self.parameters),
            "draws": self.draws,
        }


def read_parameters_from(
    folder_text: str, experiment_file: Path, replications: int, seed: int
) -> PosteriorDraws:
    """Read the calibration an experiment names and draw one parameter set per replication.

    Any problem with the folder is a `ScenarioError` naming the experiment file and
    `parameters_from`, with what the calibration reader found. The reader (pandas, pyarrow) is
    imported here: an experiment without `parameters_from` never needs it.
    """
    from sim.calibration.posterior import POSTERIOR_FILE, read_posterior

    folder = (experiment_file.parent / folder_text).resolve()
    source = str(experiment_file)
    try:
        posterior = read_posterior(folder)
        draws = posterior.draws(replications, seed)
        posterior_hash = file_hash(folder / POSTERIOR_FILE)
    except ScenarioError as exc:
        problems = [(FIELD, f"{exc.source}: {field + ': ' if field else ''}{message}") for field, message in exc.problems]
        raise ScenarioError(source, problems) from None
    except (ValueError, KeyError, TypeError, OSError) as exc:
        problem = (f"{folder}: cannot be read as a calibration's results ({type(exc).__name__}: {exc}); "
                   "point it at the --out folder of a finished `placesim calibrate`")  # fmt: skip
        raise ScenarioError(source, [(FIELD, problem)]) from None
    return PosteriorDraws(folder, posterior_hash, dict(posterior.parameters), dict(posterior.reference), draws)


def check_every_draw(
    posterior: PosteriorDraws,
    point_name: str,
    scenario: Scenario,
    point_overrides: Mapping[str, Any],
    experiment_file: Path,
) -> list[dict[str, Any]]:
    """Each replication's world overrides at one point, every one validated on the point's scenario;
    a path the scenario lacks, or a drawn value it refuses, names the point, the replication and the field."""
    worlds = []
    for replication in range(len(posterior.draws)):
        where = f"design point {point_name!r}, replication {replication}"
        try:
            world = posterior.world(scenario, point_overrides, replication)
        except KeyError as exc:
            raise ScenarioError(str(experiment_file), [(FIELD, f"{where}: the calibration's parameter path "
                                                        f"{exc.args[0]}; check that the calibration was made for "
                                                        "this experiment's scenario")]) from None  # fmt: skip
        try:
            with_overrides(scenario, world)
        except ScenarioError as exc:
            problems = [(FIELD, f"{where}: the draw {posterior.draws[replication]} makes {field or 'the scenario'} "
                         f"invalid: {message}") for field, message in exc.problems]  # fmt: skip
            raise ScenarioError(str(experiment_file), problems) from None
        worlds.append(world)
    return worlds
