"""Draw the README's worked-example figure from the default experiment's results.

    make demo                      # writes results/total_place/
    .venv/bin/python docs/make_figures.py results/total_place      # -> results/figures/total_place_crises.png
    .venv/bin/python docs/make_figures.py results/total_place --out docs/figures/total_place_crises.png --force

The README's copy is replaced only when asked (`--out` to it and `--force`).

Crises per quarter (per 1,000 residents) in each regime: the report's own figure (the same
palette, number format and band: the 95% interval of the mean over replications), drawn by the
report's code, so the README and the report cannot disagree.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from sim.analysis import charts
from sim.analysis.report import context_of
from sim.analysis.sections import FigureItem, write_figure
from sim.analysis.timeseries import mean_with_band
from sim.experiment import load_results


def crises_over_time(folder: Path, out: Path) -> None:
    context = context_of(load_results(folder))
    per_thousand = 1000.0 / context.population
    bands = context.named(mean_with_band(context.steps, "crises"))
    bands = bands.assign(**{c: bands[c] * per_thousand for c in ("mean", "ci_low", "ci_high")})
    chart = charts.over_time(bands, context.colours, "Crisis events in the default place under six regimes",
                             "Crisis events per 1,000 residents per quarter")  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        written = write_figure(FigureItem("total_place_crises", chart, ""), Path(scratch))
        shutil.move(written, out)


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
