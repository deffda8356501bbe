"""The scenario files the app offers, and the only way from a picker's value to a file.

The app offers the `*.yaml` files of one folder (the one beside the file it started with, or a
folder given to `serve`) that load as scenarios. Whatever a browser sends is resolved against that
folder and refused unless it names one of them, so the app never reads a file it did not offer.
Before any file is loaded it gets a cheap check that needs no scenario machinery (size, UTF-8,
YAML, and how far its aliases expand, for it and each file it extends): a file that fails it is
left out with the reason, and a YAML "merge bomb" (a few hundred bytes whose aliases expand to
billions of values) is refused in milliseconds instead of hanging the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from sim.scenario import ScenarioError, load_scenario

MAX_FILE_BYTES = 1_000_000  # as the scenario loader's limit
MAX_VALUES = 10_000  # keys and values, aliases expanded: the largest shipped file has 447
MAX_DEPTH = 20  # nesting; the shipped files have at most 6
MAX_EXTENDS = 16  # files in an `extends:` chain
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class NotOffered(Exception):
    """A value from the picker that is not one of the app's scenario files; says which folder's are."""


@dataclass(frozen=True)
class Skipped:
    """A `*.yaml` file in the folder that the picker leaves out, and why."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def shown(value: object) -> str:
    """A value from the browser, quoted and cut short: it may be anything, of any length."""
    text = repr(value)
    return text if len(text) <= 120 else f"{text[:117]}..."


def expansion(node: yaml.Node, sizes: dict[int, tuple[int, int]], open_nodes: set[int]) -> tuple[int, int]:
    """(values, depth) of `node` with every alias expanded, each node counted once per use but
    computed once (`sizes`), so a bomb is measured as fast as it is read. A node inside itself is
    infinite."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:
        return MAX_VALUES + 1, MAX_DEPTH + 1
    if isinstance(node, yaml.MappingNode):
        children = [child for pair in node.value for child in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    else:
        children = []
    open_nodes.add(key)
    values, depth = 1, 1
    for child in children:
        child_values, child_depth = expansion(child, sizes, open_nodes)
        values, depth = values + child_values, max(depth, child_depth + 1)
    open_nodes.discard(key)
    sizes[key] = values, depth
    return values, depth


def extends_of(node: yaml.Node | None) -> str | None:
    """The `extends:` value of a document's top-level mapping, if it is plain text."""
    if not isinstance(node, yaml.MappingNode):
        return None
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "extends" and isinstance(value, yaml.ScalarNode):
            return value.value
    return None


def cheap_problem(path: Path, chain: tuple[Path, ...] = ()) -> str | None:
    """Why `path` (or a file it extends) cannot be a scenario, found without loading it; None if
    it may be one (loading it then says whether it is)."""
    if len(chain) >= MAX_EXTENDS:
        return f"its `extends:` chain is longer than {MAX_EXTENDS} files"
    try:
        if not path.is_file():
            return "not found, or not a file; check the path"
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        return f"cannot be read ({error.strerror})"
    if len(raw) > MAX_FILE_BYTES:
        return f"larger than {MAX_FILE_BYTES:,} bytes: no scenario is"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"not UTF-8 text (byte 0x{raw[error.start]:02x} at position {error.start}); save it as UTF-8"
    try:
        node = yaml.compose(text, Loader=YAML_LOADER)
        values, depth = expansion(node, {}, set()) if node is not None else (0, 0)
    except yaml.YAMLError:
        return "not valid YAML"
    except RecursionError:
        return "nested too deeply for a scenario"
    if values > MAX_VALUES or depth > MAX_DEPTH:
        return (
            f"with its aliases expanded it holds more than {MAX_VALUES:,} values or {MAX_DEPTH} levels: "
            "no scenario is that large (a YAML bomb?)"
        )
    parent = extends_of(node)
    if parent is None:
        return None
    try:
        parent_path = (path.parent / parent).resolve()
    except (OSError, ValueError, RuntimeError):  # a NUL byte, a link loop
        return "its `extends:` is not the path of a file"
    if parent_path in (*chain, path.resolve()):
        return None  # a cycle: the loader names it
    problem = cheap_problem(parent_path, (*chain, path.resolve()))
    return f"extends {parent_path}: {problem}" if problem else None


def load_problem(path: Path) -> str | None:
    """Why `path` is not a scenario the app can offer, or None if it is one: the cheap check, then
    loading it."""
    problem = cheap_problem(path)
    if problem:
        return problem
    try:
        load_scenario(path)
    except ScenarioError as error:
        return "; ".join(f"{field or '(top level)'}: {message}" for field, message in error.problems)
    except (OSError, ValueError, RecursionError) as error:  # a loader's bug must not stop the app
        return f"cannot be loaded ({type(error).__name__})"
    return None


class ScenarioFiles:
    """The app's scenario folder: what the picker lists, and the check every picked value passes."""

    def __init__(self, folder: Path):
        self.folder = Path(folder).resolve()

    def listing(self) -> tuple[list[Path], list[Skipped]]:
        """The folder's `*.yaml` files that load as scenarios (the picker's choices, by name), and
        those left out with the reason (the server prints them)."""
        offered: list[Path] = []
        skipped: list[Skipped] = []
        for path in sorted(self.folder.glob("*.yaml")):
            if path.resolve().parent != self.folder:
                skipped.append(Skipped(path, f"a link to a file outside {self.folder}"))
                continue
            problem = load_problem(path)
            if problem:
                skipped.append(Skipped(path, problem))
            else:
                offered.append(path.resolve())
        return offered, skipped

    def path_of(self, value: object) -> Path:
        """The file a picker's value names, if it is a `*.yaml` file of this folder that passes the
        cheap check; else `NotOffered`. A name, a path into the folder or one with `..` that
        resolves back into it are the same file; anything else is refused before it is read."""
        refusal = f"{shown(value)} is not one of this app's scenarios (the *.yaml files in {self.folder})"
        if not isinstance(value, (str, Path)) or not str(value):
            raise NotOffered(refusal)
        try:
            path = (self.folder / value).resolve()
            inside = path.parent == self.folder and path.suffix == ".yaml" and path.is_file()
        except (OSError, ValueError, RuntimeError):  # a name too long, a NUL byte, a link loop
            inside = False
        if not inside:
            raise NotOffered(refusal)
        problem = cheap_problem(path)
        if problem:
            raise NotOffered(f"{path.name} is not one of this app's scenarios: {problem}")
        return path
