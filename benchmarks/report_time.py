"""Time `placesim report` on a results folder, and where its seconds go.

    make demo                                           # writes results/total_place/
    .venv/bin/python -m benchmarks.report_time results/total_place
    .venv/bin/python -m benchmarks.report_time results/total_place --repeat 3

Three numbers, medians over `--repeat` runs in one process (imports paid once, not counted):
the whole of `write_report` (the folder's report files are rewritten), building its sections
alone (reading the results, the statistics, the chart specifications), and rendering the
figures alone (vl-convert's SVG and PNG of each interactive figure, matplotlib's PNG of each
static one, into a scratch folder). The Vega bundle is timed apart: it is built once a process,
and a report redone keeps the one its folder holds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sim.analysis.report import build_sections, write_report
from sim.analysis.sections import vega_bundle, write_figure
from sim.experiment.store import load_results


def seconds_of(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def render_figures(folder: Path) -> tuple[int, int]:
    """Build the report's figures and render them into a scratch folder; (interactive, static) counts."""
    _, sections = build_sections(load_results(folder))
    figures = [f for s in sections for f in s.figures]
    with tempfile.TemporaryDirectory() as scratch:
        for item in figures:
            write_figure(item, Path(scratch))
    interactive = sum(f.interactive for f in figures)
    return interactive, len(figures) - interactive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="a finished sweep's folder (its report files are rewritten)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bundle = seconds_of(vega_bundle)
    whole = [seconds_of(lambda: write_report(args.results)) for _ in range(args.repeat)]
    build = [seconds_of(lambda: build_sections(load_results(args.results))) for _ in range(args.repeat)]
    counts: list[tuple[int, int]] = []
    both = [seconds_of(lambda: counts.append(render_figures(args.results))) for _ in range(args.repeat)]
    interactive, static = counts[0]
    print(f"`placesim report {args.results}`: {interactive} interactive and {static} static figures; median of "
          f"{args.repeat} in one process; {os.cpu_count()} cores, load average "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}\n")  # fmt: skip
    print("| part | seconds |\n|---|---:|")
    print(f"| whole report | {statistics.median(whole):.2f} |")
    print(f"| building the sections (statistics, chart specifications) | {statistics.median(build):.2f} |")
    print(f"| rendering the figures (less building the sections) | {statistics.median(both) - statistics.median(build):.2f} |")
    print(f"| the Vega bundle, once a process | {bundle:.2f} |")


if __name__ == "__main__":
    main()
