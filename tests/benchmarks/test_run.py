"""benchmarks/run.py: its options, where it writes, and a whole run timed in parts."""

from __future__ import annotations

import importlib

import pytest

from benchmarks import run
from sim.scenario import load_scenario
from tests.conftest import FAST_RUN, ROOT


def test_out_that_exists_is_refused_without_force(tmp_path):
    existing = tmp_path / "report.md"
    existing.write_text("kept")
    with pytest.raises(SystemExit) as refused:
        run.parse_arguments(["--quick", "--out", str(existing)])
    assert refused.value.code == 2 and existing.read_text() == "kept"


def test_write_results_is_the_ask_so_results_md_is_written_without_force(tmp_path):
    assert run.RESULTS_FILE.exists()
    args = run.parse_arguments(["--quick", "--write-results", "--out", str(tmp_path / "report.md")])
    assert run.report_files(args, source_changed=False) == [tmp_path / "report.md", ROOT / "benchmarks" / "RESULTS.md"]


def test_results_md_is_not_written_unless_asked(tmp_path):
    args = run.parse_arguments(["--quick", "--out", str(tmp_path / "report.md")])
    assert run.report_files(args, source_changed=False) == [tmp_path / "report.md"]


def test_results_md_is_not_written_when_sim_changed_during_the_run(tmp_path):
    args = run.parse_arguments(["--quick", "--write-results", "--out", str(tmp_path / "report.md")])
    assert run.report_files(args, source_changed=True) == [tmp_path / "report.md"]


def test_the_step_is_timed_at_the_fixed_cost_sizes_up_to_max_n():
    assert run.step_sizes(10**5) == [1_000, 2_000, 10_000, 100_000]
    assert run.step_sizes(10**4) == [1_000, 2_000, 10_000]


@pytest.mark.filterwarnings("ignore:.*fixed base")  # 200 citizens make implausible settlements; no matter here
def test_a_whole_run_is_split_into_parts_that_add_up_to_it():
    simulate_module = importlib.import_module("sim.model.simulate")
    scenario = load_scenario(ROOT / "scenarios" / "total_place_pilot.yaml", overrides={**FAST_RUN, **run.POOLED})
    parts = run.timed_simulate(simulate_module, scenario, citizens=200, steps=4)
    assert all(parts[name] > 0 for name in ("build_s", "steps_s", "verify_tables_s", "summary_s"))
    assert sum(parts[name] for name in ("build_s", "steps_s", "verify_tables_s", "summary_s")) == pytest.approx(
        parts["total_s"]
    )
    assert simulate_module.PlaceModel.__name__ == "PlaceModel"  # put back afterwards
