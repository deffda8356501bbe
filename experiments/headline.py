"""The money headline: each shipped reform paired against the silo baseline, seed by seed.

For each scenario and seed, the same citizens and shocks as the baseline (common random numbers);
per comparison, the mean over seeds and a 95% t interval of: money used (% change), cashable
saving (baseline money used minus the scenario's: the realised saving), non-cashable saving (more
capacity paid for and idle), claimed saving (the extra business-case claim made when the money was
spent), the gap between claimed and realised (cashable) saving, saving to the centre (lower net
cost to the central funders), crises (% change); then the scenario's deadweight (share of those
treated who would not have reached crisis within a year), section 114 notices a run and the money
pooled. Money is GBP m a year. Run from the repository root:

    .venv/bin/python experiments/headline.py [--seeds 5] [--citizens 20000]
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy import stats

from sim.model.simulate import simulate
from sim.scenario import load_scenario

BASELINE = "total_place_pilot"
REFORMS = ("pooled", "pooled_devolved_gainshare", "austerity_2010")
YEARS = 10


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
    options = parser.parse_args()
    seeds = range(1, options.seeds + 1)
    runs = {
        name: [simulate(load_scenario(f"scenarios/{name}.yaml"), seed=s, population_sample=options.citizens).summary for s in seeds]
        for name in (BASELINE, *REFORMS)
    }
    print("| scenario | money used, % | cashable (realised), £m/yr | non-cashable, £m/yr | claimed, £m/yr | claimed − realised, £m/yr | to the centre, £m/yr | crises, % | deadweight | s114 a run | pooled, £m/yr |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
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
        print(f"| `{name}.yaml` | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
