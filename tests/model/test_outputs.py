"""The recorder's tables and the summary's building blocks: the fast paths give, bit for bit, what
the plain definitions give (np.histogram, pandas' groupby, boolean selections, sort_values)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.model.ledger import SERVICES
from sim.model.model import PlaceModel
from sim.model.outputs import (
    COLUMNS,
    GINI_BINS,
    SUMMED_BY_CATEGORY,
    RecordedMeasures,
    StepRecorder,
    fine_histogram,
    gini_of_nonnegative,
    group_sums,
    summarise,
)
from sim.scenario import Scenario

pytestmark = pytest.mark.filterwarnings("ignore::sim.model.settlement.FixedBaseWarning")


# -- the need Gini's histogram ----------------------------------------------------------------------
def histogram_values(dtype: type, upper: float) -> st.SearchStrategy[np.ndarray]:
    """Values in and around [0, upper]: on and either side of bin edges, at both ends, just outside, and NaN."""
    edges = np.histogram_bin_edges(np.zeros(0, dtype=dtype), bins=GINI_BINS, range=(0.0, upper))
    top = dtype(upper)
    awkward = [0.0, -0.0, top, np.nextafter(top, dtype(np.inf)), np.nextafter(top, dtype(0)), -1e-7, float("nan")]
    awkward = st.sampled_from([float(dtype(value)) for value in awkward])
    near_edges = [*edges, *np.nextafter(edges, dtype(0)), *np.nextafter(edges, dtype(np.inf))]
    on_edges = st.sampled_from([float(value) for value in near_edges])
    anywhere = st.floats(0.0, float(min(top, np.nextafter(top, dtype(0)))), width=np.finfo(dtype).bits)
    return hnp.arrays(dtype, st.integers(0, 300), elements=st.one_of(anywhere, on_edges, awkward))


@st.composite
def histogram_cases(draw: st.DrawFn) -> tuple[np.ndarray, float]:
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    upper = draw(st.sampled_from([1.0, 3.0, 7.0, 0.3, 123.456]))
    return draw(histogram_values(dtype, upper)), upper


@settings(max_examples=300, deadline=None)
@given(histogram_cases())
def test_fine_histogram_counts_what_numpy_histogram_counts(case: tuple[np.ndarray, float]) -> None:
    values, upper = case
    expected, _ = np.histogram(values, bins=GINI_BINS, range=(0.0, upper))
    counts = fine_histogram(values, upper)
    assert counts.dtype == expected.dtype
    np.testing.assert_array_equal(counts, expected)


def histogram_gini(values: np.ndarray, upper: float) -> float:
    """The plain definition: np.histogram, then the area under the Lorenz curve of its bins."""
    counts, edges = np.histogram(values, bins=GINI_BINS, range=(0.0, upper))
    mids = 0.5 * (edges[:-1] + edges[1:])
    totals = counts * mids
    if totals.sum() <= 0:
        return 0.0
    cum_people = np.concatenate([[0.0], np.cumsum(counts) / counts.sum()])
    cum_need = np.concatenate([[0.0], np.cumsum(totals) / totals.sum()])
    area = np.sum((cum_people[1:] - cum_people[:-1]) * (cum_need[1:] + cum_need[:-1])) / 2.0
    return float(1.0 - 2.0 * area)


@settings(max_examples=200, deadline=None)
@given(histogram_cases())
def test_need_gini_is_the_gini_of_numpy_histogram(case: tuple[np.ndarray, float]) -> None:
    values, upper = case
    assert gini_of_nonnegative(values, upper) == histogram_gini(values, upper)


def test_need_gini_is_near_the_gini_of_sorted_values() -> None:
    values = np.random.default_rng(1).gamma(2.0, 0.5, 10_000).clip(0.0, 7.0).astype(np.float32)
    ordered = np.sort(values.astype(np.float64))
    ranks = np.arange(1, values.size + 1)
    textbook = float(2.0 * np.sum(ranks * ordered) / (values.size * ordered.sum()) - (values.size + 1) / values.size)
    assert gini_of_nonnegative(values, 7.0) == pytest.approx(textbook, abs=1e-3)


def test_the_histogram_needs_a_range_above_zero() -> None:
    with pytest.raises(ValueError, match="upper > 0"):
        fine_histogram(np.zeros(3), 0.0)


# -- group sums ----------------------------------------------------------------------------------------
@st.composite
def groupings(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of a few groupings, each with its keys in order or not and its values with NaN or not,
    in magnitudes where the order of additions shows in the last bit."""
    values, grouping, keys = [], [], []
    for group in range(draw(st.integers(1, 5))):
        size = draw(st.integers(1, 40))
        own_keys = draw(hnp.arrays(np.int64, size, elements=st.integers(-3, 6)))
        if draw(st.booleans()):
            own_keys = np.sort(own_keys)
        finite = st.floats(-1e6, 1e9, allow_nan=False, allow_infinity=False)
        own_values = draw(hnp.arrays(np.float64, size, elements=st.one_of(finite, st.just(0.1), st.just(float("nan")))))
        values.append(own_values)
        grouping.append(np.full(size, group, dtype=np.int64))
        keys.append(own_keys)
    order = draw(st.permutations(range(len(values))))  # groupings need not come in order
    return tuple(np.concatenate([part[i] for i in order]) for part in (values, grouping, keys))


