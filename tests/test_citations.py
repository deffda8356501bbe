"""Every published figure the docs and scenario files cite is a row of data/published_figures.csv,
and nothing tracked points outside the repository to the shared folder the data came from.

Citation forms in use: a row id in square brackets, `[bham_pct]` (docs, README, scenario and
experiment comments); and in docs/ODD.md, a backticked row id in a table's source column,
`` `bham_pct` ``, or a family of rows, `` `tf_cost_*` ``.
"""

from __future__ import annotations

import csv
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "data" / "published_figures.csv"

# [row_id], not an index (`u[i]`, `x.[key]`), a Markdown link (`[text](url)`, `[text][ref]`) or a
# YAML list (`[need, invest_to_save]`: commas and spaces never match)
BRACKETED = re.compile(r"(?<![\w.\]\)`'\"])\[([a-z][a-z0-9_]*)\](?![(\[])")
# in a source column: `row_id` (row ids all have an underscore; `null` is not one) or `family_*`
BACKTICKED = re.compile(r"`([a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z][a-z0-9_]*_\*)`")
TASK_BOX = re.compile(r"^\s*[-*] \[[ xX]\]")
SHARED_FOLDER = ".." + "/shared"  # spelt in two parts so that this file does not refer to it


def row_ids() -> set[str]:
    with FIGURES.open(newline="", encoding="utf-8") as f:
        return {row["id"] for row in csv.DictReader(f)}


def cited_files() -> list[Path]:
    return sorted(
        [*ROOT.glob("docs/*.md"), ROOT / "README.md", *ROOT.glob("scenarios/*.yaml"), *ROOT.glob("experiments/*.yaml")]
    )


def bracketed_citations(path: Path) -> list[tuple[int, str]]:
    """(line, id) of every `[row_id]`; in YAML only comments cite, so data lists are never read."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if path.suffix == ".yaml":
            if "#" not in line:
                continue
            line = line[line.index("#") :]
        elif TASK_BOX.match(line):
            continue
        found += [(number, m.group(1)) for m in BRACKETED.finditer(line)]
    return found


def source_column_citations(path: Path) -> list[tuple[int, str]]:
    """(line, id) of every backticked row id in a Markdown table column headed `source`."""
    found, header = [], None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.startswith("|"):
            header = None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if header is None:
            header = [cell.lower() for cell in cells]
            continue
        for heading, cell in zip(header, cells):
            if heading == "source" or heading.endswith("(source)"):
                found += [(number, m.group(1)) for m in BACKTICKED.finditer(cell)]
    return found


def citations(path: Path) -> list[tuple[int, str]]:
    return bracketed_citations(path) + (source_column_citations(path) if path.suffix == ".md" else [])


def resolves(cited: str, ids: set[str]) -> bool:
    if cited.endswith("*"):
        return any(i.startswith(cited[:-1]) for i in ids)
    return cited in ids


def test_every_cited_row_id_is_a_row_of_the_published_figures():
    ids = row_ids()
    unresolved = [
        f"{path.relative_to(ROOT)}:{line}: [{cited}]"
        for path in cited_files()
        for line, cited in citations(path)
        if not resolves(cited, ids)
    ]
    assert not unresolved, "cited but not in data/published_figures.csv:\n" + "\n".join(unresolved)


def test_the_docs_and_scenarios_cite_rows_in_both_forms():
    """Guards the patterns themselves: if they stopped matching, the test above would pass on nothing."""
    bracketed = {c for path in cited_files() for _, c in bracketed_citations(path)}
    backticked = {c for _, c in source_column_citations(ROOT / "docs" / "ODD.md")}
    assert {"bham_pct", "tf_saving_claim"} <= bracketed
    assert {"bham_count", "tf_cost_*"} <= backticked


def test_row_ids_are_unique():
    with FIGURES.open(newline="", encoding="utf-8") as f:
        ids = [row["id"] for row in csv.DictReader(f)]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("line", "cited"),
    [
        ("# 3.6bn [bham_council] less schools", ["bham_council"]),
        ("n[d, i] and u[i] and [need, invest_to_save] and [the app](docs/app.md)", []),
        ("agencies.fire.ring_fenced_lines.capital.[key]: Input should be", []),
    ],
)
def test_what_counts_as_a_bracketed_citation(line: str, cited: list[str]):
    assert [m.group(1) for m in BRACKETED.finditer(line)] == cited


def tracked_text_files() -> list[Path]:
    """Text files git tracks, or would track once added (untracked, not ignored)."""
    command = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    try:
        listed = subprocess.run(command, cwd=ROOT, capture_output=True, check=True, text=True).stdout.split("\0")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    paths = [ROOT / name for name in listed if name]
    return [p for p in paths if p.is_file() and b"\0" not in p.read_bytes()[:8192]]


def test_no_tracked_file_refers_to_the_shared_folder_outside_the_repository():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in tracked_text_files()
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if SHARED_FOLDER in line
    ]
    hint = f"refer to {SHARED_FOLDER} (cite data/ or docs/design_brief.md instead):\n"
    assert not offenders, hint + "\n".join(offenders)
