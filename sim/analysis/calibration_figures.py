"""Figures of a finished calibration (a `placesim calibrate` results folder): each posterior
marginal over its prior, the posterior's pairs, and every target's observed band against its
posterior-predictive distribution, fit and held-out targets in separate figures.

They read only the folder's files (manifest.json, posterior.parquet, predictive.parquet), so they
can be redrawn without the calibration file. Each PNG is written whole or not at all.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.style import GREY, OKABE_ITO, plt
from sim.calibration.outputs import PREDICTIVE_FILE, TARGETS_FILE, write_atomically
from sim.calibration.posterior import MANIFEST_FILE, PARAMETER_PREFIX, POSTERIOR_FILE

POSTERIOR_COLOUR = OKABE_ITO["blue"]
PRIOR_COLOUR = GREY
OBSERVED_COLOUR = OKABE_ITO["bluish_green"]
MISSED_COLOUR = OKABE_ITO["vermillion"]
PAIRS_SHOWN = 8  # a pairs plot of more parameters is unreadable; the first eight are drawn


def readable(name: str) -> str:
    """`domains.*.prevention_effect` -> `prevention_effect, every domain`."""
    parts = name.split(".")
    if "*" in parts:
        return f"{'.'.join(parts[parts.index('*') + 1:])}, every {parts[parts.index('*') - 1].rstrip('s')}"
    return ".".join(parts[-2:]) if len(parts) > 2 else name


def applies_label(spec: dict[str, Any]) -> str:
    return {"add": ", added", "multiply": ", a factor"}.get(spec.get("applies", "set"), "")


def prior_distribution(spec: dict[str, Any]) -> Any:
    """The prior as a frozen scipy distribution, from the manifest's record of it."""
    low, high = spec.get("low"), spec.get("high")
    prior = spec["prior"]
    if prior == "uniform":
        return stats.uniform(low, high - low)
    if prior == "log_uniform":
        return stats.loguniform(low, high)
    if prior == "beta":
        return stats.beta(spec["alpha"], spec["beta"], loc=low, scale=high - low)
    if low is None:
        return stats.norm(spec["mean"], spec["sd"])
    a, b = (low - spec["mean"]) / spec["sd"], (high - spec["mean"]) / spec["sd"]
    return stats.truncnorm(a, b, loc=spec["mean"], scale=spec["sd"])


def prior_density(spec: dict[str, Any], grid: np.ndarray) -> np.ndarray:
    """The prior's density on `grid`."""
    return prior_distribution(spec).pdf(grid)


def prior_support(spec: dict[str, Any]) -> tuple[float, float]:
    """The prior's range: its bounds, or a normal's mean +- 4 sd."""
    if spec.get("low") is not None:
        return float(spec["low"]), float(spec["high"])
    return float(spec["mean"] - 4 * spec["sd"]), float(spec["mean"] + 4 * spec["sd"])


def save(figure: Any, path: Path) -> Path:
    """Write the PNG whole or not at all, and free the figure."""
    try:
        write_atomically(path, lambda temporary: figure.savefig(temporary, dpi=120, bbox_inches="tight", format="png"))
    finally:
        plt.close(figure)
    return path


def marginals(manifest: dict[str, Any], posterior: pd.DataFrame, path: Path) -> Path:
    parameters = manifest["parameters"]
    columns = min(3, len(parameters))
    rows = math.ceil(len(parameters) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.0 * rows), squeeze=False)
    weights = posterior["weight"].to_numpy(dtype=float)
    for axis, (name, spec) in zip(axes.flat, parameters.items()):
        values = posterior[PARAMETER_PREFIX + name].to_numpy(dtype=float)
        low, high = prior_support(spec)
        axis.hist(values, bins=25, range=(low, high), weights=weights, density=True, color=POSTERIOR_COLOUR,
                  alpha=0.75, label="posterior")
        grid = np.linspace(low, high, 200)
        axis.plot(grid, prior_density(spec, grid), color=PRIOR_COLOUR, linestyle="--", linewidth=1.5, label="prior")
        axis.set_title(readable(name) + applies_label(spec), fontsize=10)
        axis.tick_params(labelsize=9)
        axis.set_yticks([])
    for axis in list(axes.flat)[len(parameters):]:
        axis.set_visible(False)
    axes.flat[0].legend(fontsize=9, frameon=False)
    figure.suptitle("Posterior (bars) against prior (dashed), last ABC-SMC generation", fontsize=11)
    figure.tight_layout()
    return save(figure, path)


