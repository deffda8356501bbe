"""Experiment files: a base scenario, a design over dotted parameter paths, replications, a seed,
a baseline and the outputs to keep. Validated like scenarios: errors name the file and field.

Vocabulary (EMA Workbench): *uncertainties* are facts about the world we do not know (cascade
strength, prevention effect, learning rate); *levers* are what a policy maker sets (pooling rate,
ring-fence share, gain-share). A design may cross them: every lever combination is run at every
sampled point of the uncertainties.

A `wrong_pocket` design is the wrong-pocket experiment of the design brief: the base scenario
unchanged, then each agency in turn with `amount_gbp_per_year` of extra prevention money
(`agencies.<id>.extra_prevention_gbp_per_year`), paired by seed with the unchanged place.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.model.outputs import MEASURES
from sim.scenario.loading import ScenarioError, problems_from, read_yaml


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Range(Strict):
    """A continuous (or, with `integer: true`, whole-number) range sampled by the design."""

    low: float
    high: float
    integer: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.high <= self.low:
            raise ValueError(f"high ({self.high}) must be above low ({self.low})")
        return self


# A parameter is a range, or a list of values (categorical choices; for grids, the grid's values).
Parameter = Range | list[Any]


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
    second_order: bool = False
    amount_gbp_per_year: Annotated[
        float | None, Field(gt=0.0, description="for kind: wrong_pocket; extra prevention money per agency")
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
        for path, parameter in {**self.uncertainties, **self.levers}.items():
            if self.kind in (DesignKind.grid, DesignKind.zip) or path not in sampled:
                if not isinstance(parameter, list) or not parameter:
                    raise ValueError(f"design.{path}: a grid parameter needs a non-empty list of values")
        if self.kind is DesignKind.zip:
            lengths = {len(v) for v in {**self.uncertainties, **self.levers}.values()}
            if len(lengths) > 1:
                raise ValueError(f"design: zip needs lists of one length, got lengths {sorted(lengths)}")
        if self.kind in (DesignKind.saltelli, DesignKind.morris) and any(
            isinstance(v, list) for v in self.uncertainties.values()
        ):
            raise ValueError(f"design.uncertainties: {self.kind.value} needs ranges (low, high), not lists")
        return self


class ExperimentSpec(Strict):
    """An experiment as written in its file (paths still relative to it)."""

    name: str
    description: str = ""
    base: Annotated[str, Field(description="scenario file, relative to the experiment file")]
    design: Design
    replications: Annotated[int, Field(ge=1)] = 10
    seed: Annotated[int, Field(ge=0)] = 1
    baseline: Annotated[
        str | dict[str, Any] | None,
        Field(description="a point name, or overrides defining an extra baseline point"),
    ] = None
    population_sample: Annotated[int | None, Field(ge=10)] = None
    steps: Annotated[int | None, Field(ge=1)] = None
    outputs: Annotated[list[str] | None, Field(description="step measures to keep; None = all")] = None

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
    def _known_outputs(self) -> ExperimentSpec:
        unknown = sorted(set(self.outputs or []) - set(MEASURES))
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
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(str(path), problems_from(exc)) from None
    if isinstance(spec.baseline, str) and spec.design.kind is DesignKind.scenarios and spec.baseline not in spec.design.points:
        raise ScenarioError(
            str(path), [("baseline", f"{spec.baseline!r} is not a design point (points: {sorted(spec.design.points)})")]
        )
    return spec
