"""Paired differences over time: each step's point-minus-baseline mean within replications, with a t band."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.analysis.count import service_spend
from sim.analysis.differences_over_time import paired_over_time
from sim.analysis.paired import describe, paired_differences
from sim.experiment.store import load_results

COLUMNS = ["point_id", "replication", "step", "measure", "agency", "domain", "value"]


def frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def test_the_difference_is_the_mean_within_pairs_with_a_t_interval():
    # baseline 0 and point 1, three replications, one step: differences 1, 2, 6
    steps = frame([
        (0, 0, 1, "crises", "", "a", 10.0), (1, 0, 1, "crises", "", "a", 11.0),
        (0, 1, 1, "crises", "", "a", 20.0), (1, 1, 1, "crises", "", "a", 22.0),
        (0, 2, 1, "crises", "", "a", 30.0), (1, 2, 1, "crises", "", "a", 36.0),
    ])  # fmt: skip
    row = paired_over_time(steps, "crises", baseline_point_id=0).iloc[0]
    half = stats.t.ppf(0.975, 2) * np.std([1, 2, 6], ddof=1) / np.sqrt(3)
    assert (row["point_id"], row["step"], row["pairs"]) == (1, 1, 3)
    assert row["mean_difference"] == pytest.approx(3.0)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((3.0 - half, 3.0 + half))


def test_values_are_summed_within_a_run_over_the_columns_not_in_by():
    steps = frame([
        (0, 0, 1, "crises", "", "a", 1.0), (0, 0, 1, "crises", "", "b", 2.0),
        (1, 0, 1, "crises", "", "a", 5.0), (1, 0, 1, "crises", "", "b", 7.0),
    ])  # fmt: skip
    assert paired_over_time(steps, "crises", 0)["mean_difference"].tolist() == [9.0]
    by_domain = paired_over_time(steps, "crises", 0, by=("domain",))
    assert by_domain.set_index("domain")["mean_difference"].to_dict() == {"a": 4.0, "b": 5.0}


def test_a_group_one_run_lacks_counts_zero_there_and_a_group_neither_has_is_no_row():
    # the pool spends only in the point's run; the council in both; fire in neither
    steps = frame([
        (0, 0, 1, "spend_gbp", "council", "", 100.0),
        (1, 0, 1, "spend_gbp", "council", "", 90.0), (1, 0, 1, "spend_gbp", "pool", "", 15.0),
        (0, 0, 2, "spend_gbp", "council", "", 40.0),
    ])  # fmt: skip
    table = paired_over_time(steps, "spend_gbp", 0, by=("agency",)).set_index(["agency", "step"])
    assert table["mean_difference"].to_dict() == {("council", 1): -10.0, ("council", 2): -40.0, ("pool", 1): 15.0}


def test_only_replications_both_ran_are_paired():
    steps = frame([
        (0, 0, 1, "crises", "", "a", 1.0), (1, 0, 1, "crises", "", "a", 2.0),
        (0, 1, 1, "crises", "", "a", 1.0), (1, 1, 1, "crises", "", "a", 4.0),
        (1, 2, 1, "crises", "", "a", 100.0),
    ])  # fmt: skip
    row = paired_over_time(steps, "crises", 0).iloc[0]
    assert row["pairs"] == 2 and row["mean_difference"] == 2.0


def test_one_pair_has_no_band():
    steps = frame([(0, 0, 1, "crises", "", "a", 1.0), (1, 0, 1, "crises", "", "a", 3.0)])
    row = paired_over_time(steps, "crises", 0).iloc[0]
    assert row["mean_difference"] == 2.0 and np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])


@settings(max_examples=30, deadline=None)
@given(
    values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=12),
    replications=st.integers(1, 4),
)
def test_a_point_that_copies_the_baseline_differs_from_it_by_exactly_zero(values: list[float], replications: int):
    base = frame([
        (0, r, step, "crises", "", "a", value + r) for r in range(replications) for step, value in enumerate(values, 1)
    ])  # fmt: skip
    table = paired_over_time(pd.concat([base, base.assign(point_id=7)]), "crises", 0)
    assert (table["point_id"] == 7).all() and len(table) == len(values)
    assert (table["mean_difference"] == 0.0).all()


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_each_step_agrees_with_paired_describe(seed: int):
    rng = np.random.default_rng(seed)
    rows = [(p, r, s, "crises", "", "a", float(rng.normal(10, 3))) for p in (0, 1) for r in range(5) for s in (1, 2)]
    table = paired_over_time(frame(rows), "crises", 0)
    steps = frame(rows).pivot_table(index=["step", "replication"], columns="point_id", values="value")
    for step, row in table.set_index("step").iterrows():
        expected = describe((steps.loc[step][1] - steps.loc[step][0]).to_numpy())
        for column in ("mean_difference", "ci_low", "ci_high", "pairs"):
            assert row[column] == pytest.approx(expected[column], rel=1e-9, abs=1e-9)


def test_service_spend_differences_over_time_add_up_to_the_money_used_difference(scenarios_results: Path):
    results = load_results(scenarios_results)
    over_time = paired_over_time(service_spend(results.steps), "spend_gbp", baseline_point_id=0)
    totals = over_time.groupby("point_id")["mean_difference"].sum()
    whole_run = paired_differences(results.runs, "silo", ["money_used_gbp"]).set_index("point")["mean_difference"]
    names = dict(zip(results.design["point_id"], results.design["point"], strict=True))
    np.testing.assert_allclose(totals.to_numpy(), whole_run.loc[[names[p] for p in totals.index]].to_numpy(), rtol=1e-9)
