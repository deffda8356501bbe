"""The scripts the docs tell people to run never replace a tracked file unless asked (--force)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

TRACKED_OUTPUTS = [
    (["benchmarks/run.py", "--quick"], "benchmarks/RESULTS.md"),
    (["docs/make_figures.py", "results/total_place"], "docs/figures/total_place_crises.png"),
]


@pytest.mark.parametrize(("command", "tracked"), TRACKED_OUTPUTS)
def test_a_tracked_output_is_refused_without_force(command, tracked):
    before = (ROOT / tracked).read_bytes()
    done = subprocess.run(
        [sys.executable, *command, "--out", tracked], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2 and "pass --force" in done.stderr, done.stderr
    assert (ROOT / tracked).read_bytes() == before

