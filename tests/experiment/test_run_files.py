"""One run on disk with its citizen panel (sim/experiment/run_files.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.experiment.run_files import PANEL_FILE, run_identity, write_run
from sim.model import simulate
from sim.scenario import Scenario

FOLLOWED = 20


@pytest.fixture(scope="module")
def with_panel(small_pooled_scenario: Scenario):
    return simulate(small_pooled_scenario, panel_citizens=FOLLOWED)


def test_a_run_with_a_panel_gets_a_folder_of_its_own(small_scenario: Scenario) -> None:
    def identity(panel: int) -> str:
        return run_identity(small_scenario, 1, 8, 2000, with_silo_twin=True, panel_citizens=panel)

    assert identity(0) == run_identity(small_scenario, 1, 8, 2000, with_silo_twin=True)  # names from before panels
    assert len({identity(0), identity(50), identity(51)}) == 3
    assert identity(2000) == identity(10**6)  # both follow every citizen: one run, one folder


def test_the_panel_is_written_beside_the_tables_and_named_in_the_manifest(tmp_path: Path, with_panel) -> None:
    out = write_run(with_panel, tmp_path / "run")
    pd.testing.assert_frame_equal(pd.read_parquet(out / PANEL_FILE), with_panel.panel)
    assert json.loads((out / "manifest.json").read_text())["panel_citizens"] == FOLLOWED


def test_a_run_without_a_panel_writes_no_panel_file(tmp_path: Path, small_pooled_scenario: Scenario) -> None:
    out = write_run(simulate(small_pooled_scenario), tmp_path / "run")
    assert not (out / PANEL_FILE).exists()
    assert json.loads((out / "manifest.json").read_text())["panel_citizens"] == 0


def test_force_replaces_a_run_with_a_panel_and_leaves_no_stale_panel(
    tmp_path: Path, with_panel, small_pooled_scenario: Scenario
) -> None:
    out = write_run(with_panel, tmp_path / "run")
    write_run(simulate(small_pooled_scenario), out, replace=True)
    assert not (out / PANEL_FILE).exists()
