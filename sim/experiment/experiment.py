"""An experiment: its design resolved into immutable run specs, run through any executor, stored.

    from sim.experiment import load_experiment
    experiment = load_experiment("experiments/total_place.yaml", replications=4)
    runs = experiment.run(out="results/total_place")
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.experiment.design import DesignSample, build_design
from sim.experiment.parameters_from import PosteriorDraws, check_every_draw, read_parameters_from
from sim.experiment.provenance import provenance
from sim.experiment.runs import RunSpec, execute, replication_seeds, run_id
from sim.experiment.spec import ExperimentSpec, read_experiment_spec
from sim.scenario.loading import ScenarioError, load_scenario, scenario_hash
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from sim.experiment.store import ResultsStore

Progress = Callable[[int, int], None]


@dataclass
class Experiment:
    """A validated experiment with its design points and scenarios resolved.

    With `parameters_from`, `posterior` holds the calibration's draws and `worlds[point_id][r]` the
    overrides draw r makes at that point (sim/experiment/parameters_from.py); both are empty without.
    """

    path: Path
    spec: ExperimentSpec
    design: DesignSample
    scenarios: dict[int, Scenario]
    posterior: PosteriorDraws | None = None
    worlds: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name

    def seeds(self) -> list[int]:
        return replication_seeds(self.spec.seed, self.spec.replications)

    def run_specs(self) -> list[RunSpec]:
        """Every run of the experiment, in a fixed order: point by point, replication by replication.
        Replication r has seed r, and with `parameters_from` posterior draw r, at every point."""
        outputs = tuple(self.spec.outputs) if self.spec.outputs is not None else None
        specs = []
        for point in self.design.points:
            for replication, seed in enumerate(self.seeds()):
                specs.append(
                    RunSpec(
                        run_id=run_id(point.point_id, replication),
                        point_id=point.point_id,
                        point_name=point.name,
                        replication=replication,
                        seed=seed,
                        scenario=self.scenarios[point.point_id],
                        parameters=point.overrides,
                        steps=self.spec.steps,
                        population_sample=self.spec.population_sample,
                        outputs=outputs,
                        world=self.worlds[point.point_id][replication] if self.posterior else {},
                        drawn=self.posterior.recorded(point.overrides, replication) if self.posterior else {},
                    )
                )
        return specs

    def design_table(self) -> pd.DataFrame:
        import pandas as pd

        rows = []
        for point in self.design.points:
            row = {"point_id": point.point_id, "point": point.name, "scenario_file": str(point.scenario_file)}
            row["sample_index"] = point.sample_index
            row["baseline"] = point.name == self.design.baseline
            row.update({f"param:{k}": json.dumps(v) for k, v in point.overrides.items()})
            rows.append(row)
        return pd.DataFrame(rows)

    def manifest(self) -> dict[str, Any]:
        resolved = {
            "experiment": self.spec.model_dump(mode="json"),
            "base_scenario_hash": scenario_hash(load_scenario((self.path.parent / self.spec.base).resolve())),
            "point_scenario_hashes": {p.point_id: scenario_hash(self.scenarios[p.point_id]) for p in self.design.points},
        }
        if self.posterior is not None:
            resolved["posterior_hash"] = self.posterior.posterior_hash
        experiment_hash = hashlib.sha256(json.dumps(resolved, sort_keys=True).encode()).hexdigest()
        return {
            "experiment_file": str(self.path),
            "experiment_hash": experiment_hash,
            **resolved,
            "baseline": self.design.baseline,
            "sampled_parameters": self.design.sampled_parameters,
            "sample": None if self.design.sample is None else self.design.sample.tolist(),
            "parameters_from": None if self.posterior is None else self.posterior.manifest(),
            "seeds": self.seeds(),
            "runs": len(self.design.points) * self.spec.replications,
            "scenarios": {p.point_id: self.scenarios[p.point_id].model_dump(mode="json") for p in self.design.points},
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **provenance(),
        }

    def run(
        self,
        out: str | Path | None = None,
        executor: Executor | None = None,
        workers: int | None = None,
        dask: str | None = None,
        resume: bool = False,
        progress: Progress | None = None,
    ) -> pd.DataFrame:
        """Run every missing run, store each as it finishes, and return the runs table.

        The executors and the results store (pandas, pyarrow) are imported here, not with the
        module: `placesim validate` loads an experiment and never runs it.
        """
        from sim.experiment.executors import make_executor
        from sim.experiment.store import ResultsStore

        store = ResultsStore(Path(out) if out else Path("results") / self.name)
        manifest = self.manifest()
        done = store.prepare(manifest, resume)
        store.save_design(self.design_table())
        pending = [spec for spec in self.run_specs() if spec.run_id not in done]
        total = manifest["runs"]
        if progress:
            progress(len(done), total)
        if pending:
            if executor is not None:
                self._submit_all(executor, pending, store, len(done), total, progress)
                executor_label = type(executor).__name__
            else:
                with make_executor(workers, dask) as made:
                    self._submit_all(made, pending, store, len(done), total, progress)
                executor_label = f"dask {dask}" if dask else f"local processes ({workers or 'all cores'})"
        else:
            executor_label = "none (nothing left to run)"
        runs, _ = store.consolidate()
        lost = store.owner().missing(runs["run_id"])
        if lost:
            raise ScenarioError(str(store.parts), [("", f"{len(lost)} run(s), e.g. {lost[0]}, have no usable parts after "
                                                    f"the sweep (see the warnings above); {store.resume_command()} "
                                                    "runs them again")])  # fmt: skip
        store.finish({"finished": datetime.now(timezone.utc).isoformat(timespec="seconds"), "executor": executor_label})
        return runs

    @staticmethod
    def _submit_all(
        executor: Executor,
        pending: list[RunSpec],
        store: ResultsStore,
        done: int,
        total: int,
        progress: Progress | None,
    ) -> None:
        """Submit every pending run and store each as it finishes. A finished future holds its run's
        tables (some 350 kB), so it is let go once they are stored: kept to the end, a sweep of tens
        of thousands of runs would hold them all in memory."""
        futures = {executor.submit(execute, spec): spec for spec in pending}
        for future in as_completed(futures):
            spec = futures.pop(future)
            row, steps = future.result()
            store.save_run(spec.run_id, row, steps)
            done += 1
            if progress:
                progress(done, total)


def load_experiment(
    path: str | Path,
    population_sample: int | None = None,
    steps: int | None = None,
    replications: int | None = None,
) -> Experiment:
    """Read an experiment file and resolve every design point into a validated scenario.

    The three keyword overrides are for a quick look; they change the experiment's hash, so a
    resumed sweep must be given the same ones. With `parameters_from`, every replication's
    posterior draw is checked at every point here, before any run.
    """
    path = Path(path)
    spec = read_experiment_spec(path)
    quick = {"population_sample": population_sample, "steps": steps, "replications": replications}
    spec = spec.model_copy(update={k: v for k, v in quick.items() if v is not None})
    design = build_design(spec, path)
    if design.baseline is not None and design.baseline not in {p.name for p in design.points}:
        raise ScenarioError(str(path), [("baseline", f"{design.baseline!r} is not the name of a design point")])
    scenarios = {}
    for point in design.points:
        try:
            scenarios[point.point_id] = load_scenario(point.scenario_file, overrides=point.overrides)
        except ScenarioError as exc:
            problems = [(f"design point {point.name!r}: {field}", message) for field, message in exc.problems]
            raise ScenarioError(f"{path} (base {exc.source})", problems) from None
    if spec.parameters_from is None:
        return Experiment(path, spec, design, scenarios)
    posterior = read_parameters_from(spec.parameters_from, path, spec.replications, spec.seed)
    worlds = {
        point.point_id: check_every_draw(posterior, point.name, scenarios[point.point_id], point.overrides, path)
        for point in design.points
    }
    return Experiment(path, spec, design, scenarios, posterior, worlds)
