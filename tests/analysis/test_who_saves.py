"""Who saves: each agency's paired saving per year, which add up to the reform's cashable saving."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis.count import POOL_CONTRIBUTION
from sim.analysis.paired import with_savings
from sim.analysis.who_saves import who_saves
from sim.experiment.store import load_results
from sim.model.agencies import STEPS_PER_YEAR

COLUMNS = ["point_id", "replication", "step", "measure", "agency", "domain", "category", "value"]
NAMES = {0: "silo", 1: "pooled", 2: "devolved"}


def spend(rows: list[tuple[int, int, str, float]], step: int = 1) -> pd.DataFrame:
    """Spend rows (point_id, replication, agency, GBP) at one step, category acute."""
    return pd.DataFrame(
        [(p, r, step, "spend_gbp", agency, "", "acute", value) for p, r, agency, value in rows], columns=COLUMNS
    )


def known_savings() -> pd.DataFrame:
    """Two replications at different levels but the same differences: the pooled point's council
    spends 20 less, the NHS 10 more and the pool 5 (the baseline has no pool): a saving of 5 in all."""
    rows = []
    for replication, level in ((0, 100.0), (1, 300.0)):
        rows += [(0, replication, "council", level), (0, replication, "nhs", level / 2)]
        rows += [(1, replication, "council", level - 20), (1, replication, "nhs", level / 2 + 10)]
        rows += [(1, replication, "pool", 5.0)]
    return spend(rows)


def test_each_agency_saving_is_the_baseline_minus_the_point_per_year():
    table = who_saves(known_savings(), NAMES, "silo", years=0.5).set_index("agency")
    assert table["saving_gbp_per_year"].to_dict() == {"council": 40.0, "nhs": -20.0, "pool": -10.0}
    assert (table["pairs"] == 2).all()
    assert (table["ci_low"] == table["saving_gbp_per_year"]).all()  # no spread between pairs


def test_shares_are_each_agency_saving_over_the_total_and_sum_to_one():
    table = who_saves(known_savings(), NAMES, "silo", years=1.0).set_index("agency")
    assert table["share_of_saving"].to_dict() == {"council": 4.0, "nhs": -2.0, "pool": -1.0}


def test_the_share_is_nan_when_the_total_saving_is_within_its_noise():
    # total saving +5 in one pair and -5 in the other: its interval contains 0
    steps = spend([
        (0, 0, "council", 100.0), (1, 0, "council", 95.0), (0, 1, "council", 100.0), (1, 1, "council", 105.0),
    ])  # fmt: skip
    row = who_saves(steps, NAMES, "silo", years=1.0).iloc[0]
    assert row["saving_gbp_per_year"] == 0.0 and row["ci_low"] < 0 < row["ci_high"]
    assert np.isnan(row["share_of_saving"])


def test_agencies_that_spent_in_neither_run_are_not_rows_and_pool_contributions_are_not_spend():
    steps = pd.concat([
        known_savings(),
        spend([(2, 0, "council", 90.0), (2, 1, "council", 290.0), (2, 0, "nhs", 50.0), (2, 1, "nhs", 150.0)]),
        spend([(1, 0, "council", 1e9), (1, 1, "council", 1e9)]).assign(category=POOL_CONTRIBUTION),
    ])  # fmt: skip
    table = who_saves(steps, NAMES, "silo", years=1.0)
    assert table.groupby("point", sort=False)["agency"].apply(list).to_dict() == {
        "pooled": ["council", "nhs", "pool"],
        "devolved": ["council", "nhs"],
    }
    assert table.set_index(["point", "agency"]).loc[("pooled", "council"), "saving_gbp_per_year"] == 20.0


def test_a_baseline_that_is_not_a_point_is_an_error_naming_the_points():
    with pytest.raises(ValueError, match="'silo', 'pooled'"):
        who_saves(known_savings(), NAMES, "status_quo", years=1.0)


@settings(max_examples=30, deadline=None)
@given(
    amounts=st.lists(st.floats(0, 1e9, allow_nan=False), min_size=24, max_size=24),
    present=st.lists(st.booleans(), min_size=24, max_size=24),
    years=st.floats(0.25, 20),
)
def test_agency_savings_add_up_to_the_total_saving(amounts: list[float], present: list[bool], years: float):
    # 2 points x 3 replications x 4 agencies, each spend row there or not
    keys = [(p, r, a) for p in (0, 1) for r in range(3) for a in ("council", "nhs", "police", "pool")]
    rows = [(p, r, a, x) for (p, r, a), x, here in zip(keys, amounts, present, strict=True) if here]
    rows += [(p, r, "council", 0.0) for p in (0, 1) for r in range(3)]  # every run is in the steps table
    steps = spend(rows)
    table = who_saves(steps, NAMES, "silo", years)
    totals = steps.groupby(["point_id", "replication"])["value"].sum().unstack("point_id")
    assert table["saving_gbp_per_year"].sum() == pytest.approx(((totals[0] - totals[1]) / years).mean(), abs=1e-3)


def test_on_a_real_sweep_the_agency_savings_add_up_to_the_cashable_saving(scenarios_results: Path):
    results = load_results(scenarios_results)
    names = dict(zip(results.design["point_id"], results.design["point"], strict=True))
    years = results.steps["step"].max() / STEPS_PER_YEAR
    table = who_saves(results.steps, names, "silo", years)
    assert "pool" in set(table.loc[table["point"] == "pooled", "agency"])
    summed = table.groupby("point")["saving_gbp_per_year"].sum()
    cashable = with_savings(results.runs, "silo").groupby("point")["cashable_saving_gbp"].mean() / years
    np.testing.assert_allclose(summed, cashable.loc[summed.index], rtol=1e-9, atol=1e-3)
