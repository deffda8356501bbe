"""Reading the YAML of scenario and experiment files, strictly where PyYAML is lenient.

PyYAML follows YAML 1.1, which silently reads things a scenario never means: of two equal keys the
last wins; `yes`, `no`, `on` and `off` are booleans; `010` is 8 and `1:30` is 90; `.inf` and `.nan`
are numbers. Aliases (`*name`) let a few hundred bytes stand for a tree of billions of nodes,
which every later walk (the `extends:` merge, validation, JSON) would visit. Each of these is
refused where it is written (line and column) with the fix, and so is nesting deeper than any field
of a scenario or an experiment, before Python's recursion limit would fail with a traceback.

Problems are raised as PyYAML's `ConstructorError`s, pointing at the value; `describe` turns them,
and PyYAML's own syntax errors, into one line for a `ScenarioError`.
"""

from __future__ import annotations

import copy
import math
import re
from functools import lru_cache
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode

# The deepest field is agencies.<id>.ring_fenced_lines.<use>.<domain> (5 levels); an experiment's
# design.points.<name>.set.<path> holds a value that may itself be a section. 20 leaves room.
MAX_NESTING = 20
TRUE_FALSE = ("true", "false")
MERGE_TAG = "tag:yaml.org,2002:merge"
LEGACY_OCTAL = re.compile(r"[-+]?0[0-7_]+")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")
# Distinct texts whose values are kept: every shipped scenario and experiment file, many times over.
PARSED_TEXTS = 64


def shown(key: Any) -> str:
    """A key as a message may show it: a short identifier is shown, anything else is not, so that
    a file that is not a scenario (whose keys may be its lines) is never echoed."""
    return repr(key) if isinstance(key, str) and IDENTIFIER.fullmatch(key) else "a key"


class StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing aliases, deep nesting, repeated keys, YAML 1.1 booleans other
    than true/false, legacy octal and base-60 numbers, and numbers that are not finite."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.nesting = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ConstructorError(
                None,
                None,
                "YAML aliases (*name) are not allowed in scenario and experiment files: write the value out "
                "in full, so that every field can be read where it stands",
                event.start_mark,
            )
        self.nesting += 1
        try:
            if self.nesting > MAX_NESTING:
                raise ConstructorError(
                    None,
                    None,
                    f"nested more than {MAX_NESTING} levels deep, deeper than any scenario or experiment field",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self.nesting -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            first_seen: dict[Any, Any] = {}
            for key_node, _ in node.value:
                if key_node.tag == MERGE_TAG:
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    earlier = first_seen.get(key)
                except TypeError:
                    continue  # an unhashable key: PyYAML's own check names it
                if earlier is not None:
                    raise ConstructorError(
                        None,
                        None,
                        f"{shown(key)} is written twice (first on line {earlier.line + 1}); YAML would keep only "
                        "the last one, silently: remove one of them",
                        key_node.start_mark,
                    )
                first_seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_bool(self, node: ScalarNode) -> bool:
        text = self.construct_scalar(node)
        if text.lower() not in TRUE_FALSE:
            raise ConstructorError(
                None,
                None,
                f"{text} is read by YAML as a boolean: write true or false (or \"{text}\", quoted, for the text)",
                node.start_mark,
            )
        return text.lower() == "true"

    def construct_yaml_int(self, node: ScalarNode) -> int:
        text = str(self.construct_scalar(node))
        if ":" in text:
            raise ConstructorError(
                None, None, f"{text} is read by YAML as a base-60 number; quote it if it is text", node.start_mark
            )
        if LEGACY_OCTAL.fullmatch(text):
            raise ConstructorError(
                None,
                None,
                f"{text} is read by YAML as an octal number ({super().construct_yaml_int(node)}): "
                "write it without the leading zero",
                node.start_mark,
            )
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: ScalarNode) -> float:
        text = str(self.construct_scalar(node))
        if ":" in text:
            raise ConstructorError(
                None, None, f"{text} is read by YAML as a base-60 number; quote it if it is text", node.start_mark
            )
        value = super().construct_yaml_float(node)
        if not math.isfinite(value):
            raise ConstructorError(
                None,
                None,
                f"{text} is not a finite number: every number in a scenario or experiment must be finite "
                "(docs/scenarios.md gives each field's range)",
                node.start_mark,
            )
        return value


StrictLoader.add_constructor("tag:yaml.org,2002:bool", StrictLoader.construct_yaml_bool)
StrictLoader.add_constructor("tag:yaml.org,2002:int", StrictLoader.construct_yaml_int)
StrictLoader.add_constructor("tag:yaml.org,2002:float", StrictLoader.construct_yaml_float)


def parse_yaml(text: str) -> Any:
    """The value of one YAML document, read by `StrictLoader`; raises `yaml.YAMLError`.

    A refused value's error carries `field_path`, the dotted path of keys that leads to it, so that
    the message names the field as well as the line.

    Each text is parsed once per process and its value copied for every caller (who may change
    it): PyYAML's pure-Python parser takes about 80 ms for the pilot scenario, which every scenario
    extending it, every design point of an experiment and every call of a model function reads
    again. Keyed by the text itself, a file changed on disk is parsed afresh.
    """
    return copy.deepcopy(parsed(text))


@lru_cache(maxsize=PARSED_TEXTS)
def parsed(text: str) -> Any:
    """`parse_yaml` without the copy: shared by every reader of `text`, so never to be changed."""
    loader = StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            return loader.construct_document(node)
        except ConstructorError as exc:
            if exc.problem_mark is not None:
                exc.field_path = ".".join(path_to(node, exc.problem_mark.index) or [])
            raise
    finally:
        loader.dispose()


def path_to(node: Node, index: int) -> list[str] | None:
    """The keys that lead from `node` to the key or value starting at character `index`, or None."""
    if node.start_mark.index == index and not isinstance(node, MappingNode):
        return []
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) and IDENTIFIER.fullmatch(key_node.value) else "?"
            if key_node.start_mark.index == index:
                return [key]
            below = path_to(value_node, index)
            if below is not None:
                return [key, *below]
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            below = path_to(item, index)
            if below is not None:
                return [str(position), *below]
    return None


def describe(exc: yaml.YAMLError) -> str:
    """One line for a person: where (line, column) and what, never the text around it. A value
    refused on purpose is valid YAML, so only a syntax error is called "not valid YAML"."""
    if isinstance(exc, yaml.reader.ReaderError):
        return f"not valid YAML: character #x{exc.character:04x} at position {exc.position} is not allowed in YAML text"
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    text = f"{where}{getattr(exc, 'problem', None) or exc}"
    return text if isinstance(exc, ConstructorError) else f"not valid YAML: {text}"
