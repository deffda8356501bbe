"""Which of the app's levers can act in the chosen scenario, and in words why not.

A lever that cannot change anything (a pooling rate with no pool, a budget growth every agency's
own budget path overrides) is disabled beside its slider, with the reason; a lever that acts
only on the collaboration view (collaboration acts through the pool) is explained. The reach is
worked out from the scenario file and the levers as set in the sidebar, so it changes as soon as
a student changes the pool rule, before Reset. The model's own mechanisms decide it:
sim/model/pool.py (what needs a pool, a rate and members), learning.py (target pressure acts on
collaboration), agencies.py (ring-fenced lines and an agency's own share), settlement.py
(budget growth from year 2, unless a settlement path is set).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.app.place import Levers
from sim.app.units import STEPS_PER_YEAR
from sim.model.agencies import ring_fenced_weights
from sim.scenario import PoolRule, Scenario


@dataclass(frozen=True)
class Reach:
    """Why a lever cannot act, or acts only in part: `disabled` when it can change nothing."""

    note: str
    disabled: bool


def names(agencies: list[str]) -> str:
    return ", ".join(agencies)


def pool_reach(scenario: Scenario, levers: Levers) -> dict[str, Reach]:
    """The pool's levers: the rate, gain-share, and the culture that acts only through the pool."""
    if levers.pool_rule == PoolRule.silo.value:
        why = "under pool rule silo there is no pool"
        found = {
            "pooling_rate": Reach(f"No effect: {why}. Pick another pool rule to pool money.", True),
            "gain_share": Reach(f"No effect: {why}, so no savings to share.", True),
        }
    elif not scenario.pool_members:
        why = "the scenario file's pool has no members (policy.pool.members)"
        found = {
            "pooling_rate": Reach(f"No effect: {why}.", True),
            "gain_share": Reach(f"No effect: {why}.", True),
        }
    elif levers.pooling_rate == 0:
        why = "at a pooling rate of 0 nothing is pooled"
        found = {
            "pooling_rate": Reach("At 0 nothing is pooled, so the pool rule has nothing to allocate.", False),
            "gain_share": Reach(f"No effect: {why}, so no savings to share.", True),
        }
    else:
        found = {}
        if len(scenario.pool_members) < 2:
            found["gain_share"] = Reach("No effect: gain-share needs two or more pool members.", True)
        elif scenario.policy.pool.gain_share_rate == 0:
            found["gain_share"] = Reach("No effect: the file's gain_share_rate is 0, so nothing is handed back.", True)
        return found
    only_culture = f"Moves only the collaboration view: {why}, and collaboration acts through the pool."
    found["collaboration"] = Reach(only_culture, False)
    found["target_pressure"] = Reach(only_culture, False)
    return found


def learning_reach(scenario: Scenario) -> dict[str, Reach]:
    learning = scenario.learning
    if learning.rate == 0:
        why = "No effect: collaboration does not learn in this file (learning.rate 0)."
        return {"target_pressure": Reach(why, True)}
    if learning.target_weight == 0:
        return {"target_pressure": Reach("No effect: missed targets do not move collaboration in this file.", True)}
    return {}


def ring_fence_reach(scenario: Scenario) -> dict[str, Reach]:
    own = [a for a, agency in scenario.agencies.items() if agency.ring_fence_share is not None]
    unfenced = [a for a, agency in scenario.agencies.items() if not ring_fenced_weights(agency) and a not in own]
    if len(own) + len(unfenced) == len(scenario.agencies):
        return {"ring_fence_share": Reach("No effect: every agency has its own share or no ring-fenced lines.", True)}
    parts = [f"{names(own)} (own share in the file)"] if own else []
    parts += [f"{names(unfenced)} (no ring-fenced lines)"] if unfenced else []
    return {"ring_fence_share": Reach(f"Not for {' or '.join(parts)}.", False)} if parts else {}


def budget_growth_reach(scenario: Scenario) -> dict[str, Reach]:
    if scenario.run.steps <= STEPS_PER_YEAR:
        why = f"No effect: growth starts in year 2, and this run has {scenario.run.steps} quarters."
        return {"budget_growth": Reach(why, True)}
    path = scenario.settlement.path
    fixed = [a for a, agency in scenario.agencies.items() if path.get(a) or agency.budget_growth is not None]
    if len(fixed) == len(scenario.agencies):
        return {"budget_growth": Reach("No effect: the file sets every agency's budget path (settlement.path).", True)}
    if fixed:
        return {"budget_growth": Reach(f"Not for {names(fixed)}: the file sets their budget path.", False)}
    return {}


def lever_reach(scenario: Scenario, levers: Levers) -> dict[str, Reach]:
    """For each lever (by its `AppPlace` keyword) that cannot act, or acts only in part, in
    `scenario` (the file as picked) under `levers` (as set in the sidebar), why."""
    found = {**ring_fence_reach(scenario), **budget_growth_reach(scenario), **pool_reach(scenario, levers)}
    for lever, reach in learning_reach(scenario).items():  # more basic than what the pool allows
        found[lever] = reach
    return found
