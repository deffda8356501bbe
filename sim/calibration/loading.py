"""Load a calibration file and check it against its scenario and the statistics registry, so that
every mistake is found before the first simulation, with the file and field named."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.calibration.parameters import apply_draw, expand
from sim.calibration.spec import CalibrationSpec, FreeParameter, Role, Target, read_calibration_spec
from sim.calibration.statistics import ARGUMENTS, STATISTICS
from sim.scenario.loading import ScenarioError, load_scenario, with_overrides
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Calibration:
    """A checked calibration: its file, schema, the scenario to fit and the other regimes."""

    source: Path
    spec: CalibrationSpec
    scenario: Scenario
    regimes: dict[str, Scenario]

    @property
    def parameters(self) -> dict[str, FreeParameter]:
        return self.spec.parameters

    def targets(self, role: Role | None = None) -> dict[str, Target]:
        return dict(self.spec.targets) if role is None else self.spec.targets_with(role)


def central_value(parameter: FreeParameter) -> float:
    """A value inside the prior, to try a draw before any simulation."""
    if parameter.mean is not None:
        return parameter.mean
    if parameter.prior.value == "log_uniform":
        return (parameter.low * parameter.high) ** 0.5
    return (parameter.low + parameter.high) / 2


def target_problems(name: str, target: Target, scenario: Scenario, regimes: dict[str, Scenario]) -> list[tuple[str, str]]:
    where = f"targets.{name}"
    found = STATISTICS.get(target.statistic)
    if found is None:
        return [(f"{where}.statistic", f"unknown statistic {target.statistic!r}; known: {', '.join(sorted(STATISTICS))}")]
    problems = []
    for argument in ARGUMENTS:
        given = getattr(target, argument) is not None
        if argument in found.needs and not given:
            problems.append((f"{where}.{argument}", f"statistic {target.statistic!r} needs a {argument}"))
        elif given and argument not in found.needs:
            problems.append((f"{where}.{argument}", f"statistic {target.statistic!r} takes no {argument}; remove it"))
    if target.domain is not None and target.domain not in scenario.domains:
        problems.append((f"{where}.domain", f"{target.domain!r} is not a domain of the scenario ({', '.join(scenario.domains)})"))
    if target.agency is not None and target.agency not in scenario.agencies:
        problems.append((f"{where}.agency", f"{target.agency!r} is not an agency of the scenario ({', '.join(scenario.agencies)})"))
    return problems


def load_regime(name: str, spec: CalibrationSpec, scenario: Scenario, source: Path) -> Scenario:
    regime = spec.regimes[name]
    base = load_scenario(regime.scenario) if regime.scenario is not None else scenario
    if not regime.overrides:
        return base
    try:
        return with_overrides(base, regime.overrides)
    except ScenarioError as exc:
        raise ScenarioError(str(source), [(f"regimes.{name}.overrides.{path}", message) for path, message in exc.problems]) from None


def load_calibration(path: str | Path) -> Calibration:
    """Read, validate and check a calibration file; raise `ScenarioError` listing every problem."""
    source = Path(path)
    spec = read_calibration_spec(source)
    scenario = load_scenario(spec.scenario)
    regimes = {name: load_regime(name, spec, scenario, source) for name in spec.regimes}
    problems: list[tuple[str, str]] = []
    for name, parameter in spec.parameters.items():
        try:
            expand(name, scenario.model_dump(mode="json"))
            for regime in (scenario, *regimes.values()):
                apply_draw(regime, {name: parameter}, {name: central_value(parameter)})
        except KeyError as exc:
            problems.append((f"parameters.{name}", f"{exc.args[0]}; check the path against docs/scenarios.md"))
        except ScenarioError as exc:
            detail = "; ".join(f"{p}: {m}" for p, m in exc.problems)
            problems.append((f"parameters.{name}", f"a draw at the prior's centre is not a valid scenario ({detail})"))
    for name, target in spec.targets.items():
        problems += target_problems(name, target, scenario, regimes)
    if problems:
        raise ScenarioError(str(source), problems)
    return Calibration(source.resolve(), spec, scenario, regimes)
