"""Draw the README's worked-example figure from the default experiment's results.

    make demo                      # writes results/total_place/
    .venv/bin/python docs/make_figures.py results/total_place      # -> results/figures/total_place_crises.png
    .venv/bin/python docs/make_figures.py results/total_place --out docs/figures/total_place_crises.png --force

The README's copy is replaced only when asked (`--out` to it and `--force`).

Crises per quarter (per 1,000 residents) in each regime: mean over replications, with the band
that holds the middle 95% of replications.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sim.experiment import load_results  # noqa: E402

OKABE_ITO = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7"]


def crises_over_time(folder: Path, out: Path) -> None:
    results = load_results(folder)
    population = results.manifest["scenarios"]["0"]["place"]["population"]
    crises = results.steps[results.steps["measure"] == "crises"]
    per_run = crises.groupby(["point_id", "run_id", "step"])["value"].sum().reset_index()
    names = results.design.set_index("point_id")["point"]
    figure, axes = plt.subplots(figsize=(8, 4.5), layout="constrained")
    for colour, (point_id, group) in zip(OKABE_ITO, per_run.groupby("point_id"), strict=False):
        by_step = group.groupby("step")["value"]
        rate = 1000.0 / population
        axes.plot(by_step.mean().index / 4, by_step.mean() * rate, color=colour, label=names[point_id])
        axes.fill_between(
            by_step.mean().index / 4, by_step.quantile(0.025) * rate, by_step.quantile(0.975) * rate, color=colour, alpha=0.15
        )
    axes.set_xlabel("years")
    axes.set_ylabel("crisis events per quarter per 1,000 residents")
    axes.set_title("Crisis events in the default place under six regimes (mean and 95% band over replications)")
    axes.legend(frameon=False, fontsize="small")
    figure.savefig(out, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, nargs="?", default=Path("results/total_place"), help="a sweep's folder")
    parser.add_argument("--out", type=Path, default=Path("results/figures/total_place_crises.png"), help="PNG to write")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists")
    args = parser.parse_args()
    if args.out.exists() and not args.force:
        parser.error(f"{args.out} exists; pass --force to replace it, or choose another --out")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    crises_over_time(args.results, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
