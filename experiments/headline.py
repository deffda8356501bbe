"""The money headline: each shipped reform paired against the silo baseline, seed by seed.

For each scenario and seed, the same citizens and shocks as the baseline (common random numbers);
per comparison, the mean over seeds and a 95% t interval of: money used (% change), cashable
saving (baseline money used minus the scenario's: the realised saving), non-cashable saving (more
capacity paid for and idle), claimed saving (the extra business-case claim made when the money was
spent), the gap between claimed and realised (cashable) saving, saving to the centre (lower net
cost to the central funders), crises (% change); then the scenario's deadweight (share of those
treated who would not have reached crisis within a year), section 114 notices a run and the money
pooled. Money is GBP m a year. With `--posterior FOLDER` (a calibration's results), seed s of
every scenario also runs posterior draw s, so the intervals carry parameter uncertainty too, and
two more columns give the share of pairs in which the reform saves cash and cuts crises. Run
from the repository root:

    .venv/bin/python experiments/headline.py [--seeds 5] [--citizens 20000] [--posterior calibration/results/total_place_pilot]
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from scipy import stats

from sim.calibration.posterior import read_posterior
from sim.model.simulate import simulate
from sim.scenario import Scenario, load_scenario

BASELINE = "total_place_pilot"
REFORMS = ("pooled", "pooled_devolved_gainshare", "austerity_2010")
YEARS = 10
DRAW_SEED = 2009  # the posterior draws' seed, as experiments/total_place.yaml's


def interval(values: list[float]) -> str:
    data = np.asarray(values)
    mean = data.mean()
    half = stats.t.ppf(0.975, data.size - 1) * data.std(ddof=1) / np.sqrt(data.size)
    return f"{mean:+.2f} ({mean - half:+.2f} to {mean + half:+.2f})"


def per_year_m(baseline: dict, scenario: dict, key: str, sign: float = 1.0) -> float:
    return sign * (baseline[key] - scenario[key]) / YEARS / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--citizens", type=int, default=20_000)
    parser.add_argument("--posterior", help="a calibration's results folder: seed s also runs posterior draw s")
    options = parser.parse_args()
    seeds = range(1, options.seeds + 1)
    posterior = read_posterior(options.posterior) if options.posterior else None
    draws = posterior.draws(options.seeds, seed=DRAW_SEED) if posterior else [None] * options.seeds

    def world(name: str, draw: dict[str, float] | None) -> Scenario:
        scenario = load_scenario(f"scenarios/{name}.yaml")
        return scenario if draw is None else posterior.apply(scenario, draw)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a draw's settled fixed bases may leave their ranges: the runs still count
        runs = {
            name: [simulate(world(name, draw), seed=s, population_sample=options.citizens).summary for s, draw in zip(seeds, draws)]
            for name in (BASELINE, *REFORMS)
        }
    extra = " P(saves cash) | P(cuts crises) |" if posterior else ""
    print("| scenario | money used, % | cashable (realised), £m/yr | non-cashable, £m/yr | claimed, £m/yr | claimed − realised, £m/yr | to the centre, £m/yr | crises, % | deadweight | s114 a run | pooled, £m/yr |" + extra)
    print("|---|---|---|---|---|---|---|---|---|---|---|" + ("---|---|" if posterior else ""))
    for name in REFORMS:
        pairs = list(zip(runs[BASELINE], runs[name], strict=True))
        cells = [
            interval([(s["money_used_gbp"] / b["money_used_gbp"] - 1) * 100 for b, s in pairs]),
            interval([per_year_m(b, s, "money_used_gbp") for b, s in pairs]),
            interval([per_year_m(b, s, "idle_capacity_gbp", sign=-1.0) for b, s in pairs]),
            interval([per_year_m(b, s, "claimed_savings_gbp", sign=-1.0) for b, s in pairs]),
            interval([per_year_m(b, s, "claimed_savings_gbp", sign=-1.0) - per_year_m(b, s, "money_used_gbp") for b, s in pairs]),
            interval([per_year_m(b, s, "net_cost_to_centre_gbp") for b, s in pairs]),
            interval([(s["total_crises"] / b["total_crises"] - 1) * 100 for b, s in pairs]),
            f"{np.mean([s['deadweight_share'] for _, s in pairs]):.0%}",
            f"{np.mean([s['section_114_count'] for _, s in pairs]):.1f}",
            f"{np.mean([s['pool_contributions_gbp'] for _, s in pairs]) / YEARS / 1e6:.0f}",
        ]
        if posterior:
            cells += [f"{np.mean([s['money_used_gbp'] < b['money_used_gbp'] for b, s in pairs]):.0%}",
                      f"{np.mean([s['total_crises'] < b['total_crises'] for b, s in pairs]):.0%}"]
        print(f"| `{name}.yaml` | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
