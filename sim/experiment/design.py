"""Turning a design into points: each point is a scenario file plus dotted-path overrides.

Grids are full factorial (`grid`) or paired lists (`zip`); `scenarios` names points side by
side; `lhs` and `sobol` sample uncertainties quasi-randomly (scipy.stats.qmc); `saltelli` and
`morris` draw the samples SALib analyses afterwards. Levers given as lists are crossed with the
sampled uncertainties. The sample matrix (in parameter units) is kept with the points, so the sensitivity
analysis can be redone from the results folder alone. `wrong_pocket` makes the unchanged place
and one point per agency with extra prevention money (its baseline is the unchanged point).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiment.spec import (
    BASELINE_POINT,
    SAMPLED_KINDS,
    WRONG_POCKET_BASELINE,
    DesignKind,
    ExperimentSpec,
    Range,
)
from sim.scenario.loading import ScenarioError, load_scenario

EXTRA_PREVENTION_PATH = "agencies.{agency}.extra_prevention_gbp_per_year"


@dataclass(frozen=True)
class DesignPoint:
    """One parameter combination of the experiment."""

    point_id: int
    name: str
    scenario_file: Path
    overrides: dict[str, Any] = field(default_factory=dict)
    sample_index: int | None = None


@dataclass(frozen=True)
class DesignSample:
    """The points, and for sampled designs the sample matrix in parameter units."""

    points: list[DesignPoint]
    sampled_parameters: list[str]
    sample: np.ndarray | None
    baseline: str | None


def plain(value: Any) -> Any:
    """numpy scalars to Python values, so scenarios and JSON see ordinary numbers."""
    return value.item() if isinstance(value, np.generic) else value


def label(overrides: dict[str, Any]) -> str:
    return ", ".join(f"{path}={value}" for path, value in overrides.items()) or "base"


def bounds(parameter: Range | list[Any]) -> tuple[float, float]:
    """Sampling bounds: a range's own, or [0, len) indexing a list of choices."""
    if isinstance(parameter, Range):
        return parameter.low, parameter.high
    return 0.0, float(len(parameter))


def to_value(parameter: Range | list[Any], x: float) -> Any:
    """A sampled number in parameter units to the value set in the scenario."""
    if isinstance(parameter, Range):
        return int(round(x)) if parameter.integer else float(x)
    return plain(parameter[min(int(x), len(parameter) - 1)])


def sample_matrix(spec: ExperimentSpec, names: list[str]) -> np.ndarray:
    """Rows of uncertainty values (in parameter units) for a sampled design.

    The samplers are imported here, not with the module: scipy.stats alone takes longer to import
    than checking a grid, zip or named-points experiment, which never samples.
    """
    from scipy.stats import qmc

    design = spec.design
    parameters = [design.uncertainties[name] for name in names]
    low, high = np.array([bounds(p) for p in parameters]).T
    if design.kind in (DesignKind.lhs, DesignKind.sobol):
        engine_type = qmc.LatinHypercube if design.kind is DesignKind.lhs else qmc.Sobol
        unit = engine_type(d=len(names), seed=spec.seed).random(design.samples)
        return qmc.scale(unit, low, high)
    problem = {"num_vars": len(names), "names": names, "bounds": [[lo, hi] for lo, hi in zip(low, high, strict=True)]}
    if design.kind is DesignKind.saltelli:
        from SALib.sample import sobol as saltelli_sampler

        return saltelli_sampler.sample(problem, design.samples, calc_second_order=design.second_order, seed=spec.seed)
    from SALib.sample import morris as morris_sampler

    return morris_sampler.sample(problem, design.samples, num_levels=design.morris_levels, seed=spec.seed)


def lever_combinations(levers: dict[str, list[Any]]) -> list[dict[str, Any]]:
    names = list(levers)
    return [dict(zip(names, map(plain, values), strict=True)) for values in itertools.product(*levers.values())]


