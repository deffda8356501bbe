"""Paired differences recover a known effect, and their interval covers it; the savings against
the baseline are the hand-computed differences within each pair."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.paired import DERIVED, holm, icer, pair_differences, paired_differences, with_savings


def synthetic_runs(effect: float, replications: int, seed: int = 0) -> pd.DataFrame:
    """Baseline outcome = large shared noise per replication; treated = baseline + effect + small noise."""
    rng = np.random.default_rng(seed)
    shared = rng.normal(100.0, 20.0, replications)
    treated = shared + effect + rng.normal(0.0, 1.0, replications)
    return pd.DataFrame(
        {"point": ["silo"] * replications + ["pooled"] * replications,
         "replication": list(range(replications)) * 2,
         "crises": np.concatenate([shared, treated])}
    )  # fmt: skip


def test_the_mean_paired_difference_recovers_the_true_effect():
    table = paired_differences(synthetic_runs(-5.0, 200), "silo", ["crises"])
    row = table.iloc[0]
    assert row["point"] == "pooled" and row["pairs"] == 200
    assert row["mean_difference"] == pytest.approx(-5.0, abs=0.3)
    assert row["ci_low"] < -5.0 < row["ci_high"]


def test_pairing_removes_the_shared_noise():
    row = paired_differences(synthetic_runs(-5.0, 20), "silo", ["crises"]).iloc[0]
    assert row["ci_high"] - row["ci_low"] < 2.0  # unpaired, the shared sd of 20 would make it ~25 wide


def test_the_interval_covers_the_truth_about_95_percent_of_the_time():
    covered = 0
    for seed in range(400):
        row = paired_differences(synthetic_runs(3.0, 10, seed), "silo", ["crises"]).iloc[0]
        covered += row["ci_low"] <= 3.0 <= row["ci_high"]
    assert 0.92 <= covered / 400 <= 0.98


def test_holm_matches_a_worked_example():
    # p = 0.01, 0.04, 0.03 with m = 3: sorted 0.01*3, 0.03*2, 0.04*1 -> 0.03, 0.06, max(0.06, 0.04)
    np.testing.assert_allclose(holm(np.array([0.01, 0.04, 0.03])), [0.03, 0.06, 0.06])


def test_a_real_effect_is_significant_and_no_effect_is_not():
    runs = synthetic_runs(-5.0, 30)
    null = synthetic_runs(0.0, 30, seed=1).assign(point=lambda f: f["point"].replace("pooled", "null"))
    table = paired_differences(pd.concat([runs, null[null["point"] == "null"]]), "silo", ["crises"])
    by_point = table.set_index("point")
    assert by_point.loc["pooled", "p_holm"] < 0.001
    assert by_point.loc["null", "p_holm"] > 0.05
    assert by_point.loc["pooled", "effect_size_dz"] < -3


def cost_effect_runs(ratio: float, effect: float, effect_noise: float, replications: int = 40, seed: int = 0) -> pd.DataFrame:
    """Treated point: effect ~ N(effect, noise) per pair, cost = ratio * effect + small noise."""
    rng = np.random.default_rng(seed)
    base_cost, base_effect = rng.normal(1000.0, 50.0, replications), rng.normal(0.5, 0.05, replications)
    gain = rng.normal(effect, effect_noise, replications)
    extra = ratio * gain + rng.normal(0.0, abs(ratio) * effect_noise * 0.1 + 1e-9, replications)
    return pd.DataFrame({
        "point": ["silo"] * replications + ["pooled"] * replications,
        "replication": list(range(replications)) * 2,
        "money_used_gbp": np.concatenate([base_cost, base_cost + extra]),
        "mean_wellbeing": np.concatenate([base_effect, base_effect + gain]),
    })  # fmt: skip


def test_icer_recovers_a_known_cost_per_unit_of_effect_and_covers_it():
    row = icer(cost_effect_runs(ratio=2000.0, effect=0.02, effect_noise=0.005), "silo").iloc[0]
    assert row["icer"] == pytest.approx(2000.0, rel=0.02)
    assert row["ci_low"] <= 2000.0 <= row["ci_high"] and row["bounded"]
    assert row["quadrant"] == "dearer and better"


def test_icer_scales_the_effect_into_wellbeing_years():
    row = icer(cost_effect_runs(ratio=2000.0, effect=0.02, effect_noise=0.005), "silo", effect_scale=100.0).iloc[0]
    assert row["icer"] == pytest.approx(20.0, rel=0.02)


def test_icer_interval_is_not_bounded_when_the_effect_may_be_zero():
    row = icer(cost_effect_runs(ratio=2000.0, effect=0.0, effect_noise=0.01), "silo").iloc[0]
    assert not row["bounded"] and np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])


def test_a_cheaper_and_better_point_is_named_as_such():
    row = icer(cost_effect_runs(ratio=-500.0, effect=0.02, effect_noise=0.002), "silo").iloc[0]
    assert row["quadrant"] == "cheaper and better"


def money_runs() -> pd.DataFrame:
    """Two replications of a baseline and one point, with round numbers to difference by hand."""
    return pd.DataFrame({
        "point": ["silo", "silo", "pooled", "pooled"],
        "replication": [0, 1, 0, 1],
        "money_used_gbp": [100e6, 120e6, 97e6, 116e6],
        "idle_capacity_gbp": [5e6, 6e6, 9e6, 8e6],
        "claimed_savings_gbp": [5e6, 6e6, 15e6, 14e6],
        "net_cost_to_centre_gbp": [110e6, 130e6, 108e6, 125e6],
        "total_crises": [1000.0, 1200.0, 900.0, 1142.0],
    })  # fmt: skip


def test_each_saving_is_the_baseline_minus_the_point_within_the_pair_and_positive_when_the_point_saves():
    pooled = with_savings(money_runs(), "silo").set_index(["point", "replication"]).loc["pooled"]
    np.testing.assert_allclose(pooled["cashable_saving_gbp"], [3e6, 4e6])  # 100 - 97, 120 - 116
    np.testing.assert_allclose(pooled["non_cashable_saving_gbp"], [4e6, 2e6])  # 9 - 5, 8 - 6: more idle
    np.testing.assert_allclose(pooled["claimed_saving_gbp"], [10e6, 8e6])  # 15 - 5, 14 - 6: the extra claim
    np.testing.assert_allclose(pooled["savings_gap_gbp"], [7e6, 4e6])  # claimed less cashable
    np.testing.assert_allclose(pooled["saving_to_centre_gbp"], [2e6, 5e6])  # 110 - 108, 130 - 125
    np.testing.assert_allclose(pooled["crises_averted_per_million_gbp"], [100 / 97, 58 / 116])


def test_the_baseline_saves_nothing_against_itself_and_an_unpaired_replication_has_no_saving():
    runs = pd.concat([money_runs(), money_runs().iloc[[2]].assign(replication=2)], ignore_index=True)
    savings = with_savings(runs, "silo").set_index(["point", "replication"])[list(DERIVED)]
    assert (savings.loc["silo"] == 0).all().all()
    assert savings.loc[("pooled", 2)].isna().all()


def test_the_paired_comparison_of_a_saving_is_its_mean_with_the_interval_of_the_difference_it_comes_from():
    table = paired_differences(money_runs(), "silo", ["money_used_gbp", *DERIVED]).set_index("measure")
    cashable, money = table.loc["cashable_saving_gbp"], table.loc["money_used_gbp"]
    assert cashable["mean_difference"] == pytest.approx(3.5e6) and cashable["pairs"] == 2
    assert cashable["ci_low"] == pytest.approx(-money["ci_high"])
    assert cashable["ci_high"] == pytest.approx(-money["ci_low"])
    assert table.loc["non_cashable_saving_gbp", "mean_difference"] == pytest.approx(3e6)
    assert table.loc["claimed_saving_gbp", "mean_difference"] == pytest.approx(9e6)
    assert table.loc["saving_to_centre_gbp", "mean_difference"] == pytest.approx(3.5e6)
    assert table.loc["crises_averted_per_million_gbp", "mean_difference"] == pytest.approx((100 / 97 + 58 / 116) / 2)


def test_a_saving_is_left_out_when_the_runs_lack_its_summary_key():
    runs = with_savings(money_runs().drop(columns="idle_capacity_gbp"), "silo")
    assert "non_cashable_saving_gbp" not in runs.columns and "cashable_saving_gbp" in runs.columns


def test_each_pairs_own_difference_averages_to_the_paired_difference() -> None:
    runs = pd.DataFrame({"point": ["base"] * 4 + ["a"] * 4, "replication": [0, 1, 2, 3] * 2,
                         "cost": [10.0, 12.0, 11.0, 9.0, 8.0, 13.0, 9.0, 6.0]})  # fmt: skip
    pairs = pair_differences(runs, "base", ["cost"])
    assert list(pairs["difference"]) == [-2.0, 1.0, -2.0, -3.0]
    assert pairs["difference"].mean() == paired_differences(runs, "base", ["cost"])["mean_difference"].iloc[0]


def test_the_cost_effectiveness_plane_has_intervals_around_both_mean_changes() -> None:
    rng = np.random.default_rng(4)
    base = pd.DataFrame({"point": "base", "replication": range(20), "money_used_gbp": rng.normal(100e6, 5e6, 20),
                         "mean_wellbeing": rng.normal(0.8, 0.01, 20)})  # fmt: skip
    other = base.assign(point="a", money_used_gbp=base["money_used_gbp"] - 2e6 + rng.normal(0, 1e6, 20),
                        mean_wellbeing=base["mean_wellbeing"] + 0.002 + rng.normal(0, 0.001, 20))  # fmt: skip
    row = icer(pd.concat([base, other]), "base").iloc[0]
    assert row["cost_ci_low"] < row["delta_cost"] < row["cost_ci_high"] < 0
    assert 0 < row["effect_ci_low"] < row["delta_effect"] < row["effect_ci_high"]
