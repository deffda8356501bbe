"""Reading scenario files: YAML, `extends:` inheritance, dotted-path overrides, validation.

A bad file becomes a `ScenarioError` naming the file, each field path and what is wrong; the
CLI prints it and exits 2. Nothing here is needed by the model itself. The YAML itself is read
strictly (sim/scenario/yaml_reading.py): no aliases, repeated keys, yes/no booleans or infinite
numbers. A file that is not a scenario at all is said to be so in one line: its content (which
could be anything, e.g. `extends: /etc/shadow`) is never echoed as "unknown fields".
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from pydantic import BaseModel, ValidationError

from sim.scenario.schema import Scenario
from sim.scenario.yaml_reading import describe, parse_yaml

# Fifty times the largest shipped file: a bigger one is not a scenario or experiment someone wrote.
MAX_FILE_BYTES = 1_000_000
SCENARIO_KEYS = frozenset({*Scenario.model_fields, "extends"})
SCENARIO_EXAMPLES = "name, place, domains, agencies, policy"


class ScenarioError(Exception):
    """Invalid input: names the file, each field path and the fix."""

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        lines = [f"{source}: {len(problems)} problem(s)"]
        lines += [f"  - {path or '(top level)'}: {message}" for path, message in problems]
        super().__init__("\n".join(lines))


def read_yaml(path: Path) -> dict[str, Any]:
    """Parse one YAML file into a mapping, or raise a `ScenarioError` that points at the line.

    Only a small UTF-8 text file is read; a folder, a binary or non-UTF-8 file, an unreadable or an
    oversized one is named as such, without its content.
    """
    source = str(path)
    if path.is_dir():
        raise ScenarioError(source, [("", "is a folder, not a file; give the path of a YAML file")])
    if not path.is_file():
        raise ScenarioError(source, [("", "file not found; check the path")])
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(source, [("", f"cannot be read ({exc.strerror}); check its permissions")]) from None
    if len(raw) > MAX_FILE_BYTES:
        too_large = f"is larger than {MAX_FILE_BYTES:,} bytes, too large for a scenario or experiment file; check the path"
        raise ScenarioError(source, [("", too_large)])
    if b"\0" in raw:
        raise ScenarioError(source, [("", "is a binary file, not YAML text; check the path")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            source, [("", f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at position {exc.start}); save it as UTF-8")]
        ) from None
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(source, [(getattr(exc, "field_path", ""), describe(exc))]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(source, [("", "the file must be a mapping of fields (key: value)")])
    return data


def looks_like(data: Mapping[Any, Any], fields: Collection[str]) -> bool:
    """True if `data` is empty or at least one of its top-level keys is one of `fields`: a file
    with none of them is some other file, and its keys (perhaps its lines) must not be echoed."""
    return not data or any(key in fields for key in data if isinstance(key, str))


def not_a_scenario(data: Mapping[Any, Any]) -> str | None:
    """Why `data` is not a scenario file at all, or None if it looks like one."""
    if "design" in data:
        return "is an experiment file, not a scenario: run it with `placesim sweep`"
    if not looks_like(data, SCENARIO_KEYS):
        return f"is not a scenario file: none of its top-level keys is a scenario field ({SCENARIO_EXAMPLES}, ...)"
    return None


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge `override` into `base`: mappings merge key by key, anything else is replaced.

    Neither input is changed; the result shares the subtrees it did not merge with them. Each key
    of `override` is visited once, so the merge takes time linear in the files' size.
    """
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_with_extends(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario file, following `extends:` (relative to the file) recursively."""
    path = path.resolve()
    if path in seen:
        chain = " -> ".join(p.name for p in (*seen, path))
        raise ScenarioError(str(path), [("extends", f"circular inheritance ({chain})")])
    data = read_yaml(path)
    reason = not_a_scenario(data)
    if reason:
        child = seen[-1] if seen else None
        if child is None:
            raise ScenarioError(str(path), [("", f"{reason}; check the path")])
        raise ScenarioError(str(child), [("extends", f"{str(path)!r} {reason}; check the path")])
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
        raise ScenarioError(source, problems_from(exc, data)) from None


def field_path(error: Mapping[str, Any], data: Any) -> str:
    """The dotted path of a pydantic error's location, as the file writes it.

    Pydantic puts labels of its own into a location, such as the member of a union it tried
    (`function-after[_ordered(), Range]`, `list[any]`, or a tag): following the location through the
    validated input tells them apart from the file's keys, and they are left out. A field that is
    missing, and pydantic's `[key]` for a bad key of a mapping, are not in the input but are kept.
    """
    loc = error["loc"]
    parts: list[str] = []
    node = data
    for depth, part in enumerate(loc):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif not (depth == len(loc) - 1 and (error["type"] == "missing" or part == "[key]")):
            continue
        parts.append(str(part))
    return ".".join(parts)


def problems_from(exc: ValidationError, data: Any) -> list[tuple[str, str]]:
    """Turn pydantic's errors on `data` into (field path, message) pairs people can act on."""
    problems: list[tuple[str, str]] = []
    for error in exc.errors():
        path = field_path(error, data)
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field; check its spelling against docs/scenarios.md"
        if ": " in message and (not path or message.startswith((f"{path}.", f"{path}: "))):
            # cross-field checks report "path: message" (the full path), one per line
            for part in message.split("\n"):
                full_path, _, text = part.partition(": ")
                problems.append((full_path, text))
            continue
        problems.append((path, message))
    return list(dict.fromkeys(problems))


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
    """Parse a command-line `path=value`; the value is read as YAML (`0.3`, `true`, `need`), as
    strictly as a file (sim/scenario/yaml_reading.py)."""
    path, sep, raw = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise ScenarioError("--set", [(text, "expected path=value, e.g. policy.pool.rate=0.3")])
    try:
        return path, parse_yaml(raw)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or describe(exc)
        hint = "" if isinstance(exc, ConstructorError) else f"; quote text, e.g. --set '{path}=\"...\"'"
        raise ScenarioError("--set", [(path, f"the value {raw!r} cannot be read: {problem}{hint}")]) from None


def scenario_hash(scenario: Scenario) -> str:
    """A stable hash of the resolved scenario: identical inputs, identical hash.

    Keys keep their order (fields in schema order, domains and agencies as written): the order of
    domains and agencies decides which random draws each one gets, so it is part of the input.
    """
    canonical = json.dumps(scenario.model_dump(mode="json"), separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
