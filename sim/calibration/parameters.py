"""A draw of the free parameters applied to a scenario: dotted paths with `*` wildcards, and each
value set, added or multiplied (sim/calibration/spec.py `Applies`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.calibration.spec import Applies, FreeParameter
from sim.scenario.loading import ScenarioError, with_overrides
from sim.scenario.schema import Scenario

WILDCARD = "*"


def expand(path: str, data: Mapping[str, Any]) -> list[str]:
    """Every concrete path `path` names in `data` (a scenario's `model_dump`); `*` matches every
    key of a mapping, and a branch it opens that lacks the rest of the path is skipped (work has
    no `events.frailty_shape`). Raises KeyError naming the first part that does not exist."""
    wildcard = WILDCARD in path.split(".")
    found = [("", data)]
    for key in path.split("."):
        following = []
        for prefix, node in found:
            if not isinstance(node, Mapping):
                if wildcard:
                    continue
                raise KeyError(f"{prefix!r} is not a mapping of fields")
            keys = [k for k, v in node.items() if v is not None] if key == WILDCARD else [key]
            for name in keys:
                if name not in node or node[name] is None:
                    if wildcard:
                        continue
                    raise KeyError(f"{(prefix + '.' + name).lstrip('.')!r} does not exist in the scenario")
                following.append(((prefix + "." + name).lstrip("."), node[name]))
        found = following
    if not found:
        raise KeyError(f"{path!r} matches nothing in the scenario")
    return [prefix for prefix, _ in found]


def read_value(data: Mapping[str, Any], path: str) -> Any:
    node: Any = data
    for key in path.split("."):
        node = node[key]
    return node


def reference_values(scenario: Scenario, parameters: Mapping[str, FreeParameter]) -> dict[str, float]:
    """The values that `add` and `multiply` parameters act on, path by path, as the calibrated
    scenario has them. A posterior keeps them, so a draw means the same absolute value later, even
    on a scenario whose defaults have since moved to the posterior's median."""
    data = scenario.model_dump(mode="json")
    return {
        path: read_value(data, path)
        for name, parameter in parameters.items()
        if parameter.applies is not Applies.set
        for path in expand(name, data)
    }


def overrides_for(
    scenario: Scenario,
    parameters: Mapping[str, FreeParameter],
    values: Mapping[str, float],
    reference: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The dotted-path overrides a draw makes on `scenario`; `add` and `multiply` act on
    `reference` (see `reference_values`) where it has the path, else on the scenario's value."""
    data = scenario.model_dump(mode="json")
    reference = reference or {}
    overrides: dict[str, Any] = {}
    for name, parameter in parameters.items():
        value = float(values[name])
        for path in expand(name, data):
            current = reference.get(path, read_value(data, path))
            if parameter.applies is Applies.set:
                overrides[path] = value
            elif not isinstance(current, int | float) or isinstance(current, bool):
                raise KeyError(f"{path!r} is not a number, so it cannot be {parameter.applies.value}-ed")
            elif parameter.applies is Applies.add:
                overrides[path] = current + value
            else:
                overrides[path] = current * value
    return overrides


def apply_draw(
    scenario: Scenario,
    parameters: Mapping[str, FreeParameter],
    values: Mapping[str, float],
    reference: Mapping[str, float] | None = None,
) -> Scenario:
    """`scenario` with a draw's values applied and validated again; a draw the schema refuses (say,
    a multiplied take-up above 1) raises `ScenarioError`."""
    try:
        overrides = overrides_for(scenario, parameters, values, reference)
    except KeyError as exc:
        raise ScenarioError(f"scenario {scenario.name!r}", [("parameters", str(exc.args[0]))]) from None
    return with_overrides(scenario, overrides)