def pairs(manifest: dict[str, Any], posterior: pd.DataFrame, path: Path) -> Path:
    names = list(manifest["parameters"])[:PAIRS_SHOWN]
    size = len(names)
    figure, axes = plt.subplots(size, size, figsize=(1.9 * size + 1, 1.9 * size + 1), squeeze=False)
    weights = posterior["weight"].to_numpy(dtype=float)
    marker = 60 * weights / weights.max()
    for row, y_name in enumerate(names):
        for column, x_name in enumerate(names):
            axis = axes[row, column]
            x = posterior[PARAMETER_PREFIX + x_name].to_numpy(dtype=float)
            if row == column:
                axis.hist(x, bins=20, weights=weights, color=POSTERIOR_COLOUR, alpha=0.75)
                axis.set_yticks([])
            elif row > column:
                axis.scatter(x, posterior[PARAMETER_PREFIX + y_name], s=marker, color=POSTERIOR_COLOUR, alpha=0.4,
                             linewidths=0)
            else:
                axis.set_visible(False)
            axis.tick_params(labelsize=7)
            if row == size - 1:
                axis.set_xlabel(readable(x_name), fontsize=9)
            if column == 0 and row > 0:
                axis.set_ylabel(readable(y_name), fontsize=9)
    figure.suptitle("Posterior pairs (marker area: particle weight)", fontsize=11)
    figure.tight_layout()
    return save(figure, path)


def targets_figure(manifest: dict[str, Any], predictive: pd.DataFrame, verdicts: pd.Series, role: str, path: Path) -> Path:
    """One row per target: the observed band (shaded), the observed value (tick), and the
    posterior-predictive runs (dots) with their 5-95% interval (bar), each row on its own scale:
    positions are in units of the band's half-width around the observed value."""
    targets = {name: t for name, t in manifest["targets"].items() if t["role"] == role}
    figure, axis = plt.subplots(figsize=(9, 0.55 * max(len(targets), 1) + 1.4))
    labels = []
    for row, (name, target) in enumerate(targets.items()):
        low, high = target["band"] if target.get("band") else (target["observed"] - 2 * target["sd"],
                                                                target["observed"] + 2 * target["sd"])
        half = max((high - low) / 2, 1e-12)
        centre = target["observed"]
        simulated = predictive[name].to_numpy(dtype=float)
        simulated = simulated[np.isfinite(simulated)]
        scaled = (simulated - centre) / half
        p05, p95 = np.quantile(scaled, [0.05, 0.95]) if scaled.size else (np.nan, np.nan)
        within = bool(verdicts[name])  # targets.csv's verdict, the one the report gives
        colour = POSTERIOR_COLOUR if within else MISSED_COLOUR
        axis.fill_betweenx([row - 0.3, row + 0.3], (low - centre) / half, (high - centre) / half, color=OBSERVED_COLOUR,
                           alpha=0.25, linewidth=0)
        axis.plot([0, 0], [row - 0.3, row + 0.3], color=OBSERVED_COLOUR, linewidth=2)
        jitter = np.linspace(-0.15, 0.15, scaled.size) if scaled.size else []
        axis.scatter(scaled, row + np.asarray(jitter), s=8, color=colour, alpha=0.5, linewidths=0)
        axis.plot([p05, p95], [row, row], color=colour, linewidth=3)
        verdict = ("within" if within else "missed") if role == "fit" else ("passed" if within else "failed")
        labels.append(f"{name}\nobserved {centre:.3g} [{low:.3g}, {high:.3g}], model {np.median(simulated):.3g}: {verdict}"
                      if simulated.size else f"{name}: no runs")
    axis.set_yticks(range(len(targets)), labels, fontsize=9)
    axis.invert_yaxis()
    axis.axvline(0, color=GREY, linewidth=0.5)
    axis.set_xlabel("distance from the observed value, in half-widths of its band (band = ±1)", fontsize=9)
    used = "used in fitting" if role == "fit" else "held out: never used in fitting"
    axis.set_title(f"Targets {used}: observed band (green) against posterior-predictive runs "
                   f"(dots; bar = 5-95%)", fontsize=10)
    figure.tight_layout()
    return save(figure, path)


def write_calibration_figures(folder: Path) -> list[Path]:
    """Draw every figure of a results folder into it; returns their paths."""
    folder = Path(folder)
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    posterior = pd.read_parquet(folder / POSTERIOR_FILE)
    predictive = pd.read_parquet(folder / PREDICTIVE_FILE)
    verdicts = pd.read_csv(folder / TARGETS_FILE).set_index("target")["within"].astype(bool)
    written = [marginals(manifest, posterior, folder / "posterior_marginals.png"),
               pairs(manifest, posterior, folder / "posterior_pairs.png")]
    for role in ("fit", "held_out"):
        if any(t["role"] == role for t in manifest["targets"].values()):
            written.append(targets_figure(manifest, predictive, verdicts, role, folder / f"targets_{role}.png"))
    return written
