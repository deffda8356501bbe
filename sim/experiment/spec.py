"""Experiment files: a base scenario, a design over dotted parameter paths, replications, a seed,
a baseline and the outputs to keep. Validated like scenarios: errors name the file and field.

Vocabulary (EMA Workbench): *uncertainties* are facts about the world we do not know (cascade
strength, prevention effect, learning rate); *levers* are what a policy maker sets (pooling rate,
ring-fence share, gain-share). A design may cross them: every lever combination is run at every
sampled point of the uncertainties.

A `wrong_pocket` design is the wrong-pocket experiment of the design brief: the base scenario
unchanged, then each agency in turn with `amount_gbp_per_year` of extra prevention money
(`agencies.<id>.extra_prevention_gbp_per_year`), paired by seed with the unchanged place.

`parameters_from` names a finished calibration: its posterior draws become the uncertainties of
the world, one draw per replication shared by every point, and the design's values stay levers.
"""

from __future__ import annotations

import json
import re
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.measures import MEASURES
from sim.scenario.loading import ScenarioError, looks_like, problems_from, read_yaml
from sim.scenario.schema import MAX_GBP_PER_YEAR, MIN_POPULATION_SAMPLE

BASELINE_POINT = "baseline"  # the point a `baseline:` mapping of overrides adds
FOLDER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
SCENARIO_ONLY_KEYS = ("extends", "place", "domains", "population", "agencies", "policy")


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Range(Strict):
    """A continuous (or, with `integer: true`, whole-number) range sampled by the design."""

    low: float
    high: float
    integer: StrictBool = False

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.high <= self.low:
            raise ValueError(f"high ({self.high}) must be above low ({self.low})")
        return self


def parameter_form(value: Any) -> str | None:
    """Which form a parameter is written in, so that errors speak of that form only."""
    if isinstance(value, dict | Range):
        return "range"
    return "list" if isinstance(value, list) else None


# A parameter is a range, or a list of values (categorical choices; for grids, the grid's values).
Parameter = Annotated[
    Union[Annotated[Range, Tag("range")], Annotated[list[Any], Tag("list")]],
    Discriminator(
        parameter_form,
        custom_error_type="parameter_form",
        custom_error_message="must be a range {low: ..., high: ...} or a list of values [...]",
    ),
]


def baseline_form(value: Any) -> str | None:
    if isinstance(value, str):
        return "point"
    return "overrides" if isinstance(value, dict) else None


Baseline = Annotated[
    Union[Annotated[str, Tag("point")], Annotated[dict[str, Any], Tag("overrides")]],
    Discriminator(
        baseline_form,
        custom_error_type="baseline_form",
        custom_error_message="must be the name of a design point, or a mapping of overrides (path: value)",
    ),
]


