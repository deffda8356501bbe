"""Calibration files: the scenario to fit, its free parameters with priors, and the published
patterns to fit or hold out. Validated like scenarios: every error names the file and the field.

    scenario: ../scenarios/total_place_pilot.yaml
    parameters:                              # dotted paths; `*` matches every key at its level
      population.copula_correlation: {prior: uniform, low: 0.2, high: 0.8, source: "assumption"}
      domains.*.prevention_effect: {applies: multiply, prior: log_uniform, low: 0.25, high: 2.0, source: ...}
    regimes:                                 # other regimes run with the same draw and seed
      pooling_alone: {scenario: ../scenarios/pooled.yaml}
    targets:
      health_prevalence: {statistic: crisis_prevalence, domain: health, observed: 0.03, sd: 0.006,
                          source: "...", role: fit}

A file may `extends:` another calibration file (relative to itself): mappings merge key by key,
so a modeller's own place changes its scenario and observed values and keeps the rest.
"""

from __future__ import annotations

import math
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.scenario.loading import ScenarioError, deep_merge, problems_from, read_yaml

CALIBRATION_KEYS = frozenset({"extends", "description", "scenario", "parameters", "targets", "regimes", "run", "abc",
                              "predictive"})


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Distribution(str, Enum):
    uniform = "uniform"
    log_uniform = "log_uniform"
    normal = "normal"
    beta = "beta"


class Applies(str, Enum):
    """How a drawn value meets the scenario: it replaces the value, is added to it, or multiplies it
    (the last two keep differences between domains and move them together)."""

    set = "set"
    add = "add"
    multiply = "multiply"


class FreeParameter(Strict):
    """One unknown with its prior. `low`/`high` bound every distribution (a normal is truncated
    to them when given); `mean`/`sd` are the normal's, `alpha`/`beta` the beta's on [low, high]."""

    prior: Distribution
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = Field(default=None, gt=0)
    alpha: float | None = Field(default=None, gt=0)
    beta: float | None = Field(default=None, gt=0)
    applies: Applies = Applies.set
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _complete(self) -> FreeParameter:
        needs = {
            Distribution.uniform: ("low", "high"),
            Distribution.log_uniform: ("low", "high"),
            Distribution.normal: ("mean", "sd"),
            Distribution.beta: ("low", "high", "alpha", "beta"),
        }[self.prior]
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.prior.value} prior needs {', '.join(missing)}")
        if (self.low is None) != (self.high is None):
            raise ValueError("give both low and high, or neither")
        if self.low is not None and self.high is not None and self.high <= self.low:
            raise ValueError(f"high ({self.high}) must be above low ({self.low})")
        if self.prior is Distribution.log_uniform and self.low is not None and self.low <= 0:
            raise ValueError(f"a log_uniform prior needs low > 0, not {self.low}")
        if self.prior is Distribution.normal and self.low is not None and not self.low < self.mean < self.high:
            raise ValueError(f"the mean ({self.mean}) must lie between low and high")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        """The support of the prior (infinite ends for an untruncated normal)."""
        return (-math.inf if self.low is None else self.low, math.inf if self.high is None else self.high)


class Role(str, Enum):
    fit = "fit"
    held_out = "held_out"


class Target(Strict):
    """A published pattern: a statistic of the registry (sim/calibration/statistics.py), the value
    observed, its uncertainty (an `sd`, or an acceptable `band`) and its source row."""

    statistic: str
    domain: str | None = None
    agency: str | None = None
    regime: str | None = None
    observed: float
    sd: float | None = Field(default=None, gt=0)
    band: tuple[float, float] | None = None
    source: str = Field(min_length=1)
    role: Role

    @model_validator(mode="after")
    def _uncertainty(self) -> Target:
        if (self.sd is None) == (self.band is None):
            raise ValueError("give the observation's uncertainty as sd or as band [low, high], one of them")
        if self.band is not None and not self.band[0] <= self.observed <= self.band[1]:
            raise ValueError(f"band {list(self.band)} must contain the observed value {self.observed}")
        return self

    @property
    def interval(self) -> tuple[float, float]:
        """The acceptable range: the band, or observed +- 2 sd."""
        if self.band is not None:
            return self.band
        return (self.observed - 2 * self.sd, self.observed + 2 * self.sd)

    @property
    def scale(self) -> float:
        """The observation's uncertainty as one number (a band counts as +- 2 sd), which weights
        this target in the distance: a miss of one `scale` costs the same for every target."""
        if self.sd is not None:
            return self.sd
        return max((self.band[1] - self.band[0]) / 4, 1e-12)


