"""The registry of summary statistics a calibration target can name: one documented function each.

pyabc's shape: the simulator is a function from parameters to a dict of named statistics. Each
statistic here reads the runs of one parameter draw and one seed: `runs.base` (the calibrated
scenario) and, for a paired statistic, `runs.regimes[name]` (another regime with the same draw and
seed, so the difference is not seed noise). Add your own with the decorator:

    @statistic("council_deficit_share", needs=())
    def council_deficit_share(runs: Runs) -> float:
        '''Share of quarters the council ends in deficit.'''
        ...

`needs` names the target fields the function takes (`domain`, `agency`, `regime`); a statistic
that needs `regime` is paired. docs/calibration.md lists every statistic with its definition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.model.outputs import ACUTE_CATEGORIES, PREVENTION_CATEGORIES
from sim.model.simulate import RunResult

SERVICES = "services"
ARGUMENTS = ("domain", "agency", "regime")


@dataclass
class Runs:
    """The runs of one parameter draw and one seed: the calibrated scenario and any other regimes."""

    base: RunResult
    regimes: dict[str, RunResult] = field(default_factory=dict)

    def regime(self, name: str) -> RunResult:
        return self.regimes[name]


@dataclass(frozen=True)
class Statistic:
    name: str
    function: Callable[..., float]
    needs: tuple[str, ...]

    @property
    def doc(self) -> str:
        return " ".join((self.function.__doc__ or "").split())

    @property
    def paired(self) -> bool:
        return "regime" in self.needs


STATISTICS: dict[str, Statistic] = {}


def statistic(name: str, needs: tuple[str, ...] = ()) -> Callable[[Callable[..., float]], Callable[..., float]]:
    """Register `function(runs, **needs) -> float` under `name`."""
    unknown = set(needs) - set(ARGUMENTS)
    if unknown:
        raise ValueError(f"statistic {name!r}: needs may only name {', '.join(ARGUMENTS)}, not {sorted(unknown)}")

    def register(function: Callable[..., float]) -> Callable[..., float]:
        if name in STATISTICS:
            raise ValueError(f"statistic {name!r} is registered twice")
        STATISTICS[name] = Statistic(name, function, tuple(needs))
        return function

    return register


def compute(name: str, runs: Runs, **arguments: str) -> float:
    """The value of statistic `name` on `runs`, given the arguments it needs."""
    found = STATISTICS[name]
    return float(found.function(runs, **{key: arguments[key] for key in found.needs}))


# --- one run ---------------------------------------------------------------------------------------


def domain_crises(result: RunResult) -> pd.Series:
    """Crisis events per quarter by domain (place scale), summed over the recorded steps."""
    steps = result.steps
    crises = steps[(steps["measure"] == "crises") & (steps["agency"] == "")]
    return crises.groupby("domain", observed=True)["value"].sum()


def recorded_quarters(result: RunResult) -> int:
    return int(result.steps["step"].max())


def service_spend(result: RunResult) -> pd.DataFrame:
    """Money paid to services, by paying agency, domain and category (GBP, place scale)."""
    flows = result.ledger
    paid = flows[flows["destination"] == SERVICES]
    return paid.groupby(["source", "domain", "category"], observed=True)["amount"].sum().reset_index()


@statistic("crisis_prevalence", needs=("domain",))
def crisis_prevalence(runs: Runs, domain: str) -> float:
    """Crisis events in the domain per resident per quarter, over the recorded quarters (docs/ODD.md 7.18)."""
    result = runs.base
    events = float(domain_crises(result).get(domain, 0.0))
    return events / result.scenario.place.population / recorded_quarters(result)


@statistic("need_related_acute_share")
def need_related_acute_share(runs: Runs) -> float:
    """Acute response (capacity, acute, premium, benefit) as a share of need-related spend: all
    money paid to services except the fixed base."""
    return runs.base.summary["need_related_acute_share"]


@statistic("prevention_share")
def prevention_share(runs: Runs) -> float:
    """Prevention (agencies' and the pool's) as a share of all money paid to services."""
    return runs.base.summary["prevention_share"]


@statistic("agency_prevention_share", needs=("agency",))
def agency_prevention_share(runs: Runs, agency: str) -> float:
    """The agency's prevention spend as a share of its need-related spend (all it pays to services
    but its fixed base); for `nhs`, the health prevention share."""
    spend = service_spend(runs.base)
    mine = spend[(spend["source"] == agency) & (spend["category"] != "fixed_cost")]
    total = float(mine["amount"].sum())
    prevention = float(mine.loc[mine["category"].isin(PREVENTION_CATEGORIES), "amount"].sum())
    return prevention / total if total > 0 else float("nan")


@statistic("fixed_base_share", needs=("agency",))
def fixed_base_share(runs: Runs, agency: str) -> float:
    """The agency's fixed base (services that do not vary with crises, settled in warm-up as what
    its budget leaves after need-related spend) as a share of its budget, as paid over the recorded
    quarters, so lower where a deficit cut it; `fixed_base_range_share` in the scenario is its
    plausible range (docs/ODD.md 7.3)."""
    result = runs.base
    spend = service_spend(result)
    fixed = float(spend.loc[(spend["source"] == agency) & (spend["category"] == "fixed_cost"), "amount"].sum())
    steps = result.steps
    yearly_budgets = steps.loc[(steps["measure"] == "budget_gbp") & (steps["agency"] == agency), "value"]
    budget = float(yearly_budgets.sum()) / 4  # a yearly budget recorded each quarter
    return fixed / budget if budget > 0 else float("nan")


@statistic("count_share", needs=("agency", "domain"))
def count_share(runs: Runs, agency: str, domain: str) -> float:
    """The Total Place count: the agency's acute and prevention spend in the domain as a share of
    all acute and prevention spend in the place."""
    spend = service_spend(runs.base)
    counted = spend[spend["category"].isin((*ACUTE_CATEGORIES, *PREVENTION_CATEGORIES))]
    total = float(counted["amount"].sum())
    cell = counted[(counted["source"] == agency) & (counted["domain"] == domain)]
    return float(cell["amount"].sum()) / total if total > 0 else float("nan")


def summary_statistic(name: str, doc: str) -> None:
    """Register a statistic that is a measure of the run summary (sim/model/outputs.py `summarise`)."""

    def read(runs: Runs) -> float:
        return runs.base.summary[name]

    read.__doc__ = doc
    statistic(name)(read)


for _name, _doc in {
    "need_top_5pct_share": "Share of all need held by the 5% of residents with most, mean of yearly values (ODD 7.1).",
    "cost_top_1pct_share": "Share of cost at full unit cost incurred by the costliest 1% of residents in a year.",
    "cost_top_5pct_share": "Share of cost at full unit cost incurred by the costliest 5% of residents in a year.",
    "family_cost_ratio": "Cost of a household with multiple problems over that of an average household (ODD 7.19).",
    "multiple_problem_cost_share": "Share of all cost at full unit cost carried by households with multiple problems.",
    "health_users_3plus_share": "Health users with 3 or more events in a year, as a share of health users (A&E frequent attenders).",
    "health_users_3plus_event_share": "Their share of all health events in the year.",
    "offending_top_9pct_users_event_share": "Share of offending events made by the 9% of offenders with most.",
    "offending_top_0_1pct_event_share": "Share of offending events made by the top 0.1% of residents in a year.",
    "deadweight_share": "Treated who would not have reached crisis within a year (ODD 7.20).",
    "offers_declined_share": "Offers of prevention or of a package that were declined.",
}.items():
    summary_statistic(_name, _doc)


@statistic("multiple_problem_household_share")
def multiple_problem_household_share(runs: Runs) -> float:
    """Households with events in at least `multiple_problems_domains` domains in a year, as a share
    of all households in the place (mean household size from the scenario's size shares)."""
    scenario = runs.base.scenario
    shares = np.asarray(scenario.population.households.size_shares, dtype=float)
    households = scenario.place.population / float(shares @ np.arange(1, len(shares) + 1))
    return runs.base.summary["families_with_multiple_problems"] / households


# --- paired: another regime against the calibrated one, same draw and seed -------------------------


def relative_change(regime_value: float, base_value: float) -> float:
    return (regime_value - base_value) / base_value if base_value else float("nan")


@statistic("spend_change_share", needs=("regime",))
def spend_change_share(runs: Runs, regime: str) -> float:
    """Relative change in all money paid to services under the regime (e.g. -0.01: 1% less)."""
    return relative_change(runs.regime(regime).summary["total_spend_gbp"], runs.base.summary["total_spend_gbp"])


@statistic("acute_spend_change_share", needs=("regime",))
def acute_spend_change_share(runs: Runs, regime: str) -> float:
    """Relative change in acute spend under the regime."""
    return relative_change(runs.regime(regime).summary["acute_spend_gbp"], runs.base.summary["acute_spend_gbp"])


@statistic("crises_change_share", needs=("regime",))
def crises_change_share(runs: Runs, regime: str) -> float:
    """Relative change in crisis events (all domains) under the regime."""
    return relative_change(runs.regime(regime).summary["total_crises"], runs.base.summary["total_crises"])


@statistic("domain_crises_change_share", needs=("regime", "domain"))
def domain_crises_change_share(runs: Runs, regime: str, domain: str) -> float:
    """Relative change in crisis events in one domain under the regime (health: emergency admissions)."""
    regime_events = float(domain_crises(runs.regime(regime)).get(domain, 0.0))
    return relative_change(regime_events, float(domain_crises(runs.base).get(domain, 0.0)))
