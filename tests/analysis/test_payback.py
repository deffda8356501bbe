"""Payback and NPV at the Green Book rate: hand-computed streams, and a real sweep's cashable saving."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.analysis.count import POOL_CONTRIBUTION
from sim.analysis.paired import with_savings
from sim.analysis.payback import (
    GREEN_BOOK_DISCOUNT_RATE,
    cumulative_band,
    discounted_paths,
    payback,
    yearly_savings,
)
from sim.experiment.store import load_results
from tests.analysis.conftest import sweep
from tests.experiment.conftest import ROOT

TWO_YEARS = """
seed: 8
replications: 2
baseline: silo
design:
  kind: scenarios
  fixed: {run.warmup_steps: 1}
  points:
    silo: {}
    pooled: {set: {policy.pool.rule: need, policy.pool.rate: 0.4}}
"""


@pytest.fixture(scope="module")
def two_year_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two regimes x 2 paired replications at 1,000 citizens over 8 quarters: two whole years."""
    return sweep(tmp_path_factory.mktemp("two_years"), TWO_YEARS, "two_years", steps=8)


def stream(savings: dict[str, list[list[float]]]) -> pd.DataFrame:
    """A `yearly_savings` table: per point, one list of yearly savings per replication pair."""
    rows = [
        (point, replication, year, saving)
        for point, pairs in savings.items()
        for replication, path in enumerate(pairs)
        for year, saving in enumerate(path, start=1)
    ]
    return pd.DataFrame(rows, columns=["point", "replication", "year", "saving_gbp"])


def test_the_rate_is_the_green_book_figure_in_published_figures():
    figures = pd.read_csv(ROOT / "data" / "published_figures.csv").set_index("id")
    assert GREEN_BOOK_DISCOUNT_RATE == figures.loc["green_book_discount", "value"]
    assert "Green Book" in figures.loc["green_book_discount", "source"]


def test_year_one_is_not_discounted_and_later_years_are_at_the_rate_compounded():
    paths = discounted_paths(stream({"a": [[1.0, 1.0, 1.0]]}))
    np.testing.assert_allclose(paths["discount_factor"], [1.0, 1 / 1.035, 1 / 1.035**2])


def test_npv_and_payback_of_a_hand_computed_stream():
    # -10, +6, +6 at 3.5%: -10 + 5.797101 + 5.601064 = 1.398166; cumulative -10, -4.203, +1.398
    paths = discounted_paths(stream({"a": [[-10.0, 6.0, 6.0]]}))
    np.testing.assert_allclose(paths["cumulative_discounted_saving"], [-10.0, -4.202899, 1.398166], atol=1e-6)
    row = payback(stream({"a": [[-10.0, 6.0, 6.0]]})).iloc[0]
    assert row["npv_gbp"] == pytest.approx(1.398166, abs=1e-6)
    assert (row["payback_year"], row["paid_back_share"], row["p_positive"]) == (3.0, 1.0, 1.0)
    assert (row["pairs"], row["years"]) == (1, 3)


def test_a_stream_that_falls_back_below_zero_pays_back_only_when_it_stays_above():
    row = payback(stream({"a": [[5.0, -10.0, 6.0, 1.0]]}), rate=0.0).iloc[0]
    assert row["payback_year"] == 3.0  # cumulative 5, -5, 1, 2: not year 1, as it dips below 0 after


def test_the_payback_year_is_the_median_over_pairs_with_never_counting_as_latest():
    pays_2, pays_3, never = [-1.0, 2.0, 1.0], [-1.0, -1.0, 3.0], [-1.0, -1.0, -1.0]
    three = payback(stream({"a": [pays_2, pays_3, never]}), rate=0.0).iloc[0]
    assert (three["payback_year"], three["paid_back_share"]) == (3.0, pytest.approx(2 / 3))
    two_of_five = payback(stream({"a": [pays_2, pays_3, never, never, never]}), rate=0.0).iloc[0]
    assert np.isnan(two_of_five["payback_year"]) and two_of_five["paid_back_share"] == 0.4
    half = payback(stream({"a": [pays_2, pays_3, never, never]}), rate=0.0).iloc[0]
    assert np.isnan(half["payback_year"])  # halfway between year 3 and never is no year


