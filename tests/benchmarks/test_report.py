"""The benchmark's report (benchmarks/report.py) renders every section from made-up results."""

from __future__ import annotations

import argparse

from benchmarks.report import report
from tests.benchmarks import synthetic

ENV = {"command": "benchmarks.run", "date": "today", "cores": 2, "cpu": "cpu", "load": "0", "python": "3.11",
       "numpy": "2", "mesa": "3.3.1", "commit": "abc"}  # fmt: skip
HEADINGS = [
    "## Targets",
    "## Seconds per step",
    "## Whole runs",
    "## Fixed cost per step",
    "## A whole `placesim run`",
    "## Sweeps",
    "## Start-up",
    "## Profile",
    "## Before and after",
]


def settings(baseline: str | None) -> argparse.Namespace:
    return argparse.Namespace(baseline=baseline, repeats=3, threads=1)


def test_every_section_is_written_with_a_baseline():
    text = report(synthetic.results(), ENV, settings("abc1234"))
    assert [heading for heading in HEADINGS if heading not in text] == []


def test_the_speedup_of_a_whole_run_is_on_the_working_trees_row():
    text = report(synthetic.results(whole_run_s=(0.04, 0.08)), ENV, settings("abc1234"))
    (row,) = [line for line in text.splitlines() if line.startswith("| 2,000 | working tree |")]
    assert row.endswith("| 5.00x |")


def test_without_a_baseline_the_report_has_no_baseline_column():
    text = report(synthetic.results(baseline=False), ENV, settings(None))
    assert "at None" not in text and "## Before and after" not in text


def test_a_process_that_outlived_its_sweep_is_named():
    text = report(synthetic.results(outlived=1), ENV, settings(None))
    assert "Outlived their sweep" in text and "`python -c spawn_main`" in text


def test_a_change_of_sim_during_the_run_is_flagged_at_the_top():
    results = synthetic.results()
    results["source"] = ["abc", "def"]
    text = report(results, ENV, settings("abc1234"))
    assert "Warning: the working tree's sim/ changed while the benchmark ran" in text.split("## Targets")[0]


def test_the_step_is_also_set_against_the_floor_with_the_behaviour_models_draws():
    """The synthetic draws cost as much as the floor's normals: the least a step costs is twice the floor."""
    text = report(synthetic.results(), ENV, settings(None))
    assert "(2.00x the floor)" in text
