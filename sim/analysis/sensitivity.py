"""Global sensitivity of the outputs to the uncertainties, from a `saltelli` or `morris` results folder.

Sobol indices split an output's variance over the uncertainties: the first-order index S1 is the
share of the variance explained by one parameter alone, the total index ST the share it takes part
in, its interactions included (ST - S1 is what it does only together with others). Morris's mu*
is the mean absolute elementary effect (the change in the output over a step of one parameter,
per full range of that parameter), a cheap screening measure that ranks parameters; sigma, the
spread of those effects, is large when a parameter acts non-linearly or through interactions.

Everything comes from the results folder alone: the design and the sample matrix SALib drew
(manifest.json), the points that used each sample row (design.parquet) and the runs (runs.parquet).
An output for sample row i is the mean over replications at that row's point. With levers, each
lever combination is analysed on its own. Intervals are SALib's bootstrap (95%), resampled from
the experiment's seed so the same folder always gives the same table.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from SALib.analyze import morris, sobol

from sim.analysis.style import SEQUENCE, new_figure
from sim.experiment.design import bounds
from sim.experiment.spec import Design, DesignKind
from sim.experiment.store import ExperimentResults
from sim.scenario.loading import ScenarioError

CONFIDENCE = 0.95
COLUMNS = ["levers", "output", "parameter", "method", "index", "value", "ci_low", "ci_high"]
ANALYSED_KINDS = {DesignKind.saltelli.value, DesignKind.morris.value}
INDEX_LABELS = {
    "S1": "first-order S1 (alone)",
    "ST": "total ST (with interactions)",
    "mu_star": "μ* (mean |elementary effect|)",
    "sigma": "σ (spread of elementary effects)",
}


def is_sensitivity_design(manifest: dict[str, Any]) -> bool:
    """Whether the experiment drew a sample SALib can analyse (saltelli: Sobol; morris: Morris)."""
    return manifest["experiment"]["design"]["kind"] in ANALYSED_KINDS


def lever_labels(design: pd.DataFrame, levers: list[str]) -> pd.Series:
    """Per design point, its lever combination as `path=value, ...` ("" without levers)."""
    if not levers:
        return pd.Series("", index=design.index)
    values = design[[f"param:{name}" for name in levers]].map(json.loads)
    return values.apply(
        lambda row: ", ".join(f"{name}={value}" for name, value in zip(levers, row, strict=True)), axis=1
    )


def sample_outputs(results: ExperimentResults, outputs: list[str], rows: int) -> pd.DataFrame:
    """Mean over replications per (lever combination, sample row), rows in sample order; points
    without a sample row (a baseline) are left out.

    Refuses an incomplete sweep: a sample row short of replications would make the analysis
    quietly mix noise levels, and a missing one would misalign SALib's sample layout.
    """
    missing_outputs = sorted(set(outputs) - set(results.runs.columns))
    if missing_outputs:
        raise ScenarioError(str(results.folder), [("outputs", f"{missing_outputs} not in runs.parquet")])
    design = results.design[results.design["sample_index"].notna()].astype({"sample_index": int})
    design = design.assign(levers=lever_labels(design, list(results.manifest["experiment"]["design"]["levers"])))
    runs = results.runs.merge(design[["point_id", "levers", "sample_index"]], on="point_id")
    grouped = runs.groupby(["levers", "sample_index"], sort=False)
    expected = pd.MultiIndex.from_product([design["levers"].unique(), range(rows)], names=["levers", "sample_index"])
    counts = grouped.size().reindex(expected, fill_value=0)
    replications = results.manifest["experiment"]["replications"]
    short = int((counts < replications).sum())
    if short:
        experiment = results.manifest.get("experiment_file", "<experiment file>")
        message = (
            f"{short} of {len(expected)} sample rows lack runs (each needs {replications}); "
            f"finish the sweep with `placesim sweep {experiment} --out {results.folder} --resume`"
        )
        raise ScenarioError(str(results.folder), [("runs.parquet", message)])
    return grouped[outputs].mean().reindex(expected).reset_index()


def indices(design: Design, problem: dict[str, Any], sample: np.ndarray, y: np.ndarray, seed: int) -> pd.DataFrame:
    """One output's indices per parameter: S1 and ST (Sobol) or mu* and sigma (Morris)."""
    if design.kind is DesignKind.saltelli:
        found = sobol.analyze(problem, y, calc_second_order=design.second_order, conf_level=CONFIDENCE, seed=seed)
        spread = {"S1": found["S1_conf"], "ST": found["ST_conf"]}
        method = "sobol"
    else:
        found = morris.analyze(problem, sample, y, conf_level=CONFIDENCE, num_levels=design.morris_levels, seed=seed)
        spread = {"mu_star": found["mu_star_conf"], "sigma": np.full(problem["num_vars"], np.nan)}
        method = "morris"
    frames = [
        pd.DataFrame({"parameter": problem["names"], "method": method, "index": index, "value": found[index],
                      "ci_low": found[index] - half, "ci_high": found[index] + half})
        for index, half in spread.items()
    ]  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def sensitivity_indices(results: ExperimentResults, outputs: list[str]) -> pd.DataFrame:
    """Tidy table of sensitivity indices (see the module docstring); empty for other designs."""
    manifest = results.manifest
    if not is_sensitivity_design(manifest):
        return pd.DataFrame(columns=COLUMNS)
    design = Design.model_validate(manifest["experiment"]["design"])
    names = manifest["sampled_parameters"]
    sample = np.asarray(manifest["sample"], dtype=float)
    problem = {"num_vars": len(names), "names": names, "bounds": [list(bounds(design.uncertainties[n])) for n in names]}
    means = sample_outputs(results, outputs, len(sample))
    seed = manifest["experiment"]["seed"]
    frames = [
        indices(design, problem, sample, group[output].to_numpy(), seed).assign(levers=levers, output=output)
        for levers, group in means.groupby("levers", sort=False)
        for output in outputs
    ]
    return pd.concat(frames, ignore_index=True)[COLUMNS]