@settings(max_examples=300, deadline=None)
@given(groupings())
def test_group_sums_are_what_pandas_groupby_gives_each_grouping_alone(case: tuple[np.ndarray, ...]) -> None:
    values, grouping, keys = case
    found_grouping, found_key, sums = group_sums(values, grouping, keys)
    for group in np.unique(grouping):
        rows = grouping == group
        expected = pd.Series(values[rows]).groupby(keys[rows]).sum()
        mine = found_grouping == group
        np.testing.assert_array_equal(found_key[mine], expected.index.to_numpy())
        np.testing.assert_array_equal(sums[mine], expected.to_numpy())


# -- the recorder and its tables -------------------------------------------------------------------
@pytest.fixture(scope="module")
def run(small_pooled_scenario: Scenario) -> tuple[PlaceModel, pd.DataFrame, pd.DataFrame]:
    model = PlaceModel(small_pooled_scenario, seed=4)
    while model.running:
        model.step()
    flows = model.ledger.flows()
    return model, flows, model.recorder.table(flows)


def plain_table(recorder: StepRecorder, flows: pd.DataFrame) -> pd.DataFrame:
    """The plain definition: the rows as a DataFrame, the count by a groupby on the ledger, sorted."""
    measures = pd.DataFrame(recorder.rows, columns=COLUMNS)
    spend = flows[(flows["destination"] == SERVICES) | (flows["category"] == "pool_contribution")]
    spend = spend.groupby(["step", "source", "domain", "category"], as_index=False)["amount"].sum()
    spend = spend.rename(columns={"source": "agency", "amount": "value"}).assign(measure="spend_gbp")[COLUMNS]
    both = pd.concat([measures, spend], ignore_index=True)
    return both.sort_values(["step", "measure", "agency", "domain", "category"], ignore_index=True)


def test_the_steps_table_is_the_plain_table(run: tuple[PlaceModel, pd.DataFrame, pd.DataFrame]) -> None:
    model, flows, table = run
    pd.testing.assert_frame_equal(table, plain_table(model.recorder, flows), check_exact=True)


def test_the_recorded_rows_are_the_steps_table_less_the_count(run: tuple[PlaceModel, pd.DataFrame, pd.DataFrame]) -> None:
    model, _, table = run
    rows = pd.DataFrame(model.recorder.rows, columns=COLUMNS)
    keys = ["step", "measure", "agency", "domain", "category"]
    expected = table[table["measure"] != "spend_gbp"].sort_values(keys, ignore_index=True)
    pd.testing.assert_frame_equal(rows.sort_values(keys, ignore_index=True), expected, check_exact=True)


def test_a_group_of_rows_given_the_wrong_number_of_values_is_refused() -> None:
    with pytest.raises(ValueError, match="2 values for the 3 rows"):
        StepRecorder().put(("crises",), (1.0, 2.0), domains=("a", "b", "c"))


# -- the summary's building blocks -----------------------------------------------------------------
@pytest.fixture(scope="module", params=["as recorded", "shuffled"])
def steps(request: pytest.FixtureRequest, run: tuple[PlaceModel, pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    """The steps table as `table()` orders it, and shuffled (pandas sums rows in order another way)."""
    table = run[2]
    if request.param == "shuffled":
        return table.sample(frac=1.0, random_state=2).reset_index(drop=True)
    return table


def test_each_measure_per_step_is_the_groupby_sum(steps: pd.DataFrame) -> None:
    recorded = RecordedMeasures(steps)
    for measure in steps["measure"].unique():
        expected = steps[steps["measure"] == measure].groupby("step")["value"].sum()
        np.testing.assert_array_equal(recorded.series(measure), expected.to_numpy())


def test_measures_summed_by_category_are_the_groupby_sums(steps: pd.DataFrame) -> None:
    recorded = RecordedMeasures(steps)
    for measure in SUMMED_BY_CATEGORY:
        expected = steps[steps["measure"] == measure].groupby("category")["value"].sum()
        assert recorded.by_category(measure) == expected.to_dict()


def test_the_last_step_and_yearly_means_are_the_plain_selections(steps: pd.DataFrame) -> None:
    recorded = RecordedMeasures(steps)
    last = steps["step"].max()
    for measure in ("reserves_gbp", "collaboration", "waiting"):
        expected = steps[(steps["measure"] == measure) & (steps["step"] == last)]["value"]
        np.testing.assert_array_equal(recorded.at_last_step(measure), expected.to_numpy())
    yearly = steps[steps["measure"].isin(["concentration", "cost_top_share", "family_cost_ratio"])]
    for (measure, domain, category), rows in yearly.groupby(["measure", "domain", "category"]):
        assert recorded.yearly_mean(measure, domain, category) == float(np.nanmean(rows["value"]))


def test_the_summary_counts_money_by_the_ledgers_categories(run: tuple[PlaceModel, pd.DataFrame, pd.DataFrame]) -> None:
    model, flows, table = run
    summary = summarise(table, flows, model.scenario.place.population)
    by_category = flows[flows["destination"] == SERVICES].groupby("category")["amount"].sum()
    assert summary["money_used_gbp"] == float(by_category.sum())
    assert summary["fixed_cost_gbp"] == float(by_category.get("fixed_cost", 0.0))
    assert summary["pool_contributions_gbp"] == float(flows.groupby("category")["amount"].sum()["pool_contribution"])