def wrong_pocket_point(agency: str) -> str:
    """Name of the point where `agency` gets the extra prevention money."""
    return f"+prevention: {agency}"


def wrong_pocket_spenders(spec: ExperimentSpec, experiment_file: Path, base: Path) -> list[str]:
    """The agencies that take turns to spend: those the design lists, or every agency of the base."""
    try:
        known = load_scenario(base, overrides=spec.design.fixed).agency_ids
    except ScenarioError as exc:
        problems = [(f"design.fixed: {field}" if field else "design.fixed", message) for field, message in exc.problems]
        raise ScenarioError(f"{experiment_file} (base {exc.source})", problems) from None
    if spec.design.agencies is None:
        return known
    unknown = [a for a in spec.design.agencies if a not in known]
    if unknown:
        raise ScenarioError(
            str(experiment_file),
            [("design.agencies", f"unknown agency {a!r}; the agencies of {spec.base} are {known}") for a in unknown],
        )
    return list(spec.design.agencies)


def build_design(spec: ExperimentSpec, experiment_file: Path) -> DesignSample:
    """All points of the experiment, baseline included, numbered from 0 in a fixed order."""
    design = spec.design
    folder = experiment_file.parent
    base = (folder / spec.base).resolve()
    raw: list[tuple[str, Path, dict[str, Any], int | None]] = []
    sampled_names: list[str] = []
    sample = None
    if design.kind is DesignKind.wrong_pocket:
        raw.append((WRONG_POCKET_BASELINE, base, dict(design.fixed), None))
        for agency in wrong_pocket_spenders(spec, experiment_file, base):
            extra = {EXTRA_PREVENTION_PATH.format(agency=agency): design.amount_gbp_per_year}
            raw.append((wrong_pocket_point(agency), base, {**design.fixed, **extra}, None))
    elif design.kind is DesignKind.scenarios:
        for name, point in design.points.items():
            file = (folder / point.scenario).resolve() if point.scenario else base
            raw.append((name, file, {**design.fixed, **point.set}, None))
    elif design.kind is DesignKind.zip:
        columns = {**design.uncertainties, **design.levers}
        for values in zip(*columns.values(), strict=True):
            overrides = dict(zip(columns, map(plain, values), strict=True))
            raw.append((label(overrides), base, {**design.fixed, **overrides}, None))
    elif design.kind is DesignKind.grid:
        for overrides in lever_combinations({**design.uncertainties, **design.levers}):
            raw.append((label(overrides), base, {**design.fixed, **overrides}, None))
    else:
        assert design.kind in SAMPLED_KINDS
        sampled_names = list(design.uncertainties)
        sample = sample_matrix(spec, sampled_names)
        for levers in lever_combinations(design.levers):
            for index, row in enumerate(sample):
                world = {n: to_value(design.uncertainties[n], x) for n, x in zip(sampled_names, row, strict=True)}
                name = f"sample {index}" + (f" | {label(levers)}" if levers else "")
                raw.append((name, base, {**design.fixed, **world, **levers}, index))
    baseline = spec.baseline if isinstance(spec.baseline, str) else None
    if isinstance(spec.baseline, dict):
        raw.append((BASELINE_POINT, base, {**design.fixed, **spec.baseline}, None))
        baseline = BASELINE_POINT
    refuse_shared_names([name for name, *_ in raw], experiment_file)
    points = [DesignPoint(i, name, file, overrides, index) for i, (name, file, overrides, index) in enumerate(raw)]
    return DesignSample(points, sampled_names, sample, baseline)


def refuse_shared_names(names: list[str], experiment_file: Path) -> None:
    """Points are told apart by name in every table, comparison and figure: two of one name would
    merge. The experiment file's checks refuse the usual causes; this catches any other (two
    values that print alike, such as 1 and '1')."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ScenarioError(
                str(experiment_file),
                [("design", f"two points are both named {name!r}; give each value or point its own name")],
            )
        seen.add(name)
