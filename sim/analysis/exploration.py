"""Space-filling samples (`lhs` and `sobol` designs): how each output moves with each uncertainty.

These designs spread points over the uncertainties without the structure SALib needs for
variance-based indices, so the report shows what such a sample can support: each output (mean
over replications per sample row) against each uncertainty, and Spearman's rank correlation,
which catches any monotone relation, not only a straight line. Its 95% interval uses Fisher's z
with the standard error 1.03 / sqrt(n - 3) of Fieller, Hartley and Pearson (1957); p-values are
Holm-adjusted across the uncertainties of each output. With levers, each lever combination is
described on its own.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from sim.analysis.figures import panel_grid
from sim.analysis.paired import holm
from sim.analysis.sensitivity import sample_outputs
from sim.analysis.style import SEQUENCE
from sim.experiment.store import ExperimentResults

EXPLORED_KINDS = {"lhs", "sobol"}
SPEARMAN_SE_FACTOR = 1.03  # Fieller, Hartley and Pearson (1957)
Z_95 = 1.959963984540054


def is_exploration_design(manifest: dict[str, Any]) -> bool:
    return manifest["experiment"]["design"]["kind"] in EXPLORED_KINDS


def sample_table(results: ExperimentResults, outputs: list[str]) -> pd.DataFrame:
    """One row per (lever combination, sample row): the uncertainties' values and the mean outputs."""
    names = results.manifest["sampled_parameters"]
    sample = np.asarray(results.manifest["sample"], dtype=float)
    means = sample_outputs(results, outputs, len(sample))
    values = pd.DataFrame(sample, columns=names).rename_axis("sample_index").reset_index()
    return means.merge(values, on="sample_index")


def spearman_interval(rho: float, n: int) -> tuple[float, float]:
    if n <= 3 or not np.isfinite(rho) or abs(rho) >= 1:
        return (np.nan, np.nan)
    half = Z_95 * SPEARMAN_SE_FACTOR / np.sqrt(n - 3)
    centre = np.arctanh(rho)
    return float(np.tanh(centre - half)), float(np.tanh(centre + half))


def rank_correlations(table: pd.DataFrame, uncertainties: list[str], outputs: list[str]) -> pd.DataFrame:
    """`levers, output, parameter, method, index, value, ci_low, ci_high, p_value, p_holm, n`."""
    rows = []
    for levers, group in table.groupby("levers", sort=False):
        for output in outputs:
            for parameter in uncertainties:
                result = stats.spearmanr(group[parameter], group[output])
                rho = float(result.statistic)
                low, high = spearman_interval(rho, len(group))
                rows.append({"levers": levers, "output": output, "parameter": parameter, "method": "spearman",
                             "index": "rho", "value": rho, "ci_low": low, "ci_high": high,
                             "p_value": float(result.pvalue), "n": len(group)})  # fmt: skip
    frame = pd.DataFrame(rows)
    frame["p_holm"] = frame.groupby(["levers", "output"])["p_value"].transform(lambda p: holm(p.to_numpy()))
    return frame


def plot_sample(table: pd.DataFrame, uncertainties: list[str], output: str, label: str) -> Figure:
    """One panel per uncertainty: the output at every sample row (a colour per lever combination)."""
    figure, axes = panel_grid(len(uncertainties), width=4.0, height=3.2, sharey=True)
    combinations = list(dict.fromkeys(table["levers"]))
    for axis, parameter in zip(axes, uncertainties, strict=True):
        for index, levers in enumerate(combinations):
            rows = table[table["levers"] == levers]
            axis.scatter(rows[parameter], rows[output], s=14, alpha=0.7, color=SEQUENCE[index % len(SEQUENCE)],
                         label=levers or None)  # fmt: skip
        axis.set_xlabel(parameter, fontsize="small")
        axis.set_ylabel(label, fontsize="small")
    if any(combinations):
        axes[0].legend(frameon=False, fontsize="x-small")
    figure.suptitle(f"{label} across the sample (mean over replications per sample row)")
    figure.tight_layout(rect=(0, 0, 1, 0.95))
    return figure
