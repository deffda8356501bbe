"""Reading scenario files: YAML, `extends:` inheritance, dotted-path overrides, validation.

A bad file becomes a `ScenarioError` naming the file, each field path and what is wrong; the
CLI prints it and exits 2. Nothing here is needed by the model itself.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.scenario.schema import Scenario


class ScenarioError(Exception):
    """Invalid input: names the file, each field path and the fix."""

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        lines = [f"{source}: {len(problems)} problem(s)"]
        lines += [f"  - {path or '(top level)'}: {message}" for path, message in problems]
        super().__init__("\n".join(lines))


def read_yaml(path: Path) -> dict[str, Any]:
    """Parse one YAML file into a mapping, or raise a `ScenarioError` that points at the line."""
    if not path.is_file():
        raise ScenarioError(str(path), [("", "file not found; check the path")])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ScenarioError(str(path), [("", f"not valid YAML: {where}{getattr(exc, 'problem', exc)}")]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(str(path), [("", "the file must be a mapping of fields (key: value)")])
    return data


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge `override` into `base`: mappings merge key by key, anything else is replaced."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def read_with_extends(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario file, following `extends:` (relative to the file) recursively."""
    path = path.resolve()
    if path in seen:
        chain = " -> ".join(p.name for p in (*seen, path))
        raise ScenarioError(str(path), [("extends", f"circular inheritance ({chain})")])
    data = read_yaml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(str(path), [("extends", "must be the path of another scenario file")])
    parent_path = (path.parent / parent).resolve()
    if not parent_path.is_file():
        raise ScenarioError(str(path), [("extends", f"{parent!r} not found next to this file")])
    return deep_merge(read_with_extends(parent_path, (*seen, path)), data)


def set_dotted(data: dict[str, Any], dotted_path: str, value: Any) -> None:
    """Set `a.b.c` in nested mappings; every parent must already exist (a typo is an error)."""
    keys = dotted_path.split(".")
    node: Any = data
    for depth, key in enumerate(keys[:-1]):
        if not isinstance(node, dict) or key not in node or node[key] is None:
            prefix = ".".join(keys[: depth + 1])
            raise KeyError(f"{prefix!r} does not exist in the scenario")
        node = node[key]
    if not isinstance(node, dict):
        raise KeyError(f"{'.'.join(keys[:-1])!r} is not a mapping of fields")
    node[keys[-1]] = value


def validate(data: Mapping[str, Any], source: str) -> Scenario:
    """Validate a raw mapping into a frozen `Scenario`, or raise a `ScenarioError`."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(source, problems_from(exc)) from None


def problems_from(exc: ValidationError) -> list[tuple[str, str]]:
    """Turn pydantic's errors into (field path, message) pairs people can act on."""
    problems: list[tuple[str, str]] = []
    for error in exc.errors():
        path = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field; check its spelling against docs/scenarios.md"
        if ": " in message and (not path or message.startswith(f"{path}.")):
            # cross-field checks report "path: message" (the full path), one per line
            for part in message.split("\n"):
                field_path, _, text = part.partition(": ")
                problems.append((field_path, text))
            continue
        problems.append((path, message))
    return problems


def with_default_sections(data: dict[str, Any], model: type[BaseModel] = Scenario) -> dict[str, Any]:
    """A copy of `data` with the sections a file may leave out (`run`, `learning`, `policy.pool`)
    filled with their defaults, so that an override can reach a field left at its default."""
    data = dict(data)
    for name, field in model.model_fields.items():
        section = field.annotation
        if not (isinstance(section, type) and issubclass(section, BaseModel)):
            continue
        if name not in data and not field.is_required():
            data[name] = field.get_default(call_default_factory=True).model_dump(mode="json")
        elif isinstance(data.get(name), dict):
            data[name] = with_default_sections(data[name], section)
    return data


def apply_overrides(data: dict[str, Any], overrides: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Return a copy of `data` with dotted-path overrides applied."""
    data = copy.deepcopy(data)
    problems = []
    for dotted_path, value in overrides.items():
        try:
            set_dotted(data, dotted_path, value)
        except KeyError as exc:
            problems.append((dotted_path, f"cannot override: {exc.args[0]}"))
    if problems:
        raise ScenarioError(source, problems)
    return data


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None, **keyword_overrides: Any) -> Scenario:
    """Load, inherit, override and validate a scenario file.

    Overrides use dotted paths (`{"policy.pool.rate": 0.3}`); as keywords, `__` stands for the
    dot (`policy__pool__rate=0.3`).
    """
    path = Path(path)
    data = read_with_extends(path)
    all_overrides = dict(overrides or {})
    all_overrides.update({key.replace("__", "."): value for key, value in keyword_overrides.items()})
    if all_overrides:
        data = apply_overrides(with_default_sections(data), all_overrides, str(path))
    return validate(data, str(path))


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """A new scenario: `scenario` with dotted-path overrides, validated again."""
    source = f"scenario {scenario.name!r}"
    data = apply_overrides(scenario.model_dump(mode="json"), overrides, source)
    return validate(data, source)


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse a command-line `path=value`; the value is read as YAML (`0.3`, `true`, `need`)."""
    path, sep, raw = text.partition("=")
    if not sep or not path:
        raise ScenarioError("--set", [(text, "expected path=value, e.g. policy.pool.rate=0.3")])
    return path.strip(), yaml.safe_load(raw)


def scenario_hash(scenario: Scenario) -> str:
    """A stable hash of the resolved scenario: identical inputs, identical hash.

    Keys keep their order (fields in schema order, domains and agencies as written): the order of
    domains and agencies decides which random draws each one gets, so it is part of the input.
    """
    canonical = json.dumps(scenario.model_dump(mode="json"), separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