def same_value_key(value: Any) -> Any:
    """A key under which two values a scenario reads alike are equal (1 and 1.0, not 1 and true)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return ("number", float(value))
    return ("value", json.dumps(value, sort_keys=True, default=str))


def first_repeat(values: list[Any]) -> Any | None:
    """The first value listed a second time, or None."""
    seen = set()
    for value in values:
        key = same_value_key(value)
        if key in seen:
            return value
        seen.add(key)
    return None


class DesignKind(str, Enum):
    grid = "grid"
    zip = "zip"
    scenarios = "scenarios"
    lhs = "lhs"
    sobol = "sobol"
    saltelli = "saltelli"
    morris = "morris"
    wrong_pocket = "wrong_pocket"


SAMPLED_KINDS = {DesignKind.lhs, DesignKind.sobol, DesignKind.saltelli, DesignKind.morris}
WRONG_POCKET_BASELINE = "unchanged"


class NamedPoint(Strict):
    """One side-by-side point of a `scenarios` design: a scenario file and/or overrides."""

    scenario: str | None = None
    set: dict[str, Any] = {}


class Design(Strict):
    kind: DesignKind
    uncertainties: dict[str, Parameter] = {}
    levers: dict[str, Parameter] = {}
    fixed: Annotated[dict[str, Any], Field(description="overrides applied at every point")] = {}
    points: Annotated[dict[str, NamedPoint], Field(description="for kind: scenarios")] = {}
    samples: Annotated[int, Field(ge=1, description="sample size (lhs, sobol) or base N (saltelli, morris)")] = 16
    morris_levels: Annotated[int, Field(ge=2)] = 4
    second_order: StrictBool = False
    amount_gbp_per_year: Annotated[
        float | None,
        Field(gt=0.0, le=MAX_GBP_PER_YEAR, description="for kind: wrong_pocket; extra prevention money per agency"),
    ] = None
    agencies: Annotated[
        list[str] | None, Field(min_length=1, description="for kind: wrong_pocket; None = every agency")
    ] = None

    @model_validator(mode="after")
    def _consistent(self) -> Design:
        if self.kind is DesignKind.wrong_pocket:
            if self.amount_gbp_per_year is None:
                raise ValueError(
                    "design.amount_gbp_per_year: a wrong_pocket design needs the extra prevention money "
                    "each agency gets in turn, in GBP per year (e.g. 5.0e6)"
                )
            given = [name for name in ("uncertainties", "levers", "points") if getattr(self, name)]
            if given:
                raise ValueError(
                    f"design.{given[0]}: a wrong_pocket design has no {given[0]}; its points are the unchanged "
                    "place and one per agency (put overrides every point shares under design.fixed)"
                )
            if self.agencies is not None and len(set(self.agencies)) < len(self.agencies):
                raise ValueError(f"design.agencies: an agency is listed twice ({self.agencies})")
            return self
        for name in ("amount_gbp_per_year", "agencies"):
            if getattr(self, name) is not None:
                raise ValueError(f"design.{name}: only a wrong_pocket design has {name}")
        if self.kind is DesignKind.scenarios:
            if not self.points:
                raise ValueError("design.points: a scenarios design needs at least one named point")
            return self
        if self.points:
            raise ValueError("design.points: only a scenarios design has named points")
        if not (self.uncertainties or self.levers):
            raise ValueError("design: name at least one parameter under uncertainties or levers")
        sampled = self.uncertainties if self.kind in SAMPLED_KINDS else {}
        for section in ("uncertainties", "levers"):
            for path, parameter in getattr(self, section).items():
                if self.kind in (DesignKind.grid, DesignKind.zip) or path not in sampled:
                    if not isinstance(parameter, list) or not parameter:
                        raise ValueError(f"design.{section}.{path}: a grid parameter needs a non-empty list of values")
        if self.kind is DesignKind.zip:
            lengths = {len(v) for v in {**self.uncertainties, **self.levers}.values()}
            if len(lengths) > 1:
                raise ValueError(f"design: zip needs lists of one length, got lengths {sorted(lengths)}")
            rows = [list(row) for row in zip(*{**self.uncertainties, **self.levers}.values(), strict=True)]
            repeat = first_repeat(rows)
            if repeat is not None:
                raise ValueError(
                    f"design: the zip row {repeat} is listed twice; two points with the same values would merge "
                    "in the tables and comparisons: remove the repeat"
                )
        else:
            self._no_repeated_values()
        if self.kind in (DesignKind.saltelli, DesignKind.morris) and any(
            isinstance(v, list) for v in self.uncertainties.values()
        ):
            raise ValueError(f"design.uncertainties: {self.kind.value} needs ranges (low, high), not lists")
        return self

    def _no_repeated_values(self) -> None:
        """A value listed twice makes two points of one name, which merge in the tables and
        comparisons; a sampled choice listed twice is drawn twice as often. Either is a slip."""
        sampled = self.kind in SAMPLED_KINDS
        for section in ("uncertainties", "levers"):
            for path, parameter in getattr(self, section).items():
                repeat = first_repeat(parameter) if isinstance(parameter, list) else None
                if repeat is None:
                    continue
                why = (
                    "the sample would draw it twice as often"
                    if sampled and section == "uncertainties"
                    else "two points with the same value would merge in the tables and comparisons"
                )
                raise ValueError(f"design.{section}.{path}: {repeat!r} is listed twice, so {why}: remove the repeat")


class ExperimentSpec(Strict):
    """An experiment as written in its file (paths still relative to it)."""

    name: str
    description: str = ""
    base: Annotated[str, Field(description="scenario file, relative to the experiment file")]
    design: Design
    replications: Annotated[int, Field(ge=1)] = 10
    seed: Annotated[int, Field(ge=0)] = 1
    baseline: Annotated[
        Baseline | None,
        Field(description="a point name, or overrides defining an extra baseline point"),
    ] = None
    population_sample: Annotated[int | None, Field(ge=MIN_POPULATION_SAMPLE)] = None
    steps: Annotated[int | None, Field(ge=1)] = None
    outputs: Annotated[list[str] | None, Field(description="step measures to keep; None = all")] = None
    parameters_from: Annotated[
        str | None,
        Field(
            min_length=1,
            description="a finished calibration's results folder, relative to the experiment file: replication r "
            "of every point runs posterior draw r (sim/experiment/parameters_from.py)",
        ),
    ] = None

    @field_validator("name")
    @classmethod
    def _folder_name(cls, name: str) -> str:
        """The name is a folder under results/: a path (`../../escape`, `/tmp/x`) would write elsewhere."""
        if not FOLDER_NAME.fullmatch(name):
            raise ValueError(
                "must be a simple folder name (letters, digits, '.', '_' or '-', not starting with '.', "
                "at most 100 characters), since results go to results/<name>/: e.g. name: pooling_sweep"
            )
        return name

    @model_validator(mode="before")
    @classmethod
    def _wrong_pocket_baseline(cls, data: Any) -> Any:
        """A wrong_pocket experiment's baseline is its unchanged point unless the file names one."""
        if isinstance(data, dict) and data.get("baseline") is None:
            design = data.get("design")
            kind = design.get("kind") if isinstance(design, dict) else getattr(design, "kind", None)
            if kind in (DesignKind.wrong_pocket, DesignKind.wrong_pocket.value):
                data = {**data, "baseline": WRONG_POCKET_BASELINE}
        return data

    @model_validator(mode="after")
    def _baseline_point_is_new(self) -> ExperimentSpec:
        """A `baseline:` mapping adds a point; one of the same name already in the design would merge with it."""
        if isinstance(self.baseline, dict) and BASELINE_POINT in self.design.points:
            raise ValueError(
                f"baseline: a mapping of overrides adds a point called {BASELINE_POINT!r}, but design.points "
                f"already has one; rename that point, or compare with it by writing baseline: {BASELINE_POINT}"
            )
        return self

    @model_validator(mode="after")
    def _known_outputs(self) -> ExperimentSpec:
        if self.outputs is not None:
            unknown = sorted(set(self.outputs) - set(MEASURES))
            if unknown:
                raise ValueError(f"outputs: unknown measure(s) {unknown}; choose from {list(MEASURES)}")
        if self.design.kind is DesignKind.wrong_pocket:
            if self.outputs is not None and "spend_gbp" not in self.outputs:
                raise ValueError(
                    "outputs: a wrong_pocket experiment measures savings from spend_gbp; add it to outputs"
                )
            if self.baseline != WRONG_POCKET_BASELINE:
                raise ValueError(
                    f"baseline: a wrong_pocket experiment is compared with its point {WRONG_POCKET_BASELINE!r}; "
                    "leave baseline out (put overrides every point shares under design.fixed)"
                )
        return self


def read_experiment_spec(path: Path) -> ExperimentSpec:
    """Read and validate an experiment file, or raise a `ScenarioError` naming file and field."""
    data = read_yaml(path)
    if not looks_like(data, ExperimentSpec.model_fields):
        raise ScenarioError(
            str(path),
            [("", "is not an experiment file: none of its top-level keys is an experiment field "
                  "(name, base, design, replications, ...); check the path")],
        )  # fmt: skip
    if "design" not in data and any(key in data for key in SCENARIO_ONLY_KEYS):
        raise ScenarioError(str(path), [("", "is a scenario file, not an experiment: run it with `placesim run`")])
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(str(path), problems_from(exc, data)) from None
    if isinstance(spec.baseline, str) and spec.design.kind is DesignKind.scenarios and spec.baseline not in spec.design.points:
        raise ScenarioError(
            str(path), [("baseline", f"{spec.baseline!r} is not a design point (points: {sorted(spec.design.points)})")]
        )
    return spec
