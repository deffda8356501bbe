"""Issue 14's targets read from benchmark results (benchmarks/targets.py), on made-up measurements."""

from __future__ import annotations

import pytest

from benchmarks import targets
from tests.benchmarks import synthetic


def verdict(results: dict, wording_start: str) -> tuple[float | None, str]:
    """(the working tree's value, its verdict) for the one target whose wording starts so."""
    (target,) = [t for t in targets.TARGETS if t.wording.startswith(wording_start)]
    value = target.value(results, "tree")
    return value, target.verdict(value)


@pytest.mark.parametrize(("tree_s", "expected"), [(0.19, "met"), (0.25, "missed")])
def test_a_whole_run_at_2000_must_be_five_times_faster_than_the_baseline(tree_s, expected):
    results = synthetic.results(whole_run_s=(tree_s, 0.08))
    results["whole_runs"]["baseline"][2_000] = synthetic.whole_runs(1.0)
    assert verdict(results, "whole run, 2,000")[1] == expected


def test_the_cold_run_is_left_out_of_the_whole_run_median():
    results = synthetic.results()
    results["whole_runs"]["tree"][2_000] = {"runs": [{"total_s": 100.0}, {"total_s": 0.2}, {"total_s": 0.4}]}
    assert targets.whole_run_seconds(results, "tree", 2_000) == pytest.approx(0.3)


def test_without_a_baseline_a_speedup_is_not_measured_rather_than_missed():
    assert verdict(synthetic.results(baseline=False), "whole run, 10,000") == (None, "not measured")


def test_the_fixed_cost_is_the_intercept_of_step_time_on_n():
    results = synthetic.results(fixed_s=0.3e-3, per_citizen_s=2.6e-7)
    value, outcome = verdict(results, "fixed cost per step")
    assert value == pytest.approx(0.3e-3) and outcome == "met"
    assert verdict(synthetic.results(fixed_s=0.6e-3), "fixed cost per step")[1] == "missed"


def test_the_small_step_share_is_the_2000_step_over_the_100000_step():
    value, outcome = verdict(synthetic.results(fixed_s=2.5e-3, per_citizen_s=2.6e-7), "step at 2,000")
    assert value == pytest.approx((2.5e-3 + 0.52e-3) / (2.5e-3 + 26e-3)) and outcome == "missed"


def test_without_the_100000_step_the_fixed_cost_is_not_measured():
    results = synthetic.results()
    del results["placesim"][100_000]
    assert verdict(results, "fixed cost per step") == (None, "not measured")


def test_the_million_step_is_compared_with_the_floor_at_a_million():
    value, outcome = verdict(synthetic.results(per_citizen_s=2.6e-7, fixed_s=0.0, floor_per_citizen_s=2e-7),
                             "in-process step")  # fmt: skip
    assert value == pytest.approx(1.3) and outcome == "met"


def test_a_placesim_run_per_step_is_the_difference_over_the_quarters_between():
    value, outcome = verdict(synthetic.results(cli_run_s=(20.0, 5.6), floor_per_citizen_s=2e-7), "`placesim run`")
    assert value == pytest.approx((20.0 - 5.6) / 36 / 0.2) and outcome == "missed"


@pytest.mark.parametrize(("two_workers_s", "expected"), [(15.0, "met"), (16.0, "missed")])
def test_two_workers_must_give_at_least_19_times_the_runs_per_minute_of_one(two_workers_s, expected):
    results = synthetic.results(sweep_s=(30.0, two_workers_s))
    assert verdict(results, "sweep at 20,000")[1] == expected


@pytest.mark.parametrize(("outlived", "expected"), [(0, "met"), (1, "missed")])
def test_a_process_outliving_its_sweep_misses_the_target(outlived, expected):
    assert verdict(synthetic.results(outlived=outlived), "processes that outlived")[1] == expected


@pytest.mark.parametrize(("seconds", "expected"), [(0.99, "met"), (1.0, "missed")])
def test_validate_must_answer_in_under_a_second(seconds, expected):
    assert verdict(synthetic.results(startup_s=seconds), "`placesim validate")[1] == expected


def test_the_targets_table_has_a_row_per_target_with_its_verdict():
    lines = targets.targets_section(synthetic.results(fixed_s=0.6e-3, outlived=1), "abc1234")
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| target")]
    assert len(rows) == len(targets.TARGETS)
    assert any("fixed cost per step" in row and "| missed |" in row for row in rows)
    assert any("`placesim --help`" in row and "| met |" in row for row in rows)