def test_the_npv_interval_is_the_t_interval_over_pairs_and_p_positive_the_share_above_zero():
    npvs = [3.0, -1.0, 4.0, 6.0]
    row = payback(stream({"a": [[x] for x in npvs]})).iloc[0]
    half = stats.t.ppf(0.975, 3) * np.std(npvs, ddof=1) / 2
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((3.0 - half, 3.0 + half))
    assert row["p_positive"] == 0.75


def test_the_cumulative_band_ends_at_the_npv():
    yearly = stream({"a": [[-4.0, 3.0, 3.0], [-2.0, 1.0, 5.0]], "b": [[1.0, 1.0, 1.0]]})
    band = cumulative_band(yearly)
    last = band[band["year"] == 3].set_index("point")["cumulative_discounted_saving"]
    np.testing.assert_allclose(last, payback(yearly).set_index("point").loc[last.index, "npv_gbp"])
    assert band.loc[band["point"] == "a", "ci_low"].notna().all()
    assert band.loc[band["point"] == "b", "ci_low"].isna().all()  # one pair, no band


@settings(max_examples=30, deadline=None)
@given(
    savings=st.lists(st.floats(0, 1e9, allow_nan=False), min_size=1, max_size=15),
    rates=st.tuples(st.floats(0, 0.2), st.floats(0, 0.2)),
)
def test_the_npv_of_a_saving_stream_falls_as_the_rate_rises(savings: list[float], rates: tuple[float, float]):
    low, high = sorted(rates)
    npv = {rate: payback(stream({"a": [savings]}), rate).iloc[0]["npv_gbp"] for rate in (low, high)}
    assert npv[low] >= npv[high] * (1 - 1e-12)


def test_yearly_savings_sum_whole_years_of_service_spend_and_leave_a_partial_year_out():
    rows = [(0, 0, step, "spend_gbp", "council", "", "acute", 10.0) for step in range(1, 11)]
    rows += [(1, 0, step, "spend_gbp", "council", "", "acute", 8.0) for step in range(1, 11)]
    rows += [(1, 0, 5, "spend_gbp", "pool", "", "pool_prevention", 12.0)]
    rows += [(1, 0, 1, "spend_gbp", "council", "", POOL_CONTRIBUTION, 1e6)]
    columns = ["point_id", "replication", "step", "measure", "agency", "domain", "category", "value"]
    yearly = yearly_savings(pd.DataFrame(rows, columns=columns), {0: "silo", 1: "pooled"}, "silo")
    assert yearly["year"].tolist() == [1, 2]  # steps 9 and 10 are half of year 3
    assert yearly["saving_gbp"].tolist() == [4 * 2.0, 4 * 2.0 - 12.0]
    assert set(yearly["point"]) == {"pooled"}


def test_on_a_real_sweep_the_npv_at_rate_zero_is_the_total_cashable_saving(two_year_results: Path):
    results = load_results(two_year_results)
    names = dict(zip(results.design["point_id"], results.design["point"], strict=True))
    yearly = yearly_savings(results.steps, names, "silo")
    assert sorted(yearly["year"].unique()) == [1, 2]
    npv = payback(yearly, rate=0.0).set_index("point")["npv_gbp"]
    cashable = with_savings(results.runs, "silo").groupby("point")["cashable_saving_gbp"].mean()
    np.testing.assert_allclose(npv, cashable.loc[npv.index], rtol=1e-9, atol=1e-3)
    discounted = payback(yearly).set_index("point")["npv_gbp"]
    per_year = yearly.groupby("year")["saving_gbp"].mean()
    assert discounted.loc["pooled"] == pytest.approx(per_year[1] + per_year[2] / 1.035)
