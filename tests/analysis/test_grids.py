"""Grid surfaces: varied parameters found, means per combination, baseline left out."""

from __future__ import annotations

import pandas as pd

from sim.analysis.grids import grid_means, varied_parameters


def grid_runs() -> pd.DataFrame:
    rows = []
    for rate in (0.1, 0.3):
        for fence in (0.7, 0.1):
            for replication, noise in enumerate((-1.0, 1.0)):
                rows.append({"point": f"{rate},{fence}", "replication": replication, "param:rate": rate,
                             "param:fence": fence, "param:rule": "need", "crises": 100 * rate + fence + noise})  # fmt: skip
    rows.append({"point": "baseline", "replication": 0, "param:rate": 0.0, "param:fence": 0.7,
                 "param:rule": "silo", "crises": 999.0})  # fmt: skip
    return pd.DataFrame(rows)


def test_only_parameters_that_vary_inside_the_grid_are_axes():
    assert varied_parameters(grid_runs(), "baseline") == ["rate", "fence"]


def test_grid_means_average_replications_at_each_combination_without_the_baseline():
    means = grid_means(grid_runs(), "baseline", ["crises"]).set_index(["rate", "fence"])
    assert len(means) == 4 and (means["replications"] == 2).all()
    assert means.loc[(0.3, 0.1), "crises"] == 30.1
    assert 999.0 not in means["crises"].to_numpy()


def test_a_one_parameter_grid_has_no_surface():
    runs = grid_runs()
    assert grid_means(runs[runs["param:fence"] == 0.7], "baseline", ["crises"]).empty
