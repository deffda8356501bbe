"""The scenario files the app offers: only files of its folder that load, whatever a browser sends."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from sim.app.scenario_files import NotOffered, ScenarioFiles
from tests.app.conftest import ROOT, SCENARIOS, short_file


@pytest.fixture
def app_folder(tmp_path: Path) -> Path:
    """A folder of two valid scenarios, with a valid one outside it (in its parent)."""
    folder = tmp_path / "app"
    folder.mkdir()
    short_file(folder, "pooled.yaml")
    short_file(folder, "total_place_pilot.yaml")
    short_file(tmp_path, "invest_to_save.yaml")
    return folder


def merge_bomb(folder: Path) -> Path:
    """Issue 11's 760 bytes: a parent and a child holding the same 9x9 alias tree, so merging the
    child into the parent walks 9**9 paths."""
    levels = ["l0: &l0 {" + ", ".join(f"k{i}: x" for i in range(9)) + "}"]
    levels += [f"l{n}: &l{n} {{" + ", ".join(f"k{i}: *l{n - 1}" for i in range(9)) + "}" for n in range(1, 9)]
    tree = "\n".join(levels) + "\n"
    (folder / "bomb_parent.yaml").write_text(tree)
    child = folder / "bomb.yaml"
    child.write_text("extends: bomb_parent.yaml\n" + tree)
    return child


def test_a_name_or_a_path_in_the_folder_is_that_file(app_folder: Path) -> None:
    files = ScenarioFiles(app_folder)
    expected = app_folder / "pooled.yaml"
    for value in ("pooled.yaml", str(expected), expected, "../app/pooled.yaml"):
        assert files.path_of(value) == expected


OUTSIDE = "invest_to_save.yaml"  # valid, in the app folder's parent
FORGED = {
    "absolute": lambda folder: str(folder.parent / OUTSIDE),
    "up-one": lambda folder: f"../{OUTSIDE}",
    "up-many": lambda folder: "../" * 12 + str(folder.parent / OUTSIDE).lstrip("/"),
    "through-the-folder": lambda folder: f"pooled.yaml/../../{OUTSIDE}",
    "etc-passwd": lambda folder: "/etc/passwd",
    "missing": lambda folder: "missing.yaml",
    "not-yaml": lambda folder: "notes.txt",
    "the-folder": lambda folder: ".",
    "empty": lambda folder: "",
    "nul-byte": lambda folder: "pooled.yaml\0",
    "too-long": lambda folder: "x" * 5000 + ".yaml",
    "none": lambda folder: None,
    "number": lambda folder: 3,
    "list": lambda folder: ["pooled.yaml"],
}


@pytest.mark.parametrize("forged", FORGED.values(), ids=FORGED.keys())
def test_anything_but_a_file_of_the_folder_is_refused(app_folder: Path, forged) -> None:
    (app_folder / "notes.txt").write_text(f"extends: {SCENARIOS / 'pooled.yaml'}\n")
    refusal = re.escape(f"not one of this app's scenarios (the *.yaml files in {app_folder})")
    with pytest.raises(NotOffered, match=refusal):
        ScenarioFiles(app_folder).path_of(forged(app_folder))


def test_a_link_in_the_folder_to_a_file_outside_it_is_neither_listed_nor_accepted(app_folder: Path) -> None:
    (app_folder / "linked.yaml").symlink_to(app_folder.parent / "invest_to_save.yaml")
    offered, skipped = ScenarioFiles(app_folder).listing()
    assert [path.name for path in offered] == ["pooled.yaml", "total_place_pilot.yaml"]
    assert [(s.path.name, s.reason) for s in skipped] == [("linked.yaml", f"a link to a file outside {app_folder}")]
    with pytest.raises(NotOffered):
        ScenarioFiles(app_folder).path_of("linked.yaml")


def test_the_list_skips_a_non_utf8_file_and_an_invalid_one_and_says_why(app_folder: Path) -> None:
    (app_folder / "latin1.yaml").write_bytes(f"extends: {SCENARIOS / 'pooled.yaml'}\nname: caf\xe9\n".encode("latin-1"))
    (app_folder / "bad.yaml").write_text(f"extends: {SCENARIOS / 'pooled.yaml'}\npolicy:\n  pool:\n    rate: 3\n")
    offered, skipped = ScenarioFiles(app_folder).listing()
    assert [path.name for path in offered] == ["pooled.yaml", "total_place_pilot.yaml"]
    reasons = {s.path.name: s.reason for s in skipped}
    assert set(reasons) == {"latin1.yaml", "bad.yaml"}
    assert "not UTF-8 text (byte 0xe9" in reasons["latin1.yaml"]
    assert "policy.pool.rate" in reasons["bad.yaml"]
    assert all(str(s).startswith(f"{app_folder}/{s.path.name}: ") for s in skipped)


def test_a_file_extending_an_unreadable_one_is_skipped_with_the_parents_name(app_folder: Path) -> None:
    (app_folder.parent / "binary.yaml").write_bytes(b"\xff\xfe\x00garbage")
    (app_folder / "child.yaml").write_text("extends: ../binary.yaml\n")
    skipped = ScenarioFiles(app_folder).listing()[1]
    assert [s.path.name for s in skipped] == ["child.yaml"]
    assert skipped[0].reason.startswith(f"extends {app_folder.parent / 'binary.yaml'}: not UTF-8 text")


def test_a_file_extending_a_path_with_a_nul_byte_is_skipped(app_folder: Path) -> None:
    (app_folder / "nul.yaml").write_text('extends: "pooled\\0.yaml"\n')
    skipped = ScenarioFiles(app_folder).listing()[1]
    assert [(s.path.name, s.reason) for s in skipped] == [("nul.yaml", "its `extends:` is not the path of a file")]


def test_a_merge_bomb_beside_the_chosen_file_is_left_out_without_hanging(app_folder: Path) -> None:
    merge_bomb(app_folder)
    listing = (
        "from sim.app.scenario_files import ScenarioFiles\n"
        f"offered, skipped = ScenarioFiles({str(app_folder)!r}).listing()\n"
        "print(sorted(p.name for p in offered)); print(sorted(s.path.name for s in skipped))\n"
    )
    # in a subprocess, so that a hang fails the test after a minute instead of stopping the suite
    result = subprocess.run(
        [sys.executable, "-c", listing], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    offered, skipped = result.stdout.splitlines()
    assert offered == "['pooled.yaml', 'total_place_pilot.yaml']"
    assert skipped == "['bomb.yaml', 'bomb_parent.yaml']"
    with pytest.raises(NotOffered, match="bomb.yaml is not one of this app's scenarios: .*a YAML bomb"):
        ScenarioFiles(app_folder).path_of("bomb.yaml")
