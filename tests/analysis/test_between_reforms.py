"""Reform against reform: b − a within replications for every pair, Holm-adjusted across the pairs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis.between_reforms import between_reforms
from sim.analysis.paired import holm, paired_differences, with_savings
from sim.experiment.store import load_results


def runs_table(values: dict[str, list[float]], measure: str = "crises") -> pd.DataFrame:
    """One row per point and replication, with `measure` taking the listed values in order."""
    rows = [(point, r, x) for point, xs in values.items() for r, x in enumerate(xs)]
    return pd.DataFrame(rows, columns=["point", "replication", measure])


def test_every_pair_is_compared_once_later_minus_earlier_in_the_order_given():
    runs = runs_table({"silo": [0, 0, 0], "a": [1, 2, 3], "b": [11, 13, 15], "c": [4, 4, 4]})
    table = between_reforms(runs, ["a", "b", "c"], ["crises"])
    assert list(zip(table["point"], table["against"], strict=True)) == [("b", "a"), ("c", "a"), ("c", "b")]
    assert table["mean_difference"].tolist() == [11.0, 2.0, -9.0]
    assert (table["pairs"] == 3).all()


def test_the_comparison_is_the_paired_one_of_paired_differences():
    rng = np.random.default_rng(4)
    runs = runs_table({"a": list(rng.normal(0, 1, 8)), "b": list(rng.normal(1, 1, 8))})
    row = between_reforms(runs, ["a", "b"], ["crises"]).iloc[0]
    expected = paired_differences(runs, "a", ["crises"]).iloc[0]
    for column in ("mean_difference", "ci_low", "ci_high", "pairs", "wilcoxon_p", "effect_size_dz"):
        assert row[column] == pytest.approx(expected[column])


def test_holm_adjusts_across_all_the_pairs_one_family_per_measure():
    rng = np.random.default_rng(5)
    points = {name: list(rng.normal(shift, 1, 8)) for name, shift in (("a", 0), ("b", 1), ("c", 3), ("d", 0.5))}
    runs = runs_table(points).assign(wellbeing=lambda f: rng.normal(0, 1, len(f)))
    table = between_reforms(runs, ["a", "b", "c", "d"], ["crises", "wellbeing"])
    assert len(table) == 2 * 6
    for _, family in table.groupby("measure"):
        np.testing.assert_allclose(family["p_holm"], holm(family["wilcoxon_p"].to_numpy()))


def test_only_replications_both_reforms_ran_are_paired():
    runs = runs_table({"a": [1.0, 2.0, 3.0], "b": [2.0, 4.0]})
    row = between_reforms(runs, ["a", "b"], ["crises"]).iloc[0]
    assert row["pairs"] == 2 and row["mean_difference"] == 1.5


def test_a_derived_saving_is_taken_against_the_earlier_reform():
    runs = pd.DataFrame({
        "point": ["silo", "a", "b"] * 2,
        "replication": [0, 0, 0, 1, 1, 1],
        "money_used_gbp": [10e6, 8e6, 4e6, 10e6, 8e6, 4e6],
        "total_crises": [100, 90, 70, 100, 90, 70],
    })  # fmt: skip
    measures = ["cashable_saving_gbp", "crises_averted_per_million_gbp"]
    table = between_reforms(with_savings(runs, "silo"), ["a", "b"], measures).set_index("measure")
    assert table.loc["cashable_saving_gbp", "mean_difference"] == pytest.approx(4e6)  # b uses 4m less than a
    assert table.loc["crises_averted_per_million_gbp", "mean_difference"] == pytest.approx(20 / 4)  # per b's £m


def test_a_point_that_is_not_in_the_runs_is_an_error():
    with pytest.raises(ValueError, match="'nowhere'"):
        between_reforms(runs_table({"a": [1.0], "b": [2.0]}), ["a", "nowhere"], ["crises"])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=2, max_size=10))
def test_a_reform_against_a_copy_of_itself_differs_by_exactly_zero(values: list[float]):
    table = between_reforms(runs_table({"a": values, "copy": values}), ["a", "copy"], ["crises"]).iloc[0]
    assert table["mean_difference"] == 0.0 and table["pairs"] == len(values)
    assert np.isnan(table["wilcoxon_p"])  # nothing to test


def test_on_a_real_sweep_a_reform_against_the_baseline_is_the_baseline_comparison(scenarios_results: Path):
    runs = load_results(scenarios_results).runs
    measures = ["money_used_gbp", "total_crises", "cashable_saving_gbp"]
    table = between_reforms(runs, ["silo", "pooled", "devolved"], measures)
    against_silo = table[table["against"] == "silo"].set_index(["point", "measure"])
    expected = paired_differences(runs, "silo", measures).set_index(["point", "measure"]).loc[against_silo.index]
    for column in ("mean_difference", "ci_low", "ci_high", "wilcoxon_p"):
        np.testing.assert_allclose(against_silo[column], expected[column], rtol=1e-12)
    between = table[table["against"] == "pooled"].set_index("measure")["mean_difference"]
    by_point = runs.set_index(["point", "replication"])["money_used_gbp"]
    assert between["money_used_gbp"] == pytest.approx((by_point["devolved"] - by_point["pooled"]).mean())