def plot_sensitivity(table: pd.DataFrame, output: str) -> Figure:
    """Horizontal bars for one output: S1 and ST (Sobol) or mu* and sigma (Morris) per parameter.

    Error bars are the bootstrap intervals (none for sigma). Parameters are ordered by ST or mu*
    in the first lever combination, most influential on top; each lever combination gets its own
    panel on a shared axis, so the combinations compare at a glance.
    """
    rows = table[table["output"] == output]
    if rows.empty:
        raise ValueError(f"no sensitivity indices for {output!r}; the table has {sorted(table['output'].unique())}")
    method = rows["method"].iloc[0]
    first, second = ("S1", "ST") if method == "sobol" else ("mu_star", "sigma")
    ranking = "ST" if method == "sobol" else "mu_star"
    combinations = list(dict.fromkeys(rows["levers"]))
    leading = rows[(rows["levers"] == combinations[0]) & (rows["index"] == ranking)]
    parameters = leading.sort_values("value", ascending=False)["parameter"].tolist()
    positions = np.arange(len(parameters))
    height = 1.4 + 0.6 * len(parameters) * len(combinations)
    figure, axes = new_figure(9.0, height, nrows=len(combinations), sharex=True, squeeze=False)
    for axis, levers in zip(axes[:, 0], combinations, strict=True):
        for offset, index, colour in ((-0.2, first, SEQUENCE[0]), (0.2, second, SEQUENCE[1])):
            values = (
                rows[(rows["levers"] == levers) & (rows["index"] == index)].set_index("parameter").reindex(parameters)
            )
            error = np.vstack([values["value"] - values["ci_low"], values["ci_high"] - values["value"]])
            axis.barh(
                positions + offset, values["value"], height=0.4, color=colour, label=INDEX_LABELS[index],
                xerr=None if np.isnan(error).all() else error, error_kw={"elinewidth": 1, "capsize": 3},
            )  # fmt: skip
        axis.set_yticks(positions, parameters)
        axis.invert_yaxis()
        axis.axvline(0.0, color="black", linewidth=0.5)
        if levers:
            axis.set_title(levers, fontsize="medium")
    if method == "sobol":
        title = f"Sobol sensitivity of {output} (error bars: 95% bootstrap intervals)"
        x_label = f"Sobol index: share of the variance of {output}"
    else:
        title = f"Morris screening of {output} (error bars on μ*: 95% bootstrap intervals)"
        x_label = f"elementary effect on {output} (its units, per full range of the parameter)"
    axes[-1, 0].set_xlabel(x_label)
    axes[0, 0].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    figure.suptitle(title)
    figure.tight_layout()
    return figure