class Regime(Strict):
    """Another regime run with the same draw and seed as the calibrated scenario: a scenario file
    (which should extend the calibrated one), or dotted-path overrides of it, or both."""

    scenario: str | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _something(self) -> Regime:
        if self.scenario is None and not self.overrides:
            raise ValueError("give a scenario file, overrides, or both")
        return self


class RunSettings(Strict):
    """How each simulation of the calibration runs: a small sample keeps thousands affordable."""

    population_sample: int = Field(default=2000, ge=100)
    steps: int | None = Field(default=None, ge=1)


class AbcSettings(Strict):
    """ABC-SMC's settings (pyabc): particles per generation and when to stop."""

    population_size: int = Field(default=200, ge=10)
    max_generations: int = Field(default=8, ge=1)
    min_epsilon: float = Field(default=0.0, ge=0)
    max_simulations: int | None = Field(default=None, ge=1)
    max_walltime_minutes: float | None = Field(default=None, gt=0)
    min_acceptance_rate: float = Field(default=0.0, ge=0, lt=1)


class PredictiveSettings(Strict):
    """Posterior-predictive runs: draws from the posterior, each run with every target."""

    draws: int = Field(default=50, ge=2)
    population_sample: int | None = Field(default=None, ge=100)


class CalibrationSpec(Strict):
    description: str = ""
    scenario: str
    parameters: dict[str, FreeParameter] = Field(min_length=1)
    regimes: dict[str, Regime] = Field(default_factory=dict)
    targets: dict[str, Target] = Field(min_length=1)
    run: RunSettings = RunSettings()
    abc: AbcSettings = AbcSettings()
    predictive: PredictiveSettings = PredictiveSettings()

    @field_validator("parameters")
    @classmethod
    def _paths(cls, parameters: dict[str, FreeParameter]) -> dict[str, FreeParameter]:
        for path in parameters:
            if not path or any(not key for key in path.split(".")):
                raise ValueError(f"{path!r} is not a dotted path such as population.copula_correlation")
        return parameters

    @model_validator(mode="after")
    def _roles(self) -> CalibrationSpec:
        if not any(target.role is Role.fit for target in self.targets.values()):
            raise ValueError("targets: at least one target needs role: fit")
        for name, target in self.targets.items():
            if target.regime is not None and target.regime not in self.regimes:
                known = ", ".join(self.regimes) or "none defined"
                raise ValueError(f"targets.{name}.regime: {target.regime!r} is not one of regimes ({known})")
        return self

    def targets_with(self, role: Role) -> dict[str, Target]:
        return {name: target for name, target in self.targets.items() if target.role is role}


def read_with_extends(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a calibration file, following `extends:` (relative to the file); the `scenario:` path
    of each file is made absolute against that file, so an extending file in another folder works."""
    path = path.resolve()
    if path in seen:
        chain = " -> ".join(p.name for p in (*seen, path))
        raise ScenarioError(str(path), [("extends", f"circular inheritance ({chain})")])
    data = read_yaml(path)
    if data and not any(key in CALIBRATION_KEYS for key in data if isinstance(key, str)):
        raise ScenarioError(str(path), [("", "is not a calibration file: it has none of scenario, parameters, targets")])
    if isinstance(data.get("scenario"), str):
        data["scenario"] = str((path.parent / data["scenario"]).resolve())
    for regime in (data.get("regimes") or {}).values() if isinstance(data.get("regimes"), dict) else ():
        if isinstance(regime, dict) and isinstance(regime.get("scenario"), str):
            regime["scenario"] = str((path.parent / regime["scenario"]).resolve())
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(str(path), [("extends", "must be the path of another calibration file")])
    parent_path = (path.parent / parent).resolve()
    if not parent_path.is_file():
        raise ScenarioError(str(path), [("extends", f"{parent!r} not found next to this file")])
    return deep_merge(read_with_extends(parent_path, (*seen, path)), data)


def read_calibration_spec(path: Path) -> CalibrationSpec:
    """Read and validate a calibration file (its schema only; `load_calibration` checks it against
    its scenario and the statistics registry)."""
    data = read_with_extends(Path(path))
    try:
        return CalibrationSpec.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(str(path), problems_from(exc, data)) from None

