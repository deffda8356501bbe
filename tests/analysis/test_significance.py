"""What the paired tests can reach with the pairs run: the floor of the exact signed-rank test."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.analysis.paired import holm
from sim.analysis.significance import can_reach_significance, pairs_needed, smallest_holm_p, smallest_wilcoxon_p


@pytest.mark.parametrize("pairs", [2, 3, 5, 8, 12])
def test_the_floor_is_the_p_value_scipy_gives_when_every_difference_has_one_sign(pairs: int) -> None:
    differences = np.arange(1.0, pairs + 1)  # all positive, no ties: the most extreme pattern
    assert stats.wilcoxon(differences).pvalue == pytest.approx(smallest_wilcoxon_p(pairs))


def test_five_pairs_and_five_points_cannot_reach_significance_as_the_issue_found() -> None:
    assert smallest_wilcoxon_p(5) == 0.0625
    assert smallest_holm_p(5, 5) == pytest.approx(0.3125)
    assert not can_reach_significance(5, 5) and not can_reach_significance(2, 1)
    p_values = np.full(5, smallest_wilcoxon_p(5))
    assert holm(p_values).min() == pytest.approx(smallest_holm_p(5, 5))


@pytest.mark.parametrize("comparisons", [1, 2, 5, 10, 15])
def test_pairs_needed_is_the_fewest_that_can_reach_the_level(comparisons: int) -> None:
    needed = pairs_needed(comparisons)
    assert can_reach_significance(needed, comparisons)
    assert not can_reach_significance(needed - 1, comparisons)
