"""The behaviour patterns of the default place against the published rows they can be set beside.

Runs the silo baseline (scenarios/total_place_pilot.yaml) for several seeds and prints, per
pattern, the mean over seeds of each run's yearly values, the range over seeds, the published
figure and its row id in data/published_figures.csv. Rows marked "fit" were used to set a
parameter (docs/calibration.md section 7): agreement there is by construction, not a test. The
rest were not used and are checks. Run from the repository root:

    .venv/bin/python experiments/patterns.py [--seeds 5] [--citizens 100000]
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np

from sim.model.simulate import simulate
from sim.scenario import load_scenario

SCENARIO = "scenarios/total_place_pilot.yaml"
HOUSEHOLDS_ENGLAND = 22.1e6  # [hh_count_ew_2011] 23.4m for England and Wales, less Wales's 1.3m (assumption)
TROUBLED_FAMILIES = 120_000  # [tf_cost_total]

# (label, summary key, published value or None, row and role)
PATTERNS = [
    ("offending events of the top 0.1% of residents, a year", "offending_top_0_1pct_event_share", None,
     "[luton_offenders]: 250 persistent offenders (0.06% of 450,000) cost 112m a year; no share published"),
    ("offending events of the 9% of offenders with most", "offending_top_9pct_users_event_share", 0.52,
     "[prolific_share_convictions] (fit)"),
    ("A&E users with 3+ events a year, share of users", "health_users_3plus_share", 0.095,
     "[ed_freq3_patient_share] (fit)"),
    ("their share of health events", "health_users_3plus_event_share", 0.271, "[ed_freq3_attend_share] (fit)"),
    ("need held by the top 5% of residents", "need_top_5pct_share", 0.25,
     "aim of the scenario's copula comment (assumption)"),
    ("cost at full unit cost of the costliest 1% of residents", "cost_top_1pct_share", 0.32,
     "[top1pct_pop_hosp_share] (hospital spending only)"),
    ("cost of the costliest 5%", "cost_top_5pct_share", 0.50, "[top5_cost_share_1415] (health costs only)"),
    ("families with multiple problems, share of households", "multiple_problem_household_share",
     TROUBLED_FAMILIES / HOUSEHOLDS_ENGLAND, "[tf_cost_total] over [hh_count_ew_2011]; 5% of families after expansion [tf_expanded_share]"),
    ("cost of a family with multiple problems / an average household", "family_cost_ratio", 76190 / 7795,
     "[tf_cost_tf_wcheshire] / [tf_cost_avg_family_wcheshire]; Solihull 8.9 [tf_cost_tf_solihull]"),
    ("their share of all cost at full unit cost", "multiple_problem_cost_share", None, "no row"),
    ("deadweight: treated who would not have reached crisis in a year", "deadweight_share", None,
     "no row; NIESR (2016) found no significant impact [tf_saving_claim]"),
    ("offers of prevention declined", "offers_declined_share", None, "take-up assumptions"),
    ("quarters waited by those treated, mean", "mean_wait_quarters", None, "slots assumptions"),
]


def run_summaries(seeds: range, citizens: int) -> list[dict[str, float]]:
    scenario = load_scenario(SCENARIO)
    shares = scenario.population.households.size_shares
    households = scenario.place.population / float(np.dot(shares, np.arange(1, len(shares) + 1)))
    summaries = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in seeds:
            summary = simulate(scenario, seed=seed, population_sample=citizens).summary
            summary["multiple_problem_household_share"] = summary["families_with_multiple_problems"] / households
            summaries.append(summary)
    return summaries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--citizens", type=int, default=100_000)
    options = parser.parse_args()
    summaries = run_summaries(range(1, options.seeds + 1), options.citizens)
    print(f"Silo baseline, {options.seeds} seeds x {options.citizens:,} citizens, 10 years: mean (range over seeds)\n")
    print("| pattern | model | published | source |")
    print("|---|---|---|---|")
    for label, key, published, source in PATTERNS:
        values = np.array([s[key] for s in summaries])
        shown = f"{values.mean():.3g} ({values.min():.3g} to {values.max():.3g})"
        print(f"| {label} | {shown} | {'' if published is None else f'{published:.3g}'} | {source} |")


if __name__ == "__main__":
    main()
